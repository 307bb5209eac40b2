//! One file per subcommand, each a thin `run` that gathers its inputs and hands them to the
//! pipeline. No command writes a file itself.

pub mod audit;
pub mod check;
pub mod completions;
pub mod generate;
pub mod init;
pub mod new;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::apply::Options;
use crate::cli::WriteArgs;
use crate::error::{Error, Result};
use crate::pipeline::{self, ManifestChange, Session};
use crate::plan::Plan;
use crate::wizard::{self, Terminal};

/// The project root: `-C DIR`, else the current folder.
pub fn root(dir: Option<&Path>) -> PathBuf {
    dir.map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Whether prompts can be shown: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The error for a command that would have to prompt but has no terminal.
pub fn needs_flags(command: &str, flags: &str) -> Error {
    Error::Usage {
        message: format!("`berth {command}` needs answers and there is no terminal to ask them on"),
        fix: format!("pass {flags} and --yes (defaults are taken for everything not given)"),
    }
}

/// The end of `init` and `new`: prepare the plan, let the wizard's user review it (when there is
/// a wizard and this is not a dry run), then write it together with the manifest change.
pub fn write_manifest_change(
    session: &Session,
    plan: &Plan,
    change: ManifestChange<'_>,
    write: &WriteArgs,
    terminal: Option<&mut Terminal>,
) -> Result<i32> {
    let prepared = session.prepare(
        plan,
        Options {
            force: write.force,
            ..Options::default()
        },
    )?;
    if let Some(prompter) = terminal
        && !write.dry_run
    {
        wizard::review(prompter, &prepared, &change)?;
    }
    pipeline::finish(session, &prepared, Some(change), write.dry_run, false)
}
