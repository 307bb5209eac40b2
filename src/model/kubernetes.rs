//! What the Kubernetes templates see beyond the rest of the model (`kubernetes` in a template):
//! namespaces, Ingress settings and, per service and for the gateway, replicas per environment,
//! resources, probe counts, who may reach it and which `.env` keys its container reads.
//!
//! Resolved from `[kubernetes]` (and `[services.NAME.kubernetes]`, `[gateway.kubernetes]`) of
//! berth.toml with the standard's `[kubernetes]` data by `resolve/kubernetes.rs`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::standard::Quantities;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Kubernetes {
    /// The namespace of each environment (`demo-prod`).
    pub namespaces: BTreeMap<String, String>,
    pub ingress_class: Option<String>,
    pub host: Option<String>,
    /// The `IMAGE_TAG` the .env files start with.
    pub image_tag: String,
    /// Probe timings in whole seconds (the standard's health check, as Kubernetes wants them).
    pub probe: Probe,
    pub tmp_size_limit: String,
    pub revision_history_limit: u32,
    /// Per service, by name.
    pub services: BTreeMap<String, Workload>,
    pub gateway: Option<Workload>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Probe {
    /// The health check's interval, timeout and retries.
    pub period: u32,
    pub timeout: u32,
    pub failure_threshold: u32,
    /// The startup probe's period; each workload has its own count.
    pub startup_period: u32,
}

/// A Deployment's settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Workload {
    pub replicas: BTreeMap<String, u32>,
    pub requests: Quantities,
    pub limits: Quantities,
    /// Startup probes allowed: the start period plus every wait of the entrypoint, in
    /// `startup_period` steps.
    pub startup_failure_threshold: u32,
    /// Seconds those probes cover.
    pub startup_seconds: u32,
    /// Services whose `depends_on` names this one: the only pods (with the gateway) that may
    /// connect to it.
    pub dependents: Vec<String>,
    /// The `.env` keys its container reads, in the order of its `ConfigMap`.
    pub config_keys: Vec<String>,
    /// Declared infrastructure it waits for (names): egress on each URL's port, per environment.
    pub infra: Vec<String>,
}

impl Kubernetes {
    /// Every `.env` key an overlay reads: the image name parts and each container's keys.
    pub fn env_keys(&self) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = ["IMAGE_PREFIX", "IMAGE_TAG"]
            .iter()
            .map(ToString::to_string)
            .collect();
        for w in self.services.values().chain(&self.gateway) {
            keys.extend(w.config_keys.iter().cloned());
        }
        keys
    }
}
