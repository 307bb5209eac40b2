//! Finding the projects of a fleet: every folder holding a `berth.toml` under the given
//! folders, or the folders a list file names.
//!
//! The walk is a plain recursive `read_dir` (it must stop at a project, which the walkers of
//! crates such as `ignore` do not offer, and must not honour a `.gitignore` that hides one); it
//! skips what is never a project of its own: hidden folders (`.git`, `.berth`), `target` and
//! `node_modules`, and does not descend into a project: what lies below one (its services, an
//! organisation template folder) belongs to it. A path that does
//! not exist, or a list file that cannot be read, is bad input (exit 2) before anything runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest::FILE_NAME;

use super::Member;

/// The projects under `paths` and in the list file `list`, sorted, each once.
pub(crate) fn find(paths: &[PathBuf], list: Option<&Path>) -> Result<Vec<Member>> {
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    if let Some(file) = list {
        let text = std::fs::read_to_string(file).map_err(|e| Error::Usage {
            message: format!("--list {}: {e}", file.display()),
            fix: "give a readable file with one project folder a line".to_string(),
        })?;
        let base = file.parent().unwrap_or(Path::new(""));
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let path = base.join(line);
            if !path.join(FILE_NAME).is_file() {
                return Err(Error::Usage {
                    message: format!("--list {}: {line} holds no {FILE_NAME}", file.display()),
                    fix: "list project folders (each holding berth.toml), one a line".to_string(),
                });
            }
            roots.insert(path);
        }
    }
    if paths.is_empty() && list.is_none() {
        return Err(Error::Usage {
            message: "no projects given".to_string(),
            fix: "name one or more folders to search (`berth fleet status ~/src`), or pass --list FILE"
                .to_string(),
        });
    }
    for path in paths {
        if !path.is_dir() {
            return Err(Error::Usage {
                message: format!("{}: no such folder", path.display()),
                fix: "name folders that exist (each is searched for berth.toml)".to_string(),
            });
        }
        walk(path, &mut roots);
    }
    Ok(roots.into_iter().map(|root| Member { root }).collect())
}

/// Depth-first from `dir`: a folder holding berth.toml is a project (and the walk stops there);
/// unreadable folders are passed over (a fleet walk must not fail on one `lost+found`).
fn walk(dir: &Path, roots: &mut BTreeSet<PathBuf>) {
    if dir.join(FILE_NAME).is_file() {
        roots.insert(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "target" && name != "node_modules"
        })
        .map(|e| e.path())
        .collect();
    folders.sort();
    for folder in folders {
        walk(&folder, roots);
    }
}
