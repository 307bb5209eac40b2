//! One file per subcommand, each a thin `run` that gathers its inputs and hands them to the
//! pipeline. No command writes a file itself.

pub mod check;
pub mod completions;
pub mod generate;
pub mod init;
pub mod new;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::error::Error;

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
