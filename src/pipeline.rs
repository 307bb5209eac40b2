//! The one pipeline every command runs: manifest -> (standard, templates) -> plan -> apply.
//!
//! Commands differ only in how they obtain the manifest text (written fresh by `init`, edited by
//! `new`, read by `generate` and `check`) and in what they do with the prepared changes (write,
//! show a diff, or report drift). Everything up to `prepare` reads only, so any error before it
//! leaves the project byte-for-byte as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::apply::{self, Options, Prepared, Status};
use crate::error::{Error, Problem, Result};
use crate::lock::Lock;
use crate::manifest::{self, Manifest};
use crate::model::Project;
use crate::plan::{self, Plan};
use crate::standard::Standard;
use crate::templates::{STANDARD_FILE, TemplateSet};

/// The standard and templates in force for one project.
pub struct Session {
    pub root: PathBuf,
    pub standard: Standard,
    pub templates: TemplateSet,
}

impl Session {
    /// Loads the embedded templates, overlaid by `--templates` or, failing that, by the
    /// manifest's `project.templates` (relative to the project root).
    pub fn open(root: &Path, manifest: Option<&Manifest>, flag: Option<&Path>) -> Result<Self> {
        let overlay: Option<(PathBuf, String)> = match (flag, manifest) {
            (Some(dir), _) => Some((dir.to_path_buf(), "--templates".to_string())),
            (None, Some(m)) => m
                .project
                .templates
                .as_ref()
                .map(|t| (root.join(t), "project.templates".to_string())),
            _ => None,
        };
        if let Some((dir, field)) = &overlay
            && !dir.is_dir()
        {
            return Err(Error::invalid(
                if field == "--templates" {
                    "the command line"
                } else {
                    manifest::FILE_NAME
                },
                vec![Problem::new(
                    field.clone(),
                    dir.display(),
                    "is not a folder",
                    "point it at the organisation's template folder (relative to berth.toml)",
                )],
            ));
        }
        let templates = TemplateSet::load(overlay.as_ref().map(|(d, _)| d.as_path()))?;
        let standard = Standard::parse(templates.standard_text()?, STANDARD_FILE)?;
        standard.validate_self(STANDARD_FILE)?;
        Ok(Self {
            root: root.to_path_buf(),
            standard,
            templates,
        })
    }

    pub fn resolve(&self, manifest: &Manifest) -> Result<Project> {
        crate::validate::resolve(manifest, &self.standard, manifest::FILE_NAME)
    }

    pub fn plan(&self, project: &Project) -> Result<Plan> {
        plan::build(project, &self.standard, &self.templates)
    }

    pub fn prepare(&self, plan: &Plan, opts: Options) -> Result<Prepared> {
        let lock = Lock::load(&self.root)?;
        apply::prepare(&self.root, plan, &lock, opts)
    }
}

/// A manifest change made by the command (`init` writes it, `new` edits it).
pub struct ManifestChange<'a> {
    pub old: Option<&'a str>,
    pub new: &'a str,
}

impl<'a> ManifestChange<'a> {
    /// `(path, old, new)` for `apply::diff`, or `None` when the manifest does not change.
    pub fn as_diff(&self) -> Option<(&'static str, &'a str, &'a str)> {
        (self.old != Some(self.new))
            .then(|| (manifest::FILE_NAME, self.old.unwrap_or(""), self.new))
    }
}

/// Writes (or, with `dry_run`, prints the diff of) the prepared changes, prints a line per
/// changed file, and returns the exit code: 1 when conflicts were written, else 0.
pub fn finish(
    session: &Session,
    prepared: &Prepared,
    manifest_change: Option<ManifestChange<'_>>,
    dry_run: bool,
    verbose: bool,
) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let manifest_diff = manifest_change.as_ref().and_then(ManifestChange::as_diff);
    let manifest_write = manifest_diff.map(|(path, _, new)| (path, new));
    if dry_run {
        let diff = apply::diff(prepared, manifest_diff);
        let _ = out.write_all(diff.as_bytes());
        if diff.is_empty() {
            let _ = writeln!(out, "berth: dry run: nothing would change");
        }
    } else {
        apply::execute(&session.root, prepared, manifest_write)?;
        let created = manifest_change.as_ref().map(|m| m.old.is_none());
        report(&mut out, prepared, manifest_write.and(created), verbose);
    }
    let conflicts: Vec<&str> = prepared.conflicts().map(|c| c.path.as_str()).collect();
    if conflicts.is_empty() {
        return Ok(0);
    }
    let mut err = std::io::stderr().lock();
    let sidecars = prepared.changes.iter().any(|c| c.sidecar.is_some());
    let _ = writeln!(
        err,
        "berth: {} conflicting file(s); resolve {}, then run `berth check`:",
        conflicts.len(),
        if sidecars {
            "them against their .berth-new files"
        } else {
            "the conflict markers in them"
        }
    );
    for c in conflicts {
        let _ = writeln!(err, "  {c}");
    }
    Ok(1)
}

fn report(
    out: &mut impl Write,
    prepared: &Prepared,
    manifest_written: Option<bool>,
    verbose: bool,
) {
    let old = &prepared.old_lock.standard_version;
    let new = &prepared.new_lock.standard_version;
    if !old.is_empty() && old != new {
        let _ = writeln!(out, "container standard {old} -> {new}");
    }
    if let Some(created) = manifest_written {
        let label = if created { "created" } else { "updated" };
        let _ = writeln!(out, "  {label:<12} {}", manifest::FILE_NAME);
    }
    let mut unchanged = 0;
    for c in &prepared.changes {
        if c.status == Status::Unchanged && !verbose {
            unchanged += 1;
            continue;
        }
        let _ = writeln!(out, "{}", c.line());
        for line in c.key_lines() {
            let _ = writeln!(out, "{line}");
        }
    }
    if unchanged > 0 {
        let _ = writeln!(out, "  {unchanged} file(s) unchanged");
    }
}
