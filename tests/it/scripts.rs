//! Behaviour of the generated Python scripts (`healthcheck.py` and `wait-for-services.py`, which
//! every build context carries in its `scripts/`), each run with `python3` against real local
//! sockets.
//!
//! Timing: every wait is driven by the scripts' own env knobs with small values, and every
//! child runs under a watchdog, so a hanging script fails its test instead of the suite.
//! Assertions on time are one-sided and generous (a loaded 2-core CI box must pass them).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::script;
use crate::support::http::{Reply, free_port, serve, serve_later};
use crate::support::process::{Run, finish, reader};

/// A child command that prints a marker and its PID, then exits 7: proves that
/// wait-for-services exec'd it (same PID, its exit code, its output).
const EXECED: &[&str] = &[
    "python3",
    "-c",
    "import os, sys; print('EXECED', os.getpid(), sys.argv[1:]); sys.exit(7)",
    "a",
    "b c",
];

// ---------------------------------------------------------------------------------------
// Running scripts
// ---------------------------------------------------------------------------------------

/// `python3 <rendered script> args...`, with only the given script variables set.
fn python(name: &str, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(script(name)).args(args);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if ["HEALTHCHECK_", "WAIT_", "UVICORN_"]
            .iter()
            .any(|p| key.starts_with(p))
        {
            cmd.env_remove(&*key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(name: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let started = Instant::now();
    let child = python(name, env, args).spawn().expect("spawn python3");
    finish(child, started)
}

fn healthcheck(env: &[(&str, &str)]) -> Run {
    run("healthcheck.py", env, &[])
}

fn wait_for_services(env: &[(&str, &str)]) -> Run {
    run("wait-for-services.py", env, EXECED)
}

// ---------------------------------------------------------------------------------------
// healthcheck.py
// ---------------------------------------------------------------------------------------

/// Exit 1 with exactly one stderr line and no traceback: what Docker shows in `inspect`.
fn assert_one_line_failure(run: &Run) -> &str {
    assert_eq!(run.code(), Some(1), "stderr: {}", run.stderr);
    let lines = run.stderr_lines();
    assert_eq!(
        lines.len(),
        1,
        "expected one stderr line, got: {:?}",
        run.stderr
    );
    assert!(lines[0].starts_with("healthcheck: "), "{}", lines[0]);
    assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);
    lines[0]
}

#[test]
fn healthcheck_exits_0_on_http_200() {
    let server = serve(Reply::Status(200));
    let port = server.port.to_string();
    let run = healthcheck(&[("HEALTHCHECK_PORT", &port)]);
    assert_eq!(run.code(), Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(server.requests(), ["/health"], "default path is /health");
}

#[test]
fn healthcheck_exits_1_with_one_line_on_http_500() {
    let server = serve(Reply::Status(500));
    let port = server.port.to_string();
    let run = healthcheck(&[("HEALTHCHECK_PORT", &port)]);
    let line = assert_one_line_failure(&run);
    assert!(line.contains("500"), "{line}");
    assert!(
        line.contains(&format!("http://127.0.0.1:{port}/health")),
        "{line}"
    );
}

#[test]
fn healthcheck_exits_1_when_connection_refused() {
    let port = free_port().to_string();
    let run = healthcheck(&[("HEALTHCHECK_PORT", &port)]);
    let line = assert_one_line_failure(&run);
    assert!(line.contains("refused"), "{line}");
}

#[test]
fn healthcheck_times_out_when_server_never_answers() {
    let server = serve(Reply::Hang);
    let port = server.port.to_string();
    let run = healthcheck(&[("HEALTHCHECK_PORT", &port), ("HEALTHCHECK_TIMEOUT", "0.5")]);
    let line = assert_one_line_failure(&run);
    assert!(line.contains("timed out"), "{line}");
    // The server holds the connection for 60 s; only the script's timeout ends it early.
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(server.requests(), ["/health"]);
}

#[test]
fn healthcheck_url_overrides_host_port_and_path() {
    let server = serve(Reply::Status(204));
    let url = format!(
        "http://127.0.0.1:{}/internal/ready?probe=docker",
        server.port
    );
    let refused = free_port().to_string();
    let run = healthcheck(&[
        ("HEALTHCHECK_URL", &url),
        ("HEALTHCHECK_PORT", &refused),
        ("HEALTHCHECK_PATH", "/wrong"),
    ]);
    assert_eq!(run.code(), Some(0), "stderr: {}", run.stderr);
    assert_eq!(server.requests(), ["/internal/ready?probe=docker"]);
}

#[test]
fn healthcheck_honours_path_and_port_fallback() {
    let server = serve(Reply::Status(200));
    let port = server.port.to_string();
    let refused = free_port().to_string();

    // UVICORN_PORT is the fallback when HEALTHCHECK_PORT is unset.
    let run = healthcheck(&[("UVICORN_PORT", &port), ("HEALTHCHECK_PATH", "/status")]);
    assert_eq!(run.code(), Some(0), "stderr: {}", run.stderr);

    // HEALTHCHECK_PORT wins over UVICORN_PORT.
    let run = healthcheck(&[
        ("HEALTHCHECK_PORT", &port),
        ("UVICORN_PORT", &refused),
        ("HEALTHCHECK_PATH", "/status/deep"),
    ]);
    assert_eq!(run.code(), Some(0), "stderr: {}", run.stderr);

    assert_eq!(server.requests(), ["/status", "/status/deep"]);
}

#[test]
fn healthcheck_bad_configuration_exits_1_with_one_line() {
    type Env<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(Env, &[&str])] = &[
        (&[], &["HEALTHCHECK_PORT", "UVICORN_PORT"]),
        (
            &[("HEALTHCHECK_PORT", "http")],
            &["HEALTHCHECK_PORT", "'http'"],
        ),
        (&[("UVICORN_PORT", "99999")], &["UVICORN_PORT", "99999"]),
        (
            &[
                ("HEALTHCHECK_PORT", "8001"),
                ("HEALTHCHECK_TIMEOUT", "soon"),
            ],
            &["HEALTHCHECK_TIMEOUT", "soon"],
        ),
        (
            &[("HEALTHCHECK_URL", "localhost:8001")],
            &["HEALTHCHECK_URL"],
        ),
    ];
    for (env, expected) in cases {
        let run = healthcheck(env);
        let line = assert_one_line_failure(&run);
        for word in *expected {
            assert!(
                line.contains(word),
                "env {env:?}: {line:?} should mention {word}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// wait-for-services.py
// ---------------------------------------------------------------------------------------

/// `retrying in X s (Y s left)` from one attempt line, as (X, Y).
fn retry_delay(line: &str) -> Option<(f64, f64)> {
    let rest = &line[line.find("retrying in ")? + "retrying in ".len()..];
    let (delay, rest) = rest.split_once("s (")?;
    let (left, _) = rest.split_once("s left)")?;
    Some((delay.parse().ok()?, left.parse().ok()?))
}

fn attempt_lines(run: &Run) -> Vec<&str> {
    run.stderr_lines()
        .into_iter()
        .filter(|l| l.contains(" attempt "))
        .collect()
}

fn assert_execed(run: &Run) {
    assert_eq!(
        run.code(),
        Some(7),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    // Same PID as the process we spawned: the command replaced the script (exec).
    assert_eq!(
        run.stdout.trim(),
        format!("EXECED {} ['a', 'b c']", run.pid),
        "args intact"
    );
}

#[test]
fn wait_execs_command_once_dependencies_are_up() {
    let late_port = free_port();
    let late = serve_later(late_port, Duration::from_millis(1500), Reply::Status(200));
    let early = serve(Reply::Status(200));
    let auth_url = format!("http://127.0.0.1:{late_port}/health");
    let engine_url = format!("tcp://127.0.0.1:{}", early.port);

    let run = wait_for_services(&[
        ("WAIT_FOR", "auth-service, ai-engine"),
        ("WAIT_FOR_AUTH_SERVICE_URL", &auth_url),
        ("WAIT_FOR_AI_ENGINE_URL", &engine_url),
        ("WAIT_TIMEOUT", "15"),
        ("WAIT_INITIAL_DELAY", "0.2"),
        ("WAIT_MAX_DELAY", "1"),
    ]);

    assert_execed(&run);
    let err = &run.stderr;
    assert!(
        err.contains(&format!("auth-service ({auth_url}) attempt 1 failed")),
        "{err}"
    );
    let auth_up = err
        .find("wait-for-services: auth-service is up after ")
        .expect(err);
    let engine_up = err
        .find("wait-for-services: ai-engine is up after 1 attempt")
        .expect(err);
    assert!(
        auth_up < engine_up,
        "dependencies are waited for in WAIT_FOR order:\n{err}"
    );
    assert!(
        late.requests().contains(&"/health".to_string()),
        "HTTP GET reached the server"
    );
}

#[test]
fn wait_times_out_with_growing_capped_backoff() {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let run = wait_for_services(&[
        ("WAIT_FOR", "auth-service"),
        ("WAIT_FOR_AUTH_SERVICE_URL", &url),
        // The per-dependency timeout wins over WAIT_TIMEOUT (else the watchdog fires).
        ("WAIT_TIMEOUT", "600"),
        ("WAIT_FOR_AUTH_SERVICE_TIMEOUT", "4"),
        ("WAIT_INITIAL_DELAY", "0.1"),
        ("WAIT_MAX_DELAY", "1"),
    ]);

    assert_eq!(run.code(), Some(1), "stderr: {}", run.stderr);
    assert!(
        !run.stdout.contains("EXECED"),
        "command must not run: {}",
        run.stdout
    );
    let last = *run.stderr_lines().last().expect("some stderr");
    assert_eq!(
        last,
        format!("wait-for-services: timed out after 4s waiting for auth-service ({url})")
    );
    assert!(
        run.elapsed >= Duration::from_millis(3900),
        "gave up early: {:?}",
        run.elapsed
    );

    // Planned delays: +/-25% jitter around 0.1, 0.2, 0.4, 0.8 (disjoint ranges: at least
    // 3 strict increases), then the 1 s cap (reached ~1.5 s in, so with 4 s at least one
    // capped delay is logged before the deadline cuts sleeps short). The jitter is bounded
    // so a delay never undercuts the previous one (see the script's docstring). A sleep cut
    // short by the deadline (delay == time left) is excluded.
    let attempts = attempt_lines(&run);
    let delays: Vec<f64> = attempts
        .iter()
        .filter_map(|l| retry_delay(l))
        .filter(|(delay, left)| delay + 0.06 < *left)
        .map(|(delay, _)| delay)
        .collect();
    assert!(delays.len() >= 4, "too few retries: {attempts:#?}");
    assert!(
        (0.07..=0.13).contains(&delays[0]),
        "first delay ~WAIT_INITIAL_DELAY: {delays:?}"
    );
    assert!(
        delays.iter().all(|d| *d <= 1.0),
        "capped at WAIT_MAX_DELAY: {delays:?}"
    );
    assert!(
        delays.windows(2).all(|w| w[0] <= w[1]),
        "non-decreasing: {delays:?}"
    );
    let increases = delays.windows(2).filter(|w| w[0] < w[1]).count();
    assert!(increases >= 3, "should grow: {delays:?}");
    assert!(
        attempts.iter().all(|l| l.contains("connection refused")),
        "{attempts:#?}"
    );
}

#[test]
fn wait_keeps_retrying_http_dependency_answering_500() {
    let server = serve(Reply::Status(500));
    let url = format!("http://127.0.0.1:{}/ready", server.port);
    let run = wait_for_services(&[
        ("WAIT_FOR", "creator-hub"),
        ("WAIT_FOR_CREATOR_HUB_URL", &url),
        ("WAIT_TIMEOUT", "2"),
        ("WAIT_INITIAL_DELAY", "0.1"),
        ("WAIT_MAX_DELAY", "0.5"),
    ]);

    assert_eq!(run.code(), Some(1), "stderr: {}", run.stderr);
    assert!(!run.stdout.contains("EXECED"), "{}", run.stdout);
    let attempts = attempt_lines(&run);
    // The last attempt, at the deadline, has a shorter probe timeout; ignore how it ended.
    let failed_500 = attempts
        .iter()
        .filter(|l| l.contains("failed: HTTP 500;"))
        .count();
    assert!(
        failed_500 >= 3 && failed_500 + 1 >= attempts.len(),
        "{attempts:#?}"
    );
    let requests = server.requests();
    assert!(
        requests.len() >= failed_500,
        "one GET per attempt: {requests:?}"
    );
    assert!(requests.iter().all(|r| r == "/ready"), "{requests:?}");
    assert!(
        run.stderr
            .contains("timed out after 2s waiting for creator-hub"),
        "{}",
        run.stderr
    );
}

#[test]
fn wait_with_empty_wait_for_execs_at_once() {
    for wait_for in [None, Some(""), Some(" , ")] {
        // Any backoff sleep would take 30 s and trip the elapsed assertion.
        let mut env = vec![("WAIT_INITIAL_DELAY", "30")];
        env.extend(wait_for.map(|w| ("WAIT_FOR", w)));
        let run = wait_for_services(&env);
        assert_execed(&run);
        assert_eq!(run.stderr, "", "WAIT_FOR={wait_for:?}: no log lines");
        assert!(
            run.elapsed < Duration::from_secs(10),
            "took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn wait_missing_url_exits_2_naming_the_variable() {
    // auth-service is configured but down; the missing variable of the second dependency is
    // still reported at once, before any probing.
    let auth_url = format!("tcp://127.0.0.1:{}", free_port());
    let run = wait_for_services(&[
        ("WAIT_FOR", "auth-service,ai-engine"),
        ("WAIT_FOR_AUTH_SERVICE_URL", &auth_url),
        ("WAIT_TIMEOUT", "10"),
    ]);
    assert_eq!(run.code(), Some(2), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("WAIT_FOR_AI_ENGINE_URL"),
        "{}",
        run.stderr
    );
    assert!(attempt_lines(&run).is_empty(), "{}", run.stderr);
    assert!(!run.stdout.contains("EXECED"), "{}", run.stdout);
}

#[test]
fn wait_invalid_numbers_exit_2_naming_variable_and_value() {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let cases = [
        ("WAIT_TIMEOUT", "soon"),
        ("WAIT_FOR_AUTH_SERVICE_TIMEOUT", "-5"),
        ("WAIT_INITIAL_DELAY", "fast"),
        ("WAIT_MAX_DELAY", "0"),
        ("WAIT_BACKOFF_FACTOR", "0.5"),
        ("WAIT_PROBE_TIMEOUT", "nan"),
    ];
    for (var, value) in cases {
        let run = wait_for_services(&[
            ("WAIT_FOR", "auth-service"),
            ("WAIT_FOR_AUTH_SERVICE_URL", &url),
            (var, value),
        ]);
        assert_eq!(run.code(), Some(2), "{var}={value}: {}", run.stderr);
        let line = run.stderr.trim();
        assert!(
            line.contains(var) && line.contains(value),
            "{var}={value}: {line}"
        );
        assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);
    }
}

#[test]
fn wait_without_command_exits_2_with_usage() {
    let run = run("wait-for-services.py", &[], &[]);
    assert_eq!(run.code(), Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("usage"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn wait_exits_143_promptly_on_sigterm() {
    let url = format!("tcp://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let mut child = python(
        "wait-for-services.py",
        &[
            ("WAIT_FOR", "auth-service"),
            ("WAIT_FOR_AUTH_SERVICE_URL", &url),
            ("WAIT_TIMEOUT", "60"),
            ("WAIT_INITIAL_DELAY", "30"),
        ],
        EXECED,
    )
    .spawn()
    .expect("spawn python3");

    // Wait until the script is sleeping before its second attempt.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("attempt 1 failed"), "{first}");

    let signalled = Instant::now();
    let kill = format!("import os, signal; os.kill({}, signal.SIGTERM)", child.id());
    assert!(
        Command::new("python3")
            .args(["-c", &kill])
            .status()
            .unwrap()
            .success()
    );
    child.stderr = None;
    let rest = reader(stderr);
    let run = finish(child, started);

    assert_eq!(run.code(), Some(143), "stderr: {}", rest.join().unwrap());
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "took {:?}",
        signalled.elapsed()
    );
    assert!(!run.stdout.contains("EXECED"), "{}", run.stdout);
}
