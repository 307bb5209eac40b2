//! Drift: why the tree on disk is not what this berth would produce now, per file and, in
//! `.env` files, per key; read from the same `Prepared` value `generate` would write.
//!
//! A file is missing, holds conflict markers, is behind berth.toml or the standard, was not
//! written by berth, is orphaned, or (failing only when strict) was edited by hand. `berth
//! check` prints these findings; deciding them is a pipeline stage, so it lives here.

use serde::Serialize;

use crate::plan::{Ownership, Plan};

use super::envfile::{KeyChange, KeyEvent};
use super::lock::{Lock, LockedFile};
use super::{FileChange, Prepared, Status, merge, text};

/// What is wrong with a file or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    /// berth would create it.
    Missing,
    /// Conflict markers in the file, or a `.env` key changed on both sides.
    Conflict,
    /// Not what berth.toml and the standard give now.
    Behind,
    /// Exists, but berth never wrote it.
    Unmanaged,
    /// berth wrote it for something berth.toml no longer has.
    Orphaned,
    /// Changed by hand since berth wrote it.
    Edited,
    /// A secret set in a tracked environment file (`src/secret_guard.rs`).
    Secret,
}

impl Problem {
    /// The word reports use for it (the JSON's too).
    pub fn label(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Conflict => "conflict",
            Problem::Behind => "behind",
            Problem::Unmanaged => "unmanaged",
            Problem::Orphaned => "orphaned",
            Problem::Edited => "edited",
            Problem::Secret => "secret",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub file: String,
    /// The `.env` variable, for findings about one key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub problem: Problem,
    pub detail: String,
    pub fix: String,
    /// For a key: its value in the file and the one berth would write (absent for secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Whether this finding fails the check.
    pub fails: bool,
}

impl Finding {
    fn file(change: &FileChange, problem: Problem, detail: &str, fix: &str) -> Self {
        Self {
            file: change.path.clone(),
            key: None,
            problem,
            detail: detail.to_string(),
            fix: fix.to_string(),
            current: None,
            new: None,
            fails: true,
        }
    }
}

const REGENERATE: &str = "run `berth generate`";

/// Every finding about the tree `prepared` would write: per file, and per key of a `.env` file.
/// `strict` makes hand edits fail too.
pub fn findings(plan: &Plan, prepared: &Prepared, strict: bool) -> Vec<Finding> {
    prepared
        .changes
        .iter()
        .flat_map(|change| classify(change, plan, prepared, strict))
        .collect()
}

/// The findings about one file: at most one about the file itself, and one per key of a `.env`
/// file whose value is not what berth would write now.
fn classify(change: &FileChange, plan: &Plan, prepared: &Prepared, strict: bool) -> Vec<Finding> {
    let ownership = plan.ownership(&change.path);
    let locked = prepared.old_lock.files.get(&change.path);
    let disk = change.old.as_deref();
    if let Some(d) = disk
        && ownership == Some(Ownership::Managed)
        && merge::has_conflict_markers(&String::from_utf8_lossy(d))
    {
        return vec![Finding::file(
            change,
            Problem::Conflict,
            "holds conflict markers from a merge",
            "resolve the <<<<<<< / ======= / >>>>>>> sections by hand",
        )];
    }
    let mut findings: Vec<Finding> = file_finding(change, ownership, locked, prepared, strict)
        .into_iter()
        .map(|f| derived_detail(f, change, plan))
        .collect();
    if change.status != Status::Adopted {
        findings.extend(
            change
                .keys
                .iter()
                .filter_map(|k| key_finding(change, k, strict)),
        );
    }
    findings
}

fn file_finding(
    change: &FileChange,
    ownership: Option<Ownership>,
    locked: Option<&LockedFile>,
    prepared: &Prepared,
    strict: bool,
) -> Option<Finding> {
    let f = |problem, detail: &str, fix: &str| Some(Finding::file(change, problem, detail, fix));
    match change.status {
        Status::Created => f(Problem::Missing, "berth would create it", REGENERATE),
        Status::Updated | Status::Merged | Status::Conflict | Status::KeysAdded
            if ownership == Some(Ownership::Env) =>
        {
            // A .env file's drift is reported key by key (`key_finding`).
            None
        }
        Status::Updated | Status::Merged => f(
            Problem::Behind,
            &format!(
                "rendered with standard {}, berth.toml or the standard changed since",
                locked.map_or("?", |l| l.standard_version.as_str())
            ),
            REGENERATE,
        ),
        Status::Conflict => f(
            Problem::Behind,
            "edited by hand, and the new render changes the same lines",
            "run `berth generate` and resolve the conflict it reports",
        ),
        Status::KeysAdded => None,
        Status::Overwritten | Status::Adopted => f(
            Problem::Unmanaged,
            "exists but was not written by berth",
            "move it away and run `berth generate`, or run `berth generate --force`",
        ),
        Status::Orphaned | Status::Removed
            if locked.is_some_and(|l| l.ownership == Ownership::Seeded) =>
        {
            Some(Finding {
                fails: false,
                ..Finding::file(
                    change,
                    Problem::Orphaned,
                    "seeded code of a service no longer in berth.toml",
                    "delete it if the service is gone for good",
                )
            })
        }
        Status::Orphaned | Status::Removed => f(
            Problem::Orphaned,
            "berth wrote it for a service, or in a layout, it no longer has",
            "run `berth generate --prune` (or delete it if you edited it)",
        ),
        Status::Unchanged | Status::Kept => {
            let recorded = |lock: &Lock| lock.files.get(&change.path).map(|l| l.blake3.clone());
            if ownership != Some(Ownership::Seeded)
                && recorded(&prepared.old_lock) != recorded(&prepared.new_lock)
            {
                return f(
                    Problem::Behind,
                    "the lock does not record this render (an interrupted or missing `berth generate`)",
                    REGENERATE,
                );
            }
            // Line endings alone are not an edit (a CRLF checkout of an unedited file).
            let edited = matches!((change.old.as_deref(), locked),
                (Some(d), Some(l)) if !l.matches(d) && !l.matches(&text::crlf_to_lf(d)));
            (edited && ownership == Some(Ownership::Managed)).then(|| Finding {
                fails: strict,
                ..Finding::file(
                    change,
                    Problem::Edited,
                    "edited by hand since berth rendered it (kept on regenerate)",
                    "fine if intended; move the change into berth.toml or the templates to make it last",
                )
            })
        }
    }
}

/// A derived file (a Kubernetes overlay): behind names the file it comes from, since a changed
/// `.env` value makes it stale as much as berth.toml or the standard does; edited by hand fails,
/// since its values must stay those of that file (Compose reads them there).
fn derived_detail(mut finding: Finding, change: &FileChange, plan: &Plan) -> Finding {
    let Some(d) = plan.derived.get(&change.path) else {
        return finding;
    };
    match finding.problem {
        Problem::Behind if matches!(change.status, Status::Updated | Status::Merged) => {
            finding.detail = format!(
                "rendered from berth.toml, the standard and the values of {}; one of them changed since",
                d.input
            );
        }
        Problem::Edited => {
            finding.fails = true;
            finding.detail = format!(
                "edited by hand, while its values must be those of {} (what Compose runs with)",
                d.input
            );
            finding.fix = format!(
                "change {} or berth.toml and run `berth generate`; for other changes, layer your own kustomization over this overlay",
                d.input
            );
        }
        _ => {}
    }
    finding
}

/// A `.env` key whose value is not what berth would write now. Secret values are never shown.
fn key_finding(change: &FileChange, key: &KeyChange, strict: bool) -> Option<Finding> {
    let shown = |v: &str| (!key.secret).then(|| v.to_string());
    let (problem, detail, fix, current, new, fails) = match &key.event {
        KeyEvent::Updated { old, new } => (
            Problem::Behind,
            "still as berth wrote it, and berth.toml or the standard now gives another value",
            REGENERATE.to_string(),
            shown(old),
            shown(new),
            true,
        ),
        KeyEvent::Added { value } => (
            Problem::Behind,
            "missing: berth.toml or the standard adds it",
            REGENERATE.to_string(),
            None,
            shown(value),
            true,
        ),
        KeyEvent::Conflict { yours, berths } => (
            Problem::Conflict,
            "changed by hand, and berth's value changed too",
            "keep yours (`berth generate` reports it once and keeps it) or set berth's".to_string(),
            shown(yours),
            shown(berths),
            true,
        ),
        KeyEvent::Edited { yours, berths } | KeyEvent::Yours { yours, berths } => (
            Problem::Edited,
            "set by hand (kept on regenerate)",
            "fine if intended: berth keeps it; delete the line to take berth's value again"
                .to_string(),
            shown(yours),
            shown(berths),
            strict,
        ),
        KeyEvent::Orphaned { edited } => (
            Problem::Orphaned,
            "berth wrote it for a service or infrastructure berth.toml no longer has",
            if *edited {
                "remove it yourself (you changed its value)".to_string()
            } else {
                "run `berth generate --prune`".to_string()
            },
            None,
            None,
            true,
        ),
        KeyEvent::Removed => return None,
    };
    Some(Finding {
        file: change.path.clone(),
        key: Some(key.key.clone()),
        problem,
        detail: detail.to_string(),
        fix,
        current,
        new,
        fails,
    })
}
