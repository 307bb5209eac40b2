//! BA-D001 (multi-stage), BA-D002 (named stages), BA-D003 (slim runtime base).
//!
//! A single stage is a finding when it builds: it installs build tools or language packages,
//! or compiles (see `dockerfile_build::build_step`). A single stage that only adds runtime
//! packages and files (the gateway: nginx and a script) has nothing a builder stage would
//! keep out of the image.

use crate::audit::dockerfile::{Kind, Stage};
use crate::audit::project::DockerfileDoc;

use super::Sink;

/// Base image families that are minimal by construction.
const MINIMAL: [&str; 4] = ["alpine", "distroless", "scratch", "chiseled"];

pub(super) fn check(sink: &mut Sink, doc: &DockerfileDoc) {
    let file = &doc.source.display;
    let df = &doc.parsed;
    let Some(last) = doc.runtime() else { return };
    if df.stages.len() == 1 {
        let build = last.instructions.iter().find_map(|i| match &i.kind {
            Kind::Run(run) => super::dockerfile_build::build_step(run),
            _ => None,
        });
        if let Some(step) = build {
            sink.push(
                "BA-D001",
                file,
                doc.dev,
                last.line,
                format!(
                    "one stage `FROM {}` builds (`{step}`): the build's tools and caches stay in the image",
                    last.base.text
                ),
                None,
            );
        }
    }
    named_stages(sink, doc);
    slim_base(sink, doc, last);
}

fn named_stages(sink: &mut Sink, doc: &DockerfileDoc) {
    let df = &doc.parsed;
    let file = &doc.source.display;
    if df.stages.len() < 2 {
        return;
    }
    for stage in &df.stages[..df.stages.len() - 1] {
        if stage.name.is_none() {
            sink.push(
                "BA-D002",
                file,
                doc.dev,
                stage.line,
                format!(
                    "stage {} `FROM {}` has no name",
                    stage.index, stage.base.text
                ),
                None,
            );
        }
    }
    for stage in &df.stages {
        for ins in &stage.instructions {
            let Kind::Copy(copy) = &ins.kind else {
                continue;
            };
            let Some(from) = copy.flag("from") else {
                continue;
            };
            if from.text.parse::<usize>().is_ok() {
                sink.push(
                    "BA-D002",
                    file,
                    doc.dev,
                    ins.line,
                    format!("`COPY --from={}` refers to a stage by number", from.text),
                    None,
                );
            }
        }
    }
}

/// The tag and name parts of an image reference: `registry/name:tag@digest`.
pub(super) fn image_parts(image: &str) -> (&str, &str) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].find(':') {
        Some(colon) => no_digest.split_at(last_slash + colon),
        None => (no_digest, ""),
    }
}

fn slim_base(sink: &mut Sink, doc: &DockerfileDoc, last: &Stage) {
    let df = &doc.parsed;
    // The runtime's own base: through `FROM builder AS runtime` to the first image.
    let lineage = df.lineage(last);
    let root = lineage.last().copied().unwrap_or(last);
    let Some(image) = root.base.known() else {
        return;
    };
    if image.eq_ignore_ascii_case("scratch") {
        return;
    }
    let slim_word = slim_variant(&sink.standard.images.python);
    let lower = image.to_ascii_lowercase();
    let (name, tag) = image_parts(&lower);
    let slim = tag.contains(&slim_word)
        || MINIMAL.iter().any(|m| name.contains(m) || tag.contains(m))
        || name.ends_with("-slim")
        || tag.contains("minimal");
    if !slim {
        let python = &sink.standard.images.python;
        let fix = if name.ends_with("python") {
            format!("use the slim variant, e.g. `{python}`")
        } else {
            format!("use a {slim_word} or alpine variant of `{name}`")
        };
        sink.push(
            "BA-D003",
            &doc.source.display,
            doc.dev,
            root.line,
            format!("the runtime stage is built on `{image}`, not a slim image"),
            Some(fix),
        );
    }
}

/// The variant word of the standard's base image: `python:3.11-slim` -> `slim`.
fn slim_variant(image: &str) -> String {
    let (_, tag) = image_parts(image);
    tag.rsplit('-')
        .next()
        .unwrap_or("slim")
        .trim_start_matches(':')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        assert_eq!(
            image_parts("python:3.12-slim@sha256:ab"),
            ("python", ":3.12-slim")
        );
        assert_eq!(
            image_parts("localhost:5000/a/b:1"),
            ("localhost:5000/a/b", ":1")
        );
        assert_eq!(image_parts("nginx"), ("nginx", ""));
        assert_eq!(slim_variant("python:3.11-slim"), "slim");
    }
}
