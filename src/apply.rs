//! Apply: compare the plan with the disk and the lock, decide each file's fate, then write.
//!
//! `prepare` only reads: for every planned file it decides create / update / merge / keep /
//! append keys / conflict, and it refuses (before anything is written) to overwrite a file that
//! berth does not manage unless `--force`. `execute` then writes each file atomically, the
//! manifest first (so a re-run of `generate` completes an interrupted job) and the lock last.
//! The dry-run diff and the drift check read the same `Prepared` value, so what is shown is
//! exactly what would be written.

use std::path::Path;

use crate::envfile;
use crate::error::{Error, Result};
use crate::fsio;
use crate::lock::{self, Lock, LockedFile};
use crate::merge;
use crate::plan::{Ownership, Plan};

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Did not exist; written.
    Created,
    /// Unedited since berth wrote it; replaced by the new render.
    Updated,
    /// Edited, and the new render merged cleanly with the edits.
    Merged,
    /// Edited, and the edits clash with the new render.
    Conflict,
    /// Already as it should be.
    Unchanged,
    /// The user's (seeded or edited) and left as it is.
    Kept,
    /// A .env file that received the keys it lacked.
    KeysAdded,
    /// Not berth's, overwritten because of `--force`.
    Overwritten,
    /// berth wrote it once, the plan no longer has it (pass --prune to remove it).
    Orphaned,
    /// Orphaned and unedited, removed because of `--prune`.
    Removed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Merged => "merged",
            Status::Conflict => "conflict",
            Status::Unchanged => "unchanged",
            Status::Kept => "kept",
            Status::KeysAdded => "keys added",
            Status::Overwritten => "overwritten",
            Status::Orphaned => "orphaned",
            Status::Removed => "removed",
        }
    }
}

/// How conflicts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ConflictMode {
    /// git-style conflict markers in the file itself
    #[default]
    Markers,
    /// leave the file untouched and write the new render to `<file>.berth-new`
    Sidecar,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub force: bool,
    pub prune: bool,
    pub conflict: ConflictMode,
}

#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub status: Status,
    /// Content on disk before, if any.
    pub old: Option<String>,
    /// Content to write at `path` (None: leave the file as it is, or remove it for `Removed`).
    pub write: Option<String>,
    /// Sidecar file to write (`<path>.berth-new`) in sidecar conflict mode.
    pub sidecar: Option<(String, String)>,
    /// Why, for edited or orphaned files.
    pub note: Option<String>,
}

impl FileChange {
    /// The report line of this file: `  <status>  <path> (<sidecar>) (<note>)`.
    pub fn line(&self) -> String {
        let mut line = format!("  {:<12} {}", self.status.label(), self.path);
        if let Some((sidecar, _)) = &self.sidecar {
            line.push_str(&format!(" (new render in {sidecar})"));
        }
        if let Some(note) = &self.note {
            line.push_str(&format!(" ({note})"));
        }
        line
    }
}

/// The decisions for a whole plan, and the lock to record after writing.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub changes: Vec<FileChange>,
    pub old_lock: Lock,
    pub new_lock: Lock,
}

impl Prepared {
    pub fn conflicts(&self) -> impl Iterator<Item = &FileChange> {
        self.changes.iter().filter(|c| c.status == Status::Conflict)
    }
}

pub fn prepare(root: &Path, plan: &Plan, lock: &Lock, opts: Options) -> Result<Prepared> {
    let berth_version = env!("CARGO_PKG_VERSION");
    let mut new_lock = Lock {
        berth_version: berth_version.to_string(),
        standard_version: plan.standard_version.clone(),
        files: Default::default(),
    };
    let mut changes = Vec::new();
    let mut unmanaged = Vec::new();

    for (path, planned) in &plan.files {
        let disk = fsio::read_optional(&root.join(path))?;
        let locked = lock.files.get(path);
        let fresh = LockedFile::new(planned.ownership, &plan.standard_version, &planned.content);
        let mut change = FileChange {
            path: path.clone(),
            status: Status::Unchanged,
            old: disk.clone(),
            write: None,
            sidecar: None,
            note: None,
        };
        let mut lock_entry = Some(fresh.clone());
        match (&disk, planned.ownership) {
            (None, _) => {
                change.status = Status::Created;
                change.write = Some(planned.content.clone());
            }
            (Some(d), _) if *d == planned.content => {}
            (Some(_), Ownership::Seeded) => {
                change.status = Status::Kept;
                // Keep the hash of what berth first seeded, if it did.
                lock_entry = Some(locked.cloned().unwrap_or(fresh));
            }
            (Some(d), Ownership::Env) => {
                // A .env file that already has every key is as berth wants it, whatever its
                // values: that is "unchanged", not drift.
                let merged = envfile::append_missing(d, &planned.content, &plan.standard_version);
                if merged != *d {
                    change.status = Status::KeysAdded;
                    change.write = Some(merged);
                }
            }
            (Some(d), Ownership::Managed) => match locked {
                None if opts.force => {
                    change.status = Status::Overwritten;
                    change.write = Some(planned.content.clone());
                }
                None => unmanaged.push(path.clone()),
                Some(l) if lock::sha256_hex(d) == l.sha256 => {
                    change.status = Status::Updated;
                    change.write = Some(planned.content.clone());
                }
                Some(l) => {
                    let base = l.rendered.as_deref().unwrap_or("");
                    match merge::three_way(base, d, &planned.content) {
                        Ok(merged) if merged == *d => {
                            change.status = Status::Kept;
                            change.note = Some("edited; the edits already hold the update".into());
                        }
                        Ok(merged) => {
                            change.status = Status::Merged;
                            change.write = Some(merged);
                        }
                        Err(with_markers) => {
                            change.status = Status::Conflict;
                            match opts.conflict {
                                ConflictMode::Markers => change.write = Some(with_markers),
                                ConflictMode::Sidecar => {
                                    change.sidecar = Some((
                                        format!("{path}.berth-new"),
                                        planned.content.clone(),
                                    ));
                                    // The file keeps the old edits; keep the old base so the
                                    // next run merges against it again.
                                    lock_entry = Some(l.clone());
                                }
                            }
                        }
                    }
                }
            },
        }
        if let Some(entry) = lock_entry {
            new_lock.files.insert(path.clone(), entry);
        }
        changes.push(change);
    }

    if !unmanaged.is_empty() {
        return Err(Error::Unmanaged { paths: unmanaged });
    }

    for (path, locked) in &lock.files {
        if plan.files.contains_key(path) {
            continue;
        }
        let disk = fsio::read_optional(&root.join(path))?;
        let Some(d) = disk else { continue };
        let unedited = lock::sha256_hex(&d) == locked.sha256;
        let seeded = locked.ownership == Ownership::Seeded;
        // A file no template produces any more left the standard's layout: berth removes it
        // when unedited, without --prune. One a template still produces belongs to a service
        // (or gateway, environment) that berth.toml dropped: removed only with --prune.
        let retired = !plan.in_layout(path);
        let mut change = FileChange {
            path: path.clone(),
            status: Status::Orphaned,
            old: Some(d),
            write: None,
            sidecar: None,
            note: None,
        };
        if unedited && !seeded && (opts.prune || retired) {
            change.status = Status::Removed;
            if retired {
                change.note = Some("no longer part of the standard's layout".into());
            }
        } else {
            change.note = Some(if seeded {
                "seeded code of a service no longer in berth.toml; yours to remove".into()
            } else if retired {
                "no longer part of the standard's layout, and edited by hand; move your edits \
                 where they belong, then remove it"
                    .into()
            } else if unedited {
                "no longer in the plan; `berth generate --prune` removes it".into()
            } else {
                "no longer in the plan and edited by hand; remove it yourself".into()
            });
            new_lock.files.insert(path.clone(), locked.clone());
        }
        changes.push(change);
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));

    Ok(Prepared {
        changes,
        old_lock: lock.clone(),
        new_lock,
    })
}

/// Writes everything: `first` (the manifest, when the command changed it), then each file,
/// then the lock. Each write is atomic.
pub fn execute(root: &Path, prepared: &Prepared, first: Option<(&str, &str)>) -> Result<()> {
    // A run killed between creating a temp file and renaming it leaves that temp file behind;
    // clear such leftovers from every folder this run writes to.
    let folders: std::collections::BTreeSet<&Path> = prepared
        .changes
        .iter()
        .filter(|c| c.write.is_some() || c.sidecar.is_some())
        .filter_map(|c| Path::new(&c.path).parent())
        .chain([
            Path::new(""),
            Path::new(lock::FILE).parent().unwrap_or(Path::new("")),
        ])
        .collect();
    for folder in folders {
        fsio::remove_stale_temp_files(&root.join(folder))?;
    }
    if let Some((path, content)) = first {
        fsio::write_atomic(&root.join(path), content)?;
    }
    for change in &prepared.changes {
        if let Some(content) = &change.write {
            fsio::write_atomic(&root.join(&change.path), content)?;
        }
        if let Some((path, content)) = &change.sidecar {
            fsio::write_atomic(&root.join(path), content)?;
        }
        if change.status == Status::Removed {
            let path = root.join(&change.path);
            std::fs::remove_file(&path).map_err(|e| Error::io(path, e))?;
        }
    }
    if prepared.old_lock != prepared.new_lock || !root.join(lock::FILE).exists() {
        fsio::write_atomic(&root.join(lock::FILE), &prepared.new_lock.to_text())?;
    }
    Ok(())
}

/// A unified diff of everything `execute` would write.
pub fn diff(prepared: &Prepared, first: Option<(&str, &str, &str)>) -> String {
    let mut out = String::new();
    if let Some((path, old, new)) = first {
        out.push_str(&unified(path, Some(old), new));
    }
    for change in &prepared.changes {
        if let Some(new) = &change.write {
            out.push_str(&unified(&change.path, change.old.as_deref(), new));
        }
        if let Some((path, new)) = &change.sidecar {
            out.push_str(&unified(path, None, new));
        }
        if change.status == Status::Removed {
            out.push_str(&unified_removal(
                &change.path,
                change.old.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    let from = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(old.unwrap_or(""), new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{path}"))
        .to_string()
}

fn unified_removal(path: &str, old: &str) -> String {
    similar::TextDiff::from_lines(old, "")
        .unified_diff()
        .header(&format!("a/{path}"), "/dev/null")
        .to_string()
}
