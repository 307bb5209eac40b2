//! berth: scaffold and maintain the container setup of a Python microservice platform.
//!
//! `main` parses the command line, runs the command, prints an error once and maps it to the
//! exit code (0 ok, 1 drift / conflicts, 2 bad input or usage, 130 interrupted).

mod apply;
mod audit;
mod cli;
mod commands;
mod envfile;
mod error;
mod fsio;
mod lock;
mod manifest;
mod manifest_edit;
mod merge;
#[cfg(test)]
mod merge_props;
mod model;
mod pipeline;
mod plan;
mod standard;
mod templates;
mod validate;
mod wizard;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let dir = cli.dir.as_deref();
    let templates = cli.templates.as_deref();
    let result = match &cli.command {
        Command::Init(args) => commands::init::run(dir, templates, args),
        Command::New(args) => commands::new::run(dir, templates, args),
        Command::Generate(args) => commands::generate::run(dir, templates, args),
        Command::Check(args) => commands::check::run(dir, templates, args),
        Command::Audit(args) => commands::audit::run(dir, templates, args),
        Command::Completions(args) => commands::completions::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("berth: error: {err}");
            std::process::exit(err.exit_code());
        }
    }
}
