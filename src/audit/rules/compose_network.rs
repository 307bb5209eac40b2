//! BA-C006 (services on an internal network) and BA-C007 (only the entry point publishes
//! ports outside dev), over each Compose project: the files of one folder merged, as
//! `docker compose -f base -f override` merges them.
//!
//! A backend service is one that a service publishing ports outside dev depends on: it is
//! reached through that service (a gateway, a proxy, a front end), so publishing its own port
//! in the base file or a non-dev override opens it needlessly. A service that only
//! non-publishing services depend on (a load generator's target, a test runner's) is not
//! judged: it may be the entry point itself. A port bound to 127.0.0.1 (or `[::1]`) is not
//! opened to the network.

use std::collections::{BTreeMap, BTreeSet};

use super::Sink;

/// One service across the files of a project.
#[derive(Default)]
struct Merged {
    /// (file index, line) of its first definition.
    first: Option<(usize, u32)>,
    networks: BTreeSet<String>,
    network_mode: Option<String>,
    dependants: BTreeSet<String>,
    /// Publishes a port (not on the loopback address) in a non-dev file.
    publishes: bool,
}

pub(super) fn check(sink: &mut Sink) {
    let project = sink.project;
    for files in project.compose_projects().into_values() {
        let docs: Vec<_> = files.iter().map(|&i| (i, &project.composes[i])).collect();
        let Some(&(base_index, base)) = docs.iter().find(|(_, d)| d.env.is_none()) else {
            continue;
        };
        if base.dev || base.parsed.error.is_some() {
            continue;
        }
        let mut services: BTreeMap<&str, Merged> = BTreeMap::new();
        let mut internal: BTreeSet<&str> = BTreeSet::new();
        for &(index, doc) in &docs {
            for net in doc.parsed.networks.iter().filter(|n| n.internal) {
                internal.insert(&net.name);
            }
            for service in &doc.parsed.services {
                let merged = services.entry(&service.name).or_default();
                merged.first.get_or_insert((index, service.line));
                if let Some(nets) = &service.networks {
                    merged.networks.extend(nets.iter().cloned());
                }
                if !doc.dev && service.ports.iter().any(|p| !loopback(&p.text)) {
                    merged.publishes = true;
                }
                if service.network_mode.is_some() {
                    merged.network_mode.clone_from(&service.network_mode);
                }
            }
            for service in &doc.parsed.services {
                for dep in &service.depends_on {
                    services
                        .entry(&dep.name)
                        .or_default()
                        .dependants
                        .insert(service.name.clone());
                }
            }
        }
        services.retain(|_, m| m.first.is_some());
        internal_networks(sink, base_index, &services, &internal);
        published_backends(sink, &docs, &services);
    }
}

fn internal_networks(
    sink: &mut Sink,
    base_index: usize,
    services: &BTreeMap<&str, Merged>,
    internal: &BTreeSet<&str>,
) {
    let project = sink.project;
    let base = &project.composes[base_index];
    if services.is_empty() {
        return;
    }
    if internal.is_empty() {
        let names: Vec<&str> = services.keys().copied().collect();
        sink.push(
            "BA-C006",
            &base.source.display,
            base.dev,
            base.parsed.services_line,
            format!("no internal network: {} talk over a network with a route to the host and the internet", names.join(", ")),
            None,
        );
        return;
    }
    for (name, merged) in services {
        let on_internal = merged.network_mode.is_none() && {
            let nets: Vec<&str> = if merged.networks.is_empty() {
                vec!["default"]
            } else {
                merged.networks.iter().map(String::as_str).collect()
            };
            nets.iter().any(|n| internal.contains(n))
        };
        if on_internal {
            continue;
        }
        let Some((file, line)) = merged.first else {
            continue;
        };
        let doc = &project.composes[file];
        let nets = match &merged.network_mode {
            Some(mode) => format!("network_mode {mode}"),
            None if merged.networks.is_empty() => "the default network".to_string(),
            None => merged
                .networks
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        };
        sink.push(
            "BA-C006",
            &doc.source.display,
            doc.dev,
            line,
            format!("{name} is on {nets}, none of them internal"),
            Some(format!(
                "attach {name} to an internal network: `networks: [{}]`",
                internal.iter().next().unwrap_or(&"backend")
            )),
        );
    }
}

fn published_backends(
    sink: &mut Sink,
    docs: &[(usize, &crate::audit::project::ComposeDoc)],
    services: &BTreeMap<&str, Merged>,
) {
    for &(_, doc) in docs {
        if doc.dev {
            continue;
        }
        for service in &doc.parsed.services {
            let Some(merged) = services.get(service.name.as_str()) else {
                continue;
            };
            let dependants: Vec<&str> = merged
                .dependants
                .iter()
                .filter(|d| services.get(d.as_str()).is_some_and(|m| m.publishes))
                .map(String::as_str)
                .collect();
            if dependants.is_empty() {
                continue;
            }
            // A port bound to the loopback address is reachable from this host only.
            let exposed = service.ports.iter().filter(|p| !loopback(&p.text));
            for port in exposed {
                sink.push(
                    "BA-C007",
                    &doc.source.display,
                    doc.dev,
                    port.line,
                    format!(
                        "{} publishes `{}` outside dev, but it is reached through {}, which depend{} on it",
                        service.name,
                        port.text,
                        dependants.join(", "),
                        if dependants.len() == 1 { "s" } else { "" }
                    ),
                    Some(format!(
                        "move this `ports:` entry to {}, bound to 127.0.0.1, and reach {} through {}",
                        dev_override(&doc.source.display),
                        service.name,
                        dependants.join(", ")
                    )),
                );
            }
        }
    }
}

/// The dev override beside a Compose file: `docker-compose.yml` -> `docker-compose.dev.yml`.
fn dev_override(file: &str) -> String {
    let (dir, name) = file.rsplit_once('/').map_or(("", file), |(d, n)| (d, n));
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yml"));
    let base = ["docker-compose", "compose"]
        .into_iter()
        .find(|p| stem.starts_with(p))
        .unwrap_or(stem);
    let name = format!("{base}.dev.{ext}");
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a short-syntax port binds the host side to the loopback address.
fn loopback(text: &str) -> bool {
    text.starts_with("127.") || text.starts_with("[::1]") || text.starts_with("localhost:")
}
