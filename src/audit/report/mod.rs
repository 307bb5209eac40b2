//! The audit's output formats: text for people, JSON for scripts, SARIF 2.1.0 for code
//! scanning, GitHub workflow annotations for pull requests.
//!
//! Every format is rendered from the same sorted `Report`, so the same input gives the same
//! bytes in every format (LF, trailing newline).

pub(crate) mod github;
mod json;
mod sarif;
mod text;

use super::findings::{Report, Severity};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Grouped by file: line, rule id, message and the fix
    Text,
    /// One JSON document (schema: docs/audit-report.schema.json)
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitHub workflow annotations (`::error file=...,line=...::`)
    Github,
}

/// The report in `format`.
pub(crate) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    }
}

/// Counts of findings per severity: (errors, warnings, info).
pub(crate) fn counts(report: &Report) -> (usize, usize, usize) {
    let n = |s| report.findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

/// berth's version line, as `--version` prints it.
pub(crate) fn tool_version() -> &'static str {
    crate::VERSION
}
