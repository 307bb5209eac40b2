//! What a writing command prints: one line per file it created or changed (and per `.env` key),
//! the diff of a dry run, and the conflicts to resolve.
//!
//! The wizard's summary and the final report print files with the same `label_line`, so what
//! the user reviewed is what they then read. Output errors are reported, except a closed pipe
//! (`berth generate | head`), which simply ends the output.

use std::io::Write;

use crate::apply::{self, FileChange, Prepared, Status};
use crate::error::{Error, Result, plural};
use crate::exit::ExitStatus;
use crate::session::{ManifestChange, Session};

/// `  <label>  <path>`: the one format of a file in every list berth prints.
pub(crate) fn label_line(label: &str, path: &str) -> String {
    format!("  {label:<12} {path}")
}

/// The report line of a file: its status, path, sidecar and note.
pub(crate) fn file_line(change: &FileChange) -> String {
    let mut line = label_line(change.status.label(), &change.path);
    if let Some((sidecar, _)) = &change.sidecar {
        line.push_str(&format!(" (new render in {sidecar})"));
    }
    if let Some(note) = &change.note {
        line.push_str(&format!(" ({note})"));
    }
    line
}

/// One line per reported key of a `.env` file: `    AUTH_SERVICE_WORKERS 2 -> 3 (.env.dev)`.
pub(crate) fn key_lines(change: &FileChange) -> impl Iterator<Item = String> + '_ {
    change
        .keys
        .iter()
        .filter(|k| k.is_reported())
        .map(|k| format!("    {} ({})", k.describe(), change.path))
}

/// How much of a run's report to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Every file that changed, and a count of the rest.
    Changed,
    /// Every file, unchanged ones too (`--verbose`).
    All,
    /// One line with the count of files written (a new project: `init` without `--verbose`).
    Summary,
}

/// Writes `text` to stdout; a closed pipe ends the output quietly.
pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("(stdout)", e)),
        _ => Ok(()),
    }
}

/// Writes (or, with `dry_run`, prints the diff of) the prepared changes, prints a line per
/// changed file, and returns the exit status: `Failure` when conflicts were written.
pub(crate) fn finish(
    session: &Session,
    prepared: &Prepared,
    manifest: Option<ManifestChange<'_>>,
    dry_run: bool,
    listing: Listing,
) -> Result<ExitStatus> {
    let manifest = manifest.and_then(|m| m.write());
    if dry_run {
        let diff = apply::diff(prepared, manifest);
        print(&diff)?;
        if diff.is_empty() {
            print("berth: dry run: nothing would change\n")?;
        }
    } else {
        apply::execute(&session.root, prepared, manifest)?;
        let manifest_line = manifest.map(|m| {
            let label = if m.old.is_none() {
                "created"
            } else {
                "updated"
            };
            label_line(label, m.path)
        });
        print(&report(prepared, manifest_line, listing))?;
    }
    let conflicts: Vec<&str> = prepared.conflicts().map(|c| c.path.as_str()).collect();
    if conflicts.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let sidecars = prepared.changes.iter().any(|c| c.sidecar.is_some());
    let mut text = format!(
        "berth: {}; resolve {}, then run `berth check`:\n",
        plural(conflicts.len(), "conflicting file"),
        if sidecars {
            "them against their .berth-new files"
        } else {
            "the conflict markers in them"
        }
    );
    for c in conflicts {
        text.push_str(&format!("  {c}\n"));
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    Ok(ExitStatus::Failure)
}

/// The lines of a run's report: the standard's version change, the manifest, then every file
/// that changed (every file, `Listing::All`), with its keys; or one summary line.
fn report(prepared: &Prepared, manifest_line: Option<String>, listing: Listing) -> String {
    if listing == Listing::Summary {
        let written = prepared
            .changes
            .iter()
            .filter(|c| c.new_content.is_some())
            .count()
            + usize::from(manifest_line.is_some());
        let mut out = format!("berth: wrote {written} files (--verbose lists them)\n");
        // Files that need the user's eye are listed even so.
        for c in prepared
            .changes
            .iter()
            .filter(|c| !matches!(c.status, Status::Created | Status::Unchanged))
        {
            out.push_str(&file_line(c));
            out.push('\n');
        }
        return out;
    }
    let verbose = listing == Listing::All;
    let mut out = String::new();
    let old = &prepared.old_lock.standard_version;
    let new = &prepared.new_lock.standard_version;
    if !old.is_empty() && old != new {
        out.push_str(&format!("container standard {old} -> {new}\n"));
    }
    if let Some(line) = manifest_line {
        out.push_str(&line);
        out.push('\n');
    }
    let mut unchanged = 0;
    for c in &prepared.changes {
        if c.status == Status::Unchanged && !verbose {
            unchanged += 1;
            continue;
        }
        out.push_str(&file_line(c));
        out.push('\n');
        for line in key_lines(c) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if unchanged > 0 {
        out.push_str(&format!("  {} unchanged\n", plural(unchanged, "file")));
    }
    let migrated = prepared
        .changes
        .iter()
        .filter(|c| c.note.as_deref() == Some(apply::HEADER_MIGRATION))
        .count();
    if migrated > 0 {
        out.push_str(&format!(
            "berth: {migrated} file(s) changed only by the one-time header migration: the \
             standard's version now lives in .berth/lock.toml (and `berth --version`), not in \
             each file\n"
        ));
    }
    out
}
