//! One file per subcommand, each a thin `run` that gathers its inputs and hands them to the
//! pipeline. No command writes a file itself.

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod fleet;
pub(crate) mod generate;
pub(crate) mod init;
pub(crate) mod new;
pub(crate) mod scan;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::apply::Options;
use crate::cli::WriteArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::project_lock::{Access, ProjectLock};
use crate::report::{self, Listing};
use crate::session::{ManifestChange, Session};
use crate::wizard::{self, Terminal};

/// The options every command shares (`-C DIR`, `--templates DIR`, `--no-wait`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Globals {
    pub dir: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub no_wait: bool,
}

impl Globals {
    /// The project root: `-C DIR`, else the current folder.
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    pub(crate) fn templates(&self) -> Option<&Path> {
        self.templates.as_deref()
    }

    /// Locks the project at `root` for the rest of the command (see `project_lock`).
    pub(crate) fn lock(&self, root: &Path, access: Access) -> Result<ProjectLock> {
        ProjectLock::acquire(root, access, self.no_wait)
    }
}

/// Whether prompts can be shown: stdin and stderr are terminals.
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The error for a command that would have to prompt but has no terminal.
pub(crate) fn needs_flags(command: &str, flags: &str) -> Error {
    Error::Usage {
        message: format!("`berth {command}` needs answers and there is no terminal to ask them on"),
        fix: format!("pass {flags} and --yes (defaults are taken for everything not given)"),
    }
}

/// The end of `init` and `new`: prepare the plan, let the wizard's user review it (when there is
/// a wizard and this is not a dry run), then write it together with the manifest change.
pub(crate) fn write_manifest_change(
    session: &Session,
    plan: &Plan,
    change: ManifestChange<'_>,
    write: &WriteArgs,
    terminal: Option<&mut Terminal>,
    listing: Listing,
) -> Result<ExitStatus> {
    let prepared = session.prepare(
        plan,
        Options {
            force: write.output.force,
            conflict: write.output.conflict.into(),
            ..Options::default()
        },
    )?;
    if let Some(prompter) = terminal
        && !write.output.dry_run
    {
        wizard::review(prompter, &prepared, &change)?;
    }
    let listing = if write.output.verbose {
        Listing::All
    } else {
        listing
    };
    report::finish(
        session,
        &prepared,
        Some(change),
        write.output.dry_run,
        listing,
    )
}
