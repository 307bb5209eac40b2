//! BA-C001: dependencies gated on health (`condition: service_healthy`) or on
//! `wait-for-services.py`.

use crate::audit::compose::Service;
use crate::audit::dockerfile::Kind;
use crate::audit::project::{ComposeDoc, Project};

use super::Sink;

const WAIT_SCRIPT: &str = "wait-for-services.py";

pub(super) fn check(sink: &mut Sink, doc: &ComposeDoc) {
    let project = sink.project;
    let index = project.composes.iter().position(|d| std::ptr::eq(d, doc));
    for service in &doc.parsed.services {
        if waits_by_script(project, index, service) {
            continue;
        }
        for dep in &service.depends_on {
            let condition = dep.condition.as_deref().unwrap_or("service_started");
            if condition != "service_started" {
                continue;
            }
            let form = match &dep.condition {
                Some(_) => "condition: service_started",
                None => "the short form (service_started)",
            };
            sink.push(
                "BA-C001",
                &doc.source.display,
                doc.dev,
                dep.line,
                format!("{} depends on {} with {form}: it does not wait until {} is healthy", service.name, dep.name, dep.name),
                Some(format!("`depends_on: {{{}: {{condition: service_healthy}}}}`, or start {} through {WAIT_SCRIPT}", dep.name, service.name)),
            );
        }
    }
}

/// Whether the service starts through wait-for-services.py: in its Compose `entrypoint` or
/// `command`, or in the ENTRYPOINT/CMD of the Dockerfile it builds.
fn waits_by_script(project: &Project, index: Option<usize>, service: &Service) -> bool {
    let mentions = |words: &[String]| words.iter().any(|w| w.ends_with(WAIT_SCRIPT));
    if mentions(&service.entrypoint) || mentions(&service.command) {
        return true;
    }
    let Some(index) = index else { return false };
    project
        .dockerfiles
        .iter()
        .filter(|d| {
            d.contexts.iter().any(|u| {
                u.service
                    .as_ref()
                    .is_some_and(|(i, n)| *i == index && *n == service.name)
            })
        })
        .filter_map(|d| d.runtime().map(|s| (d, s)))
        .any(|(d, stage)| {
            d.parsed
                .lineage(stage)
                .iter()
                .flat_map(|s| s.instructions.iter())
                .any(|i| match &i.kind {
                    Kind::Entrypoint(c) | Kind::Cmd(c) => mentions(&c.words()),
                    _ => false,
                })
        })
}
