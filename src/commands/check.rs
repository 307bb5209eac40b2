//! `berth check`: the drift check CI fails on.
//!
//! It prepares exactly what `berth generate` would do and prints the findings of
//! `apply::drift`: per file and, in `.env` files, per key, why the tree is not what this berth
//! would produce now. Exit 0 clean, 1 findings, 2 bad input.

use serde::Serialize;

use crate::apply::drift::{self, Finding};
use crate::apply::{Options, Prepared};
use crate::cli::{CheckArgs, Format};
use crate::error::{Result, plural};
use crate::exit::ExitStatus;
use crate::manifest::Manifest;
use crate::plan::Plan;
use crate::project_lock::Access;
use crate::session::Session;

use super::Globals;

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
    let mut findings = drift::findings(&plan, &prepared, args.strict);
    // Secrets committed in tracked environment files (never their values): src/secret_guard.rs.
    findings.extend(
        crate::secret_guard::exposed(&root, &plan)
            .into_iter()
            .map(|e| Finding {
                file: e.file,
                key: Some(e.key),
                problem: drift::Problem::Secret,
                detail: format!("line {}: a secret value in a file {}", e.line, e.how),
                fix: crate::secret_guard::FIX.into(),
                current: None,
                new: None,
                fails: true,
            }),
    );
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
            f.problem.label(),
            f.detail,
            f.fix
        ));
    }
    let failing = findings.iter().filter(|f| f.fails).count();
    if failed {
        out.push_str(&format!(
            "berth check: {} {} the check (standard {})\n",
            plural(failing, "finding"),
            if failing == 1 { "fails" } else { "fail" },
            plan.standard_version
        ));
    } else {
        let notes = if findings.is_empty() {
            String::new()
        } else {
            format!(" ({})", plural(findings.len(), "note"))
        };
        out.push_str(&format!(
            "berth check: up to date with berth.toml and standard {}{notes}\n",
            plan.standard_version
        ));
    }
    out
}
