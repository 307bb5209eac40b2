//! Apply: compare the plan with the disk and the lock, decide each file's fate, then write.
//!
//! `prepare` only reads: for every planned file it decides create / update / merge / keep /
//! append keys / conflict, and it refuses (before anything is written) to overwrite a file that
//! berth does not manage unless `--force`. `execute` then writes each file atomically, the
//! manifest first (so a re-run of `generate` completes an interrupted job) and the lock last.
//! The dry-run diff and the drift check read the same `Prepared` value, so what is shown is
//! exactly what would be written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub mod envfile;
pub mod fsio;
pub mod lock;
pub mod merge;
pub mod text;

use crate::error::{Error, Result};
use crate::plan::{EnvValues, Plan, PlannedFile};

use envfile::{KeyChange, KeyEvent};
use lock::{Lock, LockedFile, Ownership};

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

/// One file's decision, the lock entry to record for it (`None`: drop it from the lock), and
/// the text of that entry's base when this run wrote a new one.
type Decision = (FileChange, Option<LockedFile>, Option<String>);

/// Decides the fate of every planned file and every file the lock lists but the plan no longer
/// has. Reads only; refuses (before anything is written) to overwrite a file berth does not
/// manage unless `--force`.
pub fn prepare(root: &Path, plan: &Plan, lock: &Lock, opts: Options) -> Result<Prepared> {
    let confinement = fsio::Confinement::new(root);
    check_confinement(&confinement, plan, lock)?;
    let mut new_lock = Lock::new(&plan.standard_version);
    let mut changes = Vec::new();
    let mut bases = BTreeMap::new();
    let mut unmanaged = Vec::new();
    // A base is written only when an entry records a text the old lock did not.
    let mut record = |changes: &mut Vec<FileChange>,
                      path: &str,
                      (change, entry, base): Decision,
                      rendered: Option<&str>| {
        if let Some(entry) = entry {
            let known = lock
                .files
                .get(path)
                .is_some_and(|old| old.blake3 == entry.blake3);
            if entry.has_base() && !known {
                let text = base.or_else(|| rendered.map(str::to_string));
                bases.insert(entry.blake3.clone(), text.unwrap_or_default());
            }
            new_lock.files.insert(path.to_string(), entry);
        }
        changes.push(change);
    };
    for (path, planned) in &plan.files {
        match decide_planned(root, path, planned, lock, plan, opts)? {
            Some(decision) => record(&mut changes, path, decision, Some(&planned.content)),
            None => unmanaged.push(path.clone()),
        }
    }
    if !unmanaged.is_empty() {
        return Err(Error::Unmanaged { paths: unmanaged });
    }
    // Derived files (the Kubernetes overlays) after the files they come from: from what those
    // hold once this run has merged them.
    let derived = derive(plan, &changes)?;
    for (path, planned) in &derived {
        match decide_planned(root, path, planned, lock, plan, opts)? {
            Some(decision) => record(&mut changes, path, decision, Some(&planned.content)),
            None => unmanaged.push(path.clone()),
        }
    }
    if !unmanaged.is_empty() {
        return Err(Error::Unmanaged { paths: unmanaged });
    }
    for (path, locked) in &lock.files {
        if plan.files.contains_key(path) || derived.contains_key(path) {
            continue;
        }
        if let Some(d) = fsio::read_optional(&root.join(path))? {
            record(
                &mut changes,
                path,
                decide_orphan(path, d, locked, plan, opts),
                None,
            );
        }
    }
    hold_old_bases(root, lock, &new_lock, &mut bases)?;
    for (sidecar, _) in changes.iter().filter_map(|c| c.sidecar.as_ref()) {
        confinement.check(sidecar)?;
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Prepared {
        changes,
        old_lock: lock.clone(),
        new_lock,
        bases,
        secrets: plan.secrets.clone(),
    })
}

/// One planned file's decision; `None` when it exists, berth never wrote it and `--force` is
/// not given (it is not berth's to change).
fn decide_planned(
    root: &Path,
    path: &str,
    planned: &PlannedFile,
    lock: &Lock,
    plan: &Plan,
    opts: Options,
) -> Result<Option<Decision>> {
    let disk = fsio::read_optional(&root.join(path))?;
    let locked = lock.files.get(path);
    let fresh = LockedFile::new(planned.ownership, &plan.standard_version, &planned.content);
    let base = || {
        locked
            .map(|l| lock.base(root, l))
            .transpose()
            .map(Option::flatten)
    };
    Ok(Some(match (disk, planned.ownership) {
        (None, _) => {
            let mut change = FileChange::new(path, Status::Created, None);
            change.new_content = Some(planned.content.clone().into_bytes());
            (change, Some(fresh), None)
        }
        (Some(d), _) if d == planned.content.as_bytes() => (
            FileChange::new(path, Status::Unchanged, Some(d)),
            Some(fresh),
            None,
        ),
        (Some(d), Ownership::Seeded) => {
            // Keep the hash of what berth first seeded, if it did.
            let entry = locked.cloned().unwrap_or(fresh);
            (
                FileChange::new(path, Status::Kept, Some(d)),
                Some(entry),
                None,
            )
        }
        (Some(_), Ownership::Managed | Ownership::Env) if locked.is_none() && !opts.force => {
            return Ok(None);
        }
        (Some(d), Ownership::Env) => {
            let base = base()?;
            decide_env(
                path,
                d,
                planned,
                (locked, base.as_deref()),
                &fresh,
                plan,
                opts,
            )
        }
        (Some(d), Ownership::Managed) => {
            let base = base()?;
            decide_managed(path, d, planned, (locked, base.as_deref()), fresh, opts)?
        }
    }))
}

/// Bases the old lock held in memory (a format-1 lock's inline texts) and the new lock still
/// refers to: written out with the first new lock.
fn hold_old_bases(
    root: &Path,
    lock: &Lock,
    new_lock: &Lock,
    bases: &mut BTreeMap<String, String>,
) -> Result<()> {
    if !lock.holds_bases() {
        return Ok(());
    }
    for hash in new_lock.referenced_bases() {
        if !bases.contains_key(hash)
            && let Some(entry) = lock.files.values().find(|e| e.blake3 == hash)
            && let Some(text) = lock.base(root, entry)?
        {
            bases.insert(hash.to_string(), text);
        }
    }
    Ok(())
}

/// Nothing is written or removed through a link that leaves the project: checked for every path
/// a run could touch (planned, locked, the lock, the manifest) before any decision; sidecars are
/// checked when a conflict makes one.
fn check_confinement(confinement: &fsio::Confinement, plan: &Plan, lock: &Lock) -> Result<()> {
    let paths: BTreeSet<&str> = plan
        .files
        .keys()
        .chain(plan.derived.keys())
        .chain(lock.files.keys())
        .map(String::as_str)
        .chain([lock::FILE, lock::BASES, crate::manifest::FILE_NAME])
        .collect();
    paths
        .into_iter()
        .try_for_each(|path| confinement.check(path))
}

/// The derived files of the plan, rendered from the final content of their inputs (what this
/// run writes, else what is on disk), each input decoded once as Docker Compose reads it. A
/// derived file that renders empty does not apply and is left out.
fn derive(plan: &Plan, changes: &[FileChange]) -> Result<BTreeMap<String, PlannedFile>> {
    let mut decoded: BTreeMap<&str, EnvValues> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (path, d) in &plan.derived {
        if !decoded.contains_key(d.input.as_str()) {
            let change = changes.iter().find(|c| c.path == d.input);
            let bytes = change
                .and_then(|c| c.new_content.as_ref().or(c.old.as_ref()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            decoded.insert(&d.input, decode_env(&d.input, bytes)?);
        }
        if let Some(file) = plan.derive(path, &decoded[d.input.as_str()])? {
            out.insert(path.clone(), file);
        }
    }
    Ok(out)
}

/// A `.env` file's keys as Docker Compose reads them; an error when Compose could not read it.
fn decode_env(path: &str, bytes: &[u8]) -> Result<EnvValues> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::EnvSyntax {
        path: path.to_string(),
        line: bytes[..e.valid_up_to()].split(|&b| b == b'\n').count(),
        message: "is not UTF-8 text, which a ConfigMap must hold".to_string(),
        fix: "save the file as UTF-8".to_string(),
    })?;
    envfile::decode::decode(text).map_err(|e| Error::EnvSyntax {
        path: path.to_string(),
        line: e.line,
        message: e.message,
        fix: "correct that line: Compose refuses the whole file as it is".to_string(),
    })
}

/// A managed file that exists and differs from the render: replaced when unedited, merged three
/// ways when edited, overwritten with `--force` when berth never wrote it. A file in CRLF line
/// endings is compared and merged as LF and written back in CRLF.
fn decide_managed(
    path: &str,
    disk: Vec<u8>,
    planned: &PlannedFile,
    (locked, base): (Option<&LockedFile>, Option<&str>),
    fresh: LockedFile,
    opts: Options,
) -> Result<Decision> {
    let text = text::decode(path, &disk)?;
    let mut change = FileChange::new(path, Status::Unchanged, None);
    let encode = |s: &str| text::encode(s, text.crlf);
    let Some(l) = locked else {
        change.status = Status::Overwritten;
        change.new_content = Some(planned.content.clone().into_bytes());
        change.old = Some(disk);
        return Ok((change, Some(fresh), None));
    };
    let mut entry = Some(fresh);
    if text.lf == planned.content {
        // Only the line endings differ: the user's editor's, kept.
    } else if l.matches(text.lf.as_bytes()) {
        change.status = Status::Updated;
        change.new_content = Some(encode(&planned.content));
    } else {
        match merge::three_way(base.unwrap_or(""), &text.lf, &planned.content) {
            Ok(merged) if merged == text.lf => {
                change.status = Status::Kept;
                change.note = Some("edited; the edits already hold the update".into());
            }
            Ok(merged) => {
                change.status = Status::Merged;
                change.new_content = Some(encode(&merged));
            }
            Err(with_markers) => {
                change.status = Status::Conflict;
                match opts.conflict {
                    ConflictMode::Markers => change.new_content = Some(encode(&with_markers)),
                    ConflictMode::Sidecar => {
                        change.sidecar =
                            Some((format!("{path}.berth-new"), encode(&planned.content)));
                        // The file keeps the old edits; keep the old base so the next run
                        // merges against it again.
                        entry = Some(l.clone());
                    }
                }
            }
        }
    }
    change.old = Some(disk);
    Ok((change, entry, None))
}

/// A `.env` file that exists and differs from the render: merged key by key (see `envfile`).
/// With `--force`, a file berth never wrote is adopted: every value in it is kept.
fn decide_env(
    path: &str,
    disk: Vec<u8>,
    planned: &PlannedFile,
    (locked, base): (Option<&LockedFile>, Option<&str>),
    fresh: &LockedFile,
    plan: &Plan,
    opts: Options,
) -> Decision {
    let base = locked.map(|_| base.unwrap_or(""));
    let m = envfile::merge(base, &disk, &planned.content, &plan.secrets, opts.prune);
    let mut change = FileChange::new(path, Status::Unchanged, None);
    let mut entry = LockedFile::new(fresh.ownership, &fresh.standard_version, &m.next_base);
    let mut base_text = Some(m.next_base.clone());
    let conflict = m.has_conflicts();
    if conflict {
        change.status = Status::Conflict;
        if opts.conflict == ConflictMode::Sidecar {
            change.sidecar = Some((format!("{path}.berth-new"), m.proposed.clone()));
            // Keep what berth last wrote, so the next run reports the conflict again.
            if let Some(l) = locked {
                entry = l.clone();
                base_text = None;
            }
        }
    } else if locked.is_none() {
        change.status = Status::Adopted;
    } else if m.text != disk {
        let event = |pick: fn(&KeyEvent) -> bool| m.changes.iter().any(|k| pick(&k.event));
        let added = event(|e| matches!(e, KeyEvent::Added { .. }));
        let values = event(|e| matches!(e, KeyEvent::Updated { .. } | KeyEvent::Removed));
        change.status = if added && !values {
            Status::KeysAdded
        } else {
            Status::Updated
        };
    } else if m.changes.iter().any(KeyChange::is_reported) {
        change.status = Status::Kept;
    }
    if m.text != disk {
        change.new_content = Some(m.text);
    }
    change.keys = m.changes;
    change.old = Some(disk);
    (change, Some(entry), base_text)
}

/// A file the lock lists and the plan no longer has.
fn decide_orphan(
    path: &str,
    disk: Vec<u8>,
    locked: &LockedFile,
    plan: &Plan,
    opts: Options,
) -> Decision {
    let unedited = locked.matches(&disk);
    let seeded = locked.ownership == Ownership::Seeded;
    // A file no template produces any more left the standard's layout: berth removes it
    // when unedited, without --prune. One a template still produces belongs to a service
    // (or gateway, environment) that berth.toml dropped: removed only with --prune.
    let retired = !plan.in_layout(path);
    let mut change = FileChange::new(path, Status::Orphaned, Some(disk));
    if unedited && !seeded && (opts.prune || retired) {
        change.status = Status::Removed;
        if retired {
            change.note = Some("no longer part of the standard's layout".into());
        }
        return (change, None, None);
    }
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
    (change, Some(locked.clone()), None)
}

/// Writes everything: `first` (the manifest, when the command changed it), then each file,
/// then the lock. Each write is atomic.
pub fn execute(root: &Path, prepared: &Prepared, first: Option<ManifestWrite<'_>>) -> Result<()> {
    // A run killed between creating a temp file and renaming it leaves that temp file behind;
    // clear such leftovers from every folder this run writes to.
    let folders: BTreeSet<&Path> = prepared
        .changes
        .iter()
        .filter(|c| c.new_content.is_some() || c.sidecar.is_some())
        .filter_map(|c| Path::new(&c.path).parent())
        .chain([
            Path::new(""),
            Path::new(lock::FILE).parent().unwrap_or(Path::new("")),
            Path::new(lock::BASES),
        ])
        .collect();
    for folder in folders {
        fsio::remove_stale_temp_files(&root.join(folder))?;
    }
    if let Some(manifest) = first {
        fsio::write_atomic(&root.join(manifest.path), manifest.new.as_bytes())?;
    }
    for change in &prepared.changes {
        if let Some(content) = &change.new_content {
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
        write_lock(root, prepared)?;
    }
    Ok(())
}

/// The new bases, then the lock, then away with the bases no entry refers to any more: a run
/// killed at any point leaves a lock whose bases all exist.
fn write_lock(root: &Path, prepared: &Prepared) -> Result<()> {
    let folder = root.join(lock::BASES);
    for (hash, text) in &prepared.bases {
        let path = folder.join(hash);
        if !path.exists() {
            fsio::write_atomic(&path, text.as_bytes())?;
        }
    }
    fsio::write_atomic(
        &root.join(lock::FILE),
        prepared.new_lock.to_text().as_bytes(),
    )?;
    let referenced = prepared.new_lock.referenced_bases();
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(folder, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&folder, e))?;
        let name = entry.file_name();
        if !referenced.contains(name.to_string_lossy().as_ref()) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(path, e))?;
        }
    }
    Ok(())
}

/// A unified diff of everything `execute` would write. Secret values in `.env` files are
/// masked (`********`), on both sides and in the context lines.
pub fn diff(prepared: &Prepared, first: Option<ManifestWrite<'_>>) -> String {
    let mut out = String::new();
    if let Some(m) = first {
        out.push_str(&unified(m.path, m.old, m.new));
    }
    let shown = |path: &str, bytes: &[u8]| -> String {
        let is_env = path
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with(".env"));
        if is_env {
            String::from_utf8_lossy(&envfile::mask_secrets(bytes, &prepared.secrets)).into_owned()
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    for change in &prepared.changes {
        let old = change.old.as_deref().map(|o| shown(&change.path, o));
        if let Some(new) = &change.new_content {
            out.push_str(&unified(
                &change.path,
                old.as_deref(),
                &shown(&change.path, new),
            ));
        }
        if let Some((path, new)) = &change.sidecar {
            out.push_str(&unified(path, None, &shown(path, new)));
        }
        if change.status == Status::Removed {
            out.push_str(&unified_removal(&change.path, old.as_deref().unwrap_or("")));
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
