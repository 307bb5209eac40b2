//! Writing files safely: every write is atomic (a temp file in the same folder, then a rename),
//! so a crash or kill leaves each file either old or new, never partial.
//!
//! A kill between creating a temp file and renaming it can leave a `.berth-tmp-*` file; the next
//! run removes those from the folders it writes to.
//!
//! `tempfile` does the temp-file-and-rename; this module only adds the parent folders and the
//! permission bits (scripts with a shebang are executable, everything else is 0644; both less
//! the user's umask, as for any file the user creates).
//!
//! There is no fsync before the rename, as in uv's and cargo's atomic writes: the rename is what
//! makes a kill or crash of berth leave each file whole (old or new). Durability across a power
//! cut is left to the file system (ext4 flushes a file replaced by rename, `auto_da_alloc`), and
//! the generated files are in version control anyway; fsync per file was half of the wall time of
//! `berth init`.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    #[cfg(debug_assertions)]
    fault::before_write();
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    // The final mode is set when the temp file is created: no chmod per file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if content.starts_with(b"#!") {
            0o755
        } else {
            0o644
        };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder
        .tempfile_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    tmp.write_all(content).map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

const TEMP_PREFIX: &str = ".berth-tmp-";

/// Removes the temp files an interrupted run left in `dir` (a missing folder has none).
pub fn remove_stale_temp_files(dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    Ok(())
}

/// Reads a file's bytes; `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Test hook, compiled into debug builds only: `BERTH_FAULT_AFTER_WRITES=N` kills the process
/// (abort: no destructors, no clean-up, like a SIGKILL) just before its write number N+1, so the
/// crash-safety tests can stop a run after any number of writes.
#[cfg(debug_assertions)]
mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static WRITES: AtomicUsize = AtomicUsize::new(0);

    pub fn before_write() {
        let Some(limit) = std::env::var("BERTH_FAULT_AFTER_WRITES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        else {
            return;
        };
        if WRITES.fetch_add(1, Ordering::SeqCst) >= limit {
            eprintln!("berth: fault injected after {limit} write(s)");
            std::process::abort();
        }
    }
}
