//! `berth init`: write berth.toml from a preset and render the whole tree.
//!
//! The answers (project name, preset, environments, gateway) come from the flags (`--yes`, or
//! no terminal) or from the wizard, which asks only what the flags left open. Either way they
//! become one `Answers`, whose manifest then goes through the same validation, plan and write.

use std::path::{Path, PathBuf};

use heck::ToKebabCase;

use crate::cli::{InitArgs, Preset};
use crate::error::{Error, Problem, Result};
use crate::manifest::{self, Manifest};
use crate::manifest_edit::{self, NewService};
use crate::pipeline::{ManifestChange, Session};
use crate::project_lock::Access;
use crate::standard::Standard;
use crate::validate;
use crate::wizard::{self, Terminal};

use super::Globals;

use super::new::Refusal;

pub fn run(globals: &Globals, args: &InitArgs) -> Result<i32> {
    let root = match (&args.path, &globals.dir) {
        (Some(p), Some(d)) if p.is_relative() => d.join(p),
        (Some(p), _) => p.clone(),
        (None, _) => globals.root(),
    };
    let manifest_path = root.join(manifest::FILE_NAME);
    if manifest_path.exists() {
        return Err(Error::AlreadyInitialised {
            path: manifest_path,
        });
    }
    if !args.write.yes && !super::interactive() {
        return Err(super::needs_flags("init", "--preset mvp|minimal"));
    }
    let session = Session::open(&root, None, globals.templates())?;
    let mut terminal = None;
    let answers = if args.write.yes {
        Answers::from_flags(args, &root, &session.standard)
    } else {
        // A bad flag is an error before the first question.
        check_flags(args, &session.standard)?;
        let prompter = terminal.insert(Terminal::new());
        wizard::init(prompter, args, &default_name(&root), &session.standard)?
    };
    let text = answers.manifest_text(&session.standard);
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let project = session.resolve(&manifest)?;
    let plan = session.plan(&project)?;
    // Everything so far was checked without touching the disk; from here the folder is locked
    // (created first, for a real run) and checked again, since another run may have got there.
    let _lock = if args.write.dry_run {
        match root.is_dir() {
            true => Some(globals.lock(&root, Access::Read)?),
            false => None,
        }
    } else {
        std::fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        Some(globals.lock(&root, Access::Write)?)
    };
    if manifest_path.exists() {
        return Err(Error::AlreadyInitialised {
            path: manifest_path,
        });
    }
    let change = ManifestChange {
        old: None,
        new: &text,
    };
    super::write_manifest_change(&session, &plan, change, &args.write, terminal.as_mut())
}

/// Checks the flags the wizard will not ask again, as berth.toml would check them.
fn check_flags(args: &InitArgs, standard: &Standard) -> Result<()> {
    let mut problems = Vec::new();
    if let Some(name) = &args.name
        && let Err(r) = check_name(name)
    {
        problems.push(Problem::new(
            "--name",
            format!("{name:?}"),
            r.message,
            r.fix,
        ));
    }
    if let Some(envs) = &args.environments
        && let Err(r) = check_environments(envs, standard)
    {
        problems.push(Problem::new("--env", envs.join(","), r.message, r.fix));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid("the command line", problems))
    }
}

/// Checks a project name with the rule berth.toml's `project.name` is checked with.
pub fn check_name(name: &str) -> Result<(), Refusal> {
    validate::project_name(name).map_err(|msg| Refusal::new(msg, validate::PROJECT_NAME_FIX))
}

/// Checks a list of environments with the rule of berth.toml's `project.environments`.
pub fn check_environments(environments: &[String], standard: &Standard) -> Result<(), Refusal> {
    match validate::environments(environments, &standard.environments.names)
        .into_iter()
        .next()
    {
        Some((_, msg, fix)) => Err(Refusal::new(msg, fix)),
        None => Ok(()),
    }
}

/// Everything `init` needs to know; from the flags or from the wizard.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub name: String,
    pub preset: Preset,
    pub environments: Vec<String>,
    pub gateway: bool,
}

impl Answers {
    pub fn from_flags(args: &InitArgs, root: &Path, standard: &Standard) -> Self {
        let preset = args.preset.unwrap_or(Preset::Mvp);
        Self {
            name: args.name.clone().unwrap_or_else(|| default_name(root)),
            preset,
            environments: args
                .environments
                .clone()
                .unwrap_or_else(|| standard.environments.names.clone()),
            gateway: if args.no_gateway {
                false
            } else {
                args.gateway || preset == Preset::Mvp
            },
        }
    }

    /// The first problem `validate::resolve` finds in `field` of the manifest these answers
    /// write. Checking through the manifest keeps one rule per field, wherever the value
    /// comes from.
    pub fn manifest_text(&self, standard: &Standard) -> String {
        let services: Vec<NewService> = match self.preset {
            Preset::Minimal => Vec::new(),
            Preset::Mvp => standard
                .services
                .iter()
                .map(|s| NewService {
                    name: s.name.clone(),
                    depends_on: s.depends_on.clone(),
                    comment: Some(format!(
                        "{}: port {}, {} worker(s) ({}), from the standard's table",
                        s.name, s.port, s.workers, s.workers_reason
                    )),
                    ..NewService::default()
                })
                .collect(),
        };
        manifest_edit::new_manifest(&self.name, &self.environments, self.gateway, &services)
    }
}

/// The project name from the folder's name, as lowercase kebab-case.
pub fn default_name(root: &Path) -> String {
    let abs = if root.is_absolute() {
        root.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("."))
            .join(root)
    };
    let name = abs
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().to_string()),
            _ => None,
        })
        .next_back()
        .unwrap_or_default()
        .to_kebab_case();
    if name.is_empty() {
        "app".to_string()
    } else {
        name
    }
}
