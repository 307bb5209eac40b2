//! The end-to-end harness's own choices, tested without a Docker engine: stub `docker` CLIs on
//! a fake PATH and a stand-in for `engine.sh` (issue 9). On a fresh machine the only `docker`
//! on PATH may be a newer client without `buildx`, which refuses `BuildKit` builds, until
//! `engine.sh` installs Debian's docker.io; the harness must choose its CLI after that, and
//! must stop the daemon it started when the engine step fails half-way.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::tempdir;

fn e2e(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(file)
}

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stub `docker` client of `version` in `dir`. `buildx version` works only when `buildx`;
/// the daemon "answers" (`info`, the server version) only while `state/daemon-up` exists.
fn stub_docker(dir: &Path, version: &str, buildx: bool, state: &Path) {
    let up = state.join("daemon-up");
    let text = format!(
        r#"#!/bin/sh
up() {{ test -e '{up}'; }}
case "$1 $2" in
  "buildx version") {buildx} ;;
  "compose version") echo 2.40.3 ;;
  "version --format")
    case "$3" in
      *Client*) echo '{version}'; up ;;
      *) up && echo 20.10.24+dfsg1 ;;
    esac ;;
  "info --format") up && echo overlay2 ;;
  info*) up ;;
  *) echo "stub docker: unexpected: $*" >&2; exit 1 ;;
esac
"#,
        up = up.display(),
        buildx = if buildx {
            "echo 'github.com/docker/buildx v0.20.1'"
        } else {
            "echo \"docker: 'buildx' is not a docker command.\" >&2; exit 1"
        },
    );
    write_exe(&dir.join("docker"), &text);
}

/// The PATH of a machine with only these folders, plus the system's tools (bash, coreutils,
/// python3) through symlinks that leave out any real `docker`.
fn fake_path(root: &Path, dirs: &[&Path]) -> String {
    let sys = root.join("sys");
    if !sys.exists() {
        std::fs::create_dir_all(&sys).unwrap();
        for folder in ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let Ok(entries) = std::fs::read_dir(folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let link = sys.join(&name);
                if name.to_string_lossy().starts_with("docker") || link.exists() {
                    continue;
                }
                let _ = std::os::unix::fs::symlink(entry.path(), link);
            }
        }
    }
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.push(sys.display().to_string());
    parts.join(":")
}

/// `source lib.sh` under `path`; returns `"$DOCKER $DOCKER_CAN_BUILDKIT"`.
fn lib_choice(path: &str, e2e_docker: Option<&str>) -> String {
    let mut cmd = Command::new("/bin/bash");
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", "/nonexistent")
        .arg("-c")
        .arg(r#"source "$1"; printf '%s %s' "$DOCKER" "$DOCKER_CAN_BUILDKIT""#)
        .arg("lib-choice")
        .arg(e2e("lib.sh"));
    if let Some(cli) = e2e_docker {
        cmd.env("E2E_DOCKER", cli);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Machine {
    root: tempfile::TempDir,
}

impl Machine {
    /// `new`: Docker 28 without buildx (what /usr/local/bin has on the dev VMs);
    /// `debian`: Debian's 20.10; `buildx`: Docker 28 with the buildx plugin.
    fn new() -> Machine {
        let machine = Machine { root: tempdir() };
        let state = machine.state();
        std::fs::create_dir_all(&state).unwrap();
        stub_docker(&machine.dir("new"), "28.2.2", false, &state);
        stub_docker(&machine.dir("debian"), "20.10.24+dfsg1", false, &state);
        stub_docker(&machine.dir("buildx"), "28.2.2", true, &state);
        std::fs::create_dir_all(machine.dir("usr-bin")).unwrap();
        machine
    }
    fn dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }
    fn state(&self) -> PathBuf {
        self.root.path().join("stub-state")
    }
    fn path(&self, names: &[&str]) -> String {
        let dirs: Vec<PathBuf> = names.iter().map(|n| self.dir(n)).collect();
        let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
        fake_path(self.root.path(), &refs)
    }

    /// A stand-in for engine.sh: `start` installs Debian's CLI into `usr-bin` (already on
    /// PATH, empty until now) and starts the "daemon", then exits with `start_status`;
    /// `stop` records that it ran.
    fn engine_sh(&self, start_status: i32) -> PathBuf {
        let state = self.state();
        let script = self.root.path().join("engine.sh");
        write_exe(
            &script,
            &format!(
                "#!/bin/bash\ncase $1 in\n  start) cp '{debian}/docker' '{usr_bin}/docker'; \
                 touch '{state}/daemon-up' '{state}/started'; exit {start_status} ;;\n  \
                 stop) rm -f '{state}/daemon-up'; touch '{state}/stopped' ;;\nesac\n",
                debian = self.dir("debian").display(),
                usr_bin = self.dir("usr-bin").display(),
                state = state.display(),
            ),
        );
        script
    }

    /// tests/e2e/run.sh on this machine (`new` first on PATH, then `usr-bin`), stopped after
    /// its engine step.
    fn run_sh(&self, start_status: i32) -> Output {
        Command::new("/bin/bash")
            .arg(e2e("run.sh"))
            .arg("--berth")
            .arg("/nonexistent/berth")
            .env_clear()
            .env("PATH", self.path(&["new", "usr-bin"]))
            .env("HOME", self.root.path())
            .env("E2E_STATE", self.root.path().join("e2e-state"))
            .env("E2E_ENGINE_SH", self.engine_sh(start_status))
            .env("E2E_STOP_AFTER", "engine")
            .output()
            .unwrap()
    }
}

#[test]
fn lib_sh_takes_the_first_docker_cli_that_builds_with_buildkit() {
    let m = Machine::new();
    let cli = |name: &str| format!("{}/docker", m.dir(name).display());
    // A client 23+ without buildx earlier on PATH is passed over for Debian's 20.10...
    let choice = lib_choice(&m.path(&["new", "debian"]), None);
    assert_eq!(choice, format!("{} 1", cli("debian")));
    // ...but kept when it has buildx.
    let choice = lib_choice(&m.path(&["buildx", "debian"]), None);
    assert_eq!(choice, format!("{} 1", cli("buildx")));
    // No CLI that can build: the first one, flagged so the engine step can say why.
    let choice = lib_choice(&m.path(&["new"]), None);
    assert_eq!(choice, format!("{} 0", cli("new")));
    // E2E_DOCKER decides.
    let choice = lib_choice(&m.path(&["new", "debian"]), Some("/opt/docker"));
    assert_eq!(choice, "/opt/docker 1");
}

#[test]
fn run_sh_chooses_the_cli_after_the_engine_step_installs_docker_io() {
    let m = Machine::new();
    let out = m.run_sh(0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    let want = format!("CLI {}/docker", m.dir("usr-bin").display());
    assert!(
        stdout.contains(&want),
        "want {want:?} in the summary:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("E2E STOPPED after step \"engine\""),
        "{stdout}"
    );
    // The run started the engine, so it stops it at the end.
    assert!(m.state().join("stopped").exists(), "{stderr}");
}

#[test]
fn run_sh_stops_the_engine_it_started_when_the_engine_step_fails() {
    let m = Machine::new();
    let out = m.run_sh(1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("E2E FAILED in step \"engine\""),
        "{stdout}\n{stderr}"
    );
    assert!(m.state().join("started").exists());
    assert!(
        m.state().join("stopped").exists(),
        "the failed engine step left its daemon running:\n{stderr}"
    );
}
