//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it: one run, the rule
//! catalogue in `tool.driver.rules` (id, short description, full description, help text with
//! the standard's sentence, the fix and the equivalent checks of other linters, default
//! level), and every result with its rule, level, message and a physical location with a
//! line. The types are serde-sarif's (generated from the official schema).

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    Sarif, Tool, ToolComponent,
};

use crate::audit::catalog::{RULES, Rule};
use crate::audit::findings::{Finding, Report, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn help(rule: &Rule) -> String {
    let mut text = format!("{}\n\nFix: {}", rule.why, rule.fix);
    if !rule.standard.is_empty() {
        text = format!(
            "The standard ({}): \"{}\"\n\n{text}",
            rule.section, rule.standard
        );
    }
    if !rule.xref.is_empty() {
        text.push_str(&format!("\n\nEquivalent checks: {}", rule.xref.join(", ")));
    }
    text
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let level = serde_json::to_value(level(rule.severity)).unwrap_or_default();
    ReportingDescriptor::builder()
        .id(rule.id)
        .name(rule.title.replace(' ', "-"))
        .short_description(MultiformatMessageString::builder().text(rule.title).build())
        .full_description(MultiformatMessageString::builder().text(rule.why).build())
        .help(MultiformatMessageString::builder().text(help(rule)).build())
        .default_configuration(ReportingConfiguration::builder().level(level).build())
        .properties(
            PropertyBag::builder()
                .tags(vec!["container-standard".to_string()])
                .build(),
        )
        .build()
}

fn result(finding: &Finding) -> SarifResult {
    let index = RULES
        .iter()
        .position(|r| r.id == finding.rule)
        .unwrap_or_default();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri(&finding.file)).build())
                .region(
                    Region::builder()
                        .start_line(i64::from(finding.line))
                        .build(),
                )
                .build(),
        )
        .build();
    SarifResult::builder()
        .rule_id(finding.rule)
        .rule_index(i64::try_from(index).unwrap_or_default())
        .level(level(finding.severity))
        .message(
            Message::builder()
                .text(format!("{} (fix: {})", finding.message, finding.fix))
                .build(),
        )
        .locations(vec![location])
        .build()
}

/// A relative URI reference for a path (spaces and `%` escaped; `/` kept).
fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::new();
    for c in path.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' | '/' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

pub(super) fn render(report: &Report) -> String {
    let driver = ToolComponent::builder()
        .name("berth audit")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(super::tool_version())
        .rules(RULES.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(report.findings.iter().map(result).collect::<Vec<_>>())
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri("./a b/Dockerfile"), "a%20b/Dockerfile");
        assert_eq!(uri("x/ü"), "x/%C3%BC");
    }
}
