//! The audit rules: their catalogue (`catalog.rs`) and the checks, one file per family.
//!
//! Each check reads the parsed project and pushes findings through a `Sink`, which knows the
//! rule catalogue (severity) and whether the file is for development only (rules about
//! production images and published ports do not apply there). Every number a check compares
//! against (health-check timings, required ignore entries, the service table, the runtime
//! uid) comes from the standard's data, never from a literal here.

mod compose_deps;
mod compose_env;
mod compose_health;
mod compose_network;
mod dockerfile_build;
mod dockerfile_stages;
mod dockerfile_user;
mod dockerignore;
mod healthcheck;
mod parse;
mod service_table;

use super::catalog::{find, render};
use super::findings::Finding;
use super::project::Project;
use super::redact::redact_owned;
use crate::standard::Standard;

/// Collects findings for one project.
pub(crate) struct Sink<'p> {
    pub project: &'p Project,
    pub standard: &'p Standard,
    pub findings: Vec<Finding>,
}

impl Sink<'_> {
    /// Records a finding of `rule` at `file:line` unless the rule does not apply to a
    /// development file. `fix` of `None` takes the rule's own fix.
    pub(crate) fn push(
        &mut self,
        rule: &'static str,
        file: &str,
        dev: bool,
        line: u32,
        message: String,
        fix: Option<String>,
    ) {
        let Some(info) = find(rule) else {
            debug_assert!(false, "unknown rule {rule}");
            return;
        };
        if dev && !info.dev {
            return;
        }
        let fix = fix.unwrap_or_else(|| render(info.fix, self.standard));
        // Every finding is made here: no output format can repeat a secret it quotes.
        self.findings.push(Finding {
            file: file.to_string(),
            line: line.max(1),
            rule: info.id,
            severity: info.severity,
            message: redact_owned(message),
            fix: redact_owned(fix),
        });
    }
}

/// Runs every check over the project.
pub(crate) fn check(project: &Project, standard: &Standard) -> Vec<Finding> {
    let mut sink = Sink {
        project,
        standard,
        findings: Vec::new(),
    };
    parse::check(&mut sink);
    for doc in &project.dockerfiles {
        if !doc.parsed.errors.is_empty() {
            continue;
        }
        dockerfile_stages::check(&mut sink, doc);
        dockerfile_build::check(&mut sink, doc);
        dockerfile_user::check(&mut sink, doc);
        healthcheck::check_dockerfile(&mut sink, doc);
        service_table::check_dockerfile(&mut sink, doc);
        dockerignore::check_context(&mut sink, doc);
    }
    for doc in &project.composes {
        if doc.parsed.error.is_some() {
            continue;
        }
        compose_deps::check(&mut sink, doc);
        compose_env::check(&mut sink, doc);
        service_table::check_compose(&mut sink, doc);
    }
    compose_env::check_environments(&mut sink);
    compose_health::check(&mut sink);
    compose_network::check(&mut sink);
    dockerignore::check_files(&mut sink);
    dockerignore::check_shared(&mut sink);
    sink.findings
}
