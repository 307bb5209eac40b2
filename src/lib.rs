//! berth: scaffold and maintain the container setup of a Python microservice platform.
//!
//! One pipeline for every command: `manifest` (berth.toml) and `standard` (the embedded data)
//! -> `resolve` (checked with `rules`) -> `model` -> `plan` (every file rendered in memory from
//! `templates`) -> `apply` (decide per file, merge, write atomically, lock last). `session`
//! runs the stages for a project; `commands` are the thin layer over clap (`cli`), with
//! `answers` below both them and the `wizard`. The pipeline's modules are public so that the
//! integration tests can drive it in-process; the binary is `main.rs` calling `run` with its
//! arguments and exiting with the `ExitStatus` it returns. Below the pipeline sit small
//! libraries that know nothing of it (`dotenv`, `quantity`, `parallel`, `exit`) and the two
//! constants at this root; layers import downward only, which `tests/it/module_graph.rs` checks.

pub mod answers;
pub mod apply;
mod audit;
mod cli;
mod commands;
pub mod dotenv;
pub mod error;
pub mod exit;
mod fleet;
pub mod manifest;
pub mod manifest_edit;
pub mod model;
mod parallel;
pub mod plan;
mod project_lock;
pub mod quantity;
mod report;
pub mod resolve;
pub mod rules;
mod scan;
mod secret_guard;
pub mod session;
pub mod standard;
pub mod templates;
mod wizard;

use clap::Parser;

/// berth's version line, as `--version` prints it and reports record it: berth's own version
/// and the version of the container standard it embeds. Here, at the root below every module,
/// because both the command line and the audit report show it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (container standard ",
    env!("BERTH_STANDARD_VERSION"),
    ")"
);

/// The manifest's file name, at the root because both the manifest reader and the errors that
/// point at the manifest name it.
pub const MANIFEST_FILE: &str = "berth.toml";

use crate::cli::{Cli, Command};
pub use crate::exit::ExitStatus;

/// Parses `args` (the program's name first, as `std::env::args_os` gives them), runs the
/// command, prints an error once, and returns how the run ended: `Success`, `Failure` (drift,
/// conflicts, findings), `Error` (bad input, usage or an I/O failure) or `Interrupted` (Ctrl-C,
/// Esc, or "no" at the wizard's confirmation).
pub fn run<I, T>(args: I) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints usage errors to stderr, `--help` and `--version` to stdout.
            let _ = err.print();
            return if err.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
        }
    };
    let globals = commands::Globals {
        dir: cli.dir.clone(),
        templates: cli.templates.clone(),
        no_wait: cli.no_wait,
    };
    let result = match &cli.command {
        Command::Init(args) => commands::init::run(&globals, args),
        Command::New(args) => commands::new::run(&globals, args),
        Command::Generate(args) => commands::generate::run(&globals, args),
        Command::Check(args) => commands::check::run(&globals, args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Audit(args) => commands::audit::run(&globals, args),
        Command::Scan(args) => commands::scan::run(&globals, args),
        Command::Fleet(fleet) => commands::fleet::run(&globals, fleet),
    };
    match result {
        Ok(status) => status,
        Err(err) => {
            eprintln!("berth: error: {err}");
            err.exit_status()
        }
    }
}

/// The `clap` command, for tests of the command line itself.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
