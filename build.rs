//! Exposes the embedded standard's version to the binary (`berth --version`) at compile time.
fn main() {
    // include_dir cannot tell cargo about new template files; watching the folder here does.
    println!("cargo:rerun-if-changed=templates");
    let text = std::fs::read_to_string("templates/standard.toml").expect("templates/standard.toml");
    let version = text
        .lines()
        .find_map(|l| {
            let rest = l
                .trim()
                .strip_prefix("version")?
                .trim_start()
                .strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_string())
        })
        .expect("templates/standard.toml has a top-level version");
    println!("cargo:rustc-env=BERTH_STANDARD_VERSION={version}");
}
