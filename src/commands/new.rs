//! `berth new`: add a service to berth.toml (through toml_edit) and render its files.
//!
//! The answers come from the flags (`--yes`, or no terminal) or from the wizard (a terminal and
//! no `--yes`), which asks only what the flags left open. Both feed the same `Choices` through
//! the same `Rules` (the context checks around the rules of `validate.rs`: name not taken, port
//! free, dependencies known) into one `NewService`, and from there the same manifest edit,
//! validation, plan and write.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::NewArgs;
use crate::error::{Error, Problem, Result};
use crate::manifest::{self, Kind, Manifest};
use crate::manifest_edit::{self, NewService};
use crate::model::{Infra, Project, Service};
use crate::pipeline::{ManifestChange, Session};
use crate::project_lock::Access;
use crate::standard::Standard;
use crate::validate;
use crate::wizard::{self, Terminal};

use super::Globals;

pub fn run(globals: &Globals, args: &NewArgs) -> Result<i32> {
    let root = globals.root();
    let access = if args.write.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    // Held through the wizard's questions too: the answers are checked against the manifest
    // read here, so no other run may change it before they are written.
    let _lock = if root.join(manifest::FILE_NAME).is_file() {
        Some(globals.lock(&root, access)?)
    } else {
        None
    };
    let (manifest, text) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), globals.templates())?;
    let current = session.resolve(&manifest)?;
    let rules = Rules::new(&current, &session.standard);
    let mut terminal = None;
    let service = if args.write.yes {
        if args.name.is_none() {
            return Err(Error::Usage {
                message: "`berth new --yes` needs NAME, the one answer without a default".into(),
                fix: "pass NAME (`berth new billing --yes`), or leave out --yes to be asked".into(),
            });
        }
        from_flags(args, &rules)?
    } else {
        if !super::interactive() {
            return Err(super::needs_flags(
                "new",
                "NAME (and --kind, --port, --workers, --depends-on, --wait-timeout, --route as needed)",
            ));
        }
        // A bad flag is an error before the first question, exactly as without the wizard.
        let given = rules.check_flags(args)?;
        let prompter = terminal.insert(Terminal::new());
        wizard::new_service(prompter, given, &rules)?
    };
    let path = root.join(manifest::FILE_NAME);
    let new_text = manifest_edit::add_service(&text, &service, &path)?;
    let new_manifest = Manifest::parse(&new_text, &path)?;
    let project = session.resolve(&new_manifest)?;
    let plan = session.plan(&project)?;
    let change = ManifestChange {
        old: Some(&text),
        new: &new_text,
    };
    super::write_manifest_change(&session, &plan, change, &args.write, terminal.as_mut())
}

/// The flags path: every answer from the command line, defaults for the rest.
pub fn from_flags(args: &NewArgs, rules: &Rules) -> Result<NewService> {
    let choices = rules.check_flags(args)?;
    Ok(rules.service(&choices))
}

/// The answers for one new service. `None` means "not given": the standard's default applies
/// and, for the values the standard owns, nothing is written to berth.toml.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices {
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub port: Option<u16>,
    pub workers: Option<u32>,
    pub depends_on: Option<Vec<String>>,
    pub wait_timeout: Option<u32>,
    /// Dependencies whose timeout differs from `wait_timeout` (or its default).
    pub wait_timeouts: BTreeMap<String, u32>,
    pub route: Option<String>,
}

/// Why a value was refused: the flag error and the wizard's re-ask show the same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong, as a predicate of the value ("is already used by ai-engine").
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Refusal {
    pub fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// What a service gets when a question is left at its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
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

/// The checks of a new service's values against the standard and the current project. Each
/// wraps the matching rule of `validate.rs` and adds what only the project knows.
pub struct Rules<'a> {
    pub current: &'a Project,
    pub standard: &'a Standard,
    used: BTreeSet<u16>,
}

impl<'a> Rules<'a> {
    pub fn new(current: &'a Project, standard: &'a Standard) -> Self {
        let used = current
            .services
            .iter()
            .map(|s| s.port)
            .chain(current.gateway.as_ref().map(|g| g.port))
            .collect();
        Self {
            current,
            standard,
            used,
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
        validate::service_name(name)
            .map_err(|msg| Refusal::new(msg, validate::service_name_fix(name)))?;
        if self.current.service(name).is_some() {
            return Err(Refusal::new(
                "is already a service in berth.toml",
                "choose another name, or edit its [services] table and run `berth generate`",
            ));
        }
        Ok(())
    }

    pub fn port(&self, raw: i64) -> Result<u16, Refusal> {
        let fix = || {
            format!(
                "use a free port, e.g. {}",
                validate::next_free_port(self.standard, &self.used)
            )
        };
        let port = validate::port(self.standard, raw).map_err(|msg| Refusal::new(msg, fix()))?;
        if self.used.contains(&port) {
            let owner = self
                .current
                .services
                .iter()
                .find(|s| s.port == port)
                .map_or("the gateway", |s| s.name.as_str());
            return Err(Refusal::new(format!("is already used by {owner}"), fix()));
        }
        Ok(port)
    }

    pub fn workers(&self, raw: i64) -> Result<u32, Refusal> {
        validate::workers(self.standard, raw)
            .map_err(|msg| Refusal::new(msg, "use e.g. 2 (http) or 1 (websocket, worker)"))
    }

    pub fn wait_timeout(&self, raw: i64) -> Result<u32, Refusal> {
        validate::wait_timeout(self.standard, raw).map_err(|msg| Refusal::new(msg, "use e.g. 60"))
    }

    pub fn route(&self, name: &str, route: &str) -> Result<(), Refusal> {
        let fix = || format!("use \"/{name}\"");
        validate::route(route).map_err(|msg| Refusal::new(msg, fix()))?;
        if let Some(other) = self.current.services.iter().find(|s| s.route == route) {
            return Err(Refusal::new(
                format!("is already the route of {}", other.name),
                fix(),
            ));
        }
        Ok(())
    }

    pub fn dependency(&self, dep: &str) -> Result<(), Refusal> {
        if self.current.service(dep).is_some() || self.current.infra(dep).is_some() {
            return Ok(());
        }
        let known: Vec<&str> = self
            .services()
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.infra().iter().map(|i| i.name.as_str()))
            .collect();
        Err(Refusal::new(
            "is not a service or declared infrastructure in berth.toml",
            if known.is_empty() {
                "add that service first, or declare it under [infra.NAME] in berth.toml".to_string()
            } else {
                format!("use some of {}", known.join(", "))
            },
        ))
    }

    /// The defaults for a service called `name` of `kind` (`None`: the standard's kind for the
    /// name, else http).
    pub fn defaults(&self, name: &str, kind: Option<Kind>) -> Defaults {
        let row = self.standard.service(name);
        let kind = kind.or(row.map(|r| r.kind)).unwrap_or(Kind::Http);
        let table = row.filter(|r| r.kind == kind);
        let next_free = validate::next_free_port(self.standard, &self.used);
        let kind_defaults = self.standard.kind(kind);
        Defaults {
            kind,
            from_table: table.is_some(),
            port: table
                .map(|r| r.port)
                .filter(|p| !self.used.contains(p))
                .unwrap_or(next_free),
            workers: table.map_or(kind_defaults.workers, |r| r.workers),
            workers_reason: table.map_or_else(
                || kind_defaults.workers_reason.clone(),
                |r| r.workers_reason.clone(),
            ),
            wait_timeout: kind_defaults.wait_timeout,
            route: format!("/{name}"),
        }
    }

    /// Checks the flags (all of them, every problem listed) and returns them as choices. NAME
    /// may be missing (the wizard then asks it).
    pub fn check_flags(&self, args: &NewArgs) -> Result<Choices> {
        let mut problems = Vec::new();
        let mut refused = |flag: &str, value: String, r: Refusal| {
            problems.push(Problem::new(flag, value, r.message, r.fix));
        };
        if let Some(name) = &args.name
            && let Err(r) = self.name(name)
        {
            refused("NAME", format!("{name:?}"), r);
        }
        let port = args.port.and_then(|raw| {
            self.port(raw)
                .map_err(|r| refused("--port", raw.to_string(), r))
                .ok()
        });
        let workers = args.workers.and_then(|raw| {
            self.workers(raw)
                .map_err(|r| refused("--workers", raw.to_string(), r))
                .ok()
        });
        let mut wait_timeout = None;
        let mut wait_timeouts = BTreeMap::new();
        for item in args.wait_timeout.iter().flatten() {
            let (dep, raw) = match item.split_once('=') {
                Some((dep, raw)) => (Some(dep.trim()), raw.trim()),
                None => (None, item.trim()),
            };
            let Ok(secs) = raw.parse::<i64>() else {
                refused(
                    "--wait-timeout",
                    format!("{item:?}"),
                    Refusal::new("is not SECS or DEP=SECS", "use e.g. 60 or postgres=120"),
                );
                continue;
            };
            let secs = match self.wait_timeout(secs) {
                Ok(secs) => secs,
                Err(r) => {
                    refused("--wait-timeout", format!("{item:?}"), r);
                    continue;
                }
            };
            match dep {
                Some(dep) if !args.depends_on.iter().flatten().any(|d| d == dep) => refused(
                    "--wait-timeout",
                    format!("{item:?}"),
                    Refusal::new(
                        format!("{dep:?} is not in --depends-on"),
                        "name only dependencies of this service",
                    ),
                ),
                Some(dep) => {
                    wait_timeouts.insert(dep.to_string(), secs);
                }
                None if wait_timeout.is_some() => refused(
                    "--wait-timeout",
                    format!("{item:?}"),
                    Refusal::new("gives a second default timeout", "give SECS once"),
                ),
                None => wait_timeout = Some(secs),
            }
        }
        if let Some(route) = &args.route {
            let name = args.name.as_deref().unwrap_or("NAME");
            if let Err(r) = self.route(name, route) {
                refused("--route", format!("{route:?}"), r);
            }
        }
        for dep in args.depends_on.iter().flatten() {
            if let Err(r) = self.dependency(dep) {
                refused("--depends-on", format!("{dep:?}"), r);
            }
        }
        if !problems.is_empty() {
            return Err(Error::invalid("the command line", problems));
        }
        Ok(Choices {
            name: args.name.clone(),
            kind: args.kind,
            port,
            workers,
            depends_on: args.depends_on.clone(),
            wait_timeout,
            wait_timeouts,
            route: args.route.clone(),
        })
    }

    /// The manifest addition for checked choices (the name must be set). Values the standard
    /// owns are left out (`None`) so they keep following the standard.
    pub fn service(&self, choices: &Choices) -> NewService {
        let name = choices
            .name
            .clone()
            .expect("the name is given or asked before the service is built");
        let d = self.defaults(&name, choices.kind);
        let table_port = self
            .standard
            .service(&name)
            .filter(|_| d.from_table)
            .map(|r| r.port);
        // The table's port is left out of berth.toml (it follows the standard); any other port
        // is written, since a service outside the table has no port without one.
        let port = match choices.port.unwrap_or(d.port) {
            p if Some(p) == table_port => None,
            p => Some(p),
        };
        let shown_port = port.unwrap_or(d.port);
        let shown_workers = choices.workers.unwrap_or(d.workers);
        let origin = if d.from_table {
            "the standard's table"
        } else {
            "the standard's defaults for its kind"
        };
        NewService {
            name: name.clone(),
            kind: (!d.from_table).then_some(d.kind),
            port,
            workers: choices.workers,
            depends_on: choices.depends_on.clone().unwrap_or_default(),
            wait_timeout: choices.wait_timeout,
            wait_timeouts: choices.wait_timeouts.clone(),
            route: choices.route.clone(),
            comment: Some(format!(
                "{name}: {kind}, port {shown_port}, {shown_workers} worker(s) ({reason}); unset values follow {origin}",
                kind = d.kind,
                reason = d.workers_reason,
            )),
        }
    }
}
