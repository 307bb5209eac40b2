//! `berth check`: the drift check CI fails on.
//!
//! It prepares exactly what `berth generate` would do and reports, per file and, in `.env`
//! files, per key, why the tree is not what this berth would produce now: missing, holding
//! conflict markers, behind berth.toml or the standard, not written by berth, orphaned, or
//! (reported, failing only with `--strict`) edited by hand. Exit 0 clean, 1 findings, 2 bad
//! input.

use serde::Serialize;

use crate::apply::envfile::{KeyChange, KeyEvent};
use crate::apply::lock::LockedFile;
use crate::apply::merge;
use crate::apply::{FileChange, Options, Prepared, Status};
use crate::cli::{CheckArgs, Format};
use crate::error::Result;
use crate::manifest::Manifest;
use crate::plan::{Ownership, Plan};
use crate::project_lock::Access;
use crate::session::Session;

use super::Globals;

#[derive(Debug, Serialize)]
pub(crate) struct Finding {
    pub file: String,
    /// The `.env` variable, for findings about one key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub problem: &'static str,
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
    fn file(change: &FileChange, problem: &'static str, detail: &str, fix: &str) -> Self {
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

#[derive(Debug, Serialize)]
struct Report<'a> {
    ok: bool,
    standard_version: &'a str,
    locked_standard_version: &'a str,
    findings: &'a [Finding],
}

const REGENERATE: &str = "run `berth generate`";

pub(crate) fn run(globals: &Globals, args: &CheckArgs) -> Result<i32> {
    let root = globals.root();
    let _lock = globals.lock(&root, Access::Read)?;
    let (manifest, _) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), globals.templates())?;
    let (plan, prepared) = session.prepare_manifest(
        &manifest,
        Options {
            force: true,
            ..Options::default()
        },
    )?;
    let findings: Vec<Finding> = prepared
        .changes
        .iter()
        .flat_map(|change| classify(change, &plan, &prepared, args.strict))
        .collect();
    let failed = findings.iter().any(|f| f.fails);
    let text = match args.format {
        Format::Json => render_json(&findings, &plan, &prepared, failed),
        Format::Text => render_text(&findings, &plan, failed),
    };
    crate::report::print(&text)?;
    Ok(i32::from(failed))
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
            "conflict",
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
        Status::Created => f("missing", "berth would create it", REGENERATE),
        Status::Updated | Status::Merged | Status::Conflict | Status::KeysAdded
            if ownership == Some(Ownership::Env) =>
        {
            // A .env file's drift is reported key by key (`key_finding`).
            None
        }
        Status::Updated | Status::Merged => f(
            "behind",
            &format!(
                "rendered with standard {}, berth.toml or the standard changed since",
                locked.map_or("?", |l| l.standard_version.as_str())
            ),
            REGENERATE,
        ),
        Status::Conflict => f(
            "behind",
            "edited by hand, and the new render changes the same lines",
            "run `berth generate` and resolve the conflict it reports",
        ),
        Status::KeysAdded => None,
        Status::Overwritten | Status::Adopted => f(
            "unmanaged",
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
                    "orphaned",
                    "seeded code of a service no longer in berth.toml",
                    "delete it if the service is gone for good",
                )
            })
        }
        Status::Orphaned | Status::Removed => f(
            "orphaned",
            "berth wrote it for a service, or in a layout, it no longer has",
            "run `berth generate --prune` (or delete it if you edited it)",
        ),
        Status::Unchanged | Status::Kept => {
            let recorded = |lock: &crate::apply::lock::Lock| {
                lock.files.get(&change.path).map(|l| l.blake3.clone())
            };
            if ownership != Some(Ownership::Seeded)
                && recorded(&prepared.old_lock) != recorded(&prepared.new_lock)
            {
                return f(
                    "behind",
                    "the lock does not record this render (an interrupted or missing `berth generate`)",
                    REGENERATE,
                );
            }
            // Line endings alone are not an edit (a CRLF checkout of an unedited file).
            let edited = matches!((change.old.as_deref(), locked),
                (Some(d), Some(l)) if !l.matches(d) && !l.matches(&crlf_to_lf(d)));
            (edited && ownership == Some(Ownership::Managed)).then(|| Finding {
                fails: strict,
                ..Finding::file(
                    change,
                    "edited",
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
        "behind" if matches!(change.status, Status::Updated | Status::Merged) => {
            finding.detail = format!(
                "rendered from berth.toml, the standard and the values of {}; one of them changed since",
                d.input
            );
        }
        "edited" => {
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
            "behind",
            "still as berth wrote it, and berth.toml or the standard now gives another value",
            REGENERATE.to_string(),
            shown(old),
            shown(new),
            true,
        ),
        KeyEvent::Added { value } => (
            "behind",
            "missing: berth.toml or the standard adds it",
            REGENERATE.to_string(),
            None,
            shown(value),
            true,
        ),
        KeyEvent::Conflict { yours, berths } => (
            "conflict",
            "changed by hand, and berth's value changed too",
            "keep yours (`berth generate` reports it once and keeps it) or set berth's".to_string(),
            shown(yours),
            shown(berths),
            true,
        ),
        KeyEvent::Edited { yours, berths } | KeyEvent::Yours { yours, berths } => (
            "edited",
            "set by hand (kept on regenerate)",
            "fine if intended: berth keeps it; delete the line to take berth's value again"
                .to_string(),
            shown(yours),
            shown(berths),
            strict,
        ),
        KeyEvent::Orphaned { edited } => (
            "orphaned",
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

fn render_json(findings: &[Finding], plan: &Plan, prepared: &Prepared, failed: bool) -> String {
    let report = Report {
        ok: !failed,
        standard_version: &plan.standard_version,
        locked_standard_version: &prepared.old_lock.standard_version,
        findings,
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report).expect("report serialises")
    )
}

fn render_text(findings: &[Finding], plan: &Plan, failed: bool) -> String {
    let mut out = String::new();
    for f in findings {
        let what = match (&f.key, &f.current, &f.new) {
            (Some(k), Some(c), Some(n)) => format!("{}: {k} is {c:?}, berth writes {n:?}", f.file),
            (Some(k), _, _) => format!("{}: {k}", f.file),
            _ => f.file.clone(),
        };
        out.push_str(&format!(
            "{} {what}: {} ({})\n    fix: {}\n",
            if f.fails { "FAIL" } else { "note" },
            f.problem,
            f.detail,
            f.fix
        ));
    }
    let failing = findings.iter().filter(|f| f.fails).count();
    if failed {
        out.push_str(&format!(
            "berth check: {failing} finding(s) fail the check (standard {})\n",
            plan.standard_version
        ));
    } else {
        let notes = if findings.is_empty() {
            String::new()
        } else {
            format!(" ({} note(s))", findings.len())
        };
        out.push_str(&format!(
            "berth check: up to date with berth.toml and standard {}{notes}\n",
            plan.standard_version
        ));
    }
    out
}

/// `bytes` with CRLF line endings turned into LF.
fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .into_bytes()
}
