//! What an audit produces: findings (rule, severity, place, message, fix), the files it read,
//! and the report that gathers them. The lowest layer of `src/audit/`: the rule catalogue,
//! the rules, suppressions and the output formats all speak these types, and they import
//! nothing of the audit but the file kinds.

use serde::Serialize;

use super::discover::FileKind;

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
    pub kind: FileKind,
}
