//! Deciding each file's fate (`prepare`): reads the disk and the lock, writes nothing.
//!
//! A planned file is created, replaced when unedited, merged three ways when edited (a `.env`
//! file key by key), kept when it is the user's, and refused when berth never wrote it (unless
//! `--force`); a file the lock lists but the plan no longer has is orphaned or removed. Derived
//! files (the Kubernetes overlays) are decided after the `.env` files they are read from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::{EnvValues, Ownership, Plan, PlannedFile};

use super::envfile::{self, KeyChange, KeyEvent};
use super::lock::{self, Lock, LockedFile};
use super::{AddAdd, ConflictMode, FileChange, Options, Prepared, Status, fsio, merge, text};

/// One file's decision.
struct Decision {
    change: FileChange,
    /// The lock entry to record for the file; `None` drops it from the lock.
    entry: Option<LockedFile>,
    /// The text of that entry's base, when it is not the file's render (a `.env` merge's).
    base: Option<String>,
}

impl Decision {
    fn new(change: FileChange, entry: Option<LockedFile>) -> Self {
        Self {
            change,
            entry,
            base: None,
        }
    }
}

/// The decisions so far, and the lock and bases they add up to.
struct Decisions<'a> {
    old_lock: &'a Lock,
    new_lock: Lock,
    changes: Vec<FileChange>,
    bases: BTreeMap<String, String>,
}

impl Decisions<'_> {
    /// Records one decision; a base is kept only when its entry records a text the old lock did
    /// not (`rendered` is the file's render, the base when the decision names none).
    fn record(&mut self, path: &str, decision: Decision, rendered: Option<&str>) {
        if let Some(entry) = decision.entry {
            let known = self
                .old_lock
                .files
                .get(path)
                .is_some_and(|old| old.blake3 == entry.blake3);
            if entry.has_base() && !known {
                let text = decision.base.or_else(|| rendered.map(str::to_string));
                self.bases
                    .insert(entry.blake3.clone(), text.unwrap_or_default());
            }
            self.new_lock.files.insert(path.to_string(), entry);
        }
        self.changes.push(decision.change);
    }

    /// Decides and records every file of `files`; refuses all those berth does not manage at
    /// once, naming them.
    fn planned(
        &mut self,
        root: &Path,
        files: &BTreeMap<String, PlannedFile>,
        plan: &Plan,
        opts: Options,
    ) -> Result<()> {
        let mut unmanaged = Vec::new();
        for (path, planned) in files {
            match decide_planned(root, path, planned, self.old_lock, plan, opts)? {
                Some(decision) => self.record(path, decision, Some(&planned.content)),
                None => unmanaged.push(path.clone()),
            }
        }
        if unmanaged.is_empty() {
            Ok(())
        } else {
            Err(Error::Unmanaged { paths: unmanaged })
        }
    }
}

/// Decides the fate of every planned file and every file the lock lists but the plan no longer
/// has. Reads only; refuses (before anything is written) to overwrite a file berth does not
/// manage unless `--force`.
pub fn prepare(root: &Path, plan: &Plan, lock: &Lock, opts: Options) -> Result<Prepared> {
    let confinement = fsio::Confinement::new(root);
    check_confinement(&confinement, plan, lock)?;
    let mut decisions = Decisions {
        old_lock: lock,
        new_lock: Lock::new(&plan.standard_version),
        changes: Vec::new(),
        bases: BTreeMap::new(),
    };
    decisions.planned(root, &plan.files, plan, opts)?;
    // Derived files (the Kubernetes overlays) after the files they come from: from what those
    // hold once this run has merged them.
    let derived = derive(plan, &decisions.changes)?;
    decisions.planned(root, &derived, plan, opts)?;
    for (path, locked) in &lock.files {
        if plan.files.contains_key(path) || derived.contains_key(path) {
            continue;
        }
        if let Some(d) = fsio::read_optional(&root.join(path))? {
            decisions.record(path, decide_orphan(path, d, locked, plan, opts), None);
        }
    }
    let Decisions {
        new_lock,
        mut changes,
        mut bases,
        ..
    } = decisions;
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
        // modify/delete: deleted here while the standard changed it. Never dropped, never
        // silently brought back: the new render goes beside it, the lock keeps its old entry
        // (so the next run says so again until it is resolved).
        (None, Ownership::Managed)
            if locked.is_some_and(|l| !l.blake3.is_empty() && l.blake3 != fresh.blake3) =>
        {
            let mut change = FileChange::new(path, Status::Conflict, None);
            change.sidecar = Some((
                format!("{path}.berth-new"),
                planned.content.clone().into_bytes(),
            ));
            change.note = Some(format!(
                "deleted here, changed by the standard (modify/delete): restore it from {path}.berth-new, or keep it deleted"
            ));
            Decision::new(change, locked.cloned())
        }
        (None, _) => {
            let mut change = FileChange::new(path, Status::Created, None);
            change.new_content = Some(planned.content.clone().into_bytes());
            Decision::new(change, Some(fresh))
        }
        // Unchanged: the lock keeps its entry (the version that last changed the file), so a
        // standards update changes the lock's entries of the files it changes, no others.
        (Some(d), _) if d == planned.content.as_bytes() => Decision::new(
            FileChange::new(path, Status::Unchanged, Some(d)),
            Some(match locked {
                Some(l) if l.blake3 == fresh.blake3 && l.ownership == fresh.ownership => l.clone(),
                _ => fresh,
            }),
        ),
        (Some(d), Ownership::Seeded) => {
            // Keep the hash of what berth first seeded, if it did.
            let entry = locked.cloned().unwrap_or(fresh);
            Decision::new(FileChange::new(path, Status::Kept, Some(d)), Some(entry))
        }
        (Some(d), Ownership::Managed | Ownership::Env) if locked.is_none() && !opts.force => {
            if opts.add_add == AddAdd::Refuse {
                return Ok(None);
            }
            let mut change = FileChange::new(path, Status::Conflict, Some(d));
            change.sidecar = Some((
                format!("{path}.berth-new"),
                planned.content.clone().into_bytes(),
            ));
            change.note = Some(format!(
                "added here and by the standard (add/add): berth's file is in {path}.berth-new"
            ));
            Decision::new(change, None)
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
        line: text::bad_line(bytes, &e),
        message: "is not UTF-8 text, which a ConfigMap must hold".to_string(),
        fix: "save the file as UTF-8".to_string(),
    })?;
    crate::dotenv::decode::decode(text).map_err(|e| Error::EnvSyntax {
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
        return Ok(Decision::new(change, Some(fresh)));
    };
    let mut entry = Some(fresh);
    if text.lf == planned.content {
        // Only the line endings differ: the user's editor's, kept.
    } else if l.matches(text.lf.as_bytes()) {
        change.status = Status::Updated;
        change.new_content = Some(encode(&planned.content));
        change.note = migration_note(&text.lf, &planned.content);
    } else {
        match merge::three_way(base.unwrap_or(""), &text.lf, &planned.content) {
            Ok(merged) if merged == text.lf => {
                change.status = Status::Kept;
                change.note = Some("edited; the edits already hold the update".into());
            }
            Ok(merged) => {
                change.status = Status::Merged;
                change.note = migration_note(&text.lf, &merged);
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
    Ok(Decision::new(change, entry))
}

/// The note of a file whose only change is the one-time header migration (the standard's
/// version left the header for the lock: `plan::only_header_migrated`).
fn migration_note(old: &str, new: &str) -> Option<String> {
    crate::plan::only_header_migrated(old, new).then(|| super::HEADER_MIGRATION.to_string())
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
        change.note = migration_note(
            &String::from_utf8_lossy(&disk),
            &String::from_utf8_lossy(&m.text),
        );
        change.new_content = Some(m.text);
    }
    change.keys = m.changes;
    change.old = Some(disk);
    Decision {
        change,
        entry: Some(entry),
        base: base_text,
    }
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
        return Decision::new(change, None);
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
    Decision::new(change, Some(locked.clone()))
}
