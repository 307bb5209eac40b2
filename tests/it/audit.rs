//! `berth audit`: every rule's failing and passing fixture (the passing one is the failing one
//! with the rule's fix applied), generated trees audit clean, the corpus of hand-written
//! repositories against reviewed snapshots, exit codes, suppressions, bad input and formats.
//!
//! Fixtures are `tests/fixtures/audit/base/` (a clean tree) with each rule's `fail/` or
//! `pass/` files laid over it. The corpus (`../shared/corpus/audit`) is read in place from
//! `BERTH_AUDIT_CORPUS`, which `.ci/run` sets; the standard's text from `BERTH_STANDARD_DOC`.
//! The tests that read them run with the feature `test-corpus` (`.ci/run` turns it on) and are
//! reported ignored, with that reason, without it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{berth, copy_dir, init_mvp, read_tree, run_ok, tempdir};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

/// Runs `berth audit ARGS` in `dir`: (exit code, stdout, stderr).
fn audit(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = berth()
        .current_dir(dir)
        .arg("audit")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The findings of `berth audit --format json .` in `dir`.
fn findings(dir: &Path) -> Vec<Value> {
    let (code, out, err) = audit(dir, &["--format", "json", "."]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

fn rules_of(findings: &[Value]) -> Vec<String> {
    let mut rules: Vec<String> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.dedup();
    rules
}

/// The base tree with `overlay`'s files laid over it, in a new temp folder.
fn tree_with(overlay: &Path) -> tempfile::TempDir {
    let dir = tempdir();
    copy_dir(&fixtures().join("base"), dir.path());
    copy_dir(overlay, dir.path());
    dir
}

/// The rule ids, from `berth audit --list-rules` (its first column).
fn rule_ids() -> Vec<String> {
    let out = run_ok(Path::new("."), &["audit", "--list-rules"]);
    out.lines()
        .skip(2)
        .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
        .collect()
}

/// Files of `pass` that differ from `fail` (changed or new), relative paths.
fn changed_files(fail: &Path, pass: &Path) -> Vec<String> {
    let before = read_tree(fail);
    read_tree(pass)
        .into_iter()
        .filter(|(k, v)| before.get(k) != Some(v))
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn base_fixture_is_clean() {
    let dir = tempdir();
    copy_dir(&fixtures().join("base"), dir.path());
    assert_eq!(findings(dir.path()), Vec::<Value>::new());
}

#[test]
fn every_rule_fails_its_fixture_and_its_fix_passes() {
    let ids = rule_ids();
    assert!(ids.len() > 20, "too few rules listed: {ids:?}");
    for id in ids {
        let case = fixtures().join(&id);
        assert!(case.is_dir(), "no fixture for {id} in {}", case.display());
        let fail = tree_with(&case.join("fail"));
        let found = findings(fail.path());
        let own: Vec<&Value> = found.iter().filter(|f| f["rule"] == id.as_str()).collect();
        assert!(
            !own.is_empty(),
            "{id}: the failing fixture has no {id} finding: {found:?}"
        );
        let pass = tree_with(&case.join("pass"));
        let left = findings(pass.path());
        assert!(
            left.is_empty(),
            "{id}: the fixed fixture still has findings: {left:?}"
        );
        // The fix touches only the flagged files and the files the fix text names.
        for file in changed_files(&case.join("fail"), &case.join("pass")) {
            let name = file.rsplit('/').next().unwrap();
            let named = own
                .iter()
                .any(|f| f["file"] == file.as_str() || f["fix"].as_str().unwrap().contains(name));
            assert!(
                named,
                "{id}: the fix changed {file}, which no finding names: {own:?}"
            );
        }
    }
}

#[test]
fn generated_trees_audit_clean_and_unchanged() {
    let mvp = tempdir();
    init_mvp(mvp.path());
    assert_clean(mvp.path(), "mvp preset");

    let manifest = mvp.path().join("berth.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("\n[infra.postgres]\nurl = \"tcp://postgres:5432\"\n");
    std::fs::write(&manifest, text).unwrap();
    let billing = [
        "new",
        "billing",
        "--kind",
        "http",
        "--depends-on",
        "auth-service,creator-hub,postgres",
        "--wait-timeout",
        "90,postgres=120",
        "--yes",
    ];
    run_ok(mvp.path(), &billing);
    let live = [
        "new",
        "live-feed",
        "--kind",
        "websocket",
        "--depends-on",
        "billing",
        "--yes",
    ];
    run_ok(mvp.path(), &live);
    assert_clean(mvp.path(), "mvp preset + services added by berth new");

    let minimal = tempdir();
    run_ok(
        minimal.path(),
        &["init", ".", "--preset", "minimal", "--yes"],
    );
    run_ok(minimal.path(), &["new", "billing", "--yes"]);
    assert_clean(minimal.path(), "minimal preset + one service");

    // Without a gateway every service publishes its port outside dev, deliberately: the
    // generated override says so with a reasoned suppression of BA-C007.
    let no_gateway = tempdir();
    run_ok(
        no_gateway.path(),
        &["init", ".", "--preset", "mvp", "--no-gateway", "--yes"],
    );
    assert_clean(no_gateway.path(), "mvp preset without the gateway");
}

fn assert_clean(dir: &Path, what: &str) {
    let before = read_tree(dir);
    let (code, out, err) = audit(dir, &[]);
    assert_eq!(code, 0, "{what}: berth audit exit {code}\n{out}{err}");
    assert!(out.starts_with("no findings in "), "{what}: {out}");
    assert_eq!(findings(dir), Vec::<Value>::new(), "{what}");
    assert!(
        read_tree(dir) == before,
        "{what}: berth audit wrote to the tree"
    );
}

/// Reads a path from an environment variable for a test that needs `../shared` (run with the
/// feature `test-corpus`): a failure when unset or set to a path that does not exist, never a
/// pass that checked nothing.
fn shared_path(var: &str) -> PathBuf {
    let value = std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: .ci/run sets it with --features test-corpus")
    });
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(value);
    assert!(path.exists(), "{var}={} does not exist", path.display());
    path
}

#[test]
#[cfg_attr(
    not(feature = "test-corpus"),
    ignore = "needs ../shared/corpus/audit in BERTH_AUDIT_CORPUS: feature test-corpus (.ci/run)"
)]
fn corpus_matches_reviewed_snapshots() {
    let corpus = shared_path("BERTH_AUDIT_CORPUS");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert_eq!(repos.len(), 10, "the corpus holds ten repositories");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    for repo in repos {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let (code, text, err) = audit(&repo, &[]);
        assert!(code == 0 || code == 1, "{name}: exit {code}: {err}");
        let parse_errors: Vec<Value> = findings(&repo)
            .into_iter()
            .filter(|f| f["rule"] == "BA-X001")
            .collect();
        assert!(
            parse_errors.is_empty(),
            "{name}: parse errors on valid files: {parse_errors:?}"
        );
        assert_eq!(
            audit(&repo, &[]).1,
            text,
            "{name}: output differs between runs"
        );
        settings.bind(|| insta::assert_snapshot!(format!("audit_corpus__{name}"), text));
    }
}

#[test]
fn explain_shows_every_rule() {
    for id in rule_ids() {
        let out = run_ok(Path::new("."), &["audit", "--explain", &id]);
        assert!(out.starts_with(&format!("{id} (")), "{out}");
        assert!(out.contains("Compliant example:"), "{id}: {out}");
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-corpus"),
    ignore = "needs the standard's text in BERTH_STANDARD_DOC: feature test-corpus (.ci/run)"
)]
fn explain_quotes_are_in_the_standard_text() {
    let doc = shared_path("BERTH_STANDARD_DOC");
    let standard = std::fs::read_to_string(doc).unwrap();
    for id in rule_ids() {
        let out = run_ok(Path::new("."), &["audit", "--explain", &id]);
        let Some(quote) = out
            .lines()
            .find(|l| l.starts_with("  \""))
            .map(|l| l.trim().trim_matches('"'))
        else {
            continue; // berth's own rules (BA-X002, BA-X003) quote nothing
        };
        assert!(
            standard.contains(quote),
            "{id} quotes `{quote}`, not in the standard"
        );
    }
}

#[test]
fn docs_rule_table_is_the_list_rules_output() {
    let listed = run_ok(Path::new("."), &["audit", "--list-rules"]);
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/audit.md"))
        .unwrap();
    assert!(
        doc.contains(&listed),
        "docs/audit.md's rule table differs from `berth audit --list-rules`; paste its output"
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let info = tree_with(&fixtures().join("BA-D008/fail"));
    assert_eq!(
        audit(info.path(), &[]).0,
        0,
        "an info finding passes the default --fail-on"
    );
    assert_eq!(audit(info.path(), &["--fail-on", "info"]).0, 1);
    let warning = tree_with(&fixtures().join("BA-H003/fail"));
    assert_eq!(audit(warning.path(), &[]).0, 1);
    assert_eq!(audit(warning.path(), &["--fail-on", "error"]).0, 0);
    let error = tree_with(&fixtures().join("BA-D007/fail"));
    assert_eq!(audit(error.path(), &["--fail-on", "error"]).0, 1);
}

fn write_manifest(dir: &Path, audit_table: &str) {
    let text = format!("[project]\nname = \"shop\"\n\n[audit.ignore]\n{audit_table}");
    std::fs::write(dir.join("berth.toml"), text).unwrap();
}

#[test]
fn whole_rules_switched_off_with_a_reason() {
    let dir = tree_with(&fixtures().join("BA-D008/fail"));
    write_manifest(dir.path(), "BA-D008 = \"the cluster admits named users\"\n");
    let (code, out, _) = audit(dir.path(), &["--fail-on", "info"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "no findings in 3 files; 1 suppressed\n")
    );

    write_manifest(dir.path(), "BA-D008 = \"\"\n");
    let found = findings(dir.path());
    let rules = rules_of(&found);
    assert_eq!(rules, ["BA-D008", "BA-X002"], "{found:?}");
    let x002 = found.iter().find(|f| f["rule"] == "BA-X002").unwrap();
    assert_eq!(
        (x002["file"].as_str(), x002["line"].as_u64()),
        (Some("berth.toml"), Some(5))
    );

    std::fs::remove_file(dir.path().join("berth.toml")).unwrap();
    let (code, _, _) = audit(
        dir.path(),
        &[
            "--fail-on",
            "info",
            "--ignore",
            "BA-D008=named users are fine",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn bad_input_exits_2_and_names_the_fix() {
    let dir = tree_with(&fixtures().join("BA-D008/fail"));
    let cases: [(&[&str], &str); 4] = [
        (&["--ignore", "BA-D008"], "needs a reason"),
        (&["--ignore", "BA-Q001=why"], "no audit rule has this id"),
        (&["no/such/folder"], "cannot audit no/such/folder"),
        (&["--explain", "BA-Z999"], "no audit rule has this id"),
    ];
    for (args, message) in cases {
        let (code, out, err) = audit(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains(message) && err.contains("fix:"),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{args:?} printed a report: {out}");
    }
    write_manifest(dir.path(), "BA-D999 = \"typo\"\n");
    let (code, _, err) = audit(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("audit.ignore.BA-D999"), "{err}");
    std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
    let (code, _, err) = audit(dir.path(), &["notes.txt"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn formats_carry_the_same_findings() {
    let dir = tree_with(&fixtures().join("BA-H003/fail"));
    let (_, text, _) = audit(dir.path(), &[]);
    assert_eq!(
        text,
        "api/Dockerfile\n    19  BA-H003 warning  --timeout 3s: the standard's is 5s\n        fix: `--timeout=5s`\n\n\
         1 finding (0 error, 1 warning, 0 info) in 3 files\n"
    );
    let (_, github, _) = audit(dir.path(), &["--format", "github"]);
    assert_eq!(
        github,
        "::warning file=api/Dockerfile,line=19,title=BA-H003::--timeout 3s: the standard's is 5s%0Afix: `--timeout=5s`\n"
    );
    let (_, sarif, _) = audit(dir.path(), &["--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        rule_ids().len()
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "BA-H003");
    assert_eq!(result["level"], "warning");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "api/Dockerfile");
    assert_eq!(location["region"]["startLine"], 19);
    let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
    let rule = &run["tool"]["driver"]["rules"][index];
    assert_eq!(rule["id"], "BA-H003");
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("--timeout=5s")
    );
    let (_, json, _) = audit(dir.path(), &["--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["warning"], 1);
    assert_eq!(doc["findings"][0]["line"], 19);
    for format in ["text", "json", "sarif", "github"] {
        let once = audit(dir.path(), &["--format", format]).1;
        assert_eq!(once, audit(dir.path(), &["--format", format]).1, "{format}");
        assert!(once.ends_with('\n') && !once.contains('\r'), "{format}");
    }
}

#[test]
fn suppression_comment_covers_its_line_and_the_next() {
    let dir = tree_with(&fixtures().join("BA-X002/pass"));
    let (code, out, _) = audit(dir.path(), &["--fail-on", "info"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "no findings in 3 files; 1 suppressed\n")
    );
    // Two lines above the finding, the comment no longer covers it.
    let file = dir.path().join("api/Dockerfile");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\nUSER app", "\n\nUSER app")).unwrap();
    assert_eq!(rules_of(&findings(dir.path())), ["BA-D008"]);
}

/// Compose health checks, case by case: (case folder, rule, file, line). Each `fail/` overlay
/// on the base tree has exactly that finding (the key that is wrong, in the file that wrote it;
/// the service key when the key is absent); its `pass/` overlay is the fix applied.
const COMPOSE_HEALTH: [(&str, &str, &str, u64); 8] = [
    ("string-test", "BA-H002", "docker-compose.yml", 9),
    ("cmd-shell-anchor", "BA-H002", "docker-compose.yml", 2),
    ("start-period-missing", "BA-H004", "docker-compose.yml", 20),
    ("variable-default", "BA-H003", "docker-compose.yml", 27),
    ("override", "BA-H004", "docker-compose.prod.yml", 4),
    ("extends", "BA-H003", "common/postgres.yml", 6),
    ("disable", "BA-H001", "docker-compose.prod.yml", 4),
    ("test-none", "BA-H001", "docker-compose.yml", 9),
];

#[test]
fn compose_health_checks_through_anchors_extends_overrides_and_defaults() {
    for (case, rule, file, line) in COMPOSE_HEALTH {
        let dir = fixtures().join("compose-health").join(case);
        let fail = tree_with(&dir.join("fail"));
        let found = findings(fail.path());
        let places: Vec<(&str, &str, u64)> = found
            .iter()
            .map(|f| {
                let (r, p) = (f["rule"].as_str().unwrap(), f["file"].as_str().unwrap());
                (r, p, f["line"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(places, [(rule, file, line)], "{case}: {found:?}");
        let pass = tree_with(&dir.join("pass"));
        let left = findings(pass.path());
        assert!(left.is_empty(), "{case}: the fix leaves {left:?}");
    }
    // SARIF carries the place as a region.
    let dir = fixtures().join("compose-health/start-period-missing/fail");
    let fail = tree_with(&dir);
    let (_, sarif, _) = audit(fail.path(), &["--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "docker-compose.yml");
    assert_eq!(location["region"]["startLine"], 20);
}

/// Every secret of `tests/fixtures/audit/secrets/`, none of which may appear in any output.
const SECRETS: [&str; 8] = [
    "hunter2",
    "s3cr3t-db-pass",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "django-insecure-9a8b7c6d5e4f",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "MIIEowIBAAKCAQEA7bq98W",
    "AKIAIOSFODNN7EXAMPLEKEY",
    "b0uncy-castle",
];

#[test]
fn no_output_format_repeats_a_secret() {
    let dir = tempdir();
    copy_dir(&fixtures().join("secrets"), dir.path());
    let mut outputs = Vec::new();
    for format in ["text", "json", "sarif", "github"] {
        let (code, out, err) = audit(dir.path(), &["--format", format, "--fail-on", "info"]);
        assert_eq!(code, 1, "{format}: {err}");
        outputs.push((format.to_string(), out + &err));
    }
    for id in rule_ids() {
        let (code, out, err) = audit(dir.path(), &["--explain", &id]);
        assert_eq!(code, 0, "{err}");
        outputs.push((format!("--explain {id}"), out + &err));
    }
    for (what, bytes) in &outputs {
        for secret in SECRETS {
            assert!(
                !bytes.contains(secret),
                "{what} prints the secret {secret}:\n{bytes}"
            );
        }
    }
    // Each credential is a finding, shown redacted; interpolations are not findings.
    let found = findings(dir.path());
    let c004: Vec<(u64, &str)> = found
        .iter()
        .filter(|f| f["rule"] == "BA-C004")
        .map(|f| (f["line"].as_u64().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    let lines: Vec<u64> = c004.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [6, 7, 8, 9, 10, 11, 17, 22], "{c004:#?}");
    let text = &outputs[0].1;
    assert!(
        text.contains("postgresql://admin:***@localhost:5432/app"),
        "{text}"
    );
}

#[test]
fn audit_judges_against_the_organisation_standard_generate_renders() {
    let dir = tempdir();
    init_mvp(dir.path());
    let embedded = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/standard.toml"),
    )
    .unwrap();
    let auth = "name = \"auth-service\"\nkind = \"http\"\nport = 8001\nworkers = 2\n";
    assert!(
        embedded.contains(auth),
        "the standard's auth-service row moved"
    );
    let org = embedded.replace(
        auth,
        "name = \"auth-service\"\nkind = \"http\"\nport = 8101\nworkers = 3\n",
    );
    std::fs::create_dir_all(dir.path().join("org")).unwrap();
    std::fs::write(dir.path().join("org/standard.toml"), org).unwrap();
    let manifest = dir.path().join("berth.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let with_org = text.replacen("[project]\n", "[project]\ntemplates = \"org\"\n", 1);
    assert_ne!(text, with_org);
    std::fs::write(&manifest, &with_org).unwrap();
    run_ok(dir.path(), &["generate"]);
    let dockerfile =
        std::fs::read_to_string(dir.path().join("services/auth-service/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("8101"),
        "generate did not render the organisation's port"
    );
    assert_clean(dir.path(), "a tree generated from an organisation standard");

    // The same tree judged by the embedded standard: the port and the worker count differ.
    std::fs::write(&manifest, &text).unwrap();
    let found = findings(dir.path());
    let table: Vec<&str> = found
        .iter()
        .filter(|f| f["file"].as_str().unwrap().contains("auth-service"))
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        table.contains(&"BA-T001") && table.contains(&"BA-T002"),
        "{found:?}"
    );
}
