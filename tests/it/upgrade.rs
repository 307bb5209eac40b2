//! Upgrading a project made by an earlier berth release: `tests/fixtures/release-0.1.0/mvp` is
//! the tree berth 0.1.0 rendered (see the README beside it), lock included. `berth generate`
//! must bring it to what this berth renders without losing anything: files that left the
//! layout go when unedited and are reported when edited; everything else ends byte for byte
//! as a fresh `berth init` renders it.

use std::path::Path;

use crate::common::{berth, copy_dir, read_tree, run_ok, tempdir};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/release-0.1.0/mvp"
);

/// Files berth 0.1.0 wrote that the per-service build contexts replaced.
const RETIRED: [&str; 7] = [
    "scripts/healthcheck.py",
    "scripts/wait-for-services.py",
    "gateway/Dockerfile.dockerignore",
    "services/ai-engine/Dockerfile.dockerignore",
    "services/auth-service/Dockerfile.dockerignore",
    "services/channel-service/Dockerfile.dockerignore",
    "services/creator-hub/Dockerfile.dockerignore",
];

fn release_project(dir: &Path) {
    copy_dir(Path::new(FIXTURE), dir);
}

/// The tree without the lock, whose entries carry berth's version.
fn files(dir: &Path) -> std::collections::BTreeMap<String, (u32, Vec<u8>)> {
    let mut tree = read_tree(dir);
    tree.retain(|path, _| !path.starts_with(".berth/"));
    tree
}

#[test]
fn generate_moves_a_release_project_to_the_current_layout() {
    let old = tempdir();
    release_project(old.path());
    for path in RETIRED {
        assert!(old.path().join(path).is_file(), "fixture lacks {path}");
    }
    let out = run_ok(old.path(), &["generate"]);
    for path in RETIRED {
        assert!(
            out.contains(&format!(
                "removed      {path} (no longer part of the standard's layout)"
            )),
            "{path} not reported as removed:\n{out}"
        );
        assert!(!old.path().join(path).exists(), "{path} still exists");
    }
    let fresh = tempdir();
    run_ok(
        fresh.path(),
        &["init", ".", "--preset", "mvp", "--name", "legacy", "--yes"],
    );
    assert!(
        out.contains("file(s) changed only by the one-time header migration"),
        "the header migration is not reported:\n{out}"
    );
    let (migrated, fresh) = (files(old.path()), files(fresh.path()));
    // Seeded files are the user's: berth never rewrites them, not even their header.
    let seeded = |k: &str| k.contains("/app/") || k.ends_with("requirements.txt");
    let differing: Vec<&String> = migrated
        .keys()
        .chain(fresh.keys())
        .filter(|k| !seeded(k) && migrated.get(*k) != fresh.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "the upgraded tree differs from a fresh init in {differing:?}"
    );
    let check = berth()
        .current_dir(old.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let again = run_ok(old.path(), &["generate"]);
    assert!(
        !again.contains("removed"),
        "second run removed more:\n{again}"
    );
}

#[test]
fn an_edited_file_that_left_the_layout_is_reported_and_kept() {
    let dir = tempdir();
    release_project(dir.path());
    let edited = "services/ai-engine/Dockerfile.dockerignore";
    let path = dir.path().join(edited);
    let text = format!("{}models/\n", std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &text).unwrap();

    let out = run_ok(dir.path(), &["generate"]);
    assert!(
        out.contains(&format!(
            "orphaned     {edited} (no longer part of the standard's layout, and edited by hand"
        )),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "edit lost");
    assert!(!dir.path().join(RETIRED[0]).exists(), "unedited file kept");

    let check = berth()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!("FAIL {edited}: orphaned")),
        "{report}"
    );

    std::fs::remove_file(&path).unwrap();
    run_ok(dir.path(), &["generate"]);
    run_ok(dir.path(), &["check"]);
}

#[test]
fn every_env_value_survives_the_upgrade_and_berths_values_follow_afterwards() {
    let tmp = tempdir();
    let dir = tmp.path();
    release_project(dir);
    let env = dir.join(".env.prod");
    let text = std::fs::read_to_string(&env).unwrap();
    let edited = text
        .replace("\nLOG_LEVEL=warning\n", "\nLOG_LEVEL=error\n")
        .replace(
            "\nAUTH_SERVICE_SECRET_KEY=\n",
            "\nAUTH_SERVICE_SECRET_KEY=kept-secret\n",
        )
        + "# ours\nOWN_KEY='x y'\n";
    assert_ne!(edited, text);
    std::fs::write(&env, &edited).unwrap();

    run_ok(dir, &["generate"]);
    let after = std::fs::read_to_string(&env).unwrap();
    for line in [
        "LOG_LEVEL=error",
        "AUTH_SERVICE_SECRET_KEY=kept-secret",
        "# ours",
        "OWN_KEY='x y'",
    ] {
        assert!(after.lines().any(|l| l == line), "{line} lost:\n{after}");
    }
    let lock = std::fs::read_to_string(dir.join(".berth/lock.toml")).unwrap();
    assert!(lock.contains(&format!(
        "berth_version = \"{}\"",
        env!("CARGO_PKG_VERSION")
    )));

    // The upgraded lock knows which values are berth's: a workers change now reaches them.
    let manifest = dir.join("berth.toml");
    let toml = std::fs::read_to_string(&manifest).unwrap().replace(
        "[services.ai-engine]\n",
        "[services.ai-engine]\nworkers = 4\n",
    );
    std::fs::write(&manifest, toml).unwrap();
    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains("    AI_ENGINE_WORKERS 1 -> 4 (.env.prod)"),
        "{out}"
    );
    let after = std::fs::read_to_string(&env).unwrap();
    assert!(after.contains("\nAI_ENGINE_WORKERS=4\n") && after.contains("\nLOG_LEVEL=error\n"));
}

#[test]
fn a_lock_from_a_newer_berth_is_refused_and_nothing_is_written() {
    let dir = tempdir();
    crate::common::init_mvp(dir.path());
    let lock = dir.path().join(".berth/lock.toml");
    let text = std::fs::read_to_string(&lock)
        .unwrap()
        .replace("\nformat = 2\n", "\n");
    std::fs::write(&lock, format!("format = 9\nshards = 4\n{text}")).unwrap();
    let before = read_tree(dir.path());
    for args in [&["generate"][..], &["check"], &["new", "billing", "--yes"]] {
        let out = berth().current_dir(dir.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let version = env!("CARGO_PKG_VERSION");
        assert!(
            stderr.contains(&format!("lock format 9, written by berth {version}"))
                && stderr.contains("reads up to format 2"),
            "{stderr}"
        );
    }
    assert_eq!(read_tree(dir.path()), before);
}
