//! `--format json`: one document, described by `docs/audit-report.schema.json`.
//!
//! `schema_version` changes only when a field changes meaning or disappears; new fields may
//! be added without a bump.

use serde_json::json;

use crate::audit::findings::Report;

pub(super) fn render(report: &Report) -> String {
    let (errors, warnings, info) = super::counts(report);
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "berth", "version": super::tool_version() },
        "files": report.files,
        "findings": report.findings,
        "summary": {
            "files": report.files.len(),
            "findings": report.findings.len(),
            "error": errors,
            "warning": warnings,
            "info": info,
            "suppressed": report.suppressed,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a report always serialises");
    text.push('\n');
    text
}
