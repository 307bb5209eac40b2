//! `berth audit`: hold container files against the standard (see `src/audit/`).
//!
//! This layer only turns the command line into `audit::Options`, hands the audit the loader
//! every command uses for the standard (`Session::standard`: `--templates`, else the audited
//! folder's `[project] templates`, else the embedded standard) and prints the report in the
//! asked format; the exit code is 1 when a finding reaches `--fail-on`.

use std::path::{Path, PathBuf};

use crate::audit::redact::redact;
use crate::audit::settings::Settings;
use crate::audit::{self, catalog, explain, report};
use crate::cli::AuditArgs;
use crate::error::{Error, Origin, Problem, Refusal, Result};
use crate::exit::ExitStatus;
use crate::report::print;
use crate::session::Session;

use super::Globals;

pub(crate) fn run(globals: &Globals, args: &AuditArgs) -> Result<ExitStatus> {
    let (dir, flag) = (globals.dir.as_deref(), globals.templates());
    if args.list_rules {
        print(&explain::list())?;
        return Ok(ExitStatus::Success);
    }
    // The standard in force for each audited folder, as `generate` finds it.
    let standard_for =
        |folder: &Path, configured: Option<&str>| Session::standard(folder, configured, flag);
    if let Some(id) = &args.explain {
        // The same refusal as `--ignore` with an unknown id: one mistake, one message.
        let rule = catalog::find(id).ok_or_else(|| {
            Error::invalid(
                Origin::CommandLine,
                vec![Problem::new("--explain", id, unknown_rule())],
            )
        })?;
        let root = globals.root();
        let settings = Settings::load(&root, ".", &[])?;
        let standard = standard_for(&root, settings.templates.as_deref())?;
        print(&redact(&explain::explain(rule, &standard)))?;
        return Ok(ExitStatus::Success);
    }
    let paths = if args.paths.is_empty() {
        vec![dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf)]
    } else {
        args.paths.clone()
    };
    let options = audit::Options {
        paths,
        ignore: ignore_flags(&args.ignore)?,
    };
    let report = audit::run(&options, standard_for)?;
    print(&report::render(&report, args.format.into()))?;
    let fail_on: audit::Severity = args.fail_on.into();
    let failed = report.findings.iter().any(|f| f.severity >= fail_on);
    Ok(ExitStatus::failure_if(failed))
}

/// `--ignore RULE-ID=REASON`, each checked: a known rule and a reason.
fn ignore_flags(values: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for value in values {
        let (id, reason) = value.split_once('=').unwrap_or((value, ""));
        let (id, reason) = (id.trim(), reason.trim());
        if catalog::find(id).is_none() {
            problems.push(Problem::new("--ignore", value, unknown_rule()));
        } else if reason.is_empty() {
            problems.push(Problem::new(
                "--ignore",
                value,
                Refusal::new(
                    "a switched-off rule needs a reason",
                    format!("--ignore '{id}=why it does not apply'"),
                ),
            ));
        } else {
            out.push((id.to_ascii_uppercase(), reason.to_string()));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::invalid(Origin::CommandLine, problems))
    }
}

/// An id no audit rule has (`--explain`, `--ignore`).
fn unknown_rule() -> Refusal {
    Refusal::new(
        "no audit rule has this id",
        "use an id from `berth audit --list-rules`, e.g. BA-H004",
    )
}
