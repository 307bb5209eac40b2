//! Validation of `berth.toml` and resolution of its omitted values into the `model`.
//!
//! All rules live here, each as a small function the wizard can also call while the user types
//! (one rule, one message, whether it comes from a flag, a prompt or a hand edit). `resolve`
//! collects every problem instead of stopping at the first, so one run shows all that is wrong.
//! The bounds come from the standard's `[limits]`.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToSnakeCase};

use crate::error::{Error, Problem, Result};
use crate::manifest::{Kind, Manifest};
use crate::model::{Gateway, Infra, Project, Service, Wait};
use crate::standard::Standard;

/// Names that cannot be services: they name berth's own parts.
const RESERVED_NAMES: [&str; 3] = ["gateway", "scripts", "services"];

/// Checks a service name: lowercase kebab-case, 2-40 characters, no path parts.
pub fn service_name(name: &str) -> std::result::Result<(), String> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let len = name.chars().count();
    if !(2..=40).contains(&len) {
        return Err(format!("must be 2 to 40 characters long (it has {len})"));
    }
    if !valid_chars
        || !name.starts_with(|c: char| c.is_ascii_lowercase())
        || name.ends_with('-')
        || name.contains("--")
    {
        return Err(
            "must be lowercase kebab-case: a-z, 0-9 and single '-' between words, starting with a letter"
                .to_string(),
        );
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(format!("{name:?} is reserved by berth"));
    }
    Ok(())
}

/// Fix text for a bad service name: a kebab-case suggestion when one can be made.
pub fn service_name_fix(name: &str) -> String {
    let suggestion = heck::ToKebabCase::to_kebab_case(name)
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(40)
        .collect::<String>();
    let suggestion = suggestion.trim_matches('-').to_string();
    if service_name(&suggestion).is_ok() {
        format!("use a name like {suggestion:?}")
    } else {
        "use a name like \"billing-service\"".to_string()
    }
}

pub fn port(standard: &Standard, port: i64) -> std::result::Result<u16, String> {
    let l = &standard.limits;
    if port < i64::from(l.min_port) || port > i64::from(l.max_port) {
        return Err(format!(
            "must be between {} and {} (ports below {} need root)",
            l.min_port, l.max_port, l.min_port
        ));
    }
    Ok(port as u16)
}

pub fn workers(standard: &Standard, workers: i64) -> std::result::Result<u32, String> {
    let l = &standard.limits;
    if workers < i64::from(l.min_workers) || workers > i64::from(l.max_workers) {
        return Err(format!(
            "must be between {} and {}",
            l.min_workers, l.max_workers
        ));
    }
    Ok(workers as u32)
}

pub fn wait_timeout(standard: &Standard, secs: i64) -> std::result::Result<u32, String> {
    let l = &standard.limits;
    if secs < i64::from(l.min_wait_timeout) || secs > i64::from(l.max_wait_timeout) {
        return Err(format!(
            "must be between {} and {} seconds",
            l.min_wait_timeout, l.max_wait_timeout
        ));
    }
    Ok(secs as u32)
}

pub fn route(route: &str) -> std::result::Result<(), String> {
    let ok = route.starts_with('/')
        && route.len() > 1
        && route.len() <= 100
        && !route.ends_with('/')
        && !route.contains("//")
        && route[1..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_/".contains(c));
    if !ok {
        return Err(
            "must start with '/', not end with '/', and use only a-z, 0-9, '-', '_' and '/'"
                .to_string(),
        );
    }
    if route == "/healthz" {
        return Err("/healthz is the gateway's own health route".to_string());
    }
    Ok(())
}

/// What to do about a bad project name.
pub const PROJECT_NAME_FIX: &str = "use a name like \"shop\"";

/// Checks a project name: it names the images and the Compose project.
pub fn project_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err("must be 1-63 characters of a-z, 0-9 and '-', starting with a letter (it names images and the Compose project)".to_string())
    }
}

/// Checks a list of environments against the standard's; each problem as (value, message, fix).
pub fn environments(list: &[String], known: &[String]) -> Vec<(String, String, String)> {
    let mut problems = Vec::new();
    if list.is_empty() {
        problems.push((
            "[]".to_string(),
            "must name at least one environment".to_string(),
            format!("use some of {}", known.join(", ")),
        ));
    }
    let mut seen = BTreeSet::new();
    for env in list {
        if !known.contains(env) {
            problems.push((
                format!("{env:?}"),
                "is not an environment the standard knows".to_string(),
                format!("use some of {}", known.join(", ")),
            ));
        } else if !seen.insert(env) {
            problems.push((
                format!("{env:?}"),
                "is listed twice".to_string(),
                "list each environment once".to_string(),
            ));
        }
    }
    problems
}

fn env_key(key: &str) -> std::result::Result<(), String> {
    let ok = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err("must be UPPER_SNAKE_CASE: A-Z, 0-9 and '_', starting with a letter".to_string())
    }
}

/// Checks an infrastructure URL: `tcp://host:port` or `http(s)://host[:port][/path]`.
pub fn infra_url(url: &str) -> std::result::Result<(), String> {
    let bad = || {
        Err("must be tcp://host:port or http(s)://host[:port]/path (host: letters, digits, '.', '-')"
            .to_string())
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '\'' && c != '"');
    match scheme {
        "tcp" if host_ok && port.is_some() && port_ok && path.is_empty() => Ok(()),
        "http" | "https" if host_ok && port_ok && path_ok => Ok(()),
        _ => bad(),
    }
}

/// The first port from the standard's `first_free` that no service and no gateway uses.
pub fn next_free_port(standard: &Standard, used: &BTreeSet<u16>) -> u16 {
    (standard.ports.first_free..=standard.limits.max_port)
        .find(|p| !used.contains(p))
        .unwrap_or(standard.ports.first_free)
}

/// Validates the manifest and resolves every omitted value. `source_name` names the manifest
/// (or "the command line") in the error.
pub fn resolve(manifest: &Manifest, standard: &Standard, source_name: &str) -> Result<Project> {
    let mut problems = Vec::new();
    let mut bad = |field: String, value: &dyn std::fmt::Display, msg: String, fix: String| {
        problems.push(Problem::new(field, value, msg, fix));
    };

    if let Err(msg) = project_name(&manifest.project.name) {
        bad(
            "project.name".into(),
            &format!("{:?}", manifest.project.name),
            msg,
            PROJECT_NAME_FIX.into(),
        );
    }

    let known_envs = &standard.environments.names;
    let environments = manifest
        .project
        .environments
        .clone()
        .unwrap_or_else(|| known_envs.clone());
    for (value, msg, fix) in self::environments(&environments, known_envs) {
        bad("project.environments".into(), &value, msg, fix);
    }
    // Keep the standard's order (dev, staging, prod) whatever the manifest's order.
    let environments: Vec<String> = known_envs
        .iter()
        .filter(|e| environments.contains(*e))
        .cloned()
        .collect();

    // Ports in use, with who uses them, to report clashes by name.
    let mut port_owner: BTreeMap<u16, String> = BTreeMap::new();
    let gateway = if manifest.gateway.enabled {
        let raw = manifest
            .gateway
            .port
            .unwrap_or(i64::from(standard.gateway.port));
        match port(standard, raw) {
            Ok(p) => {
                port_owner.insert(p, "gateway".into());
                Some(Gateway {
                    port: p,
                    internal_port: standard.gateway.port,
                })
            }
            Err(msg) => {
                bad(
                    "gateway.port".into(),
                    &raw,
                    msg,
                    format!("use e.g. {}", standard.gateway.port),
                );
                None
            }
        }
    } else {
        None
    };

    let mut infra = Vec::new();
    for (name, section) in &manifest.infra {
        if let Err(msg) = service_name(name) {
            bad(
                format!("infra.{name}"),
                &format!("{name:?}"),
                format!("infrastructure name {msg}"),
                service_name_fix(name),
            );
            continue;
        }
        if manifest.services.contains_key(name) {
            bad(
                format!("infra.{name}"),
                &format!("{name:?}"),
                "is also the name of a service".into(),
                "rename one of them".into(),
            );
        }
        if let Err(msg) = infra_url(&section.url) {
            bad(
                format!("infra.{name}.url"),
                &format!("{:?}", section.url),
                msg,
                format!("use e.g. \"tcp://{name}:5432\""),
            );
        }
        infra.push(Infra {
            name: name.clone(),
            url: section.url.clone(),
            key: name.to_shouty_snake_case(),
        });
    }

    let mut services = Vec::new();
    let mut routes: BTreeMap<String, String> = BTreeMap::new();
    for (name, section) in &manifest.services {
        let field = |f: &str| format!("services.{name}.{f}");
        if let Err(msg) = service_name(name) {
            bad(
                format!("services.{name}"),
                &format!("{name:?}"),
                format!("service name {msg}"),
                service_name_fix(name),
            );
            continue;
        }
        let row = standard.service(name);
        let kind = section.kind.or(row.map(|r| r.kind)).unwrap_or(Kind::Http);
        let defaults = standard.kind(kind);

        let port_value = section.port.or(row.map(|r| i64::from(r.port)));
        let port = match port_value {
            None => {
                bad(
                    field("port"),
                    &"(missing)",
                    "a service outside the standard's table needs a port".into(),
                    "add `port = N` (berth new picks the next free one from 8005)".into(),
                );
                0
            }
            Some(raw) => {
                let free = |owners: &BTreeMap<u16, String>| {
                    format!(
                        "use a free port, e.g. {}",
                        next_free_port(standard, &owners.keys().copied().collect())
                    )
                };
                match port(standard, raw) {
                    Ok(p) if port_owner.contains_key(&p) => {
                        let msg = format!("is already used by {}", port_owner[&p]);
                        bad(field("port"), &raw, msg, free(&port_owner));
                        p
                    }
                    Ok(p) => {
                        port_owner.insert(p, name.clone());
                        p
                    }
                    Err(msg) => {
                        bad(field("port"), &raw, msg, free(&port_owner));
                        0
                    }
                }
            }
        };

        let (workers, workers_reason) = match (section.workers, row) {
            (Some(raw), _) => match workers(standard, raw) {
                Ok(w) => (w, "set in berth.toml".to_string()),
                Err(msg) => {
                    bad(
                        field("workers"),
                        &raw,
                        msg,
                        format!(
                            "use {} (the standard's default for {kind} services)",
                            defaults.workers
                        ),
                    );
                    (0, String::new())
                }
            },
            (None, Some(r)) => (r.workers, r.workers_reason.clone()),
            (None, None) => (defaults.workers, defaults.workers_reason.clone()),
        };

        let wait = section
            .wait_timeout
            .unwrap_or(i64::from(defaults.wait_timeout));
        let wait_timeout = wait_timeout(standard, wait).unwrap_or_else(|msg| {
            bad(
                field("wait_timeout"),
                &wait,
                msg,
                format!("use {} (the standard's default)", defaults.wait_timeout),
            );
            0
        });

        let route_value = section.route.clone().unwrap_or_else(|| format!("/{name}"));
        if let Err(msg) = route(&route_value) {
            bad(
                field("route"),
                &format!("{route_value:?}"),
                msg,
                format!("use \"/{name}\""),
            );
        } else if let Some(other) = routes.insert(route_value.clone(), name.clone()) {
            bad(
                field("route"),
                &format!("{route_value:?}"),
                format!("is already the route of {other}"),
                format!("use \"/{name}\""),
            );
        }

        let mut seen_dep = BTreeSet::new();
        for dep in &section.depends_on {
            if dep == name {
                bad(
                    field("depends_on"),
                    &format!("{dep:?}"),
                    "a service cannot depend on itself".into(),
                    "remove it from depends_on".into(),
                );
            } else if !manifest.services.contains_key(dep) && !manifest.infra.contains_key(dep) {
                let known: Vec<&str> = manifest
                    .services
                    .keys()
                    .chain(manifest.infra.keys())
                    .map(String::as_str)
                    .collect();
                bad(
                    field("depends_on"),
                    &format!("{dep:?}"),
                    "is not a service or declared infrastructure in berth.toml".into(),
                    if known.is_empty() {
                        "add that service first (berth new NAME)".to_string()
                    } else {
                        format!("use one of {}", known.join(", "))
                    },
                );
            } else if !seen_dep.insert(dep.clone()) {
                bad(
                    field("depends_on"),
                    &format!("{dep:?}"),
                    "is listed twice".into(),
                    "list each dependency once".into(),
                );
            }
        }

        let mut overrides: BTreeMap<&str, u32> = BTreeMap::new();
        for (dep, raw) in &section.wait_timeouts {
            let f = format!("services.{name}.wait_timeouts.{dep}");
            if !section.depends_on.contains(dep) {
                bad(
                    f,
                    &raw,
                    format!("{dep:?} is not in depends_on"),
                    format!("add {dep:?} to depends_on, or remove this timeout"),
                );
                continue;
            }
            match self::wait_timeout(standard, *raw) {
                Ok(secs) => {
                    overrides.insert(dep, secs);
                }
                Err(msg) => bad(
                    f,
                    &raw,
                    msg,
                    format!("use {} (the standard's default)", defaults.wait_timeout),
                ),
            }
        }
        let key = name.to_shouty_snake_case();
        let waits: Vec<Wait> = section
            .depends_on
            .iter()
            .filter(|d| manifest.services.contains_key(*d) || manifest.infra.contains_key(*d))
            .map(|d| {
                let is_service = manifest.services.contains_key(d);
                let dep_key = d.to_shouty_snake_case();
                let overridden = overrides.get(d.as_str()).copied();
                Wait {
                    name: d.clone(),
                    probe_path: if is_service {
                        standard.healthcheck.path.clone()
                    } else {
                        String::new()
                    },
                    is_service,
                    timeout: overridden.unwrap_or(wait_timeout),
                    timeout_key: match overridden {
                        Some(_) => format!("{key}_WAIT_{dep_key}_TIMEOUT"),
                        None => format!("{key}_WAIT_TIMEOUT"),
                    },
                    timeout_overridden: overridden.is_some(),
                    key: dep_key,
                }
            })
            .collect();
        services.push(Service {
            name: name.clone(),
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
            route: route_value,
            secret_key: format!("{key}_SECRET_KEY"),
            key,
            snake: name.to_snake_case(),
            from_standard: row.is_some(),
        });
    }

    if let Some(cycle) = find_cycle(manifest) {
        bad(
            format!("services.{}.depends_on", cycle[0]),
            &cycle.join(" -> "),
            "dependencies form a cycle, so no service could ever start".into(),
            "remove one dependency of the cycle".into(),
        );
    }

    for (env, vars) in &manifest.env {
        if !environments.contains(env) {
            bad(
                format!("env.{env}"),
                &format!("{env:?}"),
                "is not one of the project's environments".into(),
                format!("use one of {}", environments.join(", ")),
            );
        }
        for key in vars.keys() {
            if let Err(msg) = env_key(key) {
                bad(
                    format!("env.{env}.{key}"),
                    &format!("{key:?}"),
                    msg,
                    "rename the variable".into(),
                );
            } else if is_berth_key(key, &services, &infra) {
                bad(
                    format!("env.{env}.{key}"),
                    &format!("{key:?}"),
                    "is a variable berth already writes".into(),
                    "change the service in berth.toml instead, or pick another name".into(),
                );
            }
        }
    }

    if !problems.is_empty() {
        return Err(Error::invalid(source_name, problems));
    }
    Ok(Project {
        name: manifest.project.name.clone(),
        environments,
        gateway,
        services,
        infra,
        extra_env: manifest.env.clone(),
    })
}

/// True for the variables berth itself writes into the .env files.
fn is_berth_key(key: &str, services: &[Service], infra: &[Infra]) -> bool {
    const GLOBAL: [&str; 5] = [
        "IMAGE_PREFIX",
        "IMAGE_TAG",
        "LOG_LEVEL",
        "GATEWAY_PORT",
        "GATEWAY_WAIT_TIMEOUT",
    ];
    GLOBAL.contains(&key)
        || infra.iter().any(|i| key == format!("{}_URL", i.key))
        || services.iter().any(|s| {
            key.strip_prefix(&s.key)
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|suffix| {
                    ["PORT", "WORKERS", "URL", "WAIT_TIMEOUT", "SECRET_KEY"].contains(&suffix)
                        || (suffix.starts_with("WAIT_") && suffix.ends_with("_TIMEOUT"))
                })
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        for ok in ["ab", "auth-service", "a1-b2", &"a".repeat(40)] {
            assert_eq!(service_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a",
            "Auth",
            "auth_service",
            "-auth",
            "auth-",
            "a--b",
            "../x",
            "a/b",
            "1abc",
            "gateway",
            &"a".repeat(41),
        ] {
            assert!(service_name(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn name_fix_suggests_kebab_case() {
        assert_eq!(
            service_name_fix("AuthService"),
            "use a name like \"auth-service\""
        );
        assert_eq!(
            service_name_fix("Billing_API"),
            "use a name like \"billing-api\""
        );
    }

    #[test]
    fn infra_urls() {
        for ok in [
            "tcp://db:5432",
            "tcp://10.0.0.5:6379",
            "http://search:9200/_cluster/health",
            "https://vault.example.com",
        ] {
            assert_eq!(infra_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "db:5432",
            "tcp://db",
            "tcp://db:0",
            "tcp://db:99999",
            "ftp://x:1",
            "tcp://d b:1",
            "http://x/'q'",
            "tcp://db:5432/x",
        ] {
            assert!(infra_url(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn routes() {
        assert!(route("/auth").is_ok());
        assert!(route("/v1/auth-service").is_ok());
        for bad in ["auth", "/", "/auth/", "/a b", "/a;b", "/healthz", "//x"] {
            assert!(route(bad).is_err(), "{bad} should be rejected");
        }
    }
}
