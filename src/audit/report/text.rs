//! `--format text`: findings grouped by file, each with its line, rule id, severity, message
//! and fix, then one summary line.

use std::fmt::Write;

use crate::audit::findings::Report;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for f in &report.findings {
        if current != Some(f.file.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", f.file);
            current = Some(&f.file);
        }
        let _ = writeln!(
            out,
            "  {:>4}  {} {:<7}  {}",
            f.line,
            f.rule,
            f.severity.as_str(),
            f.message
        );
        let _ = writeln!(out, "        fix: {}", f.fix);
    }
    if current.is_some() {
        out.push('\n');
    }
    let (errors, warnings, info) = super::counts(report);
    let files = report.files.len();
    let files_word = if files == 1 { "file" } else { "files" };
    if report.findings.is_empty() {
        let _ = write!(out, "no findings in {files} {files_word}");
    } else {
        let total = report.findings.len();
        let word = if total == 1 { "finding" } else { "findings" };
        let _ = write!(
            out,
            "{total} {word} ({errors} error, {warnings} warning, {info} info) in {files} {files_word}"
        );
    }
    if report.suppressed > 0 {
        let _ = write!(out, "; {} suppressed", report.suppressed);
    }
    out.push('\n');
    out
}
