//! The context of one run of the pipeline every command shares: manifest -> (standard,
//! templates) -> plan -> apply.
//!
//! A `Session` holds the standard and templates in force for one project (embedded, overlaid by
//! the organisation's folder) and runs the stages in order. Commands differ only in how they
//! obtain the manifest text (written fresh by `init`, edited by `new`, read by `generate` and
//! `check`) and in what they do with the prepared changes (write, show a diff, or report drift:
//! `report.rs`). Everything up to `prepare` reads only, so any error before it leaves the
//! project byte-for-byte as it was.

use std::path::{Path, PathBuf};

use crate::apply::lock::Lock;
use crate::apply::{self, ManifestWrite, Options, Prepared};
use crate::error::{Error, Origin, Problem, Refusal, Result};
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
        let configured = manifest.and_then(|m| m.project.templates.as_deref());
        let templates = TemplateSet::load(overlay(root, configured, flag)?.as_deref())?;
        let standard = standard_of(&templates)?;
        Ok(Self {
            root: root.to_path_buf(),
            standard,
            templates,
        })
    }

    /// The standard in force for the project at `root`, found as `open` finds it: the one
    /// loader every command uses (`berth audit` judges against what `generate` renders).
    /// `configured` is the manifest's `project.templates`.
    pub fn standard(
        root: &Path,
        configured: Option<&str>,
        flag: Option<&Path>,
    ) -> Result<Standard> {
        standard_of(&TemplateSet::load(
            overlay(root, configured, flag)?.as_deref(),
        )?)
    }

    /// The same standard and templates for the project at `root` (templates parsed once are
    /// shared): how `berth fleet` opens the projects that take no templates of their own.
    #[must_use]
    pub fn for_root(&self, root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            standard: self.standard.clone(),
            templates: self.templates.clone(),
        }
    }

    pub fn resolve(&self, manifest: &Manifest) -> Result<Project> {
        crate::resolve::resolve(manifest, &self.standard)
    }

    pub fn plan(&self, project: &Project) -> Result<Plan> {
        plan::build(project, &self.standard, &self.templates)
    }

    /// The whole read side of `generate` and `check`: the manifest resolved, planned and
    /// prepared against the disk and the lock. The lock is read on a second thread while the
    /// plan renders (neither needs the other); a manifest error still comes first.
    pub fn prepare_manifest(&self, manifest: &Manifest, opts: Options) -> Result<(Plan, Prepared)> {
        std::thread::scope(|scope| {
            let lock = scope.spawn(|| Lock::load(&self.root));
            let planned = self.resolve(manifest).and_then(|p| self.plan(&p));
            let lock = lock.join().expect("reading the lock does not panic");
            let plan = planned?;
            let lock = lock?;
            let prepared = apply::prepare(&self.root, &plan, &lock, opts)?;
            Ok((plan, prepared))
        })
    }

    pub fn prepare(&self, plan: &Plan, opts: Options) -> Result<Prepared> {
        let lock = Lock::load(&self.root)?;
        apply::prepare(&self.root, plan, &lock, opts)
    }
}

/// The organisation's template folder in force: `--templates`, else the manifest's
/// `project.templates` (relative to the project root); it must be a folder.
fn overlay(root: &Path, configured: Option<&str>, flag: Option<&Path>) -> Result<Option<PathBuf>> {
    let overlay: Option<(PathBuf, Origin, &str)> = match (flag, configured) {
        (Some(dir), _) => Some((dir.to_path_buf(), Origin::CommandLine, "--templates")),
        (None, Some(t)) => Some((root.join(t), Origin::Manifest, "project.templates")),
        _ => None,
    };
    if let Some((dir, origin, field)) = &overlay
        && !dir.is_dir()
    {
        let refusal = Refusal::new(
            "is not a folder",
            "point it at the organisation's template folder (relative to berth.toml)",
        );
        return Err(Error::invalid(
            *origin,
            vec![Problem::new(*field, dir.display(), refusal)],
        ));
    }
    Ok(overlay.map(|(dir, _, _)| dir))
}

/// The standard's data of a template set, checked.
fn standard_of(templates: &TemplateSet) -> Result<Standard> {
    let standard = Standard::parse(templates.standard_text()?, STANDARD_FILE)?;
    standard.validate_self(STANDARD_FILE)?;
    Ok(standard)
}

/// A manifest change made by the command (`init` writes it, `new` edits it).
#[derive(Debug, Clone, Copy)]
pub struct ManifestChange<'a> {
    pub old: Option<&'a str>,
    pub new: &'a str,
}

impl<'a> ManifestChange<'a> {
    /// The write `apply` makes, or `None` when the manifest does not change.
    pub fn write(&self) -> Option<ManifestWrite<'a>> {
        (self.old != Some(self.new)).then_some(ManifestWrite {
            path: manifest::FILE_NAME,
            old: self.old,
            new: self.new,
        })
    }
}
