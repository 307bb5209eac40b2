//! `berth fleet status` and `berth fleet update`: the projects found, the work handed to
//! `fleet` (one project per thread), the results printed. See `fleet` for what they do.

use std::io::Write;

use crate::cli::{FleetCommand, FleetFormat, FleetStatusArgs, FleetUpdateArgs};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::fleet::update::{Ending, Outcome, Request};
use crate::fleet::{Sessions, discover, render, status, update};

use super::Globals;

pub(crate) fn run(globals: &Globals, command: &FleetCommand) -> Result<ExitStatus> {
    if globals.dir.is_some() {
        return Err(Error::Usage {
            message: "`berth fleet` works on many projects, not on -C DIR".to_string(),
            fix: "name the folders to search as arguments: `berth fleet status DIR...`".to_string(),
        });
    }
    match command {
        FleetCommand::Status(args) => run_status(globals, args),
        FleetCommand::Update(args) => run_update(globals, args),
    }
}

fn run_status(globals: &Globals, args: &FleetStatusArgs) -> Result<ExitStatus> {
    let members = discover::find(&args.projects.paths, args.projects.list.as_deref())?;
    let sessions = Sessions::new(globals.templates())?;
    let statuses = crate::parallel::map(&members, |m| status::assess(m, &sessions));
    let text = match args.format {
        FleetFormat::Table => render::table(&statuses),
        FleetFormat::Json => render::json(&statuses),
        FleetFormat::Markdown => render::markdown(&statuses),
    };
    crate::report::print(&text)?;
    Ok(ExitStatus::failure_if(status::any_fails(&statuses)))
}

fn run_update(globals: &Globals, args: &FleetUpdateArgs) -> Result<ExitStatus> {
    check_branch_name(&args.branch)?;
    let members = discover::find(&args.projects.paths, args.projects.list.as_deref())?;
    let sessions = Sessions::new(globals.templates())?;
    if let Some(dir) = &args.report
        && !args.dry_run
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let req = Request {
        branch: &args.branch,
        conflict: args.conflict.into(),
        no_git: args.no_git,
        dry_run: args.dry_run,
        sessions: &sessions,
    };
    // Projects sharing a work tree are rolled out one after the other (each switches branch).
    let groups = crate::fleet::update::by_work_tree(&members);
    let outcomes: Vec<Outcome> = crate::parallel::map(&groups, |group| {
        group
            .iter()
            .map(|m| update::update(m, &req))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    if let Some(dir) = &args.report
        && !args.dry_run
    {
        crate::fleet::outcomes::write_reports(dir, &outcomes, &args.branch)?;
    }
    crate::report::print(&crate::fleet::outcomes::summary(&outcomes, args.dry_run))?;
    let failed = outcomes.iter().any(|o| {
        matches!(o.result, Ending::Refused(_) | Ending::Failed(_))
            || o.rollout.as_ref().is_some_and(|r| !r.conflicts.is_empty())
    });
    let _ = std::io::stdout().flush();
    Ok(ExitStatus::failure_if(failed))
}

/// A branch name git accepts, checked before any project is touched (exit 2).
fn check_branch_name(name: &str) -> Result<()> {
    let ok = std::process::Command::new("git")
        .args(["check-ref-format", "--branch", name])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Ok(())
    } else {
        Err(Error::Usage {
            message: format!("--branch {name:?} is not a branch name git accepts"),
            fix: "use a name such as berth/standard-2026.12".to_string(),
        })
    }
}
