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

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    #[cfg(debug_assertions)]
    fault::before_write();
    // A symbolic link (checked by `Confinement` to lead inside the project) is the user's: the
    // file it points to is written, and the link stays a link.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
            resolved.as_path()
        }
        _ => path,
    };
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

/// The project folder as the bound of every write: a path whose existing part leads, through a
/// symbolic link, outside the project (or to nothing) is refused before anything is written.
pub struct Confinement {
    /// The project folder, resolved; `None` while it does not exist (then nothing in it can be
    /// a link).
    root: Option<PathBuf>,
    given: PathBuf,
    /// Folders already checked: where each `/`-separated prefix resolves to, or `None` when it
    /// does not exist (so nothing below it can be a link). Every file of a service shares its
    /// folders' checks.
    folders: RefCell<HashMap<String, Option<PathBuf>>>,
}

impl Confinement {
    pub fn new(root: &Path) -> Self {
        Self {
            root: std::fs::canonicalize(root).ok(),
            given: root.to_path_buf(),
            folders: RefCell::new(HashMap::new()),
        }
    }

    /// Checks `rel` (a `/`-separated path inside the project) component by component: every
    /// symbolic link on the way must resolve to a place inside the project.
    pub fn check(&self, rel: &str) -> Result<()> {
        let Some(root) = &self.root else {
            return Ok(());
        };
        let mut here = root.clone();
        let mut end = 0;
        for part in rel.split('/') {
            end += part.len();
            let shown = &rel[..end];
            let last = end == rel.len();
            end += 1;
            let cached = (!last)
                .then(|| self.folders.borrow().get(shown).cloned())
                .flatten();
            let resolved = match cached {
                Some(resolved) => resolved,
                None => self.resolve(rel, shown, here.join(part), root)?,
            };
            if !last {
                self.folders
                    .borrow_mut()
                    .insert(shown.to_string(), resolved.clone());
            }
            match resolved {
                Some(next) => here = next,
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// Where `here` (the prefix `shown` of `rel`) resolves to inside the project, `None` when
    /// it does not exist, or the refusal when it is a link leading out (or nowhere).
    fn resolve(
        &self,
        rel: &str,
        shown: &str,
        here: PathBuf,
        root: &Path,
    ) -> Result<Option<PathBuf>> {
        let meta = match std::fs::symlink_metadata(&here) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&here, e)),
        };
        if !meta.file_type().is_symlink() {
            return Ok(Some(here));
        }
        let target = std::fs::read_link(&here).map_err(|e| Error::io(&here, e))?;
        match std::fs::canonicalize(&here) {
            Ok(resolved) if resolved.starts_with(root) => Ok(Some(resolved)),
            resolved => Err(Error::OutsideProject {
                path: rel.to_string(),
                link: self.given.join(shown).display().to_string(),
                target: match resolved {
                    Ok(r) => r.display().to_string(),
                    Err(_) => format!("{} (which does not exist)", target.display()),
                },
            }),
        }
    }
}

/// Test hooks, compiled into debug builds only: `BERTH_FAULT_AFTER_WRITES=N` kills the process
/// (abort: no destructors, no clean-up, like a SIGKILL) just before its write number N+1, so the
/// crash-safety tests can stop a run after any number of writes; `BERTH_PAUSE_AFTER_WRITES=N`
/// sleeps 2 s before write N+1, so the concurrency tests can look at a run in the middle of
/// writing.
#[cfg(debug_assertions)]
mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static WRITES: AtomicUsize = AtomicUsize::new(0);

    fn limit(var: &str) -> Option<usize> {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    }

    pub(super) fn before_write() {
        let done = WRITES.fetch_add(1, Ordering::SeqCst);
        if limit("BERTH_PAUSE_AFTER_WRITES") == Some(done) {
            eprintln!("berth: pausing after {done} write(s)");
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        if let Some(limit) = limit("BERTH_FAULT_AFTER_WRITES")
            && done >= limit
        {
            eprintln!("berth: fault injected after {limit} write(s)");
            std::process::abort();
        }
    }
}
