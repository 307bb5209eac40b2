//! The embedded container standard: its data (`templates/standard.toml`) and its version.
//!
//! Everything berth knows about the platform's rules lives in that one TOML file, next to the
//! templates, so that a standards update is a reviewable diff of data and templates and never a
//! change of Rust code. This module only gives the data a type.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

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
        Ok(())
    }
}
