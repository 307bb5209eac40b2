//! `--format json`: one document: the tool, the database used, every target with the
//! distributions checked, the findings (each with its fix) and a summary. `schema_version`
//! changes only when a field changes meaning or disappears.

use serde_json::json;

use crate::scan::Report;

pub(super) fn render(report: &Report) -> String {
    let (vulnerable, unpinned) = super::counts(report);
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).expect("a finding always serialises");
            v["fix"] = json!(f.fix());
            v
        })
        .collect();
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "berth scan", "version": crate::audit::report::tool_version() },
        "database": report.database,
        "targets": report.targets,
        "findings": findings,
        "summary": {
            "targets": report.targets.len(),
            "checked": report.targets.iter().map(|t| t.checked.len()).sum::<usize>(),
            "findings": report.findings.len(),
            "vulnerable": vulnerable,
            "unpinned": unpinned,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a report always serialises");
    text.push('\n');
    text
}
