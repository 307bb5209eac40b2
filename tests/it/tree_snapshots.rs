//! Snapshots of whole generated trees (in the top-level `snapshots/` folder): the mvp preset,
//! and a minimal project with one service added by `berth new`. A change to any template shows
//! up here as a reviewable diff.

use crate::common::{init_mvp, run_ok, tempdir, tree_text};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn mvp_tree() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    settings().bind(|| insta::assert_snapshot!("mvp_tree", tree_text(tmp.path())));
}

#[test]
fn minimal_plus_one_service_tree() {
    let tmp = tempdir();
    run_ok(
        tmp.path(),
        &[
            "init", ".", "--preset", "minimal", "--name", "shop", "--yes",
        ],
    );
    run_ok(tmp.path(), &["new", "billing", "--kind", "http", "--yes"]);
    settings().bind(|| insta::assert_snapshot!("minimal_plus_billing_tree", tree_text(tmp.path())));
}
