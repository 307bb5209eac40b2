//! `Claims`: what a project already holds (ports, routes, service and infrastructure names, and
//! who holds each), which the rules on a new value are checked against.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Project;
use crate::standard::Standard;

/// What the project already holds, for the rules that depend on it.
#[derive(Debug, Clone)]
pub struct Claims<'a> {
    pub standard: &'a Standard,
    /// Ports in use, with their owner (a service's name, or "the gateway").
    pub(super) ports: BTreeMap<u16, String>,
    /// Gateway routes in use, with the service owning each.
    pub(super) routes: BTreeMap<String, String>,
    pub(super) services: BTreeSet<String>,
    pub(super) infra: BTreeSet<String>,
}

impl<'a> Claims<'a> {
    /// An empty project.
    pub fn new(standard: &'a Standard) -> Self {
        Self {
            standard,
            ports: BTreeMap::new(),
            routes: BTreeMap::new(),
            services: BTreeSet::new(),
            infra: BTreeSet::new(),
        }
    }

    /// The context of a resolved project (for adding a service to it).
    pub fn of(project: &Project, standard: &'a Standard) -> Self {
        let mut claims = Self::new(standard);
        if let Some(g) = &project.gateway {
            claims.claim_port(g.port, "the gateway");
        }
        for s in &project.services {
            claims.claim_port(s.port, &s.name);
            claims.claim_route(&s.route, &s.name);
            claims.services.insert(s.name.clone());
        }
        claims.infra = project.infra.iter().map(|i| i.name.clone()).collect();
        claims
    }

    /// Declares the names dependencies may refer to (berth.toml's services and infrastructure).
    pub fn declare(
        &mut self,
        services: impl IntoIterator<Item = String>,
        infra: impl IntoIterator<Item = String>,
    ) {
        self.services.extend(services);
        self.infra.extend(infra);
    }

    pub fn claim_port(&mut self, port: u16, owner: &str) {
        self.ports.insert(port, owner.to_string());
    }

    pub fn claim_route(&mut self, route: &str, owner: &str) {
        self.routes.insert(route.to_string(), owner.to_string());
    }

    pub fn is_port_used(&self, port: u16) -> bool {
        self.ports.contains_key(&port)
    }

    /// The first port from the standard's `first_free` that nothing uses.
    pub fn next_free_port(&self) -> u16 {
        let first = self.standard.ports.first_free;
        (first..=self.standard.limits.max_port)
            .find(|p| !self.ports.contains_key(p))
            .unwrap_or(first)
    }

    pub fn is_service(&self, name: &str) -> bool {
        self.services.contains(name)
    }

    pub fn is_infra(&self, name: &str) -> bool {
        self.infra.contains(name)
    }

    /// Every name a dependency may be: services, then infrastructure.
    pub fn dependables(&self) -> Vec<&str> {
        self.services
            .iter()
            .chain(&self.infra)
            .map(String::as_str)
            .collect()
    }
}
