//! The paths a user walks less often, each with a test: `init --dry-run`, a file berth would
//! seed that is already there, CRLF and non-UTF-8 files in the tree, a non-UTF-8 berth.toml, a
//! write that fails half-way, `--conflict sidecar` in the wizard, and the drift check's
//! "missing", "unmanaged" and "lacks keys" findings.

use crate::common::{
    berth_in, edit, init_mvp, read, read_tree, replace_once, repo_template, run_ok, stderr, stdout,
    tempdir, write,
};
use crate::wizard::{ENTER, Wizard};

#[test]
fn init_dry_run_prints_the_whole_tree_and_creates_nothing() {
    let tmp = tempdir();
    let out = run_ok(
        tmp.path(),
        &["init", "shop", "--preset", "mvp", "--yes", "--dry-run"],
    );
    for file in [
        "berth.toml",
        "docker-compose.yml",
        ".env.prod",
        "services/ai-engine/Dockerfile",
    ] {
        assert!(
            out.contains(&format!("--- /dev/null\n+++ b/{file}\n")),
            "{file}:\n{out}"
        );
    }
    assert!(
        !tmp.path().join("shop").exists(),
        "--dry-run created the folder"
    );
}

#[test]
fn a_file_berth_would_seed_that_exists_is_kept() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    write(dir, "services/billing/requirements.txt", "flask==3.0\n");
    write(dir, "services/billing/app/main.py", "print('mine')\n");
    let out = run_ok(dir, &["new", "billing", "--yes"]);
    assert!(
        out.contains("kept         services/billing/requirements.txt"),
        "{out}"
    );
    assert_eq!(
        read(dir, "services/billing/requirements.txt"),
        "flask==3.0\n"
    );
    assert_eq!(read(dir, "services/billing/app/main.py"), "print('mine')\n");
    run_ok(dir, &["check"]);
}

#[test]
fn a_crlf_managed_file_stays_crlf_when_merged() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let df = "services/creator-hub/Dockerfile";
    let crlf = read(dir, df).replace('\n', "\r\n");
    write(dir, df, &crlf);
    // Line endings alone are not an edit.
    let out = run_ok(dir, &["generate"]);
    assert!(!out.contains(df), "{out}");
    assert_eq!(read(dir, df), crlf, "rewritten");
    run_ok(dir, &["check", "--strict"]);
    // A standards update merges into it and keeps CRLF.
    let template = replace_once(
        &repo_template("services/SERVICE/Dockerfile.tera"),
        "EXPOSE {{ service.port }}\n",
        "EXPOSE {{ service.port }}\nLABEL org.example.team=\"platform\"\n",
    );
    write(dir, "org/services/SERVICE/Dockerfile.tera", &template);
    let out = run_ok(dir, &["--templates", "org", "generate"]);
    assert!(out.contains(&format!("updated      {df}")), "{out}");
    let after = read(dir, df);
    assert!(
        after.contains("LABEL org.example.team=\"platform\"\r\n"),
        "{after:?}"
    );
    assert!(
        !after.replace("\r\n", "").contains('\n'),
        "an LF line: {after:?}"
    );
}

#[test]
fn a_non_utf8_managed_file_or_manifest_is_refused_naming_the_line() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let df = dir.join("services/ai-engine/Dockerfile");
    let mut bytes = std::fs::read(&df).unwrap();
    bytes.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(&df, &bytes).unwrap();
    edit(
        dir,
        "berth.toml",
        "[services.ai-engine]\n",
        "[services.ai-engine]\nworkers = 2\n",
    );
    let before = read_tree(dir);
    let out = berth_in(dir, &["generate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines = std::str::from_utf8(&bytes)
        .err()
        .map(|_| bytes.split(|&b| b == b'\n').count() - 1);
    assert!(
        stderr(&out).contains(&format!(
            "services/ai-engine/Dockerfile: line {} is not UTF-8",
            lines.unwrap()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_tree(dir), before);

    let manifest = dir.join("berth.toml");
    let mut text = std::fs::read(&manifest).unwrap();
    text.extend_from_slice(b"# gr\xfc\xdfe\n");
    std::fs::write(&manifest, &text).unwrap();
    let out = berth_in(dir, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not UTF-8")
            && stderr(&out).contains("fix: save berth.toml as UTF-8")
    );
}

#[test]
fn a_write_that_fails_half_way_leaves_every_file_old_or_new() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    edit(
        dir,
        "berth.toml",
        "[services.ai-engine]\n",
        "[services.ai-engine]\nworkers = 2\n",
    );
    let done = tempdir();
    crate::common::copy_dir(dir, done.path());
    run_ok(done.path(), &["generate"]);
    let (old, new) = (read_tree(dir), read_tree(done.path()));
    // The base store is a file where berth needs a folder: the files are written, then
    // writing a base fails (even for root).
    let bases = dir.join(".berth/base");
    std::fs::rename(&bases, dir.join("bases.saved")).unwrap();
    std::fs::write(&bases, "not a folder").unwrap();
    let out = berth_in(dir, &["generate"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an I/O failure is an error: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(".berth/base"), "{}", stderr(&out));
    std::fs::remove_file(&bases).unwrap();
    std::fs::rename(dir.join("bases.saved"), &bases).unwrap();
    for (path, file) in read_tree(dir) {
        assert!(
            old.get(&path) == Some(&file) || new.get(&path) == Some(&file),
            "{path} is neither old nor new"
        );
    }
    run_ok(dir, &["generate"]);
    run_ok(dir, &["check"]);
    let (after, new) = (read_tree(dir), read_tree(done.path()));
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        new.keys().collect::<Vec<_>>()
    );
}

#[test]
fn the_wizard_writes_a_conflict_beside_the_file_in_sidecar_mode() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    // An edit on a line the new service changes: the gateway's upstream list.
    let compose = "docker-compose.yml";
    edit(
        dir,
        compose,
        "      WAIT_FOR: \"ai-engine,auth-service,channel-service,creator-hub\"",
        "      WAIT_FOR: \"auth-service\"",
    );
    let edited = read(dir, compose);
    let mut w = Wizard::spawn(dir, &["new", "billing", "--conflict", "sidecar"]);
    w.answer("Background / AI worker", ENTER);
    w.answer("Port (the next free one) [8005]: ", ENTER);
    w.answer("Uvicorn workers [2]: ", ENTER);
    w.answer("creator-hub", ENTER);
    w.answer("Gateway route prefix [/billing]: ", ENTER);
    w.expect(&format!(
        "conflict     {compose} (new render in {compose}.berth-new)"
    ));
    w.answer("Show the diff? [y/N]", "n");
    w.answer("Write these files? [Y/n]", "y");
    assert_eq!(w.exit_code(), 1, "{}", w.transcript());
    assert_eq!(
        read(dir, compose),
        edited,
        "sidecar mode must not touch the file"
    );
    assert!(read(dir, &format!("{compose}.berth-new")).contains("billing"));
}

#[test]
fn check_reports_missing_unmanaged_and_missing_keys() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    std::fs::remove_file(dir.join("services/auth-service/Dockerfile")).unwrap();
    edit(dir, ".env.staging", "\nCREATOR_HUB_WORKERS=2\n", "\n");
    let out = berth_in(dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains("FAIL services/auth-service/Dockerfile: missing (berth would create it)"),
        "{report}"
    );
    assert!(
        report.contains("FAIL .env.staging: CREATOR_HUB_WORKERS: behind (missing: berth.toml or the standard adds it)"),
        "{report}"
    );
    // Without the lock, nothing on disk is berth's: a file that differs from the render is
    // unmanaged (one that equals it is only unrecorded: `berth generate` adopts it).
    run_ok(dir, &["generate"]);
    edit(
        dir,
        "docker-compose.yml",
        "# Base Compose file",
        "# Our Compose file",
    );
    edit(dir, ".env.dev", "\nLOG_LEVEL=debug\n", "\nLOG_LEVEL=info\n");
    std::fs::remove_dir_all(dir.join(".berth")).unwrap();
    let out = berth_in(dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains("FAIL docker-compose.yml: unmanaged (exists but was not written by berth)"),
        "{report}"
    );
    assert!(report.contains("FAIL .env.dev: unmanaged"), "{report}");
    assert!(
        report.contains("FAIL .env.prod: behind (the lock does not record this render"),
        "{report}"
    );
}
