//! `berth scan`'s output formats, the same four as `berth audit` (its `Format`): text for
//! people, JSON for scripts, SARIF 2.1.0 for code scanning, GitHub workflow annotations.
//!
//! Every format is rendered from the same sorted `Report`, so the same input gives the same
//! bytes (LF, trailing newline).

mod github;
mod json;
mod sarif;
mod text;

pub(crate) use crate::audit::report::Format;

use super::{Kind, Report};

/// The report in `format`.
pub(crate) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    }
}

/// (vulnerabilities, unpinned requirements).
fn counts(report: &Report) -> (usize, usize) {
    let n = |k| report.findings.iter().filter(|f| f.kind == k).count();
    (n(Kind::Vulnerable), n(Kind::Unpinned))
}

/// One finding's message: package, version, id, aliases and summary.
fn message(f: &super::Finding) -> String {
    let version = f.version.as_deref().unwrap_or("(unpinned)");
    let aliases = if f.aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", f.aliases.join(", "))
    };
    format!("{} {version}: {}{aliases}: {}", f.package, f.id, f.summary)
}
