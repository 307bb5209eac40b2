//! The project lock: one berth at a time writes a project, and nobody reads it half-written.
//!
//! Every command that writes holds an exclusive lock on the project folder for its whole
//! read-plan-write cycle (berth.toml, the files and `.berth/lock.toml` included); `check` and
//! `--dry-run` hold a shared one, so they see the project before or after a run, never during
//! one. The lock is the operating system's advisory lock on the project folder itself
//! (`std::fs::File::lock`, flock(2) on Unix, stable in the standard library since Rust 1.89):
//! no lock file is created, so a run that exits 2 on bad input still writes not one byte, and a
//! run that is killed releases the lock with its process, so a stale lock cannot block the next
//! run. A second run waits, saying so and naming the holder (read from `/proc/locks` on Linux),
//! or with `--no-wait` exits 2.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Exclusive for commands that write, shared for those that only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Write,
    Read,
}

/// Held until dropped.
#[derive(Debug)]
pub(crate) struct ProjectLock {
    _folder: File,
}

impl ProjectLock {
    /// Locks the project folder `root` (which must exist). Waits for another berth holding it,
    /// after telling the user so on stderr, unless `no_wait`.
    pub(crate) fn acquire(root: &Path, access: Access, no_wait: bool) -> Result<Self> {
        let folder = File::open(root).map_err(|e| Error::io(root, e))?;
        let attempt = match access {
            Access::Write => folder.try_lock(),
            Access::Read => folder.try_lock_shared(),
        };
        match attempt {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder_of(root);
                if no_wait {
                    return Err(Error::Locked {
                        dir: root.to_path_buf(),
                        holder,
                    });
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "berth: Blocking waiting for the project lock on {} (held by {holder})",
                    root.display()
                );
                let waited = match access {
                    Access::Write => folder.lock(),
                    Access::Read => folder.lock_shared(),
                };
                waited.map_err(|e| Error::io(root, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(root, e)),
        }
        #[cfg(debug_assertions)]
        hold_for_tests();
        Ok(Self { _folder: folder })
    }
}

/// Who holds the lock on `root`: `pid 4242 (berth new svc-a)` where the system says (Linux's
/// `/proc/locks`), else `another berth process`.
fn holder_of(root: &Path) -> String {
    holder_pid(root).map_or_else(
        || "another berth process".to_string(),
        |pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|raw| {
                    raw.split(|&b| b == 0)
                        .filter(|part| !part.is_empty())
                        .map(|part| {
                            let part = String::from_utf8_lossy(part);
                            // The program's name, not the path it was started from.
                            part.rsplit('/').next().unwrap_or(&part).to_string()
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            if cmd.is_empty() {
                format!("pid {pid}")
            } else {
                format!("pid {pid} ({})", cmd.join(" "))
            }
        },
    )
}

#[cfg(unix)]
fn holder_pid(root: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(root).ok()?.ino();
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    // `1: FLOCK  ADVISORY  WRITE 4242 08:01:131090 0 EOF`
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (kind, pid, id) = (fields.get(1)?, fields.get(4)?, fields.get(5)?);
        let ino = id.rsplit(':').next()?.parse::<u64>().ok()?;
        (*kind == "FLOCK" && ino == inode)
            .then(|| pid.parse().ok())
            .flatten()
    })
}

#[cfg(not(unix))]
fn holder_pid(_root: &Path) -> Option<u32> {
    None
}

/// Test hook, compiled into debug builds only: `BERTH_HOLD_LOCK_MS=N` keeps the lock N ms
/// after taking it, so the tests can make runs meet and kill a run that holds the lock.
#[cfg(debug_assertions)]
fn hold_for_tests() {
    if let Some(ms) = std::env::var("BERTH_HOLD_LOCK_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let _ = writeln!(
            std::io::stderr(),
            "berth: holding the project lock ({ms} ms)"
        );
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}
