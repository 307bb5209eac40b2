//! `[kubernetes]`, `[services.NAME.kubernetes]` and `[gateway.kubernetes]` of berth.toml, with
//! the standard's `[kubernetes]` data, -> `model::kubernetes::Kubernetes`.
//!
//! Each value is checked with its rule (`rules/kubernetes.rs`) and every omitted one comes from the
//! standard. Replicas of a workload in an environment come from, first to last: the service's
//! own table, its kind's row in the standard (WebSocket services stay at one), the project's
//! `[kubernetes] replicas`, the standard's default. Resources come field by field from the
//! service's table, else its kind's (the gateway's) defaults.

use std::collections::BTreeMap;

use crate::error::Refusal;
use crate::manifest::{KubernetesSection, Manifest, WorkloadSection};
use crate::model::kubernetes::{Kubernetes, Probe, Workload};
use crate::model::{Project, Service};
use crate::rules;
use crate::standard::{KubernetesDefaults, Quantities, Standard, WorkloadDefaults};

use super::Problems;

/// The Kubernetes settings, when berth.toml enables them.
pub(super) fn resolve(
    manifest: &Manifest,
    project: &Project,
    standard: &Standard,
    problems: &mut Problems,
) -> Option<Kubernetes> {
    let section = manifest.kubernetes.as_ref().filter(|k| k.enabled)?;
    let Some(defaults) = &standard.kubernetes else {
        problems.add(
            "kubernetes.enabled",
            true,
            Refusal::new(
                "the standard's data (standard.toml of the template folder) has no [kubernetes] table",
                "add one to the organisation's standard.toml (see berth's templates/standard.toml), or set enabled = false",
            ),
        );
        return None;
    };
    let envs = &project.environments;
    let pattern = section
        .namespace
        .clone()
        .unwrap_or_else(|| format!("{}-{{env}}", project.name));
    let namespaces = match rules::namespace(&pattern, envs) {
        Ok(names) => envs.iter().cloned().zip(names).collect(),
        Err(r) => {
            problems.add("kubernetes.namespace", format!("{pattern:?}"), r);
            BTreeMap::new()
        }
    };
    check_ingress(section, problems);
    let project_replicas = replicas_table(
        "kubernetes.replicas",
        &section.replicas,
        project,
        standard,
        problems,
    );
    let probe = probe(standard, defaults, problems);
    let ctx = Ctx {
        project,
        standard,
        defaults,
        probe: &probe,
        project_replicas: &project_replicas,
    };
    let services = project
        .services
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                service_workload(s, manifest, &ctx, problems),
            )
        })
        .collect();
    let gateway = project
        .gateway
        .as_ref()
        .map(|_| gateway_workload(manifest, &ctx, problems));
    Some(Kubernetes {
        namespaces,
        ingress_class: section.ingress_class.clone(),
        host: section.host.clone(),
        image_tag: defaults.image_tag.clone(),
        probe,
        tmp_size_limit: defaults.tmp_size_limit.clone(),
        revision_history_limit: defaults.revision_history_limit,
        services,
        gateway,
    })
}

/// A service's Deployment settings.
fn service_workload(
    s: &Service,
    manifest: &Manifest,
    ctx: &Ctx,
    problems: &mut Problems,
) -> Workload {
    let own = manifest
        .services
        .get(&s.name)
        .and_then(|m| m.kubernetes.as_ref());
    let mut config_keys = vec![format!("{}_WORKERS", s.key), "LOG_LEVEL".to_string()];
    for w in &s.waits {
        config_keys.extend([format!("{}_URL", w.key), w.timeout_key.clone()]);
    }
    let shape = Shape {
        defaults: &ctx.defaults.kinds[&s.kind],
        waited: s.waits.iter().map(|w| w.timeout).sum(),
        dependents: ctx
            .project
            .services
            .iter()
            .filter(|d| d.service_deps.contains(&s.name))
            .map(|d| d.name.clone())
            .collect(),
        config_keys,
        infra: s
            .waits
            .iter()
            .filter(|w| !w.is_service)
            .map(|w| w.name.clone())
            .collect(),
    };
    let field = format!("services.{}.kubernetes", s.name);
    workload(&field, own, shape, ctx, problems)
}

/// The gateway's Deployment settings: it waits for every service, reads every service's URL.
fn gateway_workload(manifest: &Manifest, ctx: &Ctx, problems: &mut Problems) -> Workload {
    let services = &ctx.project.services;
    let mut config_keys = vec!["LOG_LEVEL".to_string(), "GATEWAY_WAIT_TIMEOUT".to_string()];
    config_keys.extend(services.iter().map(|s| format!("{}_URL", s.key)));
    let shape = Shape {
        defaults: &ctx.defaults.gateway,
        waited: (ctx.standard.gateway.wait_timeout)
            .saturating_mul(u32::try_from(services.len()).unwrap_or(u32::MAX)),
        dependents: Vec::new(),
        config_keys,
        infra: Vec::new(),
    };
    let own = manifest.gateway.kubernetes.as_ref();
    workload("gateway.kubernetes", own, shape, ctx, problems)
}

fn check_ingress(section: &KubernetesSection, problems: &mut Problems) {
    if let Some(class) = &section.ingress_class
        && let Err(r) = rules::ingress_class(class)
    {
        problems.add("kubernetes.ingress_class", format!("{class:?}"), r);
    }
    if let Some(host) = &section.host
        && let Err(r) = rules::ingress_host(host)
    {
        problems.add("kubernetes.host", format!("{host:?}"), r);
    }
}

/// What the project and the standard give every workload.
struct Ctx<'a> {
    project: &'a Project,
    standard: &'a Standard,
    defaults: &'a KubernetesDefaults,
    probe: &'a Probe,
    project_replicas: &'a BTreeMap<String, u32>,
}

/// What differs between workloads before berth.toml's own table.
struct Shape<'a> {
    defaults: &'a WorkloadDefaults,
    /// Seconds the entrypoint may wait for dependencies before the app listens.
    waited: u32,
    dependents: Vec<String>,
    config_keys: Vec<String>,
    infra: Vec<String>,
}

fn workload(
    field: &str,
    own: Option<&WorkloadSection>,
    shape: Shape,
    ctx: &Ctx,
    problems: &mut Problems,
) -> Workload {
    let empty = WorkloadSection::default();
    let own = own.unwrap_or(&empty);
    let own_replicas = replicas_table(
        &format!("{field}.replicas"),
        &own.replicas,
        ctx.project,
        ctx.standard,
        problems,
    );
    let replicas = ctx
        .project
        .environments
        .iter()
        .map(|env| {
            let n = own_replicas
                .get(env)
                .or(shape.defaults.replicas.as_ref().and_then(|r| r.get(env)))
                .or(ctx.project_replicas.get(env))
                .or(ctx.defaults.replicas.get(env))
                .copied()
                .unwrap_or(1);
            (env.clone(), n)
        })
        .collect();
    let (requests, limits) = resources(field, own, shape.defaults, problems);
    let startup_seconds = start_period(ctx.standard, problems) + shape.waited;
    let mut config_keys: Vec<String> = Vec::new();
    for key in shape.config_keys {
        if !config_keys.contains(&key) {
            config_keys.push(key);
        }
    }
    Workload {
        replicas,
        requests,
        limits,
        startup_failure_threshold: startup_seconds.div_ceil(ctx.probe.startup_period.max(1)),
        startup_seconds,
        dependents: shape.dependents,
        config_keys,
        infra: shape.infra,
    }
}

/// A `replicas = { env = n }` table: each environment the project's, each count valid.
fn replicas_table(
    field: &str,
    table: &BTreeMap<String, i64>,
    project: &Project,
    standard: &Standard,
    problems: &mut Problems,
) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for (env, raw) in table {
        let f = format!("{field}.{env}");
        if !project.environments.contains(env) {
            problems.add(
                f,
                raw,
                Refusal::new(
                    format!("{env:?} is not one of the project's environments"),
                    format!("use some of {}", project.environments.join(", ")),
                ),
            );
            continue;
        }
        if let Some(n) = problems.check(f, raw, rules::replicas(*raw, standard).map(Some), None) {
            out.insert(env.clone(), n);
        }
    }
    out
}

/// Requests and limits: berth.toml's values where given (each checked), the defaults elsewhere;
/// each request at most its limit (compared only when both are valid).
fn resources(
    field: &str,
    own: &WorkloadSection,
    defaults: &WorkloadDefaults,
    problems: &mut Problems,
) -> (Quantities, Quantities) {
    let mut refused = false;
    let mut one = |which: &str, what: &str, value: &Option<String>, default: &String| {
        let Some(v) = value else {
            return default.clone();
        };
        let f = format!("{field}.resources.{which}.{what}");
        match rules::quantity(v, what == "memory") {
            Ok(_) => v.clone(),
            Err(r) => {
                problems.add(f, format!("{v:?}"), r);
                refused = true;
                default.clone()
            }
        }
    };
    let (r, l) = (&own.resources.requests, &own.resources.limits);
    let requests = Quantities {
        cpu: one("requests", "cpu", &r.cpu, &defaults.requests.cpu),
        memory: one("requests", "memory", &r.memory, &defaults.requests.memory),
    };
    let limits = Quantities {
        cpu: one("limits", "cpu", &l.cpu, &defaults.limits.cpu),
        memory: one("limits", "memory", &l.memory, &defaults.limits.memory),
    };
    if refused {
        return (requests, limits);
    }
    for (what, r, l) in [
        ("cpu", &requests.cpu, &limits.cpu),
        ("memory", &requests.memory, &limits.memory),
    ] {
        let memory = what == "memory";
        if let (Ok(rq), Ok(lq)) = (rules::quantity(r, memory), rules::quantity(l, memory))
            && let Err(refusal) = rules::request_within_limit(&rq, &lq)
        {
            let f = format!("{field}.resources.requests.{what}");
            problems.add(f, format!("{r:?}"), refusal);
        }
    }
    (requests, limits)
}

/// The standard's health-check timings in whole seconds.
fn probe(standard: &Standard, defaults: &KubernetesDefaults, problems: &mut Problems) -> Probe {
    let h = &standard.healthcheck;
    let mut secs = |field: &str, value: &str| {
        seconds(value).unwrap_or_else(|| {
            problems.add(
                format!("healthcheck.{field} (the standard's data)"),
                format!("{value:?}"),
                Refusal::new("is not whole seconds like \"30s\"", "correct standard.toml"),
            );
            1
        })
    };
    Probe {
        period: secs("interval", &h.interval),
        timeout: secs("timeout", &h.timeout),
        failure_threshold: h.retries,
        startup_period: defaults.startup_period,
    }
}

fn start_period(standard: &Standard, problems: &mut Problems) -> u32 {
    let value = &standard.healthcheck.start_period;
    seconds(value).unwrap_or_else(|| {
        problems.add(
            "healthcheck.start_period (the standard's data)",
            format!("{value:?}"),
            Refusal::new("is not whole seconds like \"20s\"", "correct standard.toml"),
        );
        0
    })
}

/// `"30s"` -> 30.
fn seconds(value: &str) -> Option<u32> {
    value.strip_suffix('s')?.parse().ok()
}
