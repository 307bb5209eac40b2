//! BA-D007 (runs as root), BA-D008 (USER by name), BA-D009 (COPY --chown).

use crate::audit::dockerfile::{Dockerfile, Kind, Stage};
use crate::audit::expand::Value;
use crate::audit::project::DockerfileDoc;
use crate::audit::relpath::join;

use super::Sink;

/// The last `USER` in effect for `stage` (its own, else the nearest parent stage's).
fn effective_user<'a>(df: &'a Dockerfile, stage: &'a Stage) -> Option<(&'a Value, u32)> {
    df.lineage(stage).into_iter().find_map(|s| {
        s.instructions.iter().rev().find_map(|i| match &i.kind {
            Kind::User(v) => Some((v, i.line)),
            _ => None,
        })
    })
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}

pub(super) fn check(sink: &mut Sink, doc: &DockerfileDoc) {
    let df = &doc.parsed;
    let file = &doc.source.display;
    let Some(last) = doc.runtime() else { return };
    let Some((user, line)) = effective_user(df, last) else {
        sink.push(
            "BA-D007",
            file,
            doc.dev,
            last.line,
            format!(
                "the final stage `FROM {}` has no USER: the container runs as the base image's user, root for most images",
                last.base.text
            ),
            None,
        );
        return;
    };
    let Some(text) = user.known() else { return };
    if is_root(text) {
        sink.push(
            "BA-D007",
            file,
            doc.dev,
            line,
            format!("`USER {text}` runs the container as root"),
            None,
        );
        return;
    }
    let name = text.split(':').next().unwrap_or(text);
    if !name.chars().all(|c| c.is_ascii_digit()) {
        let runtime = &sink.standard.runtime;
        sink.push(
            "BA-D008",
            file,
            doc.dev,
            line,
            format!("`USER {text}` names the user; Kubernetes' runAsNonRoot cannot verify a name"),
            Some(format!(
                "switch by number: `USER {}:{}` (the uid/gid `{name}` was created with)",
                runtime.uid, runtime.gid
            )),
        );
    }
    chown(sink, doc, last, text);
}

/// COPY/ADD into the application folder (a WORKDIR of the runtime stage) without `--chown`.
fn chown(sink: &mut Sink, doc: &DockerfileDoc, last: &Stage, user: &str) {
    let workdirs: Vec<String> = doc
        .parsed
        .lineage(last)
        .iter()
        .flat_map(|s| s.instructions.iter())
        .filter_map(|i| match &i.kind {
            Kind::Workdir(v) => v.known().map(|d| format!("/{}", join("/", d))),
            _ => None,
        })
        .filter(|d| d != "/")
        .collect();
    let mut workdir = "/".to_string();
    for ins in &last.instructions {
        match &ins.kind {
            Kind::Workdir(v) => workdir = format!("/{}", join(&workdir, &v.text)),
            Kind::Copy(copy) if copy.flag("chown").is_none() => {
                let dest = format!("/{}", join(&workdir, &copy.dest.text));
                let in_app = workdirs
                    .iter()
                    .any(|w| dest == *w || dest.starts_with(&format!("{w}/")));
                if in_app {
                    let verb = if copy.add { "ADD" } else { "COPY" };
                    sink.push(
                        "BA-D009",
                        &doc.source.display,
                        doc.dev,
                        ins.line,
                        format!(
                            "{verb} to `{}` without --chown: the application files belong to root",
                            copy.dest.text
                        ),
                        Some(format!(
                            "copy them owned by the runtime user: `{verb} --chown={user} ...`"
                        )),
                    );
                }
            }
            _ => {}
        }
    }
}
