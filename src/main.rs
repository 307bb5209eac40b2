//! berth: scaffold and maintain the container setup of a Python microservice platform.
//!
//! `main` parses the command line, runs the command, prints an error once and maps it to the
//! exit code (0 ok, 1 drift / conflicts, 2 bad input, usage or I/O failure, 130 interrupted).

mod apply;
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
mod project_lock;
mod standard;
mod templates;
mod text;
mod validate;
mod wizard;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
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
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("berth: error: {err}");
            std::process::exit(err.exit_code());
        }
    }
}
