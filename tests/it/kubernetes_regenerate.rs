//! The Kubernetes files are managed like every other: a user edit to a Deployment survives a
//! standards update (merged three ways), a workers change in berth.toml and a value edited in
//! `.env.<env>` reach the overlay's `ConfigMap`, `berth check` goes red on an edited or stale
//! overlay, and turning Kubernetes off (or a `PodDisruptionBudget`'s replicas down to one) leaves
//! the files orphaned until `--prune` removes them.

use std::path::Path;

use crate::common::{berth_in, edit, read, read_tree, run_ok, stdout, tempdir};
use crate::kubernetes_tree::mvp_kubernetes;

const OVERLAY_PROD: &str = "deploy/kubernetes/overlays/prod/kustomization.yaml";

/// `berth check`: its exit code and report.
fn check(dir: &Path) -> (Option<i32>, String) {
    let out = berth_in(dir, &["check"]);
    (out.status.code(), stdout(&out))
}

#[test]
fn a_user_edit_to_a_deployment_survives_a_standards_update() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let deployment = "deploy/kubernetes/base/services/creator-hub/deployment.yaml";
    edit(
        dir,
        deployment,
        "  template:\n    metadata:\n",
        "  template:\n    metadata:\n      annotations:\n        example.com/team: uploads\n",
    );
    // The organisation's "standard 2026.12": health checks every 15 s instead of 30 s.
    let org = dir.join("org");
    std::fs::create_dir(&org).unwrap();
    let standard = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/standard.toml"
    ))
    .unwrap()
    .replacen("version = \"2026.11\"", "version = \"2026.12\"", 1)
    .replacen("interval = \"30s\"", "interval = \"15s\"", 1);
    std::fs::write(org.join("standard.toml"), standard).unwrap();
    edit(
        dir,
        "berth.toml",
        "[project]\n",
        "[project]\ntemplates = \"org\"\n",
    );

    let (code, report) = check(dir);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report
            .contains("FAIL deploy/kubernetes/base/services/auth-service/deployment.yaml: behind"),
        "{report}"
    );

    let out = run_ok(dir, &["generate"]);
    assert!(out.contains(&format!("merged       {deployment}")), "{out}");
    assert!(
        out.contains("updated      deploy/kubernetes/base/services/auth-service/deployment.yaml"),
        "{out}"
    );
    let merged = read(dir, deployment);
    assert!(
        merged.contains("        example.com/team: uploads\n"),
        "edit lost:\n{merged}"
    );
    assert!(
        merged.contains("periodSeconds: 15") && !merged.contains("periodSeconds: 30"),
        "update not taken:\n{merged}"
    );
    let (code, report) = check(dir);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains(&format!("note {deployment}: edited")),
        "{report}"
    );
}

#[test]
fn a_workers_change_in_berth_toml_reaches_the_configmap() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    assert!(read(dir, OVERLAY_PROD).contains("      - \"AUTH_SERVICE_WORKERS=2\"\n"));
    edit(
        dir,
        "berth.toml",
        "[services.auth-service]\n",
        "[services.auth-service]\nworkers = 3\n",
    );
    let (code, report) = check(dir);
    assert_eq!(code, Some(1), "{report}");
    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains("AUTH_SERVICE_WORKERS 2 -> 3 (.env.prod)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("updated      {OVERLAY_PROD}")),
        "{out}"
    );
    let overlay = read(dir, OVERLAY_PROD);
    assert!(
        overlay.contains("      - \"AUTH_SERVICE_WORKERS=3\"\n"),
        "{overlay}"
    );
    assert_eq!(check(dir).0, Some(0));
}

#[test]
fn an_env_edit_reaches_the_configmap_and_check_is_red_until_generate() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    edit(
        dir,
        ".env.prod",
        "LOG_LEVEL=warning",
        "LOG_LEVEL='error # loud'",
    );
    let (code, report) = check(dir);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "FAIL {OVERLAY_PROD}: behind (rendered from berth.toml, the standard and the values of .env.prod"
        )),
        "{report}"
    );
    assert!(
        !report.contains("overlays/dev"),
        "only prod is stale:\n{report}"
    );
    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains(&format!("updated      {OVERLAY_PROD}")),
        "{out}"
    );
    let overlay = read(dir, OVERLAY_PROD);
    assert!(
        overlay.contains("      - \"LOG_LEVEL=error # loud\"\n"),
        "{overlay}"
    );
    assert!(!overlay.contains("LOG_LEVEL=warning"), "{overlay}");
    let (code, report) = check(dir);
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn an_overlay_edited_by_hand_fails_check_and_keeps_the_edit() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let overlay = "deploy/kubernetes/overlays/dev/kustomization.yaml";
    edit(dir, overlay, "\"LOG_LEVEL=debug\"", "\"LOG_LEVEL=info\"");
    let (code, report) = check(dir);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "FAIL {overlay}: edited (edited by hand, while its values must be those of .env.dev"
        )),
        "{report}"
    );
    run_ok(dir, &["generate"]);
    assert!(
        read(dir, overlay).contains("\"LOG_LEVEL=info\""),
        "the edit is merged, not lost"
    );
    assert_eq!(check(dir).0, Some(1));
}

#[test]
fn turning_kubernetes_off_orphans_deploy_until_prune_removes_it() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let files = |dir: &Path| {
        read_tree(&dir.join("deploy"))
            .into_keys()
            .collect::<Vec<_>>()
    };
    let before = files(dir);
    assert!(before.len() > 30, "{before:?}");
    edit(
        dir,
        "berth.toml",
        "[kubernetes]\nenabled = true",
        "[kubernetes]\nenabled = false",
    );
    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains("IMAGE_TAG 0.1.0 -> latest (.env.prod)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("orphaned     {OVERLAY_PROD} (no longer in the plan; `berth generate --prune` removes it)")),
        "{out}"
    );
    assert_eq!(files(dir), before, "nothing removed without --prune");
    let (code, report) = check(dir);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains(&format!("FAIL {OVERLAY_PROD}: orphaned")),
        "{report}"
    );
    let out = run_ok(dir, &["generate", "--prune"]);
    assert_eq!(
        out.matches("removed      deploy/").count(),
        before.len(),
        "{out}"
    );
    assert!(files(dir).is_empty());
    assert_eq!(check(dir).0, Some(0));
}

#[test]
fn replicas_down_to_one_orphan_the_disruption_budget() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let pdb = "deploy/kubernetes/overlays/prod/services/auth-service/pod-disruption-budget.yaml";
    assert!(dir.join(pdb).is_file());
    edit(
        dir,
        "berth.toml",
        "[services.auth-service]\n",
        "[services.auth-service]\n\n[services.auth-service.kubernetes]\nreplicas = { prod = 1 }\n",
    );
    let out = run_ok(dir, &["generate"]);
    assert!(out.contains(&format!("orphaned     {pdb}")), "{out}");
    let overlay = read(dir, OVERLAY_PROD);
    assert!(
        !overlay.contains("services/auth-service/pod-disruption-budget.yaml"),
        "{overlay}"
    );
    assert!(
        overlay.contains("  - name: auth-service\n    count: 1\n"),
        "{overlay}"
    );
    let out = run_ok(dir, &["generate", "--prune"]);
    assert!(out.contains(&format!("removed      {pdb}")), "{out}");
    assert!(!dir.join(pdb).exists());
    assert!(dir.join(pdb.replace("/prod/", "/staging/")).is_file());
}

#[test]
#[cfg_attr(
    not(all(feature = "test-kubectl", feature = "test-compose", kubectl)),
    ignore = "needs kubectl with Kustomize v5 (build.rs looks for one) and the validators: features test-kubectl, test-compose"
)]
fn a_changed_value_renames_exactly_the_configmaps_that_hold_it() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let names = |dir: &Path| {
        let overlay = dir.join("deploy/kubernetes/overlays/prod");
        let mut names: Vec<String> = crate::common::kustomize_build(&overlay)
            .iter()
            .filter(|d| d["kind"] == "ConfigMap")
            .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let before = names(dir);
    edit(
        dir,
        ".env.prod",
        "CREATOR_HUB_WORKERS=2",
        "CREATOR_HUB_WORKERS=4",
    );
    run_ok(dir, &["generate"]);
    let after = names(dir);
    let changed: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(changed.len(), 1, "{before:?} -> {after:?}");
    assert!(changed[0].starts_with("creator-hub-config-"), "{changed:?}");
}
