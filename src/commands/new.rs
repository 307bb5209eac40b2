//! `berth new`: add a service to berth.toml (through toml_edit) and render its files.

use std::collections::BTreeSet;
use std::path::Path;

use crate::apply::Options;
use crate::cli::NewArgs;
use crate::error::{Error, Problem, Result};
use crate::manifest::{self, Kind, Manifest};
use crate::manifest_edit::{self, NewService};
use crate::model::Project;
use crate::pipeline::{self, ManifestChange, Session};
use crate::standard::Standard;
use crate::validate;

pub fn run(dir: Option<&Path>, templates: Option<&Path>, args: &NewArgs) -> Result<i32> {
    let root = super::root(dir);
    let (manifest, text) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), templates)?;
    let current = session.resolve(&manifest)?;
    if !args.write.yes || args.name.is_none() {
        if !super::interactive() {
            return Err(super::needs_flags(
                "new",
                "NAME (and --kind, --port, --workers, --depends-on, --wait-timeout, --route as needed)",
            ));
        }
        return Err(Error::Usage {
            message: "the interactive `berth new` wizard is not built yet".into(),
            fix: "pass NAME and --yes".into(),
        });
    }
    let service = from_flags(args, &current, &session.standard)?;
    let path = root.join(manifest::FILE_NAME);
    let new_text = manifest_edit::add_service(&text, &service, &path)?;
    let new_manifest = Manifest::parse(&new_text, &path)?;
    let project = session.resolve(&new_manifest)?;
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
            old: Some(&text),
            new: &new_text,
        }),
        args.write.dry_run,
        false,
    )
}

/// Checks the flags against the current project and turns them into the manifest addition.
/// Values the standard owns are left out (`None`) so they keep following the standard.
pub fn from_flags(args: &NewArgs, current: &Project, standard: &Standard) -> Result<NewService> {
    let name = args.name.clone().unwrap_or_default();
    let mut problems = Vec::new();
    if let Err(msg) = validate::service_name(&name) {
        problems.push(Problem::new(
            "NAME",
            format!("{name:?}"),
            format!("service name {msg}"),
            validate::service_name_fix(&name),
        ));
    } else if current.service(&name).is_some() {
        problems.push(Problem::new(
            "NAME",
            format!("{name:?}"),
            "is already a service in berth.toml",
            "choose another name, or edit its [services] table and run `berth generate`",
        ));
    }
    let row = standard.service(&name);
    let used: BTreeSet<u16> = current
        .services
        .iter()
        .map(|s| s.port)
        .chain(current.gateway.as_ref().map(|g| g.port))
        .collect();
    let port = match args.port {
        Some(raw) => match validate::port(standard, raw) {
            Ok(p) if used.contains(&p) => {
                let owner = current
                    .services
                    .iter()
                    .find(|s| s.port == p)
                    .map_or("the gateway", |s| s.name.as_str());
                problems.push(Problem::new(
                    "--port",
                    raw,
                    format!("is already used by {owner}"),
                    format!(
                        "use a free port, e.g. {}",
                        validate::next_free_port(standard, &used)
                    ),
                ));
                None
            }
            Ok(p) => Some(p),
            Err(msg) => {
                problems.push(Problem::new(
                    "--port",
                    raw,
                    msg,
                    format!(
                        "use a free port, e.g. {}",
                        validate::next_free_port(standard, &used)
                    ),
                ));
                None
            }
        },
        None => None,
    };
    let workers = args.workers.and_then(|raw| {
        validate::workers(standard, raw)
            .map_err(|msg| {
                problems.push(Problem::new(
                    "--workers",
                    raw,
                    msg,
                    "use e.g. 2 (http) or 1 (websocket, worker)",
                ))
            })
            .ok()
    });
    let wait_timeout = args.wait_timeout.and_then(|raw| {
        validate::wait_timeout(standard, raw)
            .map_err(|msg| problems.push(Problem::new("--wait-timeout", raw, msg, "use e.g. 60")))
            .ok()
    });
    if let Some(route) = &args.route
        && let Err(msg) = validate::route(route)
    {
        problems.push(Problem::new(
            "--route",
            format!("{route:?}"),
            msg,
            format!("use \"/{name}\""),
        ));
    }
    let depends_on = args.depends_on.clone().unwrap_or_default();
    for dep in &depends_on {
        if current.service(dep).is_none() {
            let known: Vec<&str> = current.services.iter().map(|s| s.name.as_str()).collect();
            problems.push(Problem::new(
                "--depends-on",
                format!("{dep:?}"),
                "is not a service in berth.toml",
                if known.is_empty() {
                    "add that service first".to_string()
                } else {
                    format!("use some of {}", known.join(", "))
                },
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid("the command line", problems));
    }

    let kind = args.kind.or(row.map(|r| r.kind)).unwrap_or(Kind::Http);
    let from_table = row.is_some_and(|r| r.kind == kind);
    let port = match (port, row) {
        (Some(p), Some(r)) if from_table && p == r.port => None,
        (Some(p), _) => Some(p),
        (None, Some(r)) if from_table && !used.contains(&r.port) => None,
        (None, _) => Some(validate::next_free_port(standard, &used)),
    };
    let defaults = standard.kind(kind);
    let (shown_port, shown_workers, reason) = match row.filter(|_| from_table) {
        Some(r) => (
            port.unwrap_or(r.port),
            workers.unwrap_or(r.workers),
            r.workers_reason.clone(),
        ),
        None => (
            port.unwrap_or_default(),
            workers.unwrap_or(defaults.workers),
            defaults.workers_reason.clone(),
        ),
    };
    let origin = if from_table {
        "the standard's table"
    } else {
        "the standard's defaults for its kind"
    };
    Ok(NewService {
        name: name.clone(),
        kind: (!from_table).then_some(kind),
        port,
        workers,
        depends_on,
        wait_timeout,
        route: args.route.clone(),
        comment: Some(format!(
            "{name}: {kind}, port {shown_port}, {shown_workers} worker(s) ({reason}); unset values follow {origin}"
        )),
    })
}
