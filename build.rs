//! Exposes the embedded standard's version to the binary (`berth --version`) at compile time, and
//! tells the tests whether a Kustomize v5 (`kubectl kustomize`) is on this machine.

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
    kubectl_cfg();
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
