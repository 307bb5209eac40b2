//! `fleet status` as people, dashboards and tracking issues read it: an aligned table, JSON
//! (its schema: docs/fleet-status.schema.json), or a markdown summary with a count per state
//! and one table row per project that needs attention.

use std::collections::BTreeMap;

use serde::Serialize;

use super::status::{ProjectStatus, State};

/// What one project's state says in a few words: `3 change(s)`, the conflicting files, the error.
fn detail(s: &ProjectStatus) -> String {
    let files = |what: &str| {
        let shown: Vec<&str> = s.files.iter().take(3).map(String::as_str).collect();
        let more = s.files.len().saturating_sub(shown.len());
        let mut text = format!("{what}: {}", shown.join(", "));
        if more > 0 {
            text.push_str(&format!(" (+{more} more)"));
        }
        text
    };
    match s.state {
        State::UpToDate => String::new(),
        State::Behind => format!("{} change(s)", s.count),
        State::Conflicts => files("would conflict"),
        State::Unresolved => files("unresolved"),
        State::Edited => format!("{} edited file(s) kept", s.count),
        State::Invalid | State::Busy => s.error.clone().unwrap_or_default(),
    }
}

fn version(v: Option<&String>) -> &str {
    v.map_or("-", String::as_str)
}

/// One line per project, columns aligned, then the count per state.
pub(crate) fn table(statuses: &[ProjectStatus]) -> String {
    let header = ["PATH", "NAME", "LOCKED", "TARGET", "STATE", "DETAIL"];
    let rows: Vec<[String; 6]> = statuses
        .iter()
        .map(|s| {
            [
                s.path.clone(),
                s.name.clone(),
                version(s.locked_version.as_ref()).to_string(),
                version(s.target_version.as_ref()).to_string(),
                s.state.label().to_string(),
                detail(s),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 5 {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        format!("{}\n", out.trim_end())
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out.push_str(&format!("{}\n", summary_line(statuses)));
    out
}

fn counts(statuses: &[ProjectStatus]) -> BTreeMap<State, usize> {
    let mut counts = BTreeMap::new();
    for s in statuses {
        *counts.entry(s.state).or_insert(0) += 1;
    }
    counts
}

/// `12 project(s): 7 up-to-date, 3 behind, 2 conflicts`.
fn summary_line(statuses: &[ProjectStatus]) -> String {
    let counts = counts(statuses);
    let parts: Vec<String> = State::ALL
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {}", s.label())))
        .collect();
    format!("{} project(s): {}", statuses.len(), parts.join(", "))
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// The berth that assessed the fleet (`berth --version`).
    berth_version: &'static str,
    ok: bool,
    summary: BTreeMap<&'static str, usize>,
    projects: &'a [ProjectStatus],
}

pub(crate) fn json(statuses: &[ProjectStatus]) -> String {
    let counts = counts(statuses);
    let report = JsonReport {
        berth_version: crate::VERSION,
        ok: !super::status::any_fails(statuses),
        summary: State::ALL
            .iter()
            .map(|s| (s.label(), counts.get(s).copied().unwrap_or(0)))
            .collect(),
        projects: statuses,
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report).expect("the status report serialises")
    )
}

/// Markdown for a tracking issue: the counts, then one row per project needing attention.
pub(crate) fn markdown(statuses: &[ProjectStatus]) -> String {
    let counts = counts(statuses);
    let mut out = format!(
        "## Container standard: fleet status\n\n{}\n\n| State | Projects |\n|---|---:|\n",
        summary_line(statuses)
    );
    for s in State::ALL {
        out.push_str(&format!(
            "| {} | {} |\n",
            s.label(),
            counts.get(&s).copied().unwrap_or(0)
        ));
    }
    let attention: Vec<&ProjectStatus> = statuses.iter().filter(|s| s.state.fails()).collect();
    if attention.is_empty() {
        out.push_str("\nEvery project is up to date.\n");
        return out;
    }
    out.push_str("\n| Project | Path | Standard | State | Detail |\n|---|---|---|---|---|\n");
    for s in attention {
        out.push_str(&format!(
            "| {} | `{}` | {} -> {} | {} | {} |\n",
            cell(&s.name),
            s.path.replace('`', "'"),
            version(s.locked_version.as_ref()),
            version(s.target_version.as_ref()),
            s.state.label(),
            cell(&detail(s))
        ));
    }
    out
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
