//! The questions of `berth init`, one small function each: project name, preset, environments
//! and gateway.
//!
//! Defaults are the flags path's (`berth init DIR --yes`): the folder's name, the mvp preset,
//! every environment of the standard, the gateway when the preset has services. Answers are
//! checked with the rules berth.toml is checked with (`rules/`).

use crate::answers::{Preset, ProjectAnswers, ProjectFlags};
use crate::error::Result;
use crate::rules;
use crate::standard::Standard;

use super::prompter::Prompter;

/// Asks what the flags leave open and returns the answers `init` writes.
pub(crate) fn init(
    p: &mut dyn Prompter,
    args: &ProjectFlags,
    default_name: &str,
    standard: &Standard,
) -> Result<ProjectAnswers> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => ask_project_name(p, default_name)?,
    };
    let preset = match args.preset {
        Some(preset) => preset,
        None => ask_preset(p, standard)?,
    };
    let environments = match &args.environments {
        Some(envs) => envs.clone(),
        None => ask_environments(p, standard)?,
    };
    let gateway = match args.gateway {
        Some(given) => given,
        None => ask_gateway(p, preset)?,
    };
    Ok(ProjectAnswers {
        name,
        preset,
        environments,
        gateway,
    })
}

pub(super) fn ask_project_name(p: &mut dyn Prompter, default: &str) -> Result<String> {
    let check = |name: &str| {
        rules::project_name(name).map_err(|r| format!("{name:?} {}; {}", r.message, r.fix))
    };
    // A folder name that is no valid project name is no default.
    let default = rules::project_name(default).is_ok().then_some(default);
    p.input(
        "Project name (names the images and the Compose project)",
        default,
        &check,
    )
}

pub(super) fn ask_preset(p: &mut dyn Prompter, standard: &Standard) -> Result<Preset> {
    let services: Vec<&str> = standard.services.iter().map(|s| s.name.as_str()).collect();
    let items = [
        format!(
            "mvp      the standard's services ({}) and the gateway",
            services.join(", ")
        ),
        "minimal  no services yet: add them with `berth new`".to_string(),
    ];
    let index = p.select("Preset", &items, 0)?;
    Ok([Preset::Mvp, Preset::Minimal][index])
}

pub(super) fn ask_environments(p: &mut dyn Prompter, standard: &Standard) -> Result<Vec<String>> {
    let names = &standard.environments.names;
    let items: Vec<String> = names
        .iter()
        .map(|env| {
            let level = &standard.environments.log_level[env];
            format!("{env:<8} .env.{env} and docker-compose.{env}.yml (log level {level})")
        })
        .collect();
    loop {
        let ticked = p.multi_select(
            "Environments (space ticks, enter accepts)",
            &items,
            &vec![true; items.len()],
        )?;
        let chosen: Vec<String> = ticked.into_iter().map(|i| names[i].clone()).collect();
        match rules::environments(&chosen, standard).into_iter().next() {
            None => return Ok(chosen),
            Some((_, r)) => p.note(&format!("error: {}; {}", r.message, r.fix)),
        }
    }
}

pub(super) fn ask_gateway(p: &mut dyn Prompter, preset: Preset) -> Result<bool> {
    p.confirm(
        "Include the gateway (a non-root reverse proxy, the only published port)?",
        preset == Preset::Mvp,
    )
}
