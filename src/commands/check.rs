//! `berth check`: the drift check CI fails on.
//!
//! It prepares exactly what `berth generate` would do and reports, per file, why the tree is not
//! what this berth would produce now: missing, holding conflict markers, behind berth.toml or the
//! standard, not written by berth, or (reported, failing only with `--strict`) edited by hand.
//! Exit 0 clean, 1 findings, 2 bad input.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::apply::{Options, Status};
use crate::cli::{CheckArgs, Format};
use crate::error::Result;
use crate::lock::{self, Lock};
use crate::manifest::Manifest;
use crate::merge;
use crate::pipeline::Session;
use crate::plan::Ownership;

#[derive(Debug, Serialize)]
pub struct Finding {
    pub file: String,
    pub problem: &'static str,
    pub detail: String,
    pub fix: String,
    /// Whether this finding fails the check.
    pub fails: bool,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    ok: bool,
    standard_version: &'a str,
    locked_standard_version: &'a str,
    findings: &'a [Finding],
}

pub fn run(dir: Option<&Path>, templates: Option<&Path>, args: &CheckArgs) -> Result<i32> {
    let root = super::root(dir);
    let (manifest, _) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), templates)?;
    let project = session.resolve(&manifest)?;
    let plan = session.plan(&project)?;
    let lock = Lock::load(&root)?;
    let prepared = crate::apply::prepare(
        &root,
        &plan,
        &lock,
        Options {
            force: true,
            ..Options::default()
        },
    )?;
    let mut findings = Vec::new();
    let regenerate = "run `berth generate`".to_string();
    for change in &prepared.changes {
        let ownership = plan.files.get(&change.path).map(|f| f.ownership);
        let locked = lock.files.get(&change.path);
        let disk = change.old.as_deref();
        let edited =
            matches!((disk, locked), (Some(d), Some(l)) if lock::sha256_hex(d) != l.sha256);
        if let Some(d) = disk
            && ownership == Some(Ownership::Managed)
            && merge::has_conflict_markers(d)
        {
            findings.push(Finding {
                file: change.path.clone(),
                problem: "conflict",
                detail: "holds conflict markers from a merge".into(),
                fix: "resolve the <<<<<<< / ======= / >>>>>>> sections by hand".into(),
                fails: true,
            });
            continue;
        }
        let (problem, detail, fix): (&'static str, String, String) = match change.status {
            Status::Created => (
                "missing",
                "berth would create it".into(),
                regenerate.clone(),
            ),
            Status::Updated | Status::Merged | Status::Conflict => (
                "behind",
                format!(
                    "rendered with standard {}, berth.toml or the standard changed since",
                    locked.map_or("?", |l| l.standard_version.as_str())
                ),
                if change.status == Status::Conflict {
                    "run `berth generate` and resolve the conflict it reports".into()
                } else {
                    regenerate.clone()
                },
            ),
            Status::KeysAdded => (
                "behind",
                "lacks keys that berth.toml or the standard adds".into(),
                regenerate.clone(),
            ),
            Status::Overwritten => (
                "unmanaged",
                "exists but was not written by berth".into(),
                "move it away and run `berth generate`, or run `berth generate --force`".into(),
            ),
            Status::Orphaned | Status::Removed
                if locked.is_some_and(|l| l.ownership == Ownership::Seeded) =>
            {
                findings.push(Finding {
                    file: change.path.clone(),
                    problem: "orphaned",
                    detail: "seeded code of a service no longer in berth.toml".into(),
                    fix: "delete it if the service is gone for good".into(),
                    fails: false,
                });
                continue;
            }
            Status::Orphaned | Status::Removed => (
                "orphaned",
                "berth wrote it for a service no longer in berth.toml".into(),
                "run `berth generate --prune` (or delete it if you edited it)".into(),
            ),
            Status::Unchanged | Status::Kept
                if ownership != Some(Ownership::Seeded)
                    && locked.map(|l| l.sha256.as_str())
                        != plan.files.get(&change.path).map(|f| lock::sha256_hex(&f.content)).as_deref() =>
            {
                (
                    "behind",
                    "the lock does not record this render (an interrupted or missing `berth generate`)".into(),
                    regenerate.clone(),
                )
            }
            Status::Unchanged | Status::Kept => {
                if edited && ownership == Some(Ownership::Managed) {
                    findings.push(Finding {
                        file: change.path.clone(),
                        problem: "edited",
                        detail: "edited by hand since berth rendered it (kept on regenerate)".into(),
                        fix: "fine if intended; move the change into berth.toml or the templates to make it last".into(),
                        fails: args.strict,
                    });
                }
                continue;
            }
        };
        findings.push(Finding {
            file: change.path.clone(),
            problem,
            detail,
            fix,
            fails: true,
        });
    }
    let failed = findings.iter().any(|f| f.fails);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let report = Report {
                ok: !failed,
                standard_version: &plan.standard_version,
                locked_standard_version: &lock.standard_version,
                findings: &findings,
            };
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).expect("report serialises")
            );
        }
        Format::Text => {
            for f in &findings {
                let _ = writeln!(
                    out,
                    "{} {}: {} ({})\n    fix: {}",
                    if f.fails { "FAIL" } else { "note" },
                    f.file,
                    f.problem,
                    f.detail,
                    f.fix
                );
            }
            let failing = findings.iter().filter(|f| f.fails).count();
            if failed {
                let _ = writeln!(
                    out,
                    "berth check: {failing} finding(s) fail the check (standard {})",
                    plan.standard_version
                );
            } else {
                let _ = writeln!(
                    out,
                    "berth check: up to date with berth.toml and standard {}{}",
                    plan.standard_version,
                    if findings.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} note(s))", findings.len())
                    }
                );
            }
        }
    }
    Ok(i32::from(failed))
}
