//! `berth audit --explain RULE-ID` and `berth audit --list-rules`: the rule catalogue for
//! people, with the standard's data filled in.

use std::fmt::Write;

use super::catalog::{RULES, Rule, Target, render};
use crate::standard::Standard;

/// The full description of one rule.
pub(crate) fn explain(rule: &Rule, standard: &Standard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): {}",
        rule.id,
        rule.severity.as_str(),
        rule.title
    );
    let _ = writeln!(out);
    if rule.standard.is_empty() {
        let _ = writeln!(out, "Source: {}", rule.section);
    } else {
        let _ = writeln!(out, "The standard, {}:", rule.section);
        let _ = writeln!(out, "  \"{}\"", rule.standard);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Why: {}", rule.why);
    let _ = writeln!(out, "Fix: {}", render(rule.fix, standard));
    let reads = match rule.target {
        Target::Dockerfile => "Dockerfiles",
        Target::Compose => "Compose files",
        Target::Dockerignore => "Docker ignore files",
        Target::Any => "Dockerfiles and Compose files",
    };
    let _ = writeln!(out, "Reads: {reads}");
    let scope = if rule.dev {
        "all files, development files included"
    } else {
        "production files (not Dockerfile.dev, compose.override.yml, .devcontainer/)"
    };
    let _ = writeln!(out, "Applies to: {scope}");
    if !rule.xref.is_empty() {
        let _ = writeln!(out, "Equivalent checks: {}", rule.xref.join(", "));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Compliant example:");
    for line in render(rule.example, standard).lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// `--list-rules`: the rule table as Markdown (docs/audit.md embeds it; a test keeps the
/// two equal).
pub(crate) fn list() -> String {
    let mut out = String::from(
        "| id | severity | rule | standard | equivalents |\n| --- | --- | --- | --- | --- |\n",
    );
    for rule in RULES {
        let standard = if rule.standard.is_empty() {
            rule.section.to_string()
        } else {
            format!("\"{}\"", rule.standard.replace('|', "\\|"))
        };
        let xref = if rule.xref.is_empty() {
            "-".to_string()
        } else {
            rule.xref.join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            rule.id,
            rule.severity.as_str(),
            rule.title,
            standard,
            xref
        );
    }
    out
}
