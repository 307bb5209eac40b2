//! The embedded container standard: its data (`templates/standard.toml`) and its version.
//!
//! Everything berth knows about the platform's rules lives in that one TOML file, next to the
//! templates, so that a standards update is a reviewable diff of data and templates and never a
//! change of Rust code. This module only gives the data a type.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::quantity;

/// The kinds of service the standard knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// HTTP API
    Http,
    /// WebSocket service
    Websocket,
    /// background / AI worker
    Worker,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Http, Kind::Websocket, Kind::Worker];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Websocket => "websocket",
            Kind::Worker => "worker",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole standard, as `templates/standard.toml` describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub version: String,
    pub title: String,
    pub images: Images,
    pub runtime: Runtime,
    pub healthcheck: Healthcheck,
    pub ports: Ports,
    pub gateway: GatewayDefaults,
    pub limits: Limits,
    pub kinds: BTreeMap<Kind, KindDefaults>,
    pub services: Vec<StandardService>,
    pub environments: Environments,
    pub dockerignore: DockerIgnore,
    pub requirements: Requirements,
    /// The Kubernetes rendering's defaults; a standard without them cannot render Kubernetes
    /// (an organisation's older `standard.toml` still renders everything else).
    #[serde(default)]
    pub kubernetes: Option<KubernetesDefaults>,
    /// How images are built; an organisation's older `standard.toml` without `[build]` gets
    /// berth's own defaults.
    #[serde(default)]
    pub build: BuildDefaults,
}

/// `[build]` of the standard: the pinned tools of the builder stage.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BuildDefaults {
    /// The uv version the builder stage installs from the package index (`[build] installer =
    /// "uv"` in berth.toml, the default).
    pub uv: String,
}

/// The uv pin used when an organisation's standard has no `[build]` (the same as berth's own
/// standard.toml, which a test holds to).
pub const DEFAULT_UV: &str = "0.13.9";

impl Default for BuildDefaults {
    fn default() -> Self {
        Self {
            uv: DEFAULT_UV.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesDefaults {
    /// Seconds between two startup probes; their count covers the start period and the waits.
    pub startup_period: u32,
    /// Size limit of the emptyDir on /tmp.
    pub tmp_size_limit: String,
    /// The `IMAGE_TAG` the .env files start with (Kubernetes refuses `latest`).
    pub image_tag: String,
    /// Old `ReplicaSets` kept for `kubectl rollout undo`.
    pub revision_history_limit: u32,
    /// Replicas per environment, unless the kind, the project or the service sets them.
    pub replicas: BTreeMap<String, u32>,
    pub max_replicas: u32,
    pub kinds: BTreeMap<Kind, WorkloadDefaults>,
    pub gateway: WorkloadDefaults,
}

/// Resources (and, for a kind that must differ, replicas) of one kind of workload.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadDefaults {
    pub requests: Quantities,
    pub limits: Quantities,
    /// Replicas per environment for this kind, overriding the project's (`[kubernetes]
    /// replicas` in berth.toml); a service's own setting still wins.
    #[serde(default)]
    pub replicas: Option<BTreeMap<String, u32>>,
    #[serde(default)]
    pub replicas_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Quantities {
    pub cpu: String,
    pub memory: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    pub python: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    pub interval: String,
    pub timeout: String,
    pub start_period: String,
    pub retries: u32,
    pub path: String,
    /// The probe interval during the start period on engines that support it (Compose
    /// `start_interval`, Engine 25+; berth.toml `[build] min_engine`).
    #[serde(default = "default_fast_interval")]
    pub start_interval: String,
    /// The probe interval of the dev override: a dev stack turns healthy tier by tier within
    /// seconds on every engine, where the standard's interval would make each tier wait for it.
    #[serde(default = "default_fast_interval")]
    pub dev_interval: String,
}

/// `start_interval` and `dev_interval` when an organisation's standard does not set them.
fn default_fast_interval() -> String {
    "2s".to_string()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ports {
    pub first_free: u16,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayDefaults {
    pub port: u16,
    pub health_path: String,
    pub wait_timeout: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub min_port: u16,
    pub max_port: u16,
    pub min_workers: u32,
    pub max_workers: u32,
    pub min_wait_timeout: u32,
    pub max_wait_timeout: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindDefaults {
    pub summary: String,
    pub workers: u32,
    pub workers_reason: String,
    pub wait_timeout: u32,
}

/// A row of the standard's service table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StandardService {
    pub name: String,
    pub kind: Kind,
    pub port: u16,
    pub workers: u32,
    pub workers_reason: String,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    pub names: Vec<String>,
    pub log_level: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DockerIgnore {
    pub required: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    pub common: Vec<String>,
    pub websocket: Vec<String>,
}

impl Standard {
    /// Parses the standard data from the text of a `standard.toml`.
    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| Error::StandardInvalid {
            path: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// The standard's row for a service name, if the standard's table has one.
    pub fn service(&self, name: &str) -> Option<&StandardService> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn kind(&self, kind: Kind) -> &KindDefaults {
        // Every kind is required by `validate_self`, so indexing cannot fail after `load`.
        &self.kinds[&kind]
    }

    /// Checks the invariants the rest of berth relies on (a template folder can replace this
    /// file, so they are checked, not assumed).
    pub fn validate_self(&self, origin: &str) -> Result<(), Error> {
        let fail = |message: String| {
            Err(Error::StandardInvalid {
                path: origin.to_string(),
                message,
            })
        };
        for kind in Kind::ALL {
            if !self.kinds.contains_key(&kind) {
                return fail(format!("missing [kinds.{}]", kind.as_str()));
            }
        }
        for env in &self.environments.names {
            if !self.environments.log_level.contains_key(env) {
                return fail(format!("environments.log_level has no entry for {env:?}"));
            }
        }
        match &self.kubernetes {
            Some(k) => k.validate_self(&self.environments.names).or_else(fail),
            None => Ok(()),
        }
    }
}

impl KubernetesDefaults {
    /// Every kind and environment has its values, and every quantity parses with each request
    /// at most its limit.
    fn validate_self(&self, environments: &[String]) -> Result<(), String> {
        for kind in Kind::ALL {
            if !self.kinds.contains_key(&kind) {
                return Err(format!("missing [kubernetes.kinds.{kind}]"));
            }
        }
        let tables = std::iter::once(("kubernetes.replicas".to_string(), Some(&self.replicas)))
            .chain(self.kinds.iter().map(|(k, d)| {
                (
                    format!("kubernetes.kinds.{k}.replicas"),
                    d.replicas.as_ref(),
                )
            }))
            .chain([(
                "kubernetes.gateway.replicas".into(),
                self.gateway.replicas.as_ref(),
            )]);
        for (name, table) in tables {
            let Some(table) = table else { continue };
            for env in environments {
                match table.get(env) {
                    Some(n) if (1..=self.max_replicas).contains(n) => {}
                    Some(n) => return Err(format!("{name}.{env} = {n} is not 1 to max_replicas")),
                    None => return Err(format!("{name} has no entry for {env:?}")),
                }
            }
        }
        let workloads = self
            .kinds
            .iter()
            .map(|(k, d)| (format!("kubernetes.kinds.{k}"), d))
            .chain([("kubernetes.gateway".to_string(), &self.gateway)]);
        for (name, d) in workloads {
            for (what, request, limit) in [
                ("cpu", &d.requests.cpu, &d.limits.cpu),
                ("memory", &d.requests.memory, &d.limits.memory),
            ] {
                let (Some(r), Some(l)) = (quantity::parse(request), quantity::parse(limit)) else {
                    return Err(format!(
                        "{name}: {what} {request:?} or {limit:?} is not a quantity"
                    ));
                };
                if r.value > l.value {
                    return Err(format!(
                        "{name}: the {what} request {request} exceeds its limit {limit}"
                    ));
                }
            }
        }
        if quantity::parse(&self.tmp_size_limit).is_none() {
            return Err(format!(
                "kubernetes.tmp_size_limit {:?} is not a quantity",
                self.tmp_size_limit
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMBEDDED: &str = include_str!("../templates/standard.toml");

    #[test]
    fn the_code_defaults_are_the_embedded_standard_s_values() {
        let standard = Standard::parse(EMBEDDED, "standard.toml").unwrap();
        assert_eq!(standard.build.uv, DEFAULT_UV);
        assert_eq!(standard.healthcheck.start_interval, default_fast_interval());
        assert_eq!(standard.healthcheck.dev_interval, default_fast_interval());
    }

    #[test]
    fn an_older_standard_without_build_or_fast_intervals_still_loads() {
        let older: String = EMBEDDED
            .lines()
            .filter(|l| !l.starts_with("start_interval") && !l.starts_with("dev_interval"))
            .take_while(|l| *l != "[build]")
            .chain(EMBEDDED.lines().skip_while(|l| *l != "[ports]"))
            .flat_map(|l| [l, "\n"])
            .collect();
        assert!(
            !older
                .lines()
                .any(|l| l == "[build]" || l.starts_with("dev_interval")),
            "{older}"
        );
        let standard = Standard::parse(&older, "org/standard.toml").unwrap();
        assert_eq!(standard.build.uv, DEFAULT_UV);
        assert_eq!(standard.healthcheck.dev_interval, "2s");
    }
}
