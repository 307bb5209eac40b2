//! Fleet: many berth projects at once, for the platform team that owns the standard.
//!
//! `status` answers "which of our repositories are on which standard version, and which would
//! conflict": every project is assessed in parallel in this one process, through the same
//! pipeline `berth check` runs (manifest -> session -> plan -> `apply::prepare`, under a shared
//! project lock taken without waiting), and reduced at once to a small `ProjectStatus`, so
//! memory stays flat however many projects there are. `update` rolls an update out as one git
//! branch and commit per project (a reviewable pull request as it is), through the same
//! `prepare` and `apply::execute` that `berth generate` runs. A project's failure is that
//! project's outcome, never an error of the run: the others go on.
//!
//! `discover` finds the projects, `status` assesses one, `render` prints the assessments,
//! `git` talks to the `git` command line, `update` rolls one project forward, `message`
//! writes its commit message and pull-request report, and `outcomes` prints the run.

pub(crate) mod discover;
pub(crate) mod git;
pub(crate) mod message;
pub(crate) mod outcomes;
pub(crate) mod render;
pub(crate) mod status;
pub(crate) mod update;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::manifest::Manifest;
use crate::session::Session;

/// One project of the fleet: its folder as the user named it (relative paths stay relative,
/// so reports read as the user typed them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Member {
    pub root: PathBuf,
}

impl Member {
    pub(crate) fn display(&self) -> String {
        self.root.display().to_string()
    }

    /// The folder's own name, for a project whose manifest does not load.
    pub(crate) fn folder_name(&self) -> String {
        std::fs::canonicalize(&self.root)
            .ok()
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The first line of an error's message (the rest is its fix).
pub(crate) fn first_line(err: &crate::error::Error) -> String {
    err.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The sessions projects run in: one shared session (the embedded templates, or `--templates`)
/// whose parsed templates every project reuses, unless a project's berth.toml names its own
/// template folder (`project.templates`), which gets a session of its own.
pub(crate) struct Sessions {
    base: Session,
    flag: bool,
}

impl Sessions {
    /// Bad `--templates` is bad input for the whole run (exit 2), before any project.
    pub(crate) fn new(templates: Option<&Path>) -> Result<Self> {
        Ok(Self {
            base: Session::open(Path::new("."), None, templates)?,
            flag: templates.is_some(),
        })
    }

    pub(crate) fn open(&self, root: &Path, manifest: &Manifest) -> Result<Session> {
        if self.flag || manifest.project.templates.is_none() {
            Ok(self.base.for_root(root))
        } else {
            Session::open(root, Some(manifest), None)
        }
    }
}
