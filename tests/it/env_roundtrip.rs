//! .env values must come back from Docker Compose exactly as berth.toml gave them: `$`, `#`,
//! quotes, backslashes and spaces included. Checked with the real Compose v2 binary.

use std::process::Command;

use crate::common::{compose_bin, init_mvp, run_ok, tempdir};

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn compose_reads_env_values_back_exactly() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let values: [(&str, &str); 9] = [
        ("PLAIN", "http://x-y:80/a"),
        ("DOLLAR", "pa$$word$HOME${X}"),
        ("HASH", "a #not-a-comment"),
        ("SPACES", "  lead and trail  "),
        ("SINGLE", "it's"),
        ("DOUBLE", "say \"hi\" \\ back$x"),
        ("MIXED", "'q' \"dq\" $ # \\n"),
        ("TRAILING_BACKSLASH", "C:\\dir\\"),
        ("BACKSLASH_QUOTE", "a\\'b"),
    ];
    let mut extra = String::from("\n[env.dev]\n");
    for (k, v) in values {
        extra.push_str(&format!("{k} = {}\n", toml_string(v)));
    }
    let manifest = tmp.path().join("berth.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&extra);
    std::fs::write(&manifest, text).unwrap();
    run_ok(tmp.path(), &["generate"]);

    let out = Command::new(compose_bin())
        .current_dir(tmp.path())
        .args([
            "--env-file",
            ".env.dev",
            "-f",
            "docker-compose.yml",
            "config",
            "--environment",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = String::from_utf8(out.stdout).unwrap();
    for (k, v) in values {
        let line = format!("{k}={v}");
        assert!(
            env.lines().any(|l| l == line),
            "Compose read {k} differently; want {line:?} in:\n{env}"
        );
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
