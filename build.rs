//! Exposes the embedded standard's version to the binary (`berth --version`) at compile time.

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
}
