//! `berth init`: write berth.toml from a preset and render the whole tree.
//!
//! The answers (project name, preset, environments, gateway) come from the flags (`--yes`, or
//! no terminal) or from the wizard, which asks only what the flags left open. The flags are
//! checked the same way on both paths, before anything else; either way the answers become one
//! `ProjectAnswers`, whose manifest then goes through the same validation, plan and write.

use crate::answers::{ProjectFlags, default_project_name};
use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::manifest::{self, Manifest};
use crate::model::Project;
use crate::project_lock::Access;
use crate::report::{self, Listing};
use crate::session::{ManifestChange, Session};
use crate::wizard::{self, Terminal};

use super::Globals;

impl From<&InitArgs> for ProjectFlags {
    fn from(args: &InitArgs) -> Self {
        Self {
            name: args.name.clone(),
            preset: args.preset.map(Into::into),
            environments: args.environments.clone(),
            gateway: if args.no_gateway {
                Some(false)
            } else {
                args.gateway.then_some(true)
            },
        }
    }
}

pub(crate) fn run(globals: &Globals, args: &InitArgs) -> Result<ExitStatus> {
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
    let flags = ProjectFlags::from(args);
    // A bad flag is an error before anything else, with or without the wizard.
    flags.check(&session.standard)?;
    let default_name = default_project_name(&root);
    let mut terminal = None;
    let answers = if args.write.yes {
        flags.with_defaults(&default_name, &session.standard)
    } else {
        let prompter = terminal.insert(Terminal::new());
        wizard::init(prompter, &flags, &default_name, &session.standard)?
    };
    let text = answers.manifest_text(&session.standard);
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let project = session.resolve(&manifest)?;
    let plan = session.plan(&project)?;
    // Everything so far was checked without touching the disk; from here the folder is locked
    // (created first, for a real run) and checked again, since another run may have got there.
    let _lock = if args.write.output.dry_run {
        if root.is_dir() {
            Some(globals.lock(&root, Access::Read)?)
        } else {
            None
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
    let code = super::write_manifest_change(
        &session,
        &plan,
        change,
        &args.write,
        terminal.as_mut(),
        Listing::Summary,
    )?;
    if code == ExitStatus::Success && !args.write.output.dry_run {
        report::print(&next_steps(args.path.as_deref(), &project))?;
    }
    Ok(code)
}

/// What to run next, as `docker init` ends: build, start, check and stop the stack of the
/// project's first environment. The README's quickstart block is these lines (a test compares
/// them), so the README says what berth says.
pub(crate) fn next_steps(folder: Option<&std::path::Path>, project: &Project) -> String {
    let Some(env) = project.environments.first() else {
        return String::new();
    };
    let compose = format!(
        "docker compose --env-file .env.{env} -f docker-compose.yml -f docker-compose.{env}.yml"
    );
    let verify = "python3 scripts/verify-stack.py";
    let env_flag = match env.as_str() {
        "dev" => String::new(),
        other => format!(" --env {other}"),
    };
    let mut lines = Vec::new();
    if let Some(dir) = folder.filter(|d| *d != std::path::Path::new(".")) {
        lines.push(format!("cd {}", dir.display()));
    }
    lines.push(format!("{compose} build"));
    lines.push(format!("{compose} up -d"));
    lines.push(format!("{verify} health{env_flag} --wait 300"));
    if project.gateway.is_some() {
        lines.push(format!("{verify} gateway{env_flag}"));
    }
    lines.push(format!("{compose} down"));
    let mut out = format!("Next: build the {env} stack, start it, check it, stop it:\n");
    for line in lines {
        out.push_str(&format!("  {line}\n"));
    }
    out
}
