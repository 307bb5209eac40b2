//! Exposes the embedded standard's version to the binary (`berth --version`) at compile time,
//! refuses a file under `templates/` that is not UTF-8 text (every file there is embedded as a
//! template), and tells the tests whether a Kustomize v5 (`kubectl kustomize`) is on this machine.

fn main() {
    // include_dir cannot tell cargo about new template files; watching the folder here does.
    println!("cargo:rerun-if-changed=templates");
    let text = std::fs::read_to_string("templates/standard.toml").expect("templates/standard.toml");
    let standard: toml::Table = text.parse().expect("templates/standard.toml is TOML");
    let version = standard
        .get("version")
        .and_then(toml::Value::as_str)
        .expect("templates/standard.toml has a top-level version string");
    println!("cargo:rustc-env=BERTH_STANDARD_VERSION={version}");
    refuse_non_utf8(std::path::Path::new("templates"));
    kubectl_cfg();
    pypa_snapshot_cfg();
}

/// Every file under `templates/` is embedded and read as text: one that is not UTF-8 would be a
/// template berth could never render, so the build stops and names it.
fn refuse_non_utf8(dir: &std::path::Path) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a readable templates/ entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            refuse_non_utf8(&path);
        } else {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                std::str::from_utf8(&bytes).is_ok(),
                "{} is not UTF-8 text, and every file under templates/ is embedded as a template\n  \
                 fix: remove it (Python byte code: __pycache__/ is in .gitignore) or save it as UTF-8",
                path.display()
            );
        }
    }
}

/// `cfg(kubectl)` when `kubectl` on the PATH embeds Kustomize v5: the tests that build overlays
/// with it are marked ignored elsewhere (cargo test then says so), never passed without running.
fn kubectl_cfg() {
    println!("cargo::rustc-check-cfg=cfg(kubectl)");
    println!("cargo:rerun-if-env-changed=PATH");
    let Some(path) = std::env::var_os("PATH") else {
        return;
    };
    let Some(kubectl) = std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())
    else {
        return;
    };
    println!("cargo:rerun-if-changed={}", kubectl.display());
    let version = std::process::Command::new(&kubectl)
        .args(["version", "--client"])
        .output();
    let v5 = version.is_ok_and(|out| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.starts_with("Kustomize Version: v5."))
    });
    if v5 {
        println!("cargo:rustc-cfg=kubectl");
    }
}

/// `cfg(pypa_snapshot)` when the `PyPA` advisory database snapshot is beside the repository
/// (`../shared/advisories/pypa-advisory-database`, or `$BERTH_PYPA_DB`): the scan tests that read
/// it are marked ignored without it, never passed without running.
fn pypa_snapshot_cfg() {
    println!("cargo::rustc-check-cfg=cfg(pypa_snapshot)");
    println!("cargo:rerun-if-env-changed=BERTH_PYPA_DB");
    let rel = std::env::var("BERTH_PYPA_DB")
        .unwrap_or_else(|_| "../shared/advisories/pypa-advisory-database".into());
    if std::path::Path::new(&rel).join("vulns").is_dir() {
        println!("cargo:rustc-cfg=pypa_snapshot");
    }
}
