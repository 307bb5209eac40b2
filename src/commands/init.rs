//! `berth init`: write berth.toml from a preset and render the whole tree.

use std::path::{Path, PathBuf};

use heck::ToKebabCase;

use crate::apply::Options;
use crate::cli::{InitArgs, Preset};
use crate::error::{Error, Result};
use crate::manifest::{self, Manifest};
use crate::manifest_edit::{self, NewService};
use crate::pipeline::{self, ManifestChange, Session};
use crate::standard::Standard;

pub fn run(dir: Option<&Path>, templates: Option<&Path>, args: &InitArgs) -> Result<i32> {
    let root = match (&args.path, dir) {
        (Some(p), Some(d)) if p.is_relative() => d.join(p),
        (Some(p), _) => p.clone(),
        (None, d) => super::root(d),
    };
    let manifest_path = root.join(manifest::FILE_NAME);
    if manifest_path.exists() {
        return Err(Error::AlreadyInitialised {
            path: manifest_path,
        });
    }
    if !args.write.yes {
        if !super::interactive() {
            return Err(super::needs_flags("init", "--preset mvp|minimal"));
        }
        return Err(Error::Usage {
            message: "the interactive `berth init` wizard is not built yet".into(),
            fix: "pass --preset mvp|minimal and --yes".into(),
        });
    }
    let session = Session::open(&root, None, templates)?;
    let answers = Answers::from_flags(args, &root, &session.standard);
    let text = answers.manifest_text(&session.standard);
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let project = session.resolve(&manifest)?;
    let plan = session.plan(&project)?;
    let prepared = session.prepare(
        &plan,
        Options {
            force: args.write.force,
            ..Options::default()
        },
    )?;
    pipeline::finish(
        &session,
        &prepared,
        Some(ManifestChange {
            old: None,
            new: &text,
        }),
        args.write.dry_run,
        false,
    )
}

/// Everything `init` needs to know; from flags (and, later, from the wizard).
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
fn default_name(root: &Path) -> String {
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
