//! BA-I001 (an ignore file per build context), BA-I002 (the standard's required exclusions),
//! BA-I003 (one ignore file per service).
//!
//! Both of `BuildKit`'s conventions count as a service's own ignore file: a context folder with
//! its own `.dockerignore` (`services/NAME/.dockerignore`), and `<Dockerfile>.dockerignore`
//! beside a Dockerfile whose context is shared (`services/NAME/Dockerfile.dockerignore`).

use std::collections::BTreeMap;

use crate::audit::project::DockerfileDoc;
use crate::audit::relpath::join;

use super::Sink;

pub(super) fn check_context(sink: &mut Sink, doc: &DockerfileDoc) {
    let mut seen = Vec::new();
    for usage in &doc.contexts {
        if sink
            .project
            .ignore_file(&doc.relative, &usage.context)
            .is_some()
            || seen.contains(&usage.context)
        {
            continue;
        }
        seen.push(usage.context.clone());
        let shown = if usage.context.is_empty() {
            ".".to_string()
        } else {
            usage.context.clone()
        };
        let name = doc.relative.rsplit('/').next().unwrap_or(&doc.relative);
        sink.push(
            "BA-I001",
            &doc.source.display,
            doc.dev,
            1,
            format!("the build context `{shown}` has no .dockerignore, and there is no {name}.dockerignore beside this file"),
            Some(format!(
                "add `{}` with the standard's required exclusions",
                sink.project.display(&join(&usage.context, ".dockerignore"))
            )),
        );
    }
}

pub(super) fn check_files(sink: &mut Sink) {
    for doc in &sink.project.ignores {
        let missing = &doc.missing;
        if missing.is_empty() {
            continue;
        }
        sink.push(
            "BA-I002",
            &doc.source.display,
            false,
            1,
            format!("required exclusions missing: {}", missing.join(" ")),
            Some(format!("add these lines: {}", missing.join(" "))),
        );
    }
}

/// (compose file index, context, ignore file).
type SharedContext = (usize, String, String);
/// (service, its Dockerfile, line of its `build:`).
type Member = (String, String, u32);

pub(super) fn check_shared(sink: &mut Sink) {
    let project = sink.project;
    let mut groups: BTreeMap<SharedContext, Vec<Member>> = BTreeMap::new();
    for (index, doc) in project.composes.iter().enumerate() {
        for service in &doc.parsed.services {
            let Some(build) = &service.build else {
                continue;
            };
            let context = join(&doc.dir, &build.context);
            let dockerfile = join(
                &context,
                build.dockerfile.as_deref().unwrap_or("Dockerfile"),
            );
            let Some(ignore) = project.ignore_file(&dockerfile, &context) else {
                continue;
            };
            if ignore.ends_with(&format!("{dockerfile}.dockerignore")) {
                continue;
            }
            groups.entry((index, context, ignore)).or_default().push((
                service.name.clone(),
                dockerfile,
                build.line,
            ));
        }
    }
    for ((index, context, ignore), members) in groups {
        let mut dockerfiles: Vec<&str> = members.iter().map(|(_, d, _)| d.as_str()).collect();
        dockerfiles.sort_unstable();
        dockerfiles.dedup();
        if dockerfiles.len() < 2 {
            continue;
        }
        let doc = &project.composes[index];
        let names: Vec<&str> = members.iter().map(|(n, _, _)| n.as_str()).collect();
        let own: Vec<String> = dockerfiles
            .iter()
            .map(|d| format!("`{}`", project.display(&format!("{d}.dockerignore"))))
            .collect();
        let shown = if context.is_empty() {
            ".".to_string()
        } else {
            context
        };
        sink.push(
            "BA-I003",
            &doc.source.display,
            doc.dev,
            members[0].2,
            format!(
                "{} build different Dockerfiles from the context `{shown}` with one ignore file, {}",
                names.join(", "),
                project.display(&ignore)
            ),
            Some(format!(
                "give each Dockerfile its own ignore file beside it ({}), or each service its own context folder",
                own.join(", ")
            )),
        );
    }
}
