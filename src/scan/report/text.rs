//! `--format text`: the database used, then per target the distributions checked and each
//! finding (package, version, advisory id and aliases, summary, the fix), then a summary line.

use std::fmt::Write;

use crate::scan::Report;

pub(super) fn render(report: &Report) -> String {
    let db = &report.database;
    let mut out = format!(
        "advisory database {}: {} advisories for {} PyPI packages, newest modified {} ({} days old), {} withdrawn skipped\n",
        db.path, db.advisories, db.packages, db.newest_modified, db.age_days, db.withdrawn
    );
    for target in &report.targets {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.target == target.name)
            .collect();
        let source = if target.source == target.name {
            String::new()
        } else {
            format!(" ({})", target.source)
        };
        let _ = writeln!(
            out,
            "\n{}{source}: {} checked, {} {}",
            target.name,
            target.checked.len(),
            findings.len(),
            if findings.len() == 1 {
                "finding"
            } else {
                "findings"
            }
        );
        if !target.checked.is_empty() {
            let list: Vec<String> = target
                .checked
                .iter()
                .map(|c| format!("{} {}", c.name, c.version))
                .collect();
            let _ = writeln!(out, "  checked: {}", list.join(", "));
        }
        for f in findings {
            let _ = writeln!(out, "  {}:{}  {}", f.file, f.line, super::message(f));
            if let Some(at) = &f.installed_at {
                let _ = writeln!(out, "      installed at {at}");
            }
            let _ = writeln!(out, "      fix: {}", f.fix());
        }
    }
    let (vulnerable, unpinned) = super::counts(report);
    let checked: usize = report.targets.iter().map(|t| t.checked.len()).sum();
    let _ = writeln!(
        out,
        "\n{} {} ({vulnerable} vulnerable, {unpinned} unpinned) in {} targets, {checked} distributions checked",
        report.findings.len(),
        if report.findings.len() == 1 {
            "finding"
        } else {
            "findings"
        },
        report.targets.len()
    );
    out
}
