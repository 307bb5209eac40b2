//! `scripts/verify-stack.py` (the standard's verification commands) against a stand-in `docker`
//! on PATH (`support/fake_docker.py)`: its usage errors, the health table, the gateway probe with
//! routes read from the Compose labels (and a misrouted gateway caught), the build table, and
//! the exit codes of each. `docker compose config` is the real Compose binary, so the script
//! reads exactly what berth renders.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use crate::common::{compose_bin, init_mvp, run_ok, tempdir};
use crate::support::http::{Reply, serve};
use crate::support::process::{Run, finish};

const SERVICES: [&str; 5] = [
    "ai-engine",
    "auth-service",
    "channel-service",
    "creator-hub",
    "gateway",
];

/// A rendered mvp project and a PATH whose `docker` is the stand-in.
struct Bench {
    project: tempfile::TempDir,
    bin: tempfile::TempDir,
}

impl Bench {
    fn new() -> Self {
        let project = tempdir();
        init_mvp(project.path());
        let bin = tempdir();
        let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/fake_docker.py");
        let docker = bin.path().join("docker");
        std::fs::write(
            &docker,
            format!("#!/bin/sh\nexec python3 '{}' \"$@\"\n", fake.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { project, bin }
    }

    fn dir(&self) -> &Path {
        self.project.path()
    }

    /// `python3 scripts/verify-stack.py ARGS` with the scenario, extra environment and the
    /// stand-in `docker` first on PATH.
    fn run(&self, args: &[&str], scenario: serde_json::Value, env: &[(&str, &str)]) -> Run {
        let scenario_path = self.bin.path().join("scenario.json");
        std::fs::write(&scenario_path, scenario.to_string()).unwrap();
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("python3");
        cmd.arg(self.dir().join("scripts/verify-stack.py"))
            .args(args)
            .env("PATH", path)
            .env_remove("DOCKER")
            .env_remove("BERTH_ENV")
            .env("FAKE_DOCKER_SCENARIO", &scenario_path)
            .env("FAKE_DOCKER_LOG", self.bin.path().join("calls.log"))
            .env("FAKE_COMPOSE", compose_bin())
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        finish(cmd.spawn().unwrap(), Instant::now())
    }
}

fn healthy(service: &str) -> serde_json::Value {
    json!({"Service": service, "Name": format!("demo-{service}-1"), "State": "running",
           "Health": "healthy", "Status": "Up 2 minutes (healthy)", "ExitCode": 0})
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn usage_and_configuration_errors_exit_2() {
    let bench = Bench::new();
    let run = bench.run(&[], json!({}), &[]);
    assert_eq!(run.code(), Some(2), "no command: {}", run.stderr);
    let run = bench.run(&["gateway", "--timeout", "0"], json!({}), &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("expected seconds > 0"),
        "{}",
        run.stderr
    );
    let run = bench.run(&["health"], json!({"compose_version": ""}), &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("has no Compose v2"), "{}", run.stderr);
    let missing = PathBuf::from("/nonexistent/docker");
    let run = bench.run(
        &["health"],
        json!({}),
        &[("DOCKER", missing.to_str().unwrap())],
    );
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("'/nonexistent/docker' is not on PATH"),
        "{}",
        run.stderr
    );
    let run = bench.run(&["build", "nope"], json!({}), &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown service(s): nope"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn the_health_table_shows_every_service_and_fails_on_one_unhealthy() {
    let bench = Bench::new();
    let all: Vec<serde_json::Value> = SERVICES.iter().map(|s| healthy(s)).collect();
    let run = bench.run(&["health"], json!({ "ps": all }), &[]);
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    for service in SERVICES {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(service) && l.ends_with("ok")),
            "{service}:\n{}",
            run.stdout
        );
    }

    let mut ps: Vec<serde_json::Value> = SERVICES
        .iter()
        .filter(|s| **s != "channel-service")
        .map(|s| healthy(s))
        .collect();
    ps[0]["Health"] = json!("unhealthy");
    let scenario =
        json!({"ps": ps, "health_log": {"demo-ai-engine-1": "healthcheck: connection refused"}});
    let run = bench.run(&["health"], scenario, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("NOT HEALTHY"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("demo-ai-engine-1: last health check: healthcheck: connection refused"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("channel-service  -"), "{}", run.stdout);
    assert!(
        run.stdout.contains("no container (not started?)"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn the_gateway_probe_follows_the_labelled_routes_and_catches_a_misroute() {
    let bench = Bench::new();
    // A route berth.toml moves: the script must take it from the Compose labels.
    let manifest = bench.dir().join("berth.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "[services.creator-hub]\n",
        "[services.creator-hub]\nroute = \"/hub\"\n",
    );
    std::fs::write(&manifest, text).unwrap();
    run_ok(bench.dir(), &["generate"]);

    let answer = |misroute: bool| -> Reply {
        Reply::Routes(Arc::new(move |path: &str| {
            let service = match path {
                "/healthz" => return (200, "ok".to_string()),
                "/hub/health" if misroute => "auth-service",
                "/hub/health" => "creator-hub",
                other => match other.strip_suffix("/health") {
                    Some(route) => route.trim_start_matches('/'),
                    None => return (404, "{}".to_string()),
                },
            };
            (200, json!({"status": "ok", "service": service}).to_string())
        }))
    };
    let server = serve(answer(false));
    let port = server.port.to_string();
    let run = bench.run(
        &["gateway", "--timeout", "5"],
        json!({}),
        &[("GATEWAY_PORT", &port)],
    );
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    let mut requests = server.requests();
    requests.sort();
    assert_eq!(
        requests,
        [
            "/ai-engine/health",
            "/auth-service/health",
            "/channel-service/health",
            "/healthz",
            "/hub/health"
        ]
    );
    assert!(run.stdout.contains(&format!(
        "5/5 route(s) answered through the gateway at http://127.0.0.1:{port}"
    )));

    let server = serve(answer(true));
    let port = server.port.to_string();
    let run = bench.run(
        &["gateway", "--timeout", "5"],
        json!({}),
        &[("GATEWAY_PORT", &port)],
    );
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("FAILED: answered by 'auth-service', expected 'creator-hub'"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn the_build_table_fails_on_a_failed_build_or_an_image_over_the_target() {
    let bench = Bench::new();
    let sizes: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| (format!("demo/{s}:latest"), json!(136_000_000)))
        .collect();
    let run = bench.run(&["build"], json!({ "sizes": sizes }), &[]);
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("built 5/5 image(s) one after another"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("ok (< 400 MB)").count(),
        5,
        "{}",
        run.stdout
    );

    let mut over = sizes.clone();
    over.insert("demo/ai-engine:latest".into(), json!(400_000_000));
    let run = bench.run(&["build", "--parallel"], json!({ "sizes": over }), &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("OVER TARGET (>= 400 MB)"),
        "{}",
        run.stdout
    );

    let failing = json!({ "sizes": sizes, "build_fail": ["creator-hub"] });
    let run = bench.run(&["build", "creator-hub", "auth-service"], failing, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("BUILD FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("built 1/2 image(s)"), "{}", run.stdout);
}

/// The Compose builds `verify-stack.py` ran, in order: the service names of each.
fn build_batches(bench: &Bench) -> Vec<Vec<String>> {
    let log = std::fs::read_to_string(bench.bin.path().join("calls.log")).unwrap_or_default();
    log.lines()
        .map(|line| serde_json::from_str::<Vec<String>>(line).unwrap())
        .filter_map(|args| {
            let at = args.iter().position(|a| a == "build")?;
            (args.first().map(String::as_str) == Some("compose")).then(|| {
                args[at + 1..]
                    .iter()
                    .filter(|a| !a.starts_with("--"))
                    .cloned()
                    .collect()
            })
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn max_parallel_builds_in_ordered_batches_of_at_most_n_with_each_image_s_time_and_size() {
    let bench = Bench::new();
    let sizes: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| (format!("demo/{s}:latest"), json!(136_000_000)))
        .collect();
    let run = bench.run(
        &["build", "--max-parallel", "2"],
        json!({ "sizes": sizes }),
        &[],
    );
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        build_batches(&bench),
        [
            vec!["ai-engine", "auth-service"],
            vec!["channel-service", "creator-hub"],
            vec!["gateway"],
        ]
    );
    assert!(
        run.stdout
            .contains("built 5/5 image(s) in batches of at most 2 in "),
        "{}",
        run.stdout
    );
    let header = run.stdout.lines().next().unwrap();
    assert!(
        header.contains("BUILD TIME") && header.contains("BATCH"),
        "{header}"
    );
    for (service, batch) in [("ai-engine", "1"), ("creator-hub", "2"), ("gateway", "3")] {
        let row = run
            .stdout
            .lines()
            .find(|l| l.starts_with(service))
            .unwrap_or_else(|| panic!("no row for {service}:\n{}", run.stdout));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells.last(), Some(&batch), "{row}");
        assert!(
            row.contains("136.0 MB") && row.contains("ok (< 400 MB)"),
            "{row}"
        );
        assert!(cells[cells.len() - 2].ends_with('s'), "{row}");
    }

    // A bound of one is the sequential build, a bound above the count one batch.
    let bench = Bench::new();
    let run = bench.run(
        &["build", "--max-parallel", "9", "gateway", "auth-service"],
        json!({ "sizes": sizes }),
        &[],
    );
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(build_batches(&bench), [vec!["gateway", "auth-service"]]);

    for bad in ["0", "-1", "two"] {
        let run = bench.run(&["build", "--max-parallel", bad], json!({}), &[]);
        assert_eq!(run.code(), Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("--max-parallel") && run.stderr.contains("1 or more"),
            "{bad}: {}",
            run.stderr
        );
    }
}

/// `images`: per built image its size against the target, its largest layers (`docker
/// history`) and `berth scan --image` (a stand-in berth, named by $BERTH); without berth the
/// scan is reported as not run, never as clean.
#[test]
fn the_image_analysis_lists_layers_and_runs_berth_scan_per_image() {
    let bench = Bench::new();
    let sizes: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| (format!("demo/{s}:latest"), json!(136_000_000)))
        .collect();
    let history: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| {
            let text = format!(
                "0B\tCMD [\"python\"]\n81.2MB\tRUN /bin/sh -c pip install {s}\n4.1kB\tCOPY app\n"
            );
            (format!("demo/{s}:latest"), json!(text))
        })
        .collect();
    let berth = bench.bin.path().join("fake-berth");
    let log = bench.bin.path().join("berth.log");
    std::fs::write(
        &berth,
        "#!/bin/sh\necho \"$@\" >> \"$FAKE_BERTH_LOG\"\ncase \"$*\" in *\"$FAKE_BERTH_FINDINGS\"*) echo findings; exit 1;; esac\necho clean\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&berth, std::fs::Permissions::from_mode(0o755)).unwrap();
    let scenario = json!({ "sizes": sizes, "history": history });
    let env = |findings: &'static str| {
        vec![
            ("BERTH", berth.to_str().unwrap().to_string()),
            ("FAKE_BERTH_LOG", log.to_str().unwrap().to_string()),
            ("FAKE_BERTH_FINDINGS", findings.to_string()),
        ]
    };
    let run_with = |args: &[&str], scenario: serde_json::Value, env: Vec<(&str, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        bench.run(args, scenario, &env)
    };

    let run = run_with(&["images"], scenario.clone(), env("no-such-image"));
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.matches("no known vulnerability").count(),
        5,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("   81.2MB  RUN /bin/sh -c pip install ai-engine"),
        "{}",
        run.stdout
    );
    let scanned = std::fs::read_to_string(&log).unwrap();
    assert!(
        scanned.contains("scan --image demo/ai-engine:latest\n"),
        "{scanned}"
    );

    let run = run_with(&["images", "ai-engine"], scenario.clone(), env("ai-engine"));
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("FINDINGS"), "{}", run.stdout);

    let mut over = sizes.clone();
    over.insert("demo/creator-hub:latest".into(), json!(400_000_000));
    let not_here = vec![("BERTH", "berth-is-not-installed-here".to_string())];
    let run = run_with(
        &["images"],
        json!({ "sizes": over, "history": history }),
        not_here,
    );
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("NOT RUN (berth not on PATH)").count(),
        5,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("OVER TARGET (>= 400 MB)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("image analysis failed: creator-hub"),
        "{}",
        run.stderr
    );
}
