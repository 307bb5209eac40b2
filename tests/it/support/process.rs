//! Running a child process under a watchdog and collecting everything it printed: a hanging
//! script fails its test instead of hanging the suite.

use std::io::Read;
use std::process::{Child, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// Upper bound for any single script run; only reached when a script hangs.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(20);

pub(crate) struct Run {
    pub status: ExitStatus,
    pub pid: u32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub(crate) fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub(crate) fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

pub(crate) fn reader(mut source: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        source.read_to_string(&mut text).expect("read child output");
        text
    })
}

/// Waits for `child` (killing it after `WATCHDOG`) and collects its output.
pub(crate) fn finish(mut child: Child, started: Instant) -> Run {
    let pid = child.id();
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = child.stderr.take().map(reader);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            child.kill().ok();
            child.wait().ok();
            let err = stderr.map(|h| h.join().unwrap()).unwrap_or_default();
            panic!("script still running after {WATCHDOG:?}; stderr so far:\n{err}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    Run {
        status,
        pid,
        stdout: stdout.join().unwrap(),
        stderr: stderr.map(|h| h.join().unwrap()).unwrap_or_default(),
        elapsed,
    }
}
