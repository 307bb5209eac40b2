//! `berth fleet` (issue 21) over a fleet the test builds: one project in each state of
//! `fleet status` (up to date, behind, conflicts, edited, unresolved, invalid, busy), a
//! modify/delete and an add/add case, a dirty work tree, a detached HEAD, a folder outside
//! git; `status` in its three formats, `update`'s branches, commit messages and reports, the
//! user's branches and work trees left as they were, and an idempotent second run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{berth, read, read_tree, replace_once, repo_template, stdout, tempdir, write};
use crate::safety::{spawn, wait_for_line};

const BRANCH: &str = "berth/standard-2026.12";

/// git with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fleet Test")
        .env("GIT_AUTHOR_EMAIL", "fleet@example.invalid")
        .env("GIT_COMMITTER_NAME", "Fleet Test")
        .env("GIT_COMMITTER_EMAIL", "fleet@example.invalid")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

/// berth with the same git environment (fleet update commits).
fn fleet(dir: &Path, args: &[&str]) -> std::process::Output {
    berth()
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fleet Test")
        .env("GIT_AUTHOR_EMAIL", "fleet@example.invalid")
        .env("GIT_COMMITTER_NAME", "Fleet Test")
        .env("GIT_COMMITTER_EMAIL", "fleet@example.invalid")
        .output()
        .unwrap()
}

/// A project made by `berth init` in `fleet/name`, committed in its own repository.
fn project(fleet: &Path, name: &str) -> PathBuf {
    let dir = fleet.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let out = berth()
        .current_dir(&dir)
        .args(["init", ".", "--preset", "mvp", "--name", name, "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    git(&dir, &["init", "-q", "-b", "main"]);
    commit_all(&dir, "init");
    dir
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// The project takes "standard 2026.12" from its organisation folder: retries 3 -> 4.
fn take_update(dir: &Path) {
    let standard = replace_once(
        &repo_template("standard.toml"),
        "version = \"2026.11\"",
        "version = \"2026.12\"",
    );
    write(
        dir,
        "org/standard.toml",
        &replace_once(&standard, "retries = 3", "retries = 4"),
    );
    write(
        dir,
        "berth.toml",
        &replace_once(
            &read(dir, "berth.toml"),
            "[project]\n",
            "[project]\ntemplates = \"org\"\n",
        ),
    );
}

const DF: &str = "services/auth-service/Dockerfile";

/// The fleet: one project per state, committed (the dirty one excepted).
fn build_fleet(root: &Path) {
    project(root, "current");
    let behind = project(root, "behind");
    take_update(&behind);
    commit_all(&behind, "take 2026.12");
    let conflicts = project(root, "conflicts");
    write(
        &conflicts,
        DF,
        &replace_once(&read(&conflicts, DF), "--retries=3", "--retries=5"),
    );
    take_update(&conflicts);
    commit_all(&conflicts, "retries 5, take 2026.12");
    let deleted = project(root, "deleted");
    std::fs::remove_file(deleted.join(DF)).unwrap();
    take_update(&deleted);
    commit_all(&deleted, "no auth Dockerfile, take 2026.12");
    let edited = project(root, "edited");
    write(
        &edited,
        DF,
        &replace_once(
            &read(&edited, DF),
            "FROM python",
            "# team note\nFROM python",
        ),
    );
    commit_all(&edited, "team note");
    let unresolved = project(root, "unresolved");
    write(&unresolved, &format!("{DF}.berth-new"), "left over\n");
    commit_all(&unresolved, "sidecar left");
    let invalid = root.join("invalid");
    write(&invalid, "berth.toml", "[project]\nname = 1\n");
}

/// The files of `dir` outside `.git/` (git refreshes its index on `status`).
fn files(dir: &Path) -> std::collections::BTreeMap<String, (u32, Vec<u8>)> {
    let mut tree = read_tree(dir);
    tree.retain(|k, _| !k.starts_with(".git/"));
    tree
}

/// The paths that differ between two trees (a short message, not two whole trees).
fn differing(
    a: &std::collections::BTreeMap<String, (u32, Vec<u8>)>,
    b: &std::collections::BTreeMap<String, (u32, Vec<u8>)>,
) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn statuses(json: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (name, p.clone())
        })
        .collect()
}

#[test]
fn status_reports_every_state_in_each_format_and_writes_nothing() {
    let tmp = tempdir();
    let root = tmp.path();
    build_fleet(root);
    let busy = project(root, "busy");
    let mut holder = spawn(&busy, &["generate"], &[("BERTH_HOLD_LOCK_MS", "20000")]);
    wait_for_line(&mut holder, "holding the project lock");
    let before = read_tree(root);

    let out = fleet(root, &["fleet", "status", ".", "--format", "json"]);
    let table = fleet(root, &["fleet", "status", "."]);
    let markdown = fleet(root, &["fleet", "status", ".", "--format", "markdown"]);
    holder.kill().unwrap();
    holder.wait().unwrap();

    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json = stdout(&out);
    let all = statuses(&json);
    let state = |name: &str| all[name]["state"].as_str().unwrap().to_string();
    for (name, expected) in [
        ("current", "up-to-date"),
        ("behind", "behind"),
        ("conflicts", "conflicts"),
        ("deleted", "conflicts"),
        ("edited", "edited"),
        ("unresolved", "unresolved"),
        ("invalid", "invalid"),
        ("busy", "busy"),
    ] {
        assert_eq!(state(name), expected, "{name}: {json}");
    }
    assert_eq!(all["behind"]["locked_version"], "2026.11");
    assert_eq!(all["behind"]["target_version"], "2026.12");
    assert_eq!(all["current"]["target_version"], "2026.11");
    assert_eq!(all["conflicts"]["files"], serde_json::json!([DF]));
    assert_eq!(all["deleted"]["files"], serde_json::json!([DF]));
    assert_eq!(all["edited"]["files"], serde_json::json!([DF]));
    assert_eq!(all["edited"]["count"], 1);
    assert!(
        all["invalid"]["error"]
            .as_str()
            .unwrap()
            .contains("berth.toml"),
        "{json}"
    );
    assert!(
        all["busy"]["error"].as_str().unwrap().contains("locked by"),
        "{json}"
    );
    // behind: the Dockerfiles and the Compose file that carry the retries.
    let behind_files: Vec<&str> = all["behind"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(behind_files.contains(&DF) && behind_files.contains(&"docker-compose.yml"));
    assert!(
        behind_files
            .iter()
            .all(|f| f.ends_with("Dockerfile") || f.starts_with("docker-compose")),
        "{behind_files:?}"
    );

    let table = stdout(&table);
    assert!(
        table.lines().any(|l| l.starts_with("./conflicts ")
            && l.contains("2026.11  2026.12  conflicts")
            && l.contains(DF)),
        "{table}"
    );
    assert!(
        table.ends_with(
            "8 project(s): 1 up-to-date, 1 edited, 1 behind, 2 conflicts, 1 unresolved, 1 invalid, 1 busy\n"
        ),
        "{table}"
    );
    let markdown = stdout(&markdown);
    assert!(markdown.contains("| conflicts | 2 |\n"), "{markdown}");
    assert!(
        markdown.contains("| behind | `./behind` | 2026.11 -> 2026.12 | behind |"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("`./current`"),
        "up to date listed:\n{markdown}"
    );

    assert_eq!(
        differing(&read_tree(root), &before),
        Vec::<String>::new(),
        "fleet status wrote"
    );
}

#[test]
fn status_exits_0_when_every_project_is_up_to_date_or_edited_and_2_on_bad_input() {
    let tmp = tempdir();
    let root = tmp.path();
    project(root, "one");
    let two = project(root, "two");
    write(
        &two,
        DF,
        &replace_once(&read(&two, DF), "FROM python", "# note\nFROM python"),
    );
    let out = fleet(root, &["fleet", "status", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    write(root, "list.txt", "# the fleet\none\n\ntwo\n");
    let listed = fleet(
        root,
        &["fleet", "status", "--list", "list.txt", "--format", "json"],
    );
    assert_eq!(listed.status.code(), Some(0));
    assert_eq!(statuses(&stdout(&listed)).len(), 2);

    for args in [
        &["fleet", "status", "missing"][..],
        &["fleet", "status"][..],
        &["fleet", "status", "--list", "nowhere.txt"][..],
    ] {
        let out = fleet(root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("fix:"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
#[ignore = "needs check-jsonschema (tools/install-validators.sh): .ci/run runs it with --ignored"]
fn status_json_validates_against_its_schema() {
    let validators = std::env::var("BERTH_VALIDATORS").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/berth-validators"),
        PathBuf::from,
    );
    let tmp = tempdir();
    let root = tmp.path();
    build_fleet(root);
    let out = fleet(root, &["fleet", "status", ".", "--format", "json"]);
    write(root, "status.json", &stdout(&out));
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/fleet-status.schema.json");
    let check = Command::new(validators.join("bin/check-jsonschema"))
        .args(["--schemafile", schema])
        .arg(root.join("status.json"))
        .output()
        .expect("check-jsonschema runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn update_commits_on_a_new_branch_refuses_what_it_must_and_a_second_run_changes_nothing() {
    let tmp = tempdir();
    let root = tmp.path();
    build_fleet(root);
    let loose = more_projects(root);
    let heads = |dir: &Path| git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]);
    let untouched = ["dirty", "detached", "taken", "current", "edited"]
        .map(|n| (n, heads(&root.join(n)), files(&root.join(n))));

    let run = fleet(
        root,
        &[
            "fleet", "update", ".", "--branch", BRANCH, "--report", "prs",
        ],
    );
    let text = stdout(&run);
    assert_eq!(run.status.code(), Some(1), "{text}");
    for (name, refs, tree) in &untouched {
        let dir = root.join(name);
        if *name == "current" || *name == "edited" {
            // Nothing new for them: no branch is left behind.
            assert!(text.contains(&format!("./{name}: nothing new")), "{text}");
        }
        assert_eq!(&heads(&dir), refs, "{name}: refs changed");
        assert_eq!(
            differing(&files(&dir), tree),
            Vec::<String>::new(),
            "{name}: work tree changed"
        );
    }
    assert!(
        text.contains("./dirty: refused: the work tree has changes"),
        "{text}"
    );
    assert!(
        text.contains("./detached: refused: detached HEAD"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "./taken: refused: branch {BRANCH} exists with commits"
        )),
        "{text}"
    );
    assert!(
        text.contains("./loose: refused: not in a git work tree"),
        "{text}"
    );
    assert!(
        text.contains("./invalid: refused: not in a git work tree"),
        "{text}"
    );

    assert_committed(root, &text);

    // Second run: nothing new anywhere, no ref moves.
    let all_refs: Vec<String> = ["behind", "conflicts", "deleted"]
        .iter()
        .map(|n| heads(&root.join(n)))
        .collect();
    let again = fleet(root, &["fleet", "update", ".", "--branch", BRANCH]);
    let text = stdout(&again);
    for (i, name) in ["behind", "conflicts", "deleted"].iter().enumerate() {
        assert!(text.contains(&format!("./{name}: nothing new")), "{text}");
        assert_eq!(heads(&root.join(name)), all_refs[i], "{name}");
    }

    // --no-git: the folder outside git is updated in place, and says so.
    let loose_run = fleet(
        root,
        &["fleet", "update", "loose", "--branch", BRANCH, "--no-git"],
    );
    assert!(
        stdout(&loose_run).contains("loose: updated in place (not in git"),
        "{}",
        stdout(&loose_run)
    );
    assert!(read(&loose, ".berth/lock.toml").contains("standard_version = \"2026.12\""));
}

#[test]
fn dry_run_lists_what_each_project_would_get_and_writes_nothing() {
    let tmp = tempdir();
    let root = tmp.path();
    let behind = project(root, "behind");
    take_update(&behind);
    commit_all(&behind, "take 2026.12");
    let before = read_tree(root);
    let out = fleet(
        root,
        &["fleet", "update", ".", "--branch", BRANCH, "--dry-run"],
    );
    let text = stdout(&out);
    assert!(text.contains("./behind: would update"), "{text}");
    assert!(text.contains(&format!("updated    {DF}")), "{text}");
    assert_eq!(
        differing(&files(root), &before),
        Vec::<String>::new(),
        "a dry run wrote"
    );
}

/// The projects with something new got one commit on the branch, a report, a push command;
/// their work trees are back on main and clean.
fn assert_committed(root: &Path, text: &str) {
    for name in ["behind", "conflicts", "deleted"] {
        let dir = root.join(name);
        assert_eq!(git(&dir, &["branch", "--show-current"]), "main", "{name}");
        assert_eq!(git(&dir, &["status", "--porcelain"]), "", "{name}");
        let message = git(&dir, &["log", "-1", "--format=%B", BRANCH]);
        assert!(
            message.starts_with(&format!(
                "berth: container standard 2026.11 -> 2026.12 ({name})"
            )),
            "{message}"
        );
        assert!(
            message.contains(&format!("Berth-Fleet-Branch: {BRANCH}")),
            "{message}"
        );
        assert_eq!(
            git(&dir, &["rev-list", "--count", &format!("main..{BRANCH}")]),
            "1"
        );
        let report = read(root, &format!("prs/{name}.md"));
        assert!(report.contains("## Review and push"), "{report}");
        assert!(
            text.contains(&format!("push -u origin {BRANCH}")) && report.contains("push -u origin"),
            "{text}"
        );
    }
    let behind = git(&root.join("behind"), &["log", "-1", "--format=%B", BRANCH]);
    assert!(
        behind.contains(&format!("updated    {DF}")) && behind.contains("No conflicts."),
        "{behind}"
    );
    let conflicts = git(
        &root.join("conflicts"),
        &["log", "-1", "--format=%B", BRANCH],
    );
    assert!(
        conflicts.contains(&format!(
            "Conflicts left for review (1):\n  {DF}: edited here"
        )) && conflicts.contains("healthcheck.retries = 4"),
        "{conflicts}"
    );
    let markers = git(
        &root.join("conflicts"),
        &["show", &format!("{BRANCH}:{DF}")],
    );
    assert!(
        markers.contains("<<<<<<<") && markers.contains("--retries=5"),
        "{markers}"
    );
    // modify/delete: never dropped, never silently restored; berth's render goes beside it.
    let deleted = git(&root.join("deleted"), &["log", "-1", "--format=%B", BRANCH]);
    assert!(deleted.contains("(modify/delete)"), "{deleted}");
    let files = git(
        &root.join("deleted"),
        &["ls-tree", "-r", "--name-only", BRANCH],
    );
    assert!(
        files.contains(&format!("{DF}.berth-new")) && !files.lines().any(|l| l == DF),
        "{files}"
    );
    let report = read(root, "prs/conflicts.md");
    assert!(
        report.contains("(rule: healthcheck.retries = 4)"),
        "{report}"
    );
    assert!(
        text.trim_end()
            .ends_with(&format!("push -u origin {BRANCH}")),
        "{text}"
    );
}

/// A dirty work tree, a detached HEAD, a taken branch, a folder outside git (the unresolved
/// project goes: its sidecar would be committed as it is).
fn more_projects(root: &Path) -> PathBuf {
    std::fs::remove_dir_all(root.join("unresolved")).unwrap();
    let dirty = project(root, "dirty");
    take_update(&dirty);
    let detached = project(root, "detached");
    git(&detached, &["checkout", "-q", "--detach"]);
    let taken = project(root, "taken");
    git(&taken, &["checkout", "-q", "-b", BRANCH]);
    write(&taken, "NOTES.md", "mine\n");
    commit_all(&taken, "a user's own commit");
    git(&taken, &["checkout", "-q", "main"]);
    let loose = root.join("loose");
    std::fs::create_dir_all(&loose).unwrap();
    let out = berth()
        .current_dir(&loose)
        .args(["init", ".", "--preset", "minimal", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    take_update(&loose);
    loose
}

/// add/add: the repository has its own file where the standard now adds one. A conflict, in
/// status and in the rollout, whose render goes beside the file: the user's file stays as is.
#[test]
fn a_file_added_here_and_by_the_standard_is_a_conflict_never_overwritten() {
    let tmp = tempdir();
    let root = tmp.path();
    let dir = project(root, "both");
    take_update(&dir);
    write(
        &dir,
        "org/scripts/lint.sh",
        "#!/bin/sh\necho standard lint\n",
    );
    write(&dir, "scripts/lint.sh", "#!/bin/sh\necho our lint\n");
    commit_all(&dir, "our lint, take 2026.12");

    let status = fleet(root, &["fleet", "status", ".", "--format", "json"]);
    let all = statuses(&stdout(&status));
    assert_eq!(all["both"]["state"], "conflicts", "{}", stdout(&status));
    assert_eq!(all["both"]["files"], serde_json::json!(["scripts/lint.sh"]));

    let run = fleet(root, &["fleet", "update", ".", "--branch", BRANCH]);
    let text = stdout(&run);
    assert!(text.contains("(add/add)"), "{text}");
    let ours = git(&dir, &["show", &format!("{BRANCH}:scripts/lint.sh")]);
    assert_eq!(ours, "#!/bin/sh\necho our lint");
    let theirs = git(
        &dir,
        &["show", &format!("{BRANCH}:scripts/lint.sh.berth-new")],
    );
    assert!(theirs.contains("echo standard lint"), "{theirs}");
}
