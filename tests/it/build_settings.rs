//! `[build]` of berth.toml and what it changes in the files berth writes (issue 18): the builder
//! stage's installer (uv by default, pip on request), `start_interval` only for projects whose
//! engines are all 25 or newer, and the dev override's edit loop and fast probes, read back
//! through the real Compose binary; staging and prod keep the standard's timings and no mounts.

use std::path::Path;

use crate::common::{berth_in, compose_config, init_mvp, read, read_tree, run_ok, stderr, tempdir};

const SERVICES: [&str; 5] = [
    "ai-engine",
    "auth-service",
    "channel-service",
    "creator-hub",
    "gateway",
];

/// The standard's pinned uv version, read from the repository's standard.toml.
fn uv_pin() -> String {
    let standard: toml::Value =
        toml::from_str(&crate::common::repo_template("standard.toml")).unwrap();
    standard["build"]["uv"].as_str().unwrap().to_string()
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn by_default_uv_builds_the_environment_and_dev_gets_the_edit_loop_and_fast_probes() {
    let dir = tempdir();
    init_mvp(dir.path());
    let dockerfile = read(dir.path(), "services/auth-service/Dockerfile");
    assert!(
        dockerfile.contains(&format!(
            "pip install --root-user-action=ignore --disable-pip-version-check uv=={}",
            uv_pin()
        )),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("--mount=type=cache,target=/root/.cache/uv"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY --from=builder /opt/venv /opt/venv"),
        "{dockerfile}"
    );
    // uv is installed in the builder stage only.
    let runtime = &dockerfile[dockerfile.find("AS runtime").unwrap()..];
    assert!(
        !runtime.contains("uv ") && !runtime.contains("pip "),
        "{runtime}"
    );
    assert!(!read(dir.path(), "docker-compose.yml").contains("start_interval"));

    let dev = compose_config(dir.path(), "dev");
    for name in SERVICES {
        let service = &dev["services"][name];
        assert_eq!(
            service["healthcheck"]["interval"], "2s",
            "{name}: {service:#}"
        );
        assert_eq!(service["healthcheck"]["start_period"], "20s", "{name}");
        if name == "gateway" {
            assert!(service.get("volumes").is_none(), "{service:#}");
            continue;
        }
        assert_eq!(service["environment"]["UVICORN_RELOAD"], "true", "{name}");
        let [mount] = service["volumes"].as_array().unwrap().as_slice() else {
            panic!("{name}: {service:#}")
        };
        assert_eq!(mount["type"], "bind");
        assert_eq!(mount["target"], "/app/app");
        assert_eq!(mount["read_only"], true);
        let source = Path::new(mount["source"].as_str().unwrap());
        assert_eq!(
            source,
            dir.path()
                .canonicalize()
                .unwrap()
                .join(format!("services/{name}/app"))
        );
    }
    for env in ["staging", "prod"] {
        let config = compose_config(dir.path(), env);
        for name in SERVICES {
            let service = &config["services"][name];
            assert_eq!(service["healthcheck"]["interval"], "30s", "{env}/{name}");
            assert!(
                service["healthcheck"].get("start_interval").is_none(),
                "{env}/{name}"
            );
            assert!(
                service.get("volumes").is_none(),
                "{env}/{name}: {service:#}"
            );
            assert!(
                service["environment"].get("UVICORN_RELOAD").is_none(),
                "{env}/{name}"
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn engines_25_and_newer_get_start_interval_and_pip_replaces_uv_on_request() {
    let dir = tempdir();
    init_mvp(dir.path());
    let manifest = read(dir.path(), "berth.toml");
    std::fs::write(
        dir.path().join("berth.toml"),
        format!("{manifest}\n[build]\ninstaller = \"pip\"\nmin_engine = \"25.0\"\n"),
    )
    .unwrap();
    run_ok(dir.path(), &["generate"]);
    let compose = read(dir.path(), "docker-compose.yml");
    assert_eq!(
        compose.matches("      start_interval: 2s\n").count(),
        SERVICES.len(),
        "{compose}"
    );
    for env in ["staging", "prod"] {
        let config = compose_config(dir.path(), env);
        for name in SERVICES {
            let check = &config["services"][name]["healthcheck"];
            assert_eq!(
                (&check["interval"], &check["start_interval"]),
                (&"30s".into(), &"2s".into()),
                "{env}/{name}"
            );
        }
    }
    let dockerfile = read(dir.path(), "services/auth-service/Dockerfile");
    assert!(
        dockerfile.contains("pip --python /opt/venv/bin/python install"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("--mount=type=cache,target=/root/.cache/pip"),
        "{dockerfile}"
    );
    let uv = ["uv==", "uv pip", "uv venv", ".cache/uv", "UV_"];
    let instructions = dockerfile.lines().filter(|l| !l.starts_with('#'));
    for line in instructions {
        assert!(!uv.iter().any(|u| line.contains(u)), "{line}");
    }
    assert!(
        dockerfile.contains("COPY --from=builder /opt/venv /opt/venv"),
        "{dockerfile}"
    );
}

#[test]
fn a_bad_build_setting_exits_2_naming_field_value_and_fix_and_writes_nothing() {
    for (section, expected) in [
        (
            "min_engine = \"latest\"",
            [
                "build.min_engine = \"latest\": is not a Docker Engine version",
                "fix: write the oldest engine version the project runs on, like \"20.10\" or \"25.0\"",
            ],
        ),
        (
            "installer = \"poetry\"",
            [
                "installer = \"poetry\"",
                "unknown variant `poetry`, expected `uv` or `pip`",
            ],
        ),
    ] {
        let dir = tempdir();
        init_mvp(dir.path());
        let manifest = read(dir.path(), "berth.toml");
        std::fs::write(
            dir.path().join("berth.toml"),
            format!("{manifest}\n[build]\n{section}\n"),
        )
        .unwrap();
        std::fs::remove_file(dir.path().join("docker-compose.dev.yml")).unwrap();
        let before = read_tree(dir.path());
        let out = berth_in(dir.path(), &["generate"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        for line in expected {
            assert!(err.contains(line), "{line}\n{err}");
        }
        assert_eq!(
            read_tree(dir.path()),
            before,
            "{section}: something was written"
        );
    }
}
