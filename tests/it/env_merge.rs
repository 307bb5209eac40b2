//! `.env.<env>` files merged key by key (docs/env.md): a value still as berth
//! wrote it follows berth.toml and the standard, a value the user changed stays (a conflict
//! when berth's changed too), secrets are never touched or shown, orphaned keys are reported and
//! pruned only at berth's value, and every byte berth does not own survives.

use std::path::Path;
use std::process::Command;

use crate::common::{
    berth_in, compose_bin, compose_config, edit, init_mvp, read, run_ok, stdout, tempdir, write,
};

/// The value of `key` in the .env file `rel`.
fn value(dir: &Path, rel: &str, key: &str) -> String {
    let text = read(dir, rel);
    let prefix = format!("{key}=");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {key} in {rel}:\n{text}"))
        .to_string()
}

const ENVS: [&str; 3] = [".env.dev", ".env.staging", ".env.prod"];

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn port_workers_and_wait_timeout_in_berth_toml_reach_the_running_configuration() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    edit(
        dir,
        "berth.toml",
        "[services.auth-service]\n",
        "[services.auth-service]\nworkers = 3\nport = 8101\nwait_timeout = 45\n",
    );

    // Before regenerating, the drift check names every stale key with both values.
    let check = berth_in(dir, &["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let stale = |file: &str, key: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file && f["key"] == key)
            .unwrap_or_else(|| panic!("no finding for {key} in {file}: {report:#}"))
            .clone()
    };
    let f = stale(".env.dev", "AUTH_SERVICE_WORKERS");
    assert_eq!(
        (&f["current"], &f["new"]),
        (&"2".into(), &"3".into()),
        "{f}"
    );
    assert_eq!(
        (&f["problem"], &f["fails"]),
        (&"behind".into(), &true.into())
    );
    let f = stale(".env.prod", "AUTH_SERVICE_URL");
    assert_eq!(f["new"], "http://auth-service:8101");

    let out = run_ok(dir, &["generate"]);
    for env in ENVS {
        for line in [
            "AUTH_SERVICE_WORKERS 2 -> 3",
            "AUTH_SERVICE_PORT 8001 -> 8101",
            "AUTH_SERVICE_URL http://auth-service:8001 -> http://auth-service:8101",
            "AUTH_SERVICE_WAIT_TIMEOUT 60 -> 45",
        ] {
            assert!(
                out.contains(&format!("    {line} ({env})\n")),
                "{line}:\n{out}"
            );
        }
        assert_eq!(value(dir, env, "AUTH_SERVICE_WORKERS"), "3");
        assert!(read(dir, env).contains("# ---- auth-service: http, 3 worker(s)"));
    }
    let config = compose_config(dir, "dev");
    let auth = &config["services"]["auth-service"]["environment"];
    assert_eq!(
        (&auth["UVICORN_WORKERS"], &auth["UVICORN_PORT"]),
        (&"3".into(), &"8101".into())
    );
    let hub = &config["services"]["creator-hub"]["environment"];
    assert_eq!(
        hub["WAIT_FOR_AUTH_SERVICE_URL"],
        "http://auth-service:8101/health"
    );
    assert_eq!(hub["AUTH_SERVICE_URL"], "http://auth-service:8101");
    run_ok(dir, &["check"]);
}

#[test]
fn a_standards_update_through_templates_changes_workers_in_every_env_file() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let standard = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/standard.toml"
    ))
    .unwrap();
    let ai = "name = \"ai-engine\"\nkind = \"worker\"\nport = 8003\nworkers = 1\n";
    assert!(standard.contains(ai));
    let updated = standard
        .replace("version = \"2026.11\"", "version = \"2026.12\"")
        .replace(ai, &ai.replace("workers = 1", "workers = 2"));
    std::fs::create_dir(dir.join("org")).unwrap();
    write(dir, "org/standard.toml", &updated);

    let out = run_ok(dir, &["--templates", "org", "generate"]);
    assert!(
        out.contains("container standard 2026.11 -> 2026.12"),
        "{out}"
    );
    for env in ENVS {
        assert!(
            out.contains(&format!("    AI_ENGINE_WORKERS 1 -> 2 ({env})\n")),
            "{out}"
        );
        assert_eq!(value(dir, env, "AI_ENGINE_WORKERS"), "2");
        assert!(
            !read(dir, env).contains("2026.1"),
            "the standard's version is in the lock, not in the file"
        );
    }
    run_ok(dir, &["--templates", "org", "check"]);
}

#[test]
fn a_value_the_user_changed_stays_and_a_clash_is_a_conflict() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    edit(
        dir,
        ".env.dev",
        "\nAUTH_SERVICE_WORKERS=2\n",
        "\nAUTH_SERVICE_WORKERS=4\n",
    );
    edit(dir, ".env.dev", "\nLOG_LEVEL=debug\n", "\nLOG_LEVEL=info\n");
    edit(
        dir,
        ".env.dev",
        "# Port auth-service listens on\n",
        "# our note on the port\n",
    );
    // An edit berth's change does not clash with: a note for the user, and the value stays.
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(
        stdout(&check)
            .contains("note .env.dev: LOG_LEVEL is \"info\", berth writes \"debug\": edited")
    );
    assert_eq!(berth_in(dir, &["check", "--strict"]).status.code(), Some(1));

    edit(
        dir,
        "berth.toml",
        "[services.auth-service]\n",
        "[services.auth-service]\nworkers = 3\n",
    );
    let out = berth_in(dir, &["generate"]);
    assert_eq!(out.status.code(), Some(1), "a conflict exits 1");
    let report = stdout(&out);
    assert!(
        report.contains("    AUTH_SERVICE_WORKERS conflict: yours 4 kept, berth's is 3 (.env.dev)"),
        "{report}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(".env.dev"));
    assert_eq!(value(dir, ".env.dev", "AUTH_SERVICE_WORKERS"), "4");
    assert_eq!(value(dir, ".env.dev", "LOG_LEVEL"), "info");
    assert!(read(dir, ".env.dev").contains("# our note on the port\nAUTH_SERVICE_PORT=8001\n"));
    assert_eq!(value(dir, ".env.staging", "AUTH_SERVICE_WORKERS"), "3");
    // Reported once: the value is now the user's, a note for `check`.
    let again = run_ok(dir, &["generate"]);
    assert!(!again.contains("AUTH_SERVICE_WORKERS"), "{again}");
    assert_eq!(value(dir, ".env.dev", "AUTH_SERVICE_WORKERS"), "4");
    run_ok(dir, &["check"]);
}

#[test]
fn sidecar_mode_writes_berths_values_beside_the_file_until_resolved() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    edit(
        dir,
        ".env.prod",
        "\nAI_ENGINE_WORKERS=1\n",
        "\nAI_ENGINE_WORKERS=6\n",
    );
    edit(
        dir,
        "berth.toml",
        "[services.ai-engine]\n",
        "[services.ai-engine]\nworkers = 2\n",
    );
    for _ in 0..2 {
        let out = berth_in(dir, &["generate", "--conflict", "sidecar"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert_eq!(value(dir, ".env.prod", "AI_ENGINE_WORKERS"), "6");
        assert_eq!(value(dir, ".env.prod.berth-new", "AI_ENGINE_WORKERS"), "2");
    }
    edit(
        dir,
        ".env.prod",
        "\nAI_ENGINE_WORKERS=6\n",
        "\nAI_ENGINE_WORKERS=2\n",
    );
    run_ok(dir, &["generate", "--conflict", "sidecar"]);
}

#[test]
fn secrets_are_never_overwritten_or_shown() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let secret = "s3cr3t-Value-Nobody-Sees";
    edit(
        dir,
        ".env.prod",
        "\nAUTH_SERVICE_SECRET_KEY=\n",
        &format!("\nAUTH_SERVICE_SECRET_KEY={secret}\n"),
    );
    edit(
        dir,
        ".env.dev",
        "\nAUTH_SERVICE_SECRET_KEY=dev-only-insecure-auth-service\n",
        &format!("\nAUTH_SERVICE_SECRET_KEY={secret}\n"),
    );
    edit(
        dir,
        "berth.toml",
        "[services.auth-service]\n",
        "[services.auth-service]\nwait_timeout = 30\n",
    );
    let mut seen = String::new();
    for args in [
        &["check"][..],
        &["check", "--strict", "--format", "json"],
        &["generate", "--dry-run"],
        &["generate"],
        &["generate", "--verbose"],
        &["check", "--strict"],
    ] {
        let out = berth_in(dir, args);
        seen.push_str(&stdout(&out));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(!seen.contains(secret), "a secret was shown:\n{seen}");
    assert!(
        seen.contains("AUTH_SERVICE_SECRET_KEY=********"),
        "dry-run masks it:\n{seen}"
    );
    assert_eq!(value(dir, ".env.prod", "AUTH_SERVICE_SECRET_KEY"), secret);
    assert_eq!(value(dir, ".env.dev", "AUTH_SERVICE_SECRET_KEY"), secret);
    assert_eq!(value(dir, ".env.prod", "AUTH_SERVICE_WAIT_TIMEOUT"), "30");

    // Not even a secret still at berth's value follows a new default: it is the user's from
    // the first write.
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/partials/env_body.tera"
    ))
    .unwrap();
    assert!(body.contains("\"dev-only-insecure-\""));
    std::fs::create_dir_all(dir.join("org/partials")).unwrap();
    write(
        dir,
        "org/partials/env_body.tera",
        &body.replace("\"dev-only-insecure-\"", "\"dev-insecure-v2-\""),
    );
    let out = berth_in(dir, &["--templates", "org", "generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        !stdout(&out).contains("dev-only-insecure"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        value(dir, ".env.dev", "CREATOR_HUB_SECRET_KEY"),
        "dev-only-insecure-creator-hub"
    );
    assert_eq!(value(dir, ".env.dev", "AUTH_SERVICE_SECRET_KEY"), secret);
}

#[test]
fn keys_of_a_removed_service_are_orphaned_then_pruned_unless_edited() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let manifest = read(dir, "berth.toml");
    let (start, end) = (
        manifest.find("# ai-engine:").unwrap(),
        manifest.find("# channel-service:").unwrap(),
    );
    write(
        dir,
        "berth.toml",
        &format!("{}{}", &manifest[..start], &manifest[end..]),
    );
    edit(
        dir,
        ".env.staging",
        "\nAI_ENGINE_WORKERS=1\n",
        "\nAI_ENGINE_WORKERS=5\n",
    );

    let out = run_ok(dir, &["generate"]);
    assert!(
        out.contains(
            "    AI_ENGINE_PORT orphaned: berth no longer writes it; --prune removes it (.env.dev)"
        ),
        "{out}"
    );
    assert!(out.contains(
        "    AI_ENGINE_WORKERS orphaned and edited by you: remove it yourself (.env.staging)"
    ));
    assert_eq!(value(dir, ".env.dev", "AI_ENGINE_PORT"), "8003");
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).contains("FAIL .env.dev: AI_ENGINE_PORT: orphaned"),
        "{}",
        stdout(&check)
    );

    let out = run_ok(dir, &["generate", "--prune"]);
    assert!(
        out.contains("    AI_ENGINE_PORT removed (no longer written by berth) (.env.dev)"),
        "{out}"
    );
    for env in ENVS {
        let text = read(dir, env);
        assert!(
            !text.contains("AI_ENGINE_PORT") && !text.contains("# ---- ai-engine"),
            "{text}"
        );
    }
    assert_eq!(
        value(dir, ".env.staging", "AI_ENGINE_WORKERS"),
        "5",
        "an edited key stays"
    );
    edit(dir, ".env.staging", "AI_ENGINE_WORKERS=5\n", "");
    run_ok(dir, &["generate"]);
    run_ok(dir, &["check"]);
}

#[test]
fn foreign_bytes_and_crlf_line_endings_survive_a_new_service() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let staging = dir.join(".env.staging");
    let mut bytes = std::fs::read(&staging).unwrap();
    bytes.extend_from_slice(
        b"# Latin-1, as an old editor saves it\nGREETING=gr\xfc\xdfe \xff\xfe\n",
    );
    std::fs::write(&staging, &bytes).unwrap();
    let prod = dir.join(".env.prod");
    let crlf = read(dir, ".env.prod").replace('\n', "\r\n");
    std::fs::write(&prod, &crlf).unwrap();

    run_ok(dir, &["new", "billing", "--yes"]);
    let after = std::fs::read(&staging).unwrap();
    assert!(
        after.ends_with(b"GREETING=gr\xfc\xdfe \xff\xfe\n"),
        "bytes re-encoded"
    );
    assert!(after.windows(13).any(|w| w == b"BILLING_PORT="));
    let prod_after = std::fs::read_to_string(&prod).unwrap();
    assert!(
        prod_after.contains("\r\nBILLING_PORT=8005\r\n"),
        "{prod_after:?}"
    );
    assert!(
        !prod_after.replace("\r\n", "").contains('\n'),
        "an LF line in a CRLF file: {prod_after:?}"
    );
    run_ok(dir, &["check"]);
}

#[test]
fn a_dry_run_shows_the_key_changes_and_writes_nothing() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    edit(
        dir,
        "berth.toml",
        "[services.creator-hub]\n",
        "[services.creator-hub]\nworkers = 4\n",
    );
    let before = crate::common::read_tree(dir);
    let out = run_ok(dir, &["generate", "--dry-run"]);
    assert!(out.contains("--- a/.env.dev\n+++ b/.env.dev\n"), "{out}");
    assert!(
        out.contains("\n-CREATOR_HUB_WORKERS=2\n+CREATOR_HUB_WORKERS=4\n"),
        "{out}"
    );
    assert_eq!(crate::common::read_tree(dir), before);
}

#[test]
fn a_pre_existing_env_file_is_refused_then_adopted_with_force() {
    let tmp = tempdir();
    let dir = tmp.path();
    write(dir, ".env.dev", "# ours\nLOG_LEVEL=trace\nOWN=1\n");
    let out = berth_in(
        dir,
        &["init", ".", "--preset", "mvp", "--name", "demo", "--yes"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".env.dev") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        1,
        "nothing written"
    );

    let out = run_ok(
        dir,
        &[
            "init", ".", "--preset", "mvp", "--name", "demo", "--yes", "--force",
        ],
    );
    assert!(out.contains("adopted      .env.dev"), "{out}");
    let text = read(dir, ".env.dev");
    assert!(text.starts_with("# ours\nLOG_LEVEL=trace\n"), "{text}");
    assert!(text.contains("\nOWN=1\n") && text.contains("\nAUTH_SERVICE_PORT=8001\n"));
    // Adopted: from now on berth owns what it added and the user keeps what was theirs.
    let check = berth_in(dir, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn tricky_values_round_trip_through_compose_after_a_merge() {
    let tmp = tempdir();
    let dir = tmp.path();
    init_mvp(dir);
    let first = [("TRICKY", "a $b #c 'd' \"e\"  f"), ("SPACED", "  x  ")];
    let second = [
        ("TRICKY", "it's $HOME # \"q\" \\ z"),
        ("SPACED", "p$ss #1 '"),
    ];
    let manifest = read(dir, "berth.toml");
    let with = |values: &[(&str, &str)]| {
        let mut text = format!("{manifest}\n[env.dev]\n");
        for (k, v) in values {
            text.push_str(&format!("{k} = {}\n", toml::Value::from(*v)));
        }
        text
    };
    write(dir, "berth.toml", &with(&first));
    run_ok(dir, &["generate"]);
    write(dir, "berth.toml", &with(&second));
    run_ok(dir, &["generate"]);
    let out = Command::new(compose_bin())
        .current_dir(dir)
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
    let env = String::from_utf8(out.stdout).unwrap();
    for (k, v) in second {
        assert!(env.lines().any(|l| l == format!("{k}={v}")), "{k}: {env}");
    }
}
