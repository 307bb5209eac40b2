//! Every class of bad input: exit code 2, a message naming the field, the value and the fix,
//! and a project folder that is byte-for-byte what it was before the run.

use crate::common::{berth, init_mvp, read_tree, tempdir};

/// Runs berth with `args` in `dir` and checks the contract for bad input.
fn rejects(dir: &std::path::Path, args: &[&str], expect: &[&str]) {
    let before = read_tree(dir);
    let out = berth().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "berth {args:?}: {stderr}");
    for needle in expect {
        assert!(
            stderr.contains(needle),
            "berth {args:?}: missing {needle:?} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("fix:"), "no fix in: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout for an error: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(read_tree(dir), before, "berth {args:?} changed the folder");
}

#[test]
fn bad_service_names() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &["new", "Billing_API", "--yes"],
        &["NAME", "\"Billing_API\"", "kebab-case", "\"billing-api\""],
    );
    rejects(
        tmp.path(),
        &["new", "../escape", "--yes"],
        &["NAME", "\"../escape\""],
    );
    rejects(tmp.path(), &["new", "a/b", "--yes"], &["NAME", "\"a/b\""]);
    rejects(tmp.path(), &["new", "x", "--yes"], &["NAME", "2 to 40"]);
    let long = "a".repeat(41);
    rejects(tmp.path(), &["new", &long, "--yes"], &["NAME", "2 to 40"]);
    rejects(tmp.path(), &["new", "gateway", "--yes"], &["reserved"]);
    rejects(
        tmp.path(),
        &["new", "auth-service", "--yes"],
        &["\"auth-service\"", "already a service"],
    );
}

#[test]
fn bad_ports_workers_and_timeouts() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &["new", "billing", "--port", "80", "--yes"],
        &["--port", "80", "1024 and 65535", "8005"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--port", "70000", "--yes"],
        &["--port", "70000"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--port", "8003", "--yes"],
        &["--port", "8003", "already used by ai-engine"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--port", "8080", "--yes"],
        &["--port", "8080", "already used by the gateway"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--workers", "0", "--yes"],
        &["--workers", "0", "between 1 and 32"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--workers", "33", "--yes"],
        &["--workers", "33"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--wait-timeout", "0", "--yes"],
        &["--wait-timeout", "0"],
    );
    rejects(
        tmp.path(),
        &[
            "new",
            "billing",
            "--wait-timeout",
            "auth-service=90",
            "--yes",
        ],
        &[
            "--wait-timeout",
            "\"auth-service=90\"",
            "not in --depends-on",
        ],
    );
    rejects(
        tmp.path(),
        &[
            "new",
            "billing",
            "--depends-on",
            "auth-service",
            "--wait-timeout",
            "auth-service=soon",
            "--yes",
        ],
        &["--wait-timeout", "DEP=SECS"],
    );
    rejects(
        tmp.path(),
        &["new", "billing", "--route", "/a b", "--yes"],
        &["--route", "\"/a b\""],
    );
}

#[test]
fn bad_dependencies() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &[
            "new",
            "billing",
            "--depends-on",
            "auth-service,nope",
            "--yes",
        ],
        &["--depends-on", "\"nope\"", "not a service", "auth-service"],
    );
    // A cycle can only be written by hand.
    let manifest = tmp.path().join("berth.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replace(
        "[services.auth-service]\n",
        "[services.auth-service]\ndepends_on = [\"channel-service\"]\n",
    );
    std::fs::write(&manifest, text).unwrap();
    rejects(
        tmp.path(),
        &["generate"],
        &[
            "depends_on",
            "cycle",
            "auth-service -> channel-service -> auth-service",
            "remove one dependency",
        ],
    );
}

#[test]
fn bad_manifest_values_are_all_reported() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let manifest = tmp.path().join("berth.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace(
            "environments = [\"dev\", \"staging\", \"prod\"]",
            "environments = [\"dev\", \"qa\"]",
        )
        .replace(
            "[services.creator-hub]\n",
            "[services.creator-hub]\nport = 8001\nworkers = 99\nwait_timeouts = { ai-engine = 30 }\n",
        );
    std::fs::write(&manifest, text).unwrap();
    rejects(
        tmp.path(),
        &["generate"],
        &[
            "4 invalid values",
            "services.creator-hub.wait_timeouts.ai-engine = 30: \"ai-engine\" is not in depends_on",
            "project.environments = \"qa\"",
            "dev, staging, prod",
            "services.creator-hub.port = 8001",
            "already used by auth-service",
            "services.creator-hub.workers = 99",
        ],
    );
}

#[test]
fn bad_infrastructure_declarations() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let manifest = tmp.path().join("berth.toml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{good}\n[infra.postgres]\nurl = \"postgres:5432\"\n\n[infra.auth-service]\nurl = \"tcp://x:1\"\n")).unwrap();
    rejects(
        tmp.path(),
        &["generate"],
        &[
            "infra.postgres.url = \"postgres:5432\"",
            "tcp://host:port",
            "tcp://postgres:5432",
            "infra.auth-service",
            "also the name of a service",
        ],
    );
    std::fs::write(
        &manifest,
        format!("{good}\n[infra.postgres]\nport = 5432\n"),
    )
    .unwrap();
    rejects(tmp.path(), &["generate"], &["berth.toml", "port"]);
}

#[test]
fn malformed_manifest_and_unknown_keys_name_the_line() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let manifest = tmp.path().join("berth.toml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        good.replace("[gateway]\n", "[gateway]\nenabeld = true\n"),
    )
    .unwrap();
    rejects(
        tmp.path(),
        &["generate"],
        &["berth.toml", "line 10", "enabeld"],
    );
    std::fs::write(&manifest, good.replace("name = \"", "name = ")).unwrap();
    rejects(tmp.path(), &["generate"], &["berth.toml", "line 6"]);
    std::fs::write(
        &manifest,
        good.replace(
            "[services.ai-engine]\n",
            "[services.ai-engine]\nport = \"8003\"\n",
        ),
    )
    .unwrap();
    rejects(tmp.path(), &["generate"], &["berth.toml", "port"]);
}

#[test]
fn init_rejects_unknown_environment_and_bad_name() {
    let tmp = tempdir();
    // The flags are named as flags: berth.toml does not exist yet.
    rejects(
        tmp.path(),
        &["init", "shop", "--env", "dev,qa", "--yes"],
        &["the command line", "--env = \"qa\"", "dev, staging, prod"],
    );
    rejects(
        tmp.path(),
        &["init", "shop", "--name", "My Shop", "--yes"],
        &["the command line", "--name = \"My Shop\""],
    );
    assert!(
        !tmp.path().join("shop").exists(),
        "no folder created for a rejected init"
    );
}

#[test]
fn init_refuses_existing_manifest() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &["init", ".", "--preset", "mvp", "--yes"],
        &["berth.toml already exists", "berth generate"],
    );
}

#[test]
fn never_overwrites_files_berth_does_not_manage() {
    let tmp = tempdir();
    std::fs::write(
        tmp.path().join("docker-compose.yml"),
        "services: {}\n# mine\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("scripts")).unwrap();
    std::fs::write(
        tmp.path().join("scripts/verify-stack.py"),
        "print('mine')\n",
    )
    .unwrap();
    rejects(
        tmp.path(),
        &["init", ".", "--preset", "mvp", "--yes"],
        &[
            "docker-compose.yml",
            "scripts/verify-stack.py",
            "does not manage",
            "--force",
        ],
    );
    let out = berth()
        .current_dir(tmp.path())
        .args(["init", ".", "--preset", "mvp", "--yes", "--force"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("overwritten  docker-compose.yml"),
        "{stdout}"
    );
    let compose = std::fs::read_to_string(tmp.path().join("docker-compose.yml")).unwrap();
    assert!(compose.starts_with("# Generated by berth"), "{compose}");
}

#[test]
fn no_terminal_without_yes_exits_2_naming_the_flags() {
    let tmp = tempdir();
    // common::berth() gives the child /dev/null as stdin: no terminal.
    rejects(
        tmp.path(),
        &["init", "shop"],
        &["no terminal", "--preset", "--yes"],
    );
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &["new", "billing"],
        &["no terminal", "NAME", "--kind", "--yes"],
    );
    rejects(tmp.path(), &["new"], &["no terminal"]);
}

#[test]
fn missing_manifest_and_bad_template_folder() {
    let tmp = tempdir();
    rejects(tmp.path(), &["generate"], &["no berth.toml", "berth init"]);
    init_mvp(tmp.path());
    rejects(
        tmp.path(),
        &["--templates", "no-such-dir", "generate"],
        &["--templates", "no-such-dir", "not a folder"],
    );
}

#[test]
fn usage_errors_from_clap_exit_2() {
    let tmp = tempdir();
    let before = read_tree(tmp.path());
    let out = berth()
        .current_dir(tmp.path())
        .args(["new", "x", "--port", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
    let out = berth()
        .current_dir(tmp.path())
        .args(["init", "--preset", "large"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mvp"));
    assert_eq!(read_tree(tmp.path()), before);
}

/// The entry point takes its arguments and returns a named status, so it runs in-process: bad
/// usage and a missing manifest are `Error` (exit 2), `--version` is `Success`, drift is
/// `Failure` (exit 1).
#[test]
fn run_takes_its_arguments_and_names_its_exit_status() {
    use berth::ExitStatus;
    let tmp = tempdir();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(berth::run(["berth", "--no-such-flag"]), ExitStatus::Error);
    assert_eq!(berth::run(["berth", "--version"]), ExitStatus::Success);
    assert_eq!(
        berth::run(["berth", "--dir", dir, "check"]),
        ExitStatus::Error
    );
    init_mvp(tmp.path());
    assert_eq!(
        berth::run(["berth", "--dir", dir, "check"]),
        ExitStatus::Success
    );
    std::fs::remove_file(tmp.path().join("services/ai-engine/Dockerfile")).unwrap();
    assert_eq!(
        berth::run(["berth", "--dir", dir, "check"]),
        ExitStatus::Failure
    );
    let codes = [
        ExitStatus::Success,
        ExitStatus::Failure,
        ExitStatus::Error,
        ExitStatus::Interrupted,
    ]
    .map(ExitStatus::code);
    assert_eq!(codes, [0, 1, 2, 130]);
}
