//! The interactive wizard, driven through the real binary in a pseudo-terminal (expectrl): the
//! answers typed produce the same tree as the equivalent flags, refused answers are re-asked with
//! the reason, and Ctrl-C, Esc or "no" leave the folder byte-for-byte as it was.
//!
//! The child runs with `NO_COLOR=1` and `TERM=dumb`, so prompts use dialoguer's plain theme and
//! the text to wait for is the same on every machine. Before a key is sent the test waits until
//! the prompt is on screen and the child reads the terminal in raw mode: a key sent earlier
//! would meet the terminal's line discipline instead (Ctrl-C would become a signal outside the
//! prompt). Every wait has a deadline, so a wizard that hangs fails instead of blocking the suite.

use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialoguer::console::strip_ansi_codes;
use expectrl::process::unix::WaitStatus;

use crate::common::{init_mvp, read_tree, run_ok, tempdir};

const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(10);

pub(crate) const ENTER: &str = "\r";
pub(crate) const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";
const SHOW_CURSOR: &str = "\x1b[?25h";
const HIDE_CURSOR: &str = "\x1b[?25l";

/// berth running in a pseudo-terminal, with everything it printed so far.
pub(crate) struct Wizard {
    session: expectrl::session::OsSession,
    out: Vec<u8>,
    /// How much of `out` the previous `expect` consumed.
    seen: usize,
    eof: bool,
}

impl Wizard {
    pub(crate) fn spawn(dir: &Path, args: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
        cmd.current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .env_remove("CLICOLOR_FORCE");
        Self {
            session: expectrl::Session::spawn(cmd).expect("spawn berth in a pty"),
            out: Vec::new(),
            seen: 0,
            eof: false,
        }
    }

    /// berth in a pseudo-terminal of `cols` x `rows` with the colourful theme, as a user's
    /// terminal shows it.
    pub(crate) fn spawn_colourful(dir: &Path, args: &[&str], cols: u16, rows: u16) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
        cmd.current_dir(dir)
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        let mut session = expectrl::Session::spawn(cmd).expect("spawn berth in a pty");
        session
            .get_process_mut()
            .set_window_size(cols, rows)
            .expect("set the pty's size");
        Self {
            session,
            out: Vec::new(),
            seen: 0,
            eof: false,
        }
    }

    /// Everything printed so far, escape codes and all.
    pub(crate) fn output(&self) -> &[u8] {
        &self.out
    }

    /// Everything printed so far, without colour and cursor codes.
    pub(crate) fn transcript(&self) -> String {
        strip_ansi_codes(&String::from_utf8_lossy(&self.out)).into_owned()
    }

    fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while !self.eof {
            match self.session.try_read(&mut buf) {
                Ok(0) => self.eof = true,
                Ok(n) => self.out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // Linux answers EIO on the pty once the child has exited and all is read.
                Err(e) if e.raw_os_error() == Some(libc::EIO) => self.eof = true,
                Err(e) => panic!("reading the pty: {e}"),
            }
        }
    }

    /// Waits for `needle` in what was printed after the previous match.
    pub(crate) fn expect(&mut self, needle: &str) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            self.drain();
            let rest = String::from_utf8_lossy(&self.out[self.seen..]).into_owned();
            if let Some(at) = rest.find(needle) {
                self.seen += rest[..at + needle.len()].len();
                return;
            }
            assert!(
                !self.eof && Instant::now() < deadline,
                "no {needle:?} on the screen; berth printed:\n{}",
                self.transcript()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the child reads the terminal in raw mode, i.e. sits at a prompt.
    fn wait_for_raw_mode(&mut self) {
        let fd = self.session.get_stream().as_raw_fd();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            // SAFETY: tcgetattr only writes the termios struct it is given.
            let mut termios: libc::termios = unsafe { std::mem::zeroed() };
            assert_eq!(unsafe { libc::tcgetattr(fd, &raw mut termios) }, 0);
            if termios.c_lflag & libc::ICANON == 0 {
                return;
            }
            self.drain();
            assert!(
                Instant::now() < deadline,
                "berth never waited for a key; it printed:\n{}",
                self.transcript()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits for the prompt `needle`, then types `keys`.
    pub(crate) fn answer(&mut self, needle: &str, keys: &str) {
        self.expect(needle);
        self.wait_for_raw_mode();
        use std::io::Write;
        self.session.write_all(keys.as_bytes()).unwrap();
        self.session.flush().unwrap();
    }

    /// Waits for the exit; returns the exit code.
    pub(crate) fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            self.drain();
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => {
                    self.drain();
                    return code;
                }
                Ok(WaitStatus::Signaled(_, signal, _)) => {
                    panic!("berth was killed by {signal:?}:\n{}", self.transcript())
                }
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "berth did not exit; it printed:\n{}",
                self.transcript()
            );
            std::thread::sleep(POLL);
        }
    }
}

#[test]
fn new_wizard_writes_what_the_flags_write_and_reasks_refused_answers() {
    let (wizard_dir, flags_dir) = (tempdir(), tempdir());
    init_mvp(wizard_dir.path());
    init_mvp(flags_dir.path());

    let mut w = Wizard::spawn(wizard_dir.path(), &["new"]);
    w.answer("Service name", "Live_Feed\r");
    w.expect("\"Live_Feed\" must be lowercase kebab-case");
    w.expect("use a name like \"live-feed\"");
    w.answer("Service name", "auth-service\r");
    w.expect("\"auth-service\" is already a service in berth.toml");
    w.answer("Service name", "live-feed\r");
    w.expect("Service name (lowercase kebab-case, e.g. billing-api): live-feed");
    w.expect("HTTP API");
    w.expect("WebSocket service");
    w.answer("Background / AI worker", &format!("{DOWN}{ENTER}"));
    w.answer("Port (the next free one) [8005]: ", "8003\r");
    w.expect("error: port 8003 is already used by ai-engine; use a free port, e.g. 8005");
    w.answer("Port (the next free one) [8005]: ", "80\r");
    w.expect("error: port 80 must be between 1024 and 65535");
    w.answer("Port (the next free one) [8005]: ", "8010\r");
    w.expect("one worker: WebSocket connections are stateful");
    w.answer("Uvicorn workers [1]: ", ENTER);
    w.expect("Depends on");
    // Services are listed by name: ai-engine, auth-service, ...; tick the second.
    w.answer("creator-hub", &format!("{DOWN} {ENTER}"));
    w.answer("Seconds to wait for auth-service at start [60]: ", "90\r");
    w.answer("Gateway route prefix [/live-feed]: ", ENTER);
    w.expect("berth will write");
    w.expect("updated      berth.toml");
    w.expect("created      services/live-feed/Dockerfile");
    w.answer("Show the diff? [y/N]", "y");
    w.expect("+++ b/services/live-feed/Dockerfile");
    w.answer("Write these files? [Y/n]", "y");
    w.expect("created      services/live-feed/app/main.py");
    assert_eq!(w.exit_code(), 0, "{}", w.transcript());

    run_ok(
        flags_dir.path(),
        &[
            "new",
            "live-feed",
            "--kind",
            "websocket",
            "--port",
            "8010",
            "--depends-on",
            "auth-service",
            "--wait-timeout",
            "90",
            "--yes",
        ],
    );
    let (wizard_tree, flags_tree) = (read_tree(wizard_dir.path()), read_tree(flags_dir.path()));
    assert_eq!(
        wizard_tree.keys().collect::<Vec<_>>(),
        flags_tree.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &wizard_tree {
        assert!(
            flags_tree[path] == *bytes,
            "{path} differs from the flags run:\n{}",
            String::from_utf8_lossy(&bytes.1)
        );
    }
}

#[test]
fn init_wizard_writes_what_the_flags_write() {
    let (wizard_dir, flags_dir) = (tempdir(), tempdir());
    // The name is a flag (mixed mode): it is not asked, and both trees get the same name.
    let mut w = Wizard::spawn(wizard_dir.path(), &["init", ".", "--name", "demo"]);
    w.expect("Preset");
    w.answer("minimal  no services yet", ENTER);
    w.expect("Environments");
    // dev, staging, prod are ticked; untick staging.
    w.answer("prod", &format!("{DOWN} {ENTER}"));
    w.answer("Include the gateway", ENTER);
    w.expect("created      berth.toml");
    w.answer("Show the diff? [y/N]", "n");
    w.answer("Write these files? [Y/n]", ENTER);
    w.expect("berth: wrote");
    w.expect("Next: build the dev stack");
    assert_eq!(w.exit_code(), 0, "{}", w.transcript());
    let transcript = w.transcript();
    assert!(!transcript.contains("Project name"), "{transcript}");

    run_ok(
        flags_dir.path(),
        &[
            "init", ".", "--name", "demo", "--preset", "mvp", "--env", "dev,prod", "--yes",
        ],
    );
    let wizard_tree = read_tree(wizard_dir.path());
    assert!(wizard_tree.keys().all(|p| !p.contains("staging")));
    assert!(
        wizard_tree == read_tree(flags_dir.path()),
        "the trees differ"
    );
}

#[test]
fn ctrl_c_at_a_middle_question_writes_nothing_and_restores_the_cursor() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let before = read_tree(tmp.path());
    let mut w = Wizard::spawn(tmp.path(), &["new"]);
    w.answer("Service name", "billing\r");
    // The kind select hides the cursor.
    w.answer("Background / AI worker", CTRL_C);
    w.expect("berth: error: interrupted: nothing was written");
    assert_eq!(w.exit_code(), 130, "{}", w.transcript());
    let raw = String::from_utf8_lossy(&w.out).into_owned();
    let hidden = raw.rfind(HIDE_CURSOR).expect("the select hid the cursor");
    assert!(
        raw[hidden..].contains(SHOW_CURSOR),
        "the cursor stays hidden after Ctrl-C: {:?}",
        &raw[hidden..]
    );
    let last = w
        .transcript()
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert_eq!(last, "berth: error: interrupted: nothing was written");
    assert_eq!(read_tree(tmp.path()), before);
}

#[test]
fn esc_at_a_text_question_writes_nothing() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let before = read_tree(tmp.path());
    let mut w = Wizard::spawn(tmp.path(), &["new", "billing"]);
    w.answer("Background / AI worker", ENTER);
    w.answer("Port (the next free one) [8005]: ", "80");
    w.wait_for_raw_mode();
    w.answer("Port (the next free one) [8005]: 80", ESC);
    w.expect("interrupted: nothing was written");
    assert_eq!(w.exit_code(), 130, "{}", w.transcript());
    assert_eq!(read_tree(tmp.path()), before);
}

#[test]
fn no_at_the_summary_writes_nothing() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let before = read_tree(tmp.path());
    let mut w = Wizard::spawn(
        tmp.path(),
        &["new", "billing", "--depends-on", "auth-service"],
    );
    w.answer("Background / AI worker", ENTER);
    w.answer("Port (the next free one) [8005]: ", ENTER);
    w.answer("Uvicorn workers [2]: ", ENTER);
    w.answer("Seconds to wait for auth-service at start [60]: ", ENTER);
    w.answer("Gateway route prefix [/billing]: ", ENTER);
    w.expect("created      services/billing/Dockerfile");
    w.answer("Show the diff? [y/N]", "n");
    w.answer("Write these files? [Y/n]", "n");
    w.expect("berth: error: cancelled: nothing was written");
    assert_eq!(w.exit_code(), 130, "{}", w.transcript());
    assert_eq!(read_tree(tmp.path()), before);
}

#[test]
fn values_given_as_flags_are_not_asked() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let mut w = Wizard::spawn(
        tmp.path(),
        &[
            "new",
            "billing",
            "--kind",
            "worker",
            "--port",
            "8010",
            "--workers",
            "1",
        ],
    );
    // First question: dependencies (name, kind, port and workers were given).
    w.answer("Depends on", ESC);
    assert_eq!(w.exit_code(), 130);
    let transcript = w.transcript();
    for asked in ["Service name", "Kind of service", "Port", "Uvicorn workers"] {
        assert!(
            !transcript.contains(asked),
            "{asked} was asked:\n{transcript}"
        );
    }
}

#[test]
fn no_terminal_without_yes_exits_2_without_waiting_for_input() {
    let tmp = tempdir();
    init_mvp(tmp.path());
    let before = read_tree(tmp.path());
    for args in [&["new"][..], &["new", "billing"], &["init", "shop"]] {
        // stdin is a pipe that stays open: a prompt would wait on it for ever.
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(tmp.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("berth {args:?} waited for input without a terminal");
            }
            std::thread::sleep(POLL);
        };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status.code(), Some(2), "berth {args:?}: {stderr}");
        assert!(
            stderr.contains("no terminal") && stderr.contains("--yes"),
            "{stderr}"
        );
    }
    // --yes never prompts, and a service name has no default.
    let out = crate::common::berth()
        .current_dir(tmp.path())
        .args(["new", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs NAME"));
    assert_eq!(read_tree(tmp.path()), before);
}

#[test]
fn a_bad_init_flag_reads_the_same_with_and_without_the_wizard() {
    let tmp = tempdir();
    let args = ["init", "shop", "--env", "dev,qa", "--name", "My Shop"];
    let flags_path = crate::common::berth()
        .current_dir(tmp.path())
        .args(args)
        .arg("--yes")
        .output()
        .unwrap();
    assert_eq!(flags_path.status.code(), Some(2));
    let expected = String::from_utf8_lossy(&flags_path.stderr).into_owned();
    assert!(expected.contains("--env = \"qa\""), "{expected}");

    let mut w = Wizard::spawn(tmp.path(), &args);
    assert_eq!(w.exit_code(), 2, "{}", w.transcript());
    let shown = w.transcript().replace("\r\n", "\n");
    assert_eq!(
        shown.trim(),
        expected.trim(),
        "the wizard path says it differently"
    );
    assert!(!tmp.path().join("shop").exists());
}
