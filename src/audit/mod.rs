//! `berth audit`: the container standard applied to container files berth did not write.
//!
//! The generator renders the standard; the auditor reads it back out of any repository's
//! Dockerfiles, Compose files and Docker ignore files, so that hand-written setups can be held
//! to the same rules (DESIGN.md, "Two more readings of the same standard"). The pipeline is
//! discover (the standard's file patterns, honouring `.gitignore`) -> parse (real parsers:
//! tree-sitter for Dockerfiles, saphyr for YAML) -> project (which Dockerfile builds which
//! Compose service, with which context and ignore file) -> rules -> suppressions -> report.
//! Nothing here writes to the audited tree; every number a rule compares against comes from
//! the embedded standard data (`templates/standard.toml`).

pub(crate) mod catalog;
pub(crate) mod compose;
pub(crate) mod discover;
pub(crate) mod dockerfile;
pub(crate) mod dockerignore;
pub(crate) mod expand;
pub(crate) mod explain;
pub(crate) mod findings;
pub(crate) mod project;
pub(crate) mod redact;
pub(crate) mod relpath;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod settings;
pub(crate) mod shell;
pub(crate) mod source;
pub(crate) mod suppress;

use std::path::{Path, PathBuf};

pub(crate) use findings::{Report, Severity};

use crate::error::Result;
use crate::standard::Standard;

/// What to audit and how.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Folders or files to audit.
    pub paths: Vec<PathBuf>,
    /// Whole rules switched off from the command line: (rule id, reason).
    pub ignore: Vec<(String, String)>,
}

/// Runs the whole audit, each folder against the standard `standard_for` gives for it (the
/// folder, and its `berth.toml`'s `project.templates`). Errors are bad input (a path that does
/// not exist, an invalid `berth.toml`, standard or `--ignore`); problems in the audited files
/// are findings.
pub(crate) fn run(
    options: &Options,
    standard_for: impl Fn(&Path, Option<&str>) -> Result<Standard>,
) -> Result<Report> {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    let mut suppressed = 0;
    for root in &options.paths {
        let folder = folder_of(root);
        let display = discover::display(&folder, "");
        let settings = settings::Settings::load(&folder, &display, &options.ignore)?;
        let standard = standard_for(&folder, settings.templates.as_deref())?;
        let required = &standard.dockerignore.required;
        let found = discover::discover(root, |file| project::load(file, required))?;
        let project = project::Project::new(&found.root, &found.display, found.files, settings);
        let raw = rules::check(&project, &standard);
        let kept = suppress::apply(&project, &standard, raw);
        suppressed += kept.suppressed;
        findings.extend(kept.findings);
        files.extend(project.files());
    }
    files.sort();
    files.dedup();
    findings.sort();
    findings.dedup();
    Ok(Report {
        files,
        findings,
        suppressed,
    })
}

/// The folder an audited path stands for: itself, or the folder of a file given by name.
fn folder_of(path: &Path) -> PathBuf {
    if path.is_file() {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else {
        path.to_path_buf()
    }
}
