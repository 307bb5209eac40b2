//! Regenerating after a standards update: a template folder (`templates = "org"` in berth.toml)
//! stands in for the update. Untouched files are replaced, edits survive or conflict visibly,
//! .env values stay, `check` goes red then green, and a run killed after any number of writes
//! leaves every file old or new and is completed by re-running.

use std::path::Path;

use crate::common::{
    berth, berth_in, copy_dir, init_mvp, read, read_tree, replace_once, repo_template, run_ok,
    stderr, stdout, tempdir, write,
};

/// The organisation's template folder carrying "standard 2026.12": health checks every 15 s
/// instead of 30 s, a team label on every service image, and a new TZ variable.
fn write_update(project: &Path) {
    let org = project.join("org");
    let standard = replace_once(
        &repo_template("standard.toml"),
        "version = \"2026.11\"",
        "version = \"2026.12\"",
    );
    let standard = replace_once(&standard, "interval = \"30s\"", "interval = \"15s\"");
    write(&org, "standard.toml", &standard);
    let dockerfile = replace_once(
        &repo_template("services/SERVICE/Dockerfile.tera"),
        "EXPOSE {{ service.port }}\n",
        "EXPOSE {{ service.port }}\nLABEL org.example.team=\"platform\"\n",
    );
    write(&org, "services/SERVICE/Dockerfile.tera", &dockerfile);
    let env = format!(
        "{}# Time zone of every container\nTZ=UTC\n",
        repo_template("partials/env_body.tera")
    );
    write(&org, "partials/env_body.tera", &env);
    let manifest = replace_once(
        &read(project, "berth.toml"),
        "[project]\n",
        "[project]\ntemplates = \"org\"\n",
    );
    write(project, "berth.toml", &manifest);
}

/// init, a user edit in a region the update does not touch, an edited .env value, the update.
fn edited_project(dir: &Path) {
    init_mvp(dir);
    let df = "services/creator-hub/Dockerfile";
    write(
        dir,
        df,
        &replace_once(
            &read(dir, df),
            "# The build context is this folder",
            "# team note: keep me\n# The build context is this folder",
        ),
    );
    write(
        dir,
        ".env.dev",
        &replace_once(
            &read(dir, ".env.dev"),
            "LOG_LEVEL=debug",
            "LOG_LEVEL=warning",
        ),
    );
    write_update(dir);
}

#[test]
fn update_replaces_untouched_files_merges_edits_and_keeps_env_values() {
    let tmp = tempdir();
    let dir = tmp.path();
    edited_project(dir);

    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    let findings = stdout(&check);
    assert!(
        findings.contains("FAIL services/auth-service/Dockerfile: behind"),
        "{findings}"
    );
    assert!(findings.contains("fix: run `berth generate`"), "{findings}");

    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains("container standard 2026.11 -> 2026.12"),
        "{out}"
    );
    assert!(
        out.contains("updated      services/auth-service/Dockerfile"),
        "{out}"
    );
    assert!(
        out.contains("merged       services/creator-hub/Dockerfile"),
        "{out}"
    );
    assert!(out.contains("keys added   .env.dev"), "{out}");

    let merged = read(dir, "services/creator-hub/Dockerfile");
    assert!(
        merged.contains("# team note: keep me\n"),
        "edit lost:\n{merged}"
    );
    assert!(
        merged.contains("--interval=15s") && merged.contains("LABEL org.example.team=\"platform\""),
        "update not taken:\n{merged}"
    );
    assert!(
        !merged.contains("2026.12") && !merged.contains("2026.11"),
        "a version in the file:\n{merged}"
    );
    let env = read(dir, ".env.dev");
    assert!(
        env.contains("\nLOG_LEVEL=warning\n")
            && env.ends_with("# Time zone of every container\nTZ=UTC\n"),
        "{env}"
    );
    assert!(!env.contains("LOG_LEVEL=debug"));

    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("note services/creator-hub/Dockerfile: edited"),
        "{}",
        stdout(&check)
    );
    let strict = berth_in(dir, &["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stdout(&strict));
}

/// init, then an edit on the very line the update changes (the health-check interval).
fn conflicting_project(dir: &Path) -> (&'static str, String) {
    init_mvp(dir);
    let df = "services/channel-service/Dockerfile";
    let edited = replace_once(&read(dir, df), "--interval=30s", "--interval=45s");
    write(dir, df, &edited);
    write_update(dir);
    (df, edited)
}

#[test]
fn edit_on_a_changed_line_conflicts_with_markers() {
    let tmp = tempdir();
    let dir = tmp.path();
    let (df, edited) = conflicting_project(dir);
    let out = berth_in(dir, &["generate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("conflict     services/channel-service/Dockerfile"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("1 conflicting file;") && stderr(&out).contains(df),
        "{}",
        stderr(&out)
    );
    let with_markers = read(dir, df);
    let (start, end) = (
        with_markers.find("<<<<<<<").unwrap(),
        with_markers.find(">>>>>>>").unwrap(),
    );
    let conflict = &with_markers[start..end];
    assert!(
        conflict.contains("--interval=45s") && conflict.contains("--interval=15s"),
        "{with_markers}"
    );

    let check = berth_in(dir, &["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let conflict = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == df)
        .unwrap();
    assert_eq!(conflict["problem"], "conflict");
    assert!(conflict["fix"].as_str().unwrap().contains("resolve"));

    // Resolving by hand (keeping our 45s) makes check green; the next generate keeps it.
    let resolved = keep_ours(&with_markers);
    assert!(
        resolved.contains("--interval=45s") && !resolved.contains("<<<<<<<"),
        "{resolved}"
    );
    // The update's only change to this file (no version in its header) is inside the
    // conflict, so keeping ours gives back the user's file exactly.
    assert_eq!(resolved, edited);
    write(dir, df, &resolved);
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let out = run_ok(dir, &["generate"]);
    assert!(out.contains(&format!("kept         {df} (edited")), "{out}");
    assert_eq!(read(dir, df), resolved);
}

/// Resolves every conflict of a merged text by keeping our side.
fn keep_ours(text: &str) -> String {
    let mut out = String::new();
    let mut side = 0; // 0 outside, 1 ours, 2 theirs
    for line in text.lines() {
        match line {
            l if l.starts_with("<<<<<<< ") => side = 1,
            "=======" if side == 1 => side = 2,
            l if l.starts_with(">>>>>>> ") => side = 0,
            l if side != 2 => {
                out.push_str(l);
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn sidecar_mode_leaves_the_file_and_writes_the_new_render_beside_it() {
    let tmp = tempdir();
    let dir = tmp.path();
    let (df, edited) = conflicting_project(dir);
    let out = berth_in(dir, &["generate", "--conflict", "sidecar"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(&format!("conflict     {df} (new render in {df}.berth-new)")),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        read(dir, df),
        edited,
        "sidecar mode must not touch the file"
    );
    let sidecar = read(dir, &format!("{df}.berth-new"));
    assert!(
        sidecar.contains("--interval=15s") && !sidecar.contains("45s"),
        "{sidecar}"
    );
    // Still a conflict next time: the old merge base is kept until the user resolves it.
    let again = berth_in(dir, &["generate", "--conflict", "sidecar"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(berth_in(dir, &["check"]).status.code(), Some(1));
}

#[test]
fn removed_service_files_are_reported_and_pruned_only_when_unedited() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let manifest = read(dir, "berth.toml");
    let start = manifest.find("# ai-engine:").unwrap();
    let end = manifest.find("# channel-service:").unwrap();
    write(
        dir,
        "berth.toml",
        &format!("{}{}", &manifest[..start], &manifest[end..]),
    );
    let ignore = "services/ai-engine/.dockerignore";
    write(dir, ignore, &format!("{}extra/\n", read(dir, ignore)));

    let out = run_ok(dir, &["generate"]);
    assert!(out.contains("orphaned     services/ai-engine/Dockerfile (no longer in the plan; `berth generate --prune` removes it)"), "{out}");
    assert!(dir.join("services/ai-engine/Dockerfile").exists());
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("services/ai-engine/Dockerfile: orphaned"));

    let out = run_ok(dir, &["generate", "--prune"]);
    assert!(
        out.contains("removed      services/ai-engine/Dockerfile"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "orphaned     {ignore} (no longer in the plan and edited by hand"
        )),
        "{out}"
    );
    assert!(!dir.join("services/ai-engine/Dockerfile").exists());
    assert!(dir.join(ignore).exists(), "edited orphan must stay");
    assert!(
        dir.join("services/ai-engine/app/main.py").exists(),
        "seeded code is never removed"
    );
    // Once the user deletes the edited file, the project is clean again.
    std::fs::remove_file(dir.join(ignore)).unwrap();
    run_ok(dir, &["generate"]);
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn lock_and_merge_results_are_byte_identical_across_runs() {
    let (a, b) = (tempdir(), tempdir());
    for dir in [a.path(), b.path()] {
        edited_project(dir);
        run_ok(dir, &["generate"]);
    }
    let (ta, tb) = (read_tree(a.path()), read_tree(b.path()));
    assert!(ta.keys().any(|k| k.starts_with(".berth/lock.toml")));
    assert_eq!(ta, tb);
    let lock = read(a.path(), ".berth/lock.toml");
    assert!(
        lock.contains("standard_version = \"2026.12\""),
        "{}",
        &lock[..400]
    );
}

#[test]
fn a_run_killed_after_any_write_leaves_old_or_new_files_and_rerun_completes() {
    let pre = tempdir();
    edited_project(pre.path());
    let post = tempdir();
    copy_dir(pre.path(), post.path());
    run_ok(post.path(), &["generate"]);
    let (old, new) = (read_tree(pre.path()), read_tree(post.path()));

    let mut completed_at = None;
    for n in 0..200 {
        let tmp = tempdir();
        copy_dir(pre.path(), tmp.path());
        let out = berth()
            .current_dir(tmp.path())
            .arg("generate")
            .env("BERTH_FAULT_AFTER_WRITES", n.to_string())
            .output()
            .unwrap();
        if out.status.success() {
            completed_at = Some(n);
            assert_eq!(read_tree(tmp.path()), new);
            break;
        }
        assert!(
            stderr(&out).contains(&format!("fault injected after {n} write(s)")),
            "{}",
            stderr(&out)
        );
        for (path, bytes) in read_tree(tmp.path()) {
            assert!(
                old.get(&path) == Some(&bytes) || new.get(&path) == Some(&bytes),
                "after {n} writes {path} is neither the old nor the new file"
            );
        }
        let check = berth_in(tmp.path(), &["check"]);
        assert_eq!(
            check.status.code(),
            Some(1),
            "check must fail on a half-done run (after {n} writes)"
        );
        run_ok(tmp.path(), &["generate"]);
        assert_eq!(
            read_tree(tmp.path()),
            new,
            "re-running generate after {n} writes did not complete the job"
        );
    }
    let writes = completed_at.expect("generate never completed");
    // A kill between creating a temp file and renaming it leaves the temp file; the next run
    // removes it.
    let tmp = tempdir();
    copy_dir(pre.path(), tmp.path());
    write(
        tmp.path(),
        "services/auth-service/.berth-tmp-left-over",
        "half a Dockerfile",
    );
    write(tmp.path(), ".berth/.berth-tmp-x", "half a lock");
    run_ok(tmp.path(), &["generate"]);
    assert_eq!(read_tree(tmp.path()), new);
    assert!(
        writes > 10,
        "the update should rewrite many files, wrote {writes}"
    );
}

/// Issue 21 §4: a standards update whose only rule change is the health check's retries (3 -> 4)
/// changes exactly the files that carry the retries (every Dockerfile and Compose file), not
/// every file whose header used to name the standard's version.
#[test]
fn a_version_bump_with_one_rule_change_touches_only_the_files_of_that_rule() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let before = read_tree(dir);
    let org = tempdir();
    let standard = replace_once(
        &repo_template("standard.toml"),
        "version = \"2026.11\"",
        "version = \"2026.12\"",
    );
    write(
        org.path(),
        "standard.toml",
        &replace_once(&standard, "retries = 3", "retries = 4"),
    );
    let out = run_ok(
        dir,
        &["--templates", org.path().to_str().unwrap(), "generate"],
    );
    assert!(
        out.contains("container standard 2026.11 -> 2026.12"),
        "{out}"
    );
    let after = read_tree(dir);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| !k.starts_with(".berth/") && before.get(*k) != after.get(*k))
        .collect();
    // The files that carry the retries, read from the tree before the update.
    let carriers: Vec<&String> = before
        .iter()
        .filter(|(k, _)| !k.starts_with(".berth/"))
        .filter(|(_, (_, bytes))| {
            let text = String::from_utf8_lossy(bytes);
            text.contains("--retries=3") || text.contains("retries: 3")
        })
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed, carriers, "generate output:\n{out}");
    assert!(
        changed.iter().all(|k| {
            let name = k.rsplit('/').next().unwrap();
            name == "Dockerfile" || name.starts_with("docker-compose")
        }),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|k| k.ends_with("Dockerfile"))
            && changed.iter().any(|k| k.contains("docker-compose")),
        "{changed:?}"
    );
}
