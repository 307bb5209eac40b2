//! What a new project or a new service may be, given the standard and the current project: the
//! answers `init` and `new` collect, from flags or from the wizard, and their defaults.
//!
//! These types sit below both the commands and the wizard, so neither imports the other: a
//! command turns its clap arguments into plain `ProjectFlags` / `ServiceFlags`, checks them here
//! with `rules` (every problem listed, named after its flag), then either takes
//! the defaults (`--yes`) or lets the wizard ask what the flags left open; both end in the same
//! `ProjectAnswers` / `NewService`. A service's checked answers, and the service added, hold
//! berth.toml's own `ServiceSection`: one shape for a service from the answers to the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heck::ToKebabCase;

use crate::error::{Error, Origin, Problem, Refusal, Result};
use crate::manifest::ServiceSection;
use crate::manifest_edit::{self, NewService};
use crate::model::{Infra, Project, Service};
use crate::rules::{self, Claims};
use crate::standard::{Kind, Standard};

/// The starting point of `berth init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The standard's four services and the gateway.
    Mvp,
    /// No services.
    Minimal,
}

/// `init`'s flags, as given (`None`: not given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFlags {
    pub name: Option<String>,
    pub preset: Option<Preset>,
    pub environments: Option<Vec<String>>,
    /// `--gateway` (`Some(true)`) or `--no-gateway` (`Some(false)`).
    pub gateway: Option<bool>,
}

/// Everything `init` needs to know; from the flags or from the wizard.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectAnswers {
    pub name: String,
    pub preset: Preset,
    pub environments: Vec<String>,
    pub gateway: bool,
}

impl ProjectFlags {
    /// Checks every given flag with berth.toml's rule for the field it fills.
    pub fn check(&self, standard: &Standard) -> Result<()> {
        let mut problems = Vec::new();
        if let Some(name) = &self.name
            && let Err(r) = rules::project_name(name)
        {
            problems.push(Problem::new("--name", format!("{name:?}"), r));
        }
        if let Some(envs) = &self.environments {
            for (value, r) in rules::environments(envs, standard) {
                problems.push(Problem::new("--env", value, r));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid(Origin::CommandLine, problems))
        }
    }

    /// The answers with a default for everything not given.
    pub fn with_defaults(&self, default_name: &str, standard: &Standard) -> ProjectAnswers {
        let preset = self.preset.unwrap_or(Preset::Mvp);
        ProjectAnswers {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| default_name.to_string()),
            preset,
            environments: self
                .environments
                .clone()
                .unwrap_or_else(|| standard.environments.names.clone()),
            gateway: self.gateway.unwrap_or(preset == Preset::Mvp),
        }
    }
}

impl ProjectAnswers {
    /// The berth.toml these answers write.
    pub fn manifest_text(&self, standard: &Standard) -> String {
        let services: Vec<NewService> = match self.preset {
            Preset::Minimal => Vec::new(),
            Preset::Mvp => standard
                .services
                .iter()
                .map(|s| NewService {
                    name: s.name.clone(),
                    section: ServiceSection {
                        depends_on: s.depends_on.clone(),
                        ..ServiceSection::default()
                    },
                    comment: Some(format!(
                        "{}: port {}, {} worker(s) ({}), from the standard's table",
                        s.name, s.port, s.workers, s.workers_reason
                    )),
                })
                .collect(),
        };
        manifest_edit::new_manifest(&self.name, &self.environments, self.gateway, &services)
    }
}

/// The project name from the folder's name, as lowercase kebab-case.
pub fn default_project_name(root: &Path) -> String {
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

/// `new`'s flags, as given (`None`: not given); numbers unchecked. The one service shape below
/// clap that is not berth.toml's `ServiceSection`: the values here are not checked yet, and
/// `--wait-timeout` is a list of `SECS` / `DEP=SECS` items that checking splits in two.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceFlags {
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub port: Option<i64>,
    pub workers: Option<i64>,
    pub depends_on: Option<Vec<String>>,
    /// `SECS` or `DEP=SECS` items of `--wait-timeout`.
    pub wait_timeout: Vec<String>,
    pub route: Option<String>,
}

/// The answers for one new service so far, checked: its name and its `[services.NAME]` table
/// as berth.toml holds it (`ServiceSection`; `None`: not given, the standard's default applies
/// and, for the values the standard owns, nothing is written to berth.toml).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceAnswers {
    pub name: Option<String>,
    pub section: ServiceSection,
    /// Whether the dependencies were given (an empty list too): the wizard asks otherwise.
    pub depends_on_given: bool,
}

/// What a service gets when a question is left at its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDefaults {
    pub kind: Kind,
    /// The name is in the standard's table with this kind: port and workers come from there.
    pub from_table: bool,
    pub port: u16,
    pub workers: u32,
    /// The standard's reason for `workers`.
    pub workers_reason: String,
    pub wait_timeout: u32,
    pub route: String,
}

/// A new service's answers checked against the standard and the project it joins: `rules`
/// with this project's `Claims`.
pub struct NewServiceRules<'a> {
    pub current: &'a Project,
    pub standard: &'a Standard,
    claims: Claims<'a>,
}

impl<'a> NewServiceRules<'a> {
    pub fn new(current: &'a Project, standard: &'a Standard) -> Self {
        Self {
            current,
            standard,
            claims: Claims::of(current, standard),
        }
    }

    /// The project's services, sorted by name.
    pub fn services(&self) -> &[Service] {
        &self.current.services
    }

    /// Infrastructure declared in berth.toml (`[infra.NAME]`).
    pub fn infra(&self) -> &[Infra] {
        &self.current.infra
    }

    pub fn has_gateway(&self) -> bool {
        self.current.gateway.is_some()
    }

    pub fn name(&self, name: &str) -> Result<(), Refusal> {
        rules::new_service_name(name, &self.claims)
    }

    pub fn port(&self, raw: i64) -> Result<u16, Refusal> {
        rules::port(raw, &self.claims)
    }

    pub fn workers(&self, raw: i64, kind: Kind) -> Result<u32, Refusal> {
        rules::workers(raw, kind, self.standard)
    }

    pub fn wait_timeout(&self, raw: i64, kind: Kind) -> Result<u32, Refusal> {
        rules::wait_timeout(raw, kind, self.standard)
    }

    pub fn route(&self, name: &str, route: &str) -> Result<(), Refusal> {
        rules::route(route, name, &self.claims)
    }

    pub fn dependency(&self, name: &str, dep: &str) -> Result<(), Refusal> {
        rules::dependency(dep, name, &self.claims)
    }

    /// The defaults for a service called `name` of `kind` (`None`: the standard's kind for the
    /// name, else http).
    pub fn defaults(&self, name: &str, kind: Option<Kind>) -> ServiceDefaults {
        let row = self.standard.service(name);
        let kind = kind.or(row.map(|r| r.kind)).unwrap_or(Kind::Http);
        let table = row.filter(|r| r.kind == kind);
        let kind_defaults = self.standard.kind(kind);
        ServiceDefaults {
            kind,
            from_table: table.is_some(),
            port: table
                .map(|r| r.port)
                .filter(|p| !self.claims.is_port_used(*p))
                .unwrap_or_else(|| self.claims.next_free_port()),
            workers: table.map_or(kind_defaults.workers, |r| r.workers),
            workers_reason: table.map_or_else(
                || kind_defaults.workers_reason.clone(),
                |r| r.workers_reason.clone(),
            ),
            wait_timeout: kind_defaults.wait_timeout,
            route: format!("/{name}"),
        }
    }

    /// Checks the flags (all of them, every problem listed) and returns them as answers. The
    /// name may be missing (the wizard then asks it).
    pub fn check_flags(&self, flags: &ServiceFlags) -> Result<ServiceAnswers> {
        let mut problems = Vec::new();
        let name = flags.name.as_deref().unwrap_or("NAME");
        let kind = self.defaults(name, flags.kind).kind;
        let mut refused = |flag: &str, value: String, r: Refusal| {
            problems.push(Problem::new(flag, value, r));
        };
        if let Some(name) = &flags.name
            && let Err(r) = self.name(name)
        {
            refused("NAME", format!("{name:?}"), r);
        }
        let port = flags.port.and_then(|raw| {
            self.port(raw)
                .map_err(|r| refused("--port", raw.to_string(), r))
                .ok()
        });
        let workers = flags.workers.and_then(|raw| {
            self.workers(raw, kind)
                .map_err(|r| refused("--workers", raw.to_string(), r))
                .ok()
        });
        let depends_on = flags.depends_on.clone().unwrap_or_default();
        let (wait_timeout, wait_timeouts, timeout_problems) =
            self.parse_wait_timeouts(&flags.wait_timeout, &depends_on, kind);
        for problem in timeout_problems {
            refused(&problem.field, problem.value, problem.refusal);
        }
        if let Some(route) = &flags.route
            && let Err(r) = self.route(name, route)
        {
            refused("--route", format!("{route:?}"), r);
        }
        for dep in &depends_on {
            if let Err(r) = self.dependency(name, dep) {
                refused("--depends-on", format!("{dep:?}"), r);
            }
        }
        if !problems.is_empty() {
            return Err(Error::invalid(Origin::CommandLine, problems));
        }
        Ok(ServiceAnswers {
            name: flags.name.clone(),
            section: ServiceSection {
                kind: flags.kind,
                port: port.map(i64::from),
                workers: workers.map(i64::from),
                depends_on,
                wait_timeout: wait_timeout.map(i64::from),
                wait_timeouts: wait_timeouts
                    .into_iter()
                    .map(|(dep, secs)| (dep, i64::from(secs)))
                    .collect(),
                route: flags.route.clone(),
                kubernetes: None,
            },
            depends_on_given: flags.depends_on.is_some(),
        })
    }

    /// `--wait-timeout` items (`SECS`, `DEP=SECS`): the default timeout, the timeouts set
    /// apart per dependency, and the problems.
    fn parse_wait_timeouts(
        &self,
        items: &[String],
        depends_on: &[String],
        kind: Kind,
    ) -> (Option<u32>, BTreeMap<String, u32>, Vec<Problem>) {
        let mut default = None;
        let mut apart = BTreeMap::new();
        let mut problems = Vec::new();
        for item in items {
            let refuse = |r: Refusal| Problem::new("--wait-timeout", format!("{item:?}"), r);
            let (dep, raw) = match item.split_once('=') {
                Some((dep, raw)) => (Some(dep.trim()), raw.trim()),
                None => (None, item.trim()),
            };
            let Ok(raw) = raw.parse::<i64>() else {
                problems.push(refuse(Refusal::new(
                    "is not SECS or DEP=SECS",
                    "use e.g. 60 or postgres=120",
                )));
                continue;
            };
            let secs = match self.wait_timeout(raw, kind) {
                Ok(secs) => secs,
                Err(r) => {
                    problems.push(refuse(r));
                    continue;
                }
            };
            match dep {
                Some(dep) if !depends_on.iter().any(|d| d == dep) => {
                    problems.push(refuse(Refusal::new(
                        format!("{dep:?} is not in --depends-on"),
                        "name only dependencies of this service",
                    )));
                }
                Some(dep) => {
                    apart.insert(dep.to_string(), secs);
                }
                None if default.is_some() => problems.push(refuse(Refusal::new(
                    "gives a second default timeout",
                    "give SECS once",
                ))),
                None => default = Some(secs),
            }
        }
        (default, apart, problems)
    }

    /// The manifest addition for checked answers (the name must be set). Values the standard
    /// owns are left out (`None`) so they keep following the standard.
    pub fn service(&self, answers: &ServiceAnswers) -> NewService {
        let name = answers
            .name
            .clone()
            .expect("the name is given or asked before the service is built");
        let given = &answers.section;
        let d = self.defaults(&name, given.kind);
        let table_port = self
            .standard
            .service(&name)
            .filter(|_| d.from_table)
            .map(|r| i64::from(r.port));
        // The table's port is left out of berth.toml (it follows the standard); any other port
        // is written, since a service outside the table has no port without one.
        let port = match given.port.unwrap_or(i64::from(d.port)) {
            p if Some(p) == table_port => None,
            p => Some(p),
        };
        let shown_port = port.unwrap_or(i64::from(d.port));
        let shown_workers = given.workers.unwrap_or(i64::from(d.workers));
        let origin = if d.from_table {
            "the standard's table"
        } else {
            "the standard's defaults for its kind"
        };
        NewService {
            name: name.clone(),
            section: ServiceSection {
                kind: (!d.from_table).then_some(d.kind),
                port,
                ..given.clone()
            },
            comment: Some(format!(
                "{name}: {kind}, port {shown_port}, {shown_workers} worker(s) ({reason}); unset values follow {origin}",
                kind = d.kind,
                reason = d.workers_reason,
            )),
        }
    }
}
