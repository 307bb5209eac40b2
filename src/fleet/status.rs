//! One project's state in the fleet: what `berth generate` would do to it now, read through
//! the same pipeline (`Session::prepare_manifest`, the `Prepared` value `check` reads), under
//! a shared project lock taken without waiting (a project another run holds is `busy`).
//!
//! The states, first match wins: busy, invalid (the manifest, the standard or the templates do
//! not load: the error's first line), unresolved (conflict markers, or `.berth-new` files left
//! by an earlier run), conflicts (generate would conflict: the three-way merge's conflicts,
//! modify/delete and add/add included), behind (generate would change files, `.env` values or
//! the lock's record), edited (up to date, with the edits `berth check`'s drift findings call
//! edited, which regenerate keeps), up to date. Nothing is written.

use std::path::Path;

use serde::Serialize;

use crate::apply::envfile::KeyEvent;
use crate::apply::{AddAdd, FileChange, Options, Prepared, Status, drift, merge};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::plan::{Ownership, Plan};
use crate::project_lock::{Access, ProjectLock};

use super::{Member, Sessions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum State {
    UpToDate,
    Edited,
    Behind,
    Conflicts,
    Unresolved,
    Invalid,
    Busy,
}

impl State {
    pub(crate) const ALL: [State; 7] = [
        State::UpToDate,
        State::Edited,
        State::Behind,
        State::Conflicts,
        State::Unresolved,
        State::Invalid,
        State::Busy,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            State::UpToDate => "up-to-date",
            State::Edited => "edited",
            State::Behind => "behind",
            State::Conflicts => "conflicts",
            State::Unresolved => "unresolved",
            State::Invalid => "invalid",
            State::Busy => "busy",
        }
    }

    /// Whether this state fails `fleet status` (exit 1).
    pub(crate) fn fails(self) -> bool {
        !matches!(self, State::UpToDate | State::Edited)
    }
}

/// What `fleet status` reports about one project.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProjectStatus {
    pub path: String,
    /// `project.name` of berth.toml; the folder's name when it does not load.
    pub name: String,
    /// The standard version the project's lock was written with (`null`: no lock yet).
    pub locked_version: Option<String>,
    /// The version this berth (or the project's organisation templates) writes.
    pub target_version: Option<String>,
    pub state: State,
    /// Behind: files and `.env` values generate would change; conflicts / unresolved / edited:
    /// the files concerned.
    pub count: usize,
    /// The files concerned (conflicting, unresolved, edited or changed), sorted.
    pub files: Vec<String>,
    /// Invalid or busy: the error's first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The status of `member`, never an error: what goes wrong is the project's state.
pub(crate) fn assess(member: &Member, sessions: &Sessions) -> ProjectStatus {
    let mut status = ProjectStatus {
        path: member.display(),
        name: member.folder_name(),
        locked_version: None,
        target_version: None,
        state: State::UpToDate,
        count: 0,
        files: Vec::new(),
        error: None,
    };
    let _lock = match ProjectLock::acquire(&member.root, Access::Read, true) {
        Ok(lock) => lock,
        Err(e) => {
            status.state = if matches!(e, Error::Locked { .. }) {
                State::Busy
            } else {
                State::Invalid
            };
            status.error = Some(super::first_line(&e));
            return status;
        }
    };
    match prepare(member, sessions, &mut status) {
        Ok((plan, prepared)) => classify(&member.root, &plan, &prepared, &mut status),
        Err(e) => {
            status.state = State::Invalid;
            status.error = Some(super::first_line(&e));
        }
    }
    status
}

/// The manifest loaded, and generate's decisions prepared as `check` prepares them (reading
/// only), with add/add files as conflicts rather than a refusal.
fn prepare(
    member: &Member,
    sessions: &Sessions,
    status: &mut ProjectStatus,
) -> Result<(Plan, Prepared)> {
    let (manifest, _) = Manifest::load(&member.root)?;
    status.name.clone_from(&manifest.project.name);
    let session = sessions.open(&member.root, &manifest)?;
    status.target_version = Some(session.standard.version.clone());
    let (plan, prepared) = session.prepare_manifest(
        &manifest,
        Options {
            add_add: AddAdd::Conflict,
            ..Options::default()
        },
    )?;
    let locked = &prepared.old_lock.standard_version;
    status.locked_version = (!locked.is_empty()).then(|| locked.clone());
    Ok((plan, prepared))
}

fn classify(root: &Path, plan: &Plan, prepared: &Prepared, status: &mut ProjectStatus) {
    let pick = |f: &dyn Fn(&FileChange) -> bool| -> Vec<String> {
        prepared
            .changes
            .iter()
            .filter(|c| f(c))
            .map(|c| c.path.clone())
            .collect()
    };
    let unresolved = pick(&|c| unresolved(root, plan, c));
    let conflicts = pick(&|c| c.status == Status::Conflict);
    let changed = pick(&|c| c.new_content.is_some() || c.status == Status::Removed);
    // Hand edits regenerate keeps: what `berth check` reports as edited (its drift findings).
    let mut edited: Vec<String> = drift::findings(plan, prepared, false)
        .into_iter()
        .filter(|f| f.problem == drift::Problem::Edited)
        .map(|f| f.file)
        .collect();
    edited.dedup();
    let (state, files) = if !unresolved.is_empty() {
        (State::Unresolved, unresolved)
    } else if !conflicts.is_empty() {
        (State::Conflicts, conflicts)
    } else if !changed.is_empty() || lock_behind(plan, prepared) {
        (State::Behind, changed)
    } else if !edited.is_empty() {
        (State::Edited, edited)
    } else {
        (State::UpToDate, Vec::new())
    };
    status.state = state;
    status.count = if state == State::Behind {
        // Files, plus the .env values that change within files counted once each.
        files.len()
            + prepared
                .changes
                .iter()
                .flat_map(|c| &c.keys)
                .filter(|k| matches!(k.event, KeyEvent::Updated { .. } | KeyEvent::Added { .. }))
                .count()
    } else {
        files.len()
    };
    status.files = files;
}

/// Markers in a managed file, or a `.berth-new` sidecar beside it, left by an earlier run.
fn unresolved(root: &Path, plan: &Plan, change: &FileChange) -> bool {
    let markers = plan.ownership(&change.path) == Some(Ownership::Managed)
        && change
            .old
            .as_deref()
            .is_some_and(|d| merge::has_conflict_markers(&String::from_utf8_lossy(d)));
    markers || root.join(format!("{}.berth-new", change.path)).exists()
}

/// The lock does not record what generate would record: another standard version, or an
/// unchanged file whose render the lock does not hold (an interrupted run).
fn lock_behind(plan: &Plan, prepared: &Prepared) -> bool {
    if prepared.old_lock.standard_version != plan.standard_version {
        return true;
    }
    prepared.changes.iter().any(|c| {
        c.status == Status::Unchanged
            && plan.ownership(&c.path) != Some(Ownership::Seeded)
            && prepared.old_lock.files.get(&c.path).map(|l| &l.blake3)
                != prepared.new_lock.files.get(&c.path).map(|l| &l.blake3)
    })
}

/// Whether a whole run of statuses fails (exit 1).
pub(crate) fn any_fails(statuses: &[ProjectStatus]) -> bool {
    statuses.iter().any(|s| s.state.fails())
}
