//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it (serde-sarif's types, as
//! `berth audit`): one run whose rules are the advisories found (id, summary, aliases and the
//! fix as help) and `BS-UNPINNED`, each result at the requirements line or the image's
//! Dockerfile.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    Sarif, Tool, ToolComponent,
};

use crate::scan::{Finding, Kind, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(kind: Kind) -> ResultLevel {
    match kind {
        Kind::Vulnerable => ResultLevel::Error,
        Kind::Unpinned => ResultLevel::Warning,
    }
}

fn descriptor(f: &Finding) -> ReportingDescriptor {
    let (short, help) = match f.kind {
        Kind::Unpinned => (
            "A requirement that names no single version cannot be scanned".to_string(),
            "Pin every requirement to one version (`NAME==X.Y.Z`): an advisory can only be held against a version.".to_string(),
        ),
        Kind::Vulnerable => {
            let mut help = f.summary.clone();
            if !f.aliases.is_empty() {
                help.push_str(&format!("\n\nAliases: {}", f.aliases.join(", ")));
            }
            help.push_str(&format!("\n\nFix: {}", f.fix()));
            (f.summary.clone(), help)
        }
    };
    let level = serde_json::to_value(level(f.kind)).unwrap_or_default();
    ReportingDescriptor::builder()
        .id(f.id.clone())
        .short_description(MultiformatMessageString::builder().text(short).build())
        .help(MultiformatMessageString::builder().text(help).build())
        .default_configuration(ReportingConfiguration::builder().level(level).build())
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), "dependency".to_string()])
                .build(),
        )
        .build()
}

fn result(f: &Finding, index: usize) -> SarifResult {
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri(&f.file)).build())
                .region(Region::builder().start_line(i64::from(f.line)).build())
                .build(),
        )
        .build();
    SarifResult::builder()
        .rule_id(f.id.clone())
        .rule_index(i64::try_from(index).unwrap_or_default())
        .level(level(f.kind))
        .message(
            Message::builder()
                .text(format!("{} (fix: {})", super::message(f), f.fix()))
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
    // One rule per id, in id order (the first finding of each describes it).
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &report.findings {
        rules.entry(f.id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let driver = ToolComponent::builder()
        .name("berth scan")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(crate::audit::report::tool_version())
        .rules(rules.values().map(|f| descriptor(f)).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(
            report
                .findings
                .iter()
                .map(|f| result(f, index[f.id.as_str()]))
                .collect::<Vec<_>>(),
        )
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
        assert_eq!(uri("./a b/requirements.txt"), "a%20b/requirements.txt");
    }
}
