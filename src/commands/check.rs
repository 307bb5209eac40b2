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
use crate::error::{Result, plural};
use crate::exit::ExitStatus;
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

pub(crate) fn run(globals: &Globals, args: &CheckArgs) -> Result<ExitStatus> {
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
    Ok(ExitStatus::failure_if(failed))
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
