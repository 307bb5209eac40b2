//! Apply: compare the plan with the disk and the lock, decide each file's fate, then write.
//!
//! Three steps, one file each, over the types below: `decide` (`prepare`) only reads: for every
//! planned file it decides create / update / merge / keep / append keys / conflict, and it
//! refuses (before anything is written) to overwrite a file that berth does not manage unless
//! `--force`. `write` (`execute`) then writes each file atomically, the manifest first (so a
//! re-run of `generate` completes an interrupted job) and the lock last. The dry-run `diff` and
//! the `drift` check read the same `Prepared` value, so what is shown is exactly what would be
//! written.

use std::collections::{BTreeMap, BTreeSet};

mod decide;
mod diff;
pub mod drift;
pub mod envfile;
pub mod fsio;
pub mod lock;
pub mod merge;
pub mod text;
mod write;

pub use decide::prepare;
pub use diff::diff;
pub use write::execute;

use envfile::KeyChange;
use lock::Lock;

/// The note of a file whose only change is the one-time header migration: the standard's
/// version left the generated header (it is in the lock).
pub const HEADER_MIGRATION: &str = "one-time migration: the standard's version left the header";

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
    /// A .env file berth did not write, merged in because of `--force`: every value kept.
    Adopted,
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
            Status::Adopted => "adopted",
            Status::Overwritten => "overwritten",
            Status::Orphaned => "orphaned",
            Status::Removed => "removed",
        }
    }
}

/// How conflicts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    /// A file the repository added where the standard now adds one too (add/add), without
    /// `force`: refused before anything is written (`generate`), or, for a fleet rollout that
    /// must go on, a conflict whose render goes to `<file>.berth-new` (the file stays as is).
    pub add_add: AddAdd,
}

/// What `prepare` does with a file berth never wrote that the plan now has (see `Options`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddAdd {
    #[default]
    Refuse,
    Conflict,
}

#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub status: Status,
    /// Content on disk before, if any.
    pub old: Option<Vec<u8>>,
    /// Content to write at `path` (None: leave the file as it is, or remove it for `Removed`).
    pub new_content: Option<Vec<u8>>,
    /// Sidecar file to write (`<path>.berth-new`) in sidecar conflict mode.
    pub sidecar: Option<(String, Vec<u8>)>,
    /// Why, for edited or orphaned files.
    pub note: Option<String>,
    /// Per key, for `.env` files: what changed or needs the user's attention.
    pub keys: Vec<KeyChange>,
}

impl FileChange {
    fn new(path: &str, status: Status, old: Option<Vec<u8>>) -> Self {
        Self {
            path: path.to_string(),
            status,
            old,
            new_content: None,
            sidecar: None,
            note: None,
            keys: Vec::new(),
        }
    }
}

/// berth.toml as `apply` writes it (first, so a re-run completes an interrupted job) and
/// shows it in a diff.
#[derive(Debug, Clone, Copy)]
pub struct ManifestWrite<'a> {
    pub path: &'static str,
    /// `None`: created by this run.
    pub old: Option<&'a str>,
    pub new: &'a str,
}

/// The decisions for a whole plan, and the lock to record after writing.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub changes: Vec<FileChange>,
    pub old_lock: Lock,
    pub new_lock: Lock,
    /// Base texts the new lock records that `.berth/base/` may not hold yet (hash -> text).
    pub bases: BTreeMap<String, String>,
    /// Keys whose values are never shown (for the diff of `.env` files).
    pub secrets: BTreeSet<String>,
}

impl Prepared {
    /// Files and keys in conflict.
    pub fn conflicts(&self) -> impl Iterator<Item = &FileChange> {
        self.changes.iter().filter(|c| c.status == Status::Conflict)
    }
}
