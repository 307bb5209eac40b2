//! The Kubernetes tree berth renders (`[kubernetes] enabled = true`): snapshots of two shapes (the
//! mvp preset; a minimal project without gateway, with declared infrastructure, services added by
//! `berth new` among them a WebSocket one, and custom namespace, replicas and resources), every
//! overlay listing exactly its files, `kubectl kustomize` building every overlay, every container's
//! environment equal under Compose and Kustomize with hard values in the `.env` file, and the
//! values berth refuses. Tests that need kubectl are ignored (cargo test says so) where build.rs
//! found none.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::{berth, init_mvp, read_tree, run_ok, tempdir, tree_text};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

fn append(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    let old = std::fs::read_to_string(&path).unwrap();
    std::fs::write(path, old + text).unwrap();
}

/// The mvp preset with Kubernetes enabled.
pub(crate) fn mvp_kubernetes(dir: &Path) {
    init_mvp(dir);
    append(dir, "berth.toml", "\n[kubernetes]\nenabled = true\n");
    run_ok(dir, &["generate"]);
}

/// A minimal project (no gateway) with infrastructure, services added by `berth new` (a
/// WebSocket one among them) and its own namespace, replicas and resources.
pub(crate) fn shop_kubernetes(dir: &Path) {
    run_ok(
        dir,
        &[
            "init", ".", "--preset", "minimal", "--name", "shop", "--yes",
        ],
    );
    append(
        dir,
        "berth.toml",
        "\n[infra.postgres]\nurl = \"tcp://postgres:5432\"\n",
    );
    run_ok(
        dir,
        &[
            "new",
            "billing",
            "--kind",
            "http",
            "--depends-on",
            "postgres",
            "--yes",
        ],
    );
    run_ok(
        dir,
        &[
            "new",
            "live-feed",
            "--kind",
            "websocket",
            "--depends-on",
            "billing",
            "--yes",
        ],
    );
    run_ok(
        dir,
        &[
            "new",
            "ml-worker",
            "--kind",
            "worker",
            "--depends-on",
            "billing,postgres",
            "--wait-timeout",
            "90,postgres=300",
            "--yes",
        ],
    );
    append(
        dir,
        "berth.toml",
        "\n[kubernetes]\nenabled = true\nnamespace = \"shop-{env}\"\nreplicas = { staging = 3, prod = 4 }\n\
         \n[services.billing.kubernetes]\nreplicas = { prod = 6 }\n\
         resources = { requests = { cpu = \"250m\" }, limits = { memory = \"1Gi\" } }\n",
    );
    run_ok(dir, &["generate"]);
}

/// The rendered Kubernetes tree and the `.env` file the prod overlay comes from.
fn kubernetes_text(dir: &Path) -> String {
    let env = std::fs::read_to_string(dir.join(".env.prod")).unwrap();
    format!(
        "{}===== .env.prod\n{env}",
        tree_text(&dir.join("deploy/kubernetes"))
    )
}

#[test]
fn mvp_kubernetes_tree() {
    let tmp = tempdir();
    mvp_kubernetes(tmp.path());
    settings().bind(|| insta::assert_snapshot!("mvp_kubernetes_tree", kubernetes_text(tmp.path())));
}

#[test]
fn shop_kubernetes_tree() {
    let tmp = tempdir();
    shop_kubernetes(tmp.path());
    settings()
        .bind(|| insta::assert_snapshot!("shop_kubernetes_tree", kubernetes_text(tmp.path())));
}

/// The `resources:` of a kustomization.yaml (the lines `  - PATH` under it).
fn resources(kustomization: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(kustomization).unwrap();
    text.lines()
        .skip_while(|l| *l != "resources:")
        .skip(1)
        .map_while(|l| l.strip_prefix("  - "))
        .map(str::to_string)
        .collect()
}

/// Every file of the base and of each overlay is listed by its kustomization.yaml, and every
/// listed file exists: a file rendered only sometimes (a `PodDisruptionBudget`, an infrastructure
/// policy) is listed exactly when it is there.
fn assert_every_file_listed(dir: &Path) {
    let root = dir.join("deploy/kubernetes");
    let mut folders = vec![root.join("base")];
    for env in ["dev", "staging", "prod"] {
        folders.push(root.join("overlays").join(env));
    }
    for folder in folders {
        let files: BTreeSet<String> = read_tree(&folder)
            .into_keys()
            .filter(|f| f != "kustomization.yaml")
            .collect();
        let listed: BTreeSet<String> = resources(&folder.join("kustomization.yaml"))
            .into_iter()
            .filter(|r| r != "../../base")
            .collect();
        assert_eq!(files, listed, "{}", folder.display());
    }
}

#[test]
fn every_overlay_lists_exactly_its_files() {
    for shape in [mvp_kubernetes, shop_kubernetes] {
        let tmp = tempdir();
        shape(tmp.path());
        assert_every_file_listed(tmp.path());
    }
    let tmp = tempdir();
    shop_kubernetes(tmp.path());
    let overlays = tmp.path().join("deploy/kubernetes/overlays");
    assert!(
        overlays.join("prod/services/live-feed").read_dir().is_err(),
        "one replica: no PDB"
    );
    assert!(
        overlays
            .join("dev/services/billing/network-policy-infra.yaml")
            .is_file()
    );
    assert!(
        !overlays
            .join("dev/services/billing/pod-disruption-budget.yaml")
            .exists()
    );
}

#[test]
#[cfg_attr(
    not(all(feature = "test-kubectl", feature = "test-compose", kubectl)),
    ignore = "needs kubectl with Kustomize v5 (build.rs looks for one) and the validators: features test-kubectl, test-compose"
)]
fn kubectl_kustomize_builds_every_overlay() {
    for shape in [mvp_kubernetes, shop_kubernetes] {
        let tmp = tempdir();
        shape(tmp.path());
        for env in ["dev", "staging", "prod"] {
            let overlay = tmp.path().join("deploy/kubernetes/overlays").join(env);
            let docs = crate::common::kustomize_build(&overlay);
            let kinds: BTreeSet<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
            assert!(
                kinds.contains("Deployment") && kinds.contains("ConfigMap"),
                "{kinds:?}"
            );
            assert!(!kinds.contains("Secret"), "a Secret was rendered");
        }
    }
}

/// `.env.dev` lines with hard values for keys the containers read.
const HARD_VALUES: &[(&str, &str)] = &[
    (
        "LOG_LEVEL=debug",
        r#"LOG_LEVEL="  it's \$5 # \"q\" \\ 'x'  ""#,
    ),
    (
        "AUTH_SERVICE_URL=http://auth-service:8001",
        "AUTH_SERVICE_URL='http://auth-service:8001'",
    ),
    (
        "CREATOR_HUB_WAIT_TIMEOUT=60",
        "CREATOR_HUB_WAIT_TIMEOUT=60 # a comment",
    ),
];

#[test]
#[cfg_attr(
    not(all(feature = "test-kubectl", feature = "test-compose", kubectl)),
    ignore = "needs kubectl with Kustomize v5 (build.rs looks for one) and the validators: features test-kubectl, test-compose"
)]
fn every_container_gets_the_same_environment_under_compose_and_kustomize() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let mut env = std::fs::read_to_string(dir.join(".env.dev")).unwrap();
    for (from, to) in HARD_VALUES {
        assert!(env.contains(from), "{from}");
        env = env.replacen(from, to, 1);
    }
    std::fs::write(dir.join(".env.dev"), env).unwrap();
    run_ok(dir, &["generate"]);
    let overlay = dir.join("deploy/kubernetes/overlays/dev");
    let docs = crate::common::kustomize_build(&overlay);
    let config = docs
        .iter()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("gateway-config")
        })
        .unwrap();
    assert_eq!(config["data"]["LOG_LEVEL"], r#"  it's $5 # "q" \ 'x'  "#);
    let out = Command::new(crate::common::installed_validators().join("bin/python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/compare-container-env.py"))
        .arg(dir)
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("compare-container-env: 15 passed, 0 failed"),
        "{stdout}"
    );
}

fn generate_fails(dir: &Path) -> String {
    let before = read_tree(dir);
    let out = berth().current_dir(dir).arg("generate").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(read_tree(dir), before, "nothing may be written");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn manifest_values_are_checked_with_their_rules() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    append(
        dir,
        "berth.toml",
        "\n[kubernetes]\nenabled = true\nnamespace = \"Demo\"\nhost = \"10.0.0.1\"\n\
         replicas = { qa = 2, prod = 0 }\n\
         \n[services.auth-service.kubernetes]\n\
         resources = { requests = { cpu = \"2\", memory = \"512m\" }, limits = { cpu = \"1x\" } }\n",
    );
    let err = generate_fails(dir);
    for expected in [
        "kubernetes.namespace = \"Demo\"",
        "kubernetes.host = \"10.0.0.1\"",
        "kubernetes.replicas.qa = 2: \"qa\" is not one of the project's environments",
        "kubernetes.replicas.prod = 0: must be between 1 and 100",
        "services.auth-service.kubernetes.resources.requests.memory = \"512m\": is a fraction of a byte",
        "services.auth-service.kubernetes.resources.limits.cpu = \"1x\": is not a Kubernetes quantity",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    assert!(err.contains("6 invalid values in berth.toml"), "{err}");

    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    append(
        dir,
        "berth.toml",
        "\n[kubernetes]\nenabled = true\n\n[gateway.kubernetes]\n\
         resources = { requests = { cpu = \"2\" } }\n",
    );
    let err = generate_fails(dir);
    assert!(
        err.contains(
            "gateway.kubernetes.resources.requests.cpu = \"2\": is more than its limit 500m"
        ),
        "{err}"
    );
}

#[test]
fn env_values_a_cluster_cannot_reproduce_are_refused_naming_file_line_and_key() {
    let tmp = tempdir();
    let dir = tmp.path();
    mvp_kubernetes(dir);
    let env = std::fs::read_to_string(dir.join(".env.prod")).unwrap();
    let env = env
        .replacen("IMAGE_TAG=0.1.0", "IMAGE_TAG=latest", 1)
        .replacen("LOG_LEVEL=warning", "LOG_LEVEL=${LEVEL:-warning}", 1)
        .replacen("AUTH_SERVICE_WORKERS=2", "AUTH_SERVICE_WORKERS", 1);
    std::fs::write(dir.join(".env.prod"), env).unwrap();
    let err = generate_fails(dir);
    assert!(
        err.contains(".env.prod: 3 values the Kubernetes overlay cannot carry"),
        "{err}"
    );
    assert!(err.contains("- IMAGE_TAG (line "), "{err}");
    assert!(err.contains("\"latest\": is `latest`"), "{err}");
    assert!(
        err.contains("fix: set a version, e.g. IMAGE_TAG=0.1.0"),
        "{err}"
    );
    assert!(err.contains("- LOG_LEVEL (line "), "{err}");
    assert!(err.contains("interpolates a variable"), "{err}");
    assert!(err.contains("- AUTH_SERVICE_WORKERS (line "), "{err}");
    assert!(err.contains("has no value"), "{err}");
    let check = berth().current_dir(dir).arg("check").output().unwrap();
    assert_eq!(check.status.code(), Some(2));

    let env = std::fs::read_to_string(dir.join(".env.prod")).unwrap();
    let env = env.replacen("LOG_LEVEL=${LEVEL:-warning}", "LOG_LEVEL=\"never closed", 1);
    std::fs::write(dir.join(".env.prod"), env).unwrap();
    let err = generate_fails(dir);
    assert!(
        err.contains(".env.prod: line 15: the quoted value of LOG_LEVEL is never closed"),
        "{err}"
    );
    assert!(
        err.contains("Docker Compose cannot read this file either"),
        "{err}"
    );
}

#[test]
fn ingress_class_and_host_reach_the_ingress() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    append(
        dir,
        "berth.toml",
        "\n[kubernetes]\nenabled = true\ningress_class = \"nginx\"\nhost = \"demo.example.com\"\n",
    );
    run_ok(dir, &["generate"]);
    let ingress =
        std::fs::read_to_string(dir.join("deploy/kubernetes/base/gateway/ingress.yaml")).unwrap();
    assert!(ingress.contains("  ingressClassName: nginx\n"), "{ingress}");
    assert!(
        ingress.contains("    - host: \"demo.example.com\"\n      http:\n"),
        "{ingress}"
    );
}
