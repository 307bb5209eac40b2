//! berth.toml -> the resolved `model::Project`: every value checked with its rule (`rules/`)
//! and every omitted value filled in from the standard's data.
//!
//! One function per section of the manifest (project, gateway, infrastructure, each service,
//! the dependency graph, the extra `[env.*]` variables). Problems are collected, not returned
//! at the first, so one run shows everything that is wrong.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToSnakeCase};

use crate::error::{Error, Origin, Problem, Refusal, Result};
use crate::manifest::{Manifest, ServiceSection};
use crate::model::{Gateway, Infra, Project, Service, Wait};
use crate::rules::{self, Claims};
use crate::standard::{Kind, Standard};

mod build;
mod kubernetes;

/// Every problem found so far.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, value: impl std::fmt::Display, refusal: Refusal) {
        self.0.push(Problem::new(field, value, refusal));
    }

    /// The rule's value, or `fallback` after recording why not.
    fn check<T>(
        &mut self,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        result: std::result::Result<T, Refusal>,
        fallback: T,
    ) -> T {
        result.unwrap_or_else(|r| {
            self.add(field, value, r);
            fallback
        })
    }
}

/// Validates the manifest and resolves every omitted value.
pub fn resolve(manifest: &Manifest, standard: &Standard) -> Result<Project> {
    let mut problems = Problems::default();
    let mut claims = Claims::new(standard);
    claims.declare(
        manifest.services.keys().cloned(),
        manifest.infra.keys().cloned(),
    );
    let name = &manifest.project.name;
    if let Err(r) = rules::project_name(name) {
        problems.add("project.name", format!("{name:?}"), r);
    }
    let environments = environments(manifest, standard, &mut problems);
    let gateway = gateway(manifest, &mut claims, &mut problems);
    let infra = infra(manifest, &mut problems);
    let services = manifest
        .services
        .iter()
        .filter_map(|(name, section)| service(name, section, &mut claims, &mut problems))
        .collect();
    if let Some(cycle) = find_cycle(manifest) {
        problems.add(
            format!("services.{}.depends_on", cycle[0]),
            cycle.join(" -> "),
            Refusal::new(
                "dependencies form a cycle, so no service could ever start",
                "remove one dependency of the cycle",
            ),
        );
    }
    let project = Project {
        name: name.clone(),
        environments,
        gateway,
        services,
        infra,
        extra_env: manifest.env.clone(),
        kubernetes: None,
        build: build::resolve(manifest, &mut problems),
    };
    env_sections(manifest, &project, &mut problems);
    let kubernetes = kubernetes::resolve(manifest, &project, standard, &mut problems);
    let project = Project {
        kubernetes,
        ..project
    };
    if !problems.0.is_empty() {
        return Err(Error::invalid(Origin::Manifest, problems.0));
    }
    Ok(project)
}

/// `project.environments`, in the standard's order (dev, staging, prod) whatever the
/// manifest's; default: all of the standard's.
fn environments(manifest: &Manifest, standard: &Standard, problems: &mut Problems) -> Vec<String> {
    let known = &standard.environments.names;
    let listed = manifest.project.environments.as_ref().unwrap_or(known);
    for (value, refusal) in rules::environments(listed, standard) {
        problems.add("project.environments", value, refusal);
    }
    known
        .iter()
        .filter(|e| listed.contains(*e))
        .cloned()
        .collect()
}

fn gateway(manifest: &Manifest, claims: &mut Claims, problems: &mut Problems) -> Option<Gateway> {
    if !manifest.gateway.enabled {
        return None;
    }
    let internal = claims.standard.gateway.port;
    let raw = manifest.gateway.port.unwrap_or(i64::from(internal));
    match rules::gateway_port(raw, claims.standard) {
        Ok(port) => {
            claims.claim_port(port, "the gateway");
            Some(Gateway {
                port,
                internal_port: internal,
            })
        }
        Err(r) => {
            problems.add("gateway.port", raw, r);
            None
        }
    }
}

fn infra(manifest: &Manifest, problems: &mut Problems) -> Vec<Infra> {
    let mut out = Vec::new();
    for (name, section) in &manifest.infra {
        let field = format!("infra.{name}");
        if let Err(r) = rules::service_name(name) {
            let message = format!("infrastructure name {}", r.message);
            problems.add(field, format!("{name:?}"), Refusal::new(message, r.fix));
            continue;
        }
        if manifest.services.contains_key(name) {
            problems.add(
                &field,
                format!("{name:?}"),
                Refusal::new("is also the name of a service", "rename one of them"),
            );
        }
        if let Err(r) = rules::infra_url(&section.url, name) {
            problems.add(format!("{field}.url"), format!("{:?}", section.url), r);
        }
        out.push(Infra {
            name: name.clone(),
            url: section.url.clone(),
            key: name.to_shouty_snake_case(),
        });
    }
    out
}

/// One `[services.NAME]` table, resolved; `None` when its name is invalid.
fn service(
    name: &str,
    section: &ServiceSection,
    claims: &mut Claims,
    problems: &mut Problems,
) -> Option<Service> {
    if let Err(r) = rules::service_name(name) {
        let message = format!("service name {}", r.message);
        problems.add(
            format!("services.{name}"),
            format!("{name:?}"),
            Refusal::new(message, r.fix),
        );
        return None;
    }
    let field = |f: &str| format!("services.{name}.{f}");
    let standard = claims.standard;
    let row = standard.service(name);
    let kind = section.kind.or(row.map(|r| r.kind)).unwrap_or(Kind::Http);
    let port = port_of(name, section, claims, problems);
    let (workers, workers_reason) = match (section.workers, row) {
        (Some(raw), _) => (
            problems.check(
                field("workers"),
                raw,
                rules::workers(raw, kind, standard),
                0,
            ),
            "set in berth.toml".to_string(),
        ),
        (None, Some(r)) => (r.workers, r.workers_reason.clone()),
        (None, None) => {
            let d = standard.kind(kind);
            (d.workers, d.workers_reason.clone())
        }
    };
    let raw = section
        .wait_timeout
        .unwrap_or(i64::from(standard.kind(kind).wait_timeout));
    let wait_timeout = problems.check(
        field("wait_timeout"),
        raw,
        rules::wait_timeout(raw, kind, standard),
        0,
    );
    let route = section.route.clone().unwrap_or_else(|| format!("/{name}"));
    match rules::route(&route, name, claims) {
        Ok(()) => claims.claim_route(&route, name),
        Err(r) => problems.add(field("route"), format!("{route:?}"), r),
    }
    let key = name.to_shouty_snake_case();
    let waits = waits_of(name, section, kind, &key, wait_timeout, claims, problems);
    Some(Service {
        name: name.to_string(),
        kind,
        port,
        workers,
        workers_reason,
        depends_on: section.depends_on.clone(),
        service_deps: waits
            .iter()
            .filter(|w| w.is_service)
            .map(|w| w.name.clone())
            .collect(),
        waits,
        wait_timeout,
        route,
        secret_key: format!("{key}_SECRET_KEY"),
        key,
        snake: name.to_snake_case(),
        from_standard: row.is_some(),
    })
}

/// The service's port: berth.toml's, else the standard's table's; claimed in `claims`.
fn port_of(
    name: &str,
    section: &ServiceSection,
    claims: &mut Claims,
    problems: &mut Problems,
) -> u16 {
    let field = format!("services.{name}.port");
    let table = claims.standard.service(name).map(|r| i64::from(r.port));
    let Some(raw) = section.port.or(table) else {
        problems.add(
            field,
            "(missing)",
            Refusal::new(
                "a service outside the standard's table needs a port",
                format!(
                    "add `port = {}` (`berth new` picks the next free one)",
                    claims.next_free_port()
                ),
            ),
        );
        return 0;
    };
    match rules::port(raw, claims) {
        Ok(port) => {
            claims.claim_port(port, name);
            port
        }
        Err(r) => {
            problems.add(field, raw, r);
            0
        }
    }
}

/// The dependencies as wait-for-services sees them, each with its timeout.
fn waits_of(
    name: &str,
    section: &ServiceSection,
    kind: Kind,
    key: &str,
    default_timeout: u32,
    claims: &Claims,
    problems: &mut Problems,
) -> Vec<Wait> {
    let field = format!("services.{name}.depends_on");
    let mut seen = BTreeSet::new();
    let mut known = Vec::new();
    for dep in &section.depends_on {
        match rules::dependency(dep, name, claims) {
            Err(r) => problems.add(&field, format!("{dep:?}"), r),
            Ok(()) if !seen.insert(dep) => problems.add(
                &field,
                format!("{dep:?}"),
                Refusal::new("is listed twice", "list each dependency once"),
            ),
            Ok(()) => known.push(dep),
        }
    }
    let mut overrides: BTreeMap<&str, u32> = BTreeMap::new();
    for (dep, raw) in &section.wait_timeouts {
        let f = format!("services.{name}.wait_timeouts.{dep}");
        if !section.depends_on.contains(dep) {
            problems.add(
                f,
                raw,
                Refusal::new(
                    format!("{dep:?} is not in depends_on"),
                    format!("add {dep:?} to depends_on, or remove this timeout"),
                ),
            );
        } else if let Some(secs) = problems.check(
            f,
            raw,
            rules::wait_timeout(*raw, kind, claims.standard).map(Some),
            None,
        ) {
            overrides.insert(dep, secs);
        }
    }
    known
        .into_iter()
        .map(|dep| {
            let is_service = claims.is_service(dep);
            let dep_key = dep.to_shouty_snake_case();
            let overridden = overrides.get(dep.as_str()).copied();
            Wait {
                name: dep.clone(),
                probe_path: if is_service {
                    claims.standard.healthcheck.path.clone()
                } else {
                    String::new()
                },
                is_service,
                timeout: overridden.unwrap_or(default_timeout),
                timeout_key: match overridden {
                    Some(_) => format!("{key}_WAIT_{dep_key}_TIMEOUT"),
                    None => format!("{key}_WAIT_TIMEOUT"),
                },
                timeout_overridden: overridden.is_some(),
                key: dep_key,
            }
        })
        .collect()
}

/// `[env.NAME]`: a project environment each, with keys berth does not write itself.
fn env_sections(manifest: &Manifest, project: &Project, problems: &mut Problems) {
    let berth_keys = project.berth_keys();
    for (env, vars) in &manifest.env {
        if !project.environments.contains(env) {
            problems.add(
                format!("env.{env}"),
                format!("{env:?}"),
                Refusal::new(
                    "is not one of the project's environments",
                    format!("use one of {}", project.environments.join(", ")),
                ),
            );
        }
        for key in vars.keys() {
            if let Err(r) = rules::env_key(key, &berth_keys) {
                problems.add(format!("env.{env}.{key}"), format!("{key:?}"), r);
            }
        }
    }
}

/// A dependency cycle, as the list of services on it (first repeated at the end), if any.
fn find_cycle(manifest: &Manifest) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        name: &str,
        manifest: &Manifest,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|s| s == name).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(name.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(name.to_string(), Mark::Visiting);
        stack.push(name.to_string());
        if let Some(section) = manifest.services.get(name) {
            for dep in &section.depends_on {
                if dep != name
                    && manifest.services.contains_key(dep)
                    && let Some(c) = visit(dep, manifest, marks, stack)
                {
                    return Some(c);
                }
            }
        }
        stack.pop();
        marks.insert(name.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for name in manifest.services.keys() {
        let mut stack = Vec::new();
        if let Some(c) = visit(name, manifest, &mut marks, &mut stack) {
            return Some(c);
        }
    }
    None
}
