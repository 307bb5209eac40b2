//! The validated, fully resolved project: what every template sees.
//!
//! `berth.toml` may leave values out (a service from the standard's table needs no port); the
//! resolved model never does. Templates read this model only, so a default lives in exactly one
//! place (`resolve.rs`, from the standard's data) and never in a template.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::manifest::Installer;
use crate::standard::Kind;

pub mod kubernetes;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Project {
    pub name: String,
    pub environments: Vec<String>,
    pub gateway: Option<Gateway>,
    /// Sorted by name: output order never depends on the order of the manifest.
    pub services: Vec<Service>,
    /// Declared infrastructure, sorted by name.
    pub infra: Vec<Infra>,
    /// Extra variables per environment, from `[env.<name>]`.
    pub extra_env: BTreeMap<String, BTreeMap<String, String>>,
    /// `None` unless berth.toml has `[kubernetes] enabled = true`.
    pub kubernetes: Option<kubernetes::Kubernetes>,
    pub build: Build,
}

/// `[build]`, resolved: what the Dockerfiles and Compose files need to know about the build
/// tool and the engines.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Build {
    /// "uv" or "pip".
    pub installer: Installer,
    /// The oldest Docker Engine the project runs on, as written ("20.10" by default).
    pub min_engine: String,
    /// Whether every engine understands Compose's `healthcheck.start_interval` (Engine 25+).
    pub start_interval: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gateway {
    /// Published host port (`GATEWAY_PORT` in the .env files).
    pub port: u16,
    /// Port inside the gateway container.
    pub internal_port: u16,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    pub name: String,
    pub kind: Kind,
    pub port: u16,
    pub workers: u32,
    /// Why this many workers (from the standard), shown in comments and the wizard.
    pub workers_reason: String,
    /// Everything this service waits for, services and infrastructure, in manifest order.
    pub depends_on: Vec<String>,
    /// The same, resolved: what wait-for-services probes for each.
    pub waits: Vec<Wait>,
    /// Only the services among `depends_on` (Compose's `depends_on`).
    pub service_deps: Vec<String>,
    /// Seconds this service waits for each of its dependencies.
    pub wait_timeout: u32,
    /// Gateway route prefix, e.g. `/auth-service`.
    pub route: String,
    /// Prefix of this service's variables: `auth-service` -> `AUTH_SERVICE`.
    pub key: String,
    /// The variable holding this service's secret, `AUTH_SERVICE_SECRET_KEY`: the user's from
    /// the first write, never overwritten or shown by berth.
    pub secret_key: String,
    /// Python-friendly name: `auth-service` -> `auth_service`.
    pub snake: String,
    /// True when the name, port and workers come from the standard's table.
    pub from_standard: bool,
}

/// Infrastructure declared in berth.toml: waited for, never run by Compose.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Infra {
    pub name: String,
    /// Default URL, written to the .env files as `<KEY>_URL` (the user's per environment).
    pub url: String,
    pub key: String,
}

/// One dependency as wait-for-services sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Wait {
    pub name: String,
    /// `AUTH_SERVICE`: the dependency's URL is `${AUTH_SERVICE_URL}` in the .env files.
    pub key: String,
    /// Appended to that URL to probe it: a service's health route, nothing for infrastructure.
    pub probe_path: String,
    pub is_service: bool,
    /// Seconds to wait for it, and the .env variable holding that number: the service's
    /// `<KEY>_WAIT_TIMEOUT`, or `<KEY>_WAIT_<DEP>_TIMEOUT` when berth.toml sets this one apart.
    pub timeout: u32,
    pub timeout_key: String,
    pub timeout_overridden: bool,
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn infra(&self, name: &str) -> Option<&Infra> {
        self.infra.iter().find(|i| i.name == name)
    }

    /// Every variable berth writes into the .env files of this project (a test renders
    /// `.env.example` and checks that it holds exactly these). `[env.*]` may not redefine them.
    pub fn berth_keys(&self) -> std::collections::BTreeSet<String> {
        let mut keys: std::collections::BTreeSet<String> =
            ["IMAGE_PREFIX", "IMAGE_TAG", "LOG_LEVEL"]
                .iter()
                .map(std::string::ToString::to_string)
                .collect();
        if self.gateway.is_some() {
            keys.extend(["GATEWAY_PORT".into(), "GATEWAY_WAIT_TIMEOUT".into()]);
        }
        keys.extend(self.infra.iter().map(|i| format!("{}_URL", i.key)));
        for s in &self.services {
            for suffix in ["PORT", "WORKERS", "URL", "WAIT_TIMEOUT"] {
                keys.insert(format!("{}_{suffix}", s.key));
            }
            keys.insert(s.secret_key.clone());
            keys.extend(s.waits.iter().map(|w| w.timeout_key.clone()));
        }
        keys
    }

    /// The variables of the .env files that hold secrets.
    pub fn secret_keys(&self) -> std::collections::BTreeSet<String> {
        self.services.iter().map(|s| s.secret_key.clone()).collect()
    }
}
