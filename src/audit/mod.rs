//! `berth audit`: the container standard applied to container files berth did not write.
//!
//! The generator renders the standard; the auditor reads it back out of any repository's
//! Dockerfiles, Compose files and Docker ignore files, so that hand-written setups can be held
//! to the same rules (DESIGN.md, "Two more readings of the same standard"). The pipeline is
//! discover (the standard's file patterns, honouring `.gitignore`) -> parse (real parsers:
//! tree-sitter for Dockerfiles, saphyr for YAML) -> project (which Dockerfile builds which
//! Compose service, with which context and ignore file) -> rules -> suppressions -> report.
//! Nothing here writes to the audited tree; every number a rule compares against comes from
//! the embedded standard data (`templates/standard.toml`).

pub(crate) mod compose;
pub(crate) mod discover;
pub(crate) mod dockerfile;
pub(crate) mod dockerignore;
pub(crate) mod expand;
pub(crate) mod explain;
pub(crate) mod project;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod settings;
pub(crate) mod shell;
pub(crate) mod source;
pub(crate) mod suppress;

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::standard::Standard;

/// How serious a finding is; `--fail-on` compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    /// Advice: a recommendation of the standard (SARIF level `note`).
    Info,
    /// A rule of the standard is not followed (SARIF level `warning`).
    Warning,
    /// A rule whose breach is a security or correctness problem (SARIF level `error`).
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One breach of one rule at one place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct Finding {
    /// Path of the file as shown to the user (`/`-separated, relative to the audited folder
    /// joined to the folder as given on the command line).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Stable rule id, e.g. `BA-D001`.
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// What to audit and how.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Folders or files to audit.
    pub paths: Vec<PathBuf>,
    /// Whole rules switched off from the command line: (rule id, reason).
    pub ignore: Vec<(String, String)>,
}

/// The outcome of one audit: the files looked at and the findings, sorted.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub files: Vec<AuditedFile>,
    pub findings: Vec<Finding>,
    /// Findings switched off by a suppression with a reason (counted, not listed).
    pub suppressed: usize,
}

/// One file the audit read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct AuditedFile {
    pub path: String,
    pub kind: discover::FileKind,
}

/// Runs the whole audit. Errors are bad input (a path that does not exist, an invalid
/// `berth.toml` or `--ignore`); problems in the audited files are findings.
pub(crate) fn run(options: &Options, standard: &Standard) -> Result<Report> {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    let mut suppressed = 0;
    for root in &options.paths {
        let required = &standard.dockerignore.required;
        let found = discover::discover(root, |file| project::load(file, required))?;
        let settings = settings::Settings::load(&found.root, &found.display, &options.ignore)?;
        let project = project::Project::new(&found.root, &found.display, found.files, settings);
        let raw = rules::check(&project, standard);
        let kept = suppress::apply(&project, standard, raw);
        suppressed += kept.suppressed;
        findings.extend(kept.findings);
        files.extend(project.files());
    }
    files.sort();
    files.dedup();
    findings.sort();
    findings.dedup();
    Ok(Report {
        files,
        findings,
        suppressed,
    })
}
