//! BA-H001 to BA-H004 for Compose services: the health check each service runs with, as
//! Compose itself assembles it, held against the standard.
//!
//! A service's health check is assembled the way `docker compose config` does: YAML anchors
//! and merge keys are already applied by the parser (`compose.rs`); `extends` (in this file or
//! another) is applied under the service, and an override file's service over the base
//! file's; inside `healthcheck:` a later layer's key replaces the earlier one's. A value set
//! through a variable with a default (`${HC_START:-10s}`) is judged by its default; one that
//! depends on a variable without a default is not judged. Each finding points at the key that
//! is wrong, in the file that wrote it; a missing key is reported on the service key of the
//! file that wrote the health check's test. An option that is not written takes Docker's
//! default, as in Dockerfiles, except when the service builds a Dockerfile of this repository
//! that has its own `HEALTHCHECK`: the engine then keeps that one's options, and the
//! Dockerfile is judged by itself. `disable: true` and `test: ["NONE"]` switch the health
//! check off (BA-H001), as `HEALTHCHECK NONE` does.

use std::collections::BTreeMap;

use crate::audit::compose::{Compose, Service, Test, default_value};
use crate::audit::dockerfile::Kind;
use crate::audit::project::Project;
use crate::audit::relpath::{join, split};
use crate::audit::source::Source;

use super::Sink;
use super::healthcheck::{DOCKER_DEFAULTS, shell_form, timings};

/// How many `extends` deep a service is followed (a loop stops there too).
const MAX_EXTENDS: usize = 10;

/// A Compose file as a layer source: where findings in it are shown, and whether it is for
/// development only.
struct File<'p> {
    display: String,
    relative: String,
    dev: bool,
    parsed: std::borrow::Cow<'p, Compose>,
}

/// One key of the assembled health check: its value and where it was written.
#[derive(Clone)]
struct Written<'a, T> {
    value: T,
    /// The service under which it was written (named in the message).
    service: &'a str,
    file: &'a str,
    dev: bool,
    line: u32,
}

/// The health check a service runs with, key by key.
#[derive(Default)]
struct Assembled<'a> {
    /// The service key of the layer that wrote the test (else the last layer with a
    /// `healthcheck:`): where a missing key is reported.
    anchor: Option<(&'a str, &'a str, bool, u32)>,
    test: Option<Written<'a, &'a Test>>,
    disable: Option<Written<'a, &'a str>>,
    options: BTreeMap<&'a str, Written<'a, &'a str>>,
}

impl<'a, T> Written<'a, T> {
    fn at(value: T, service: &'a Service, file: &'a File, line: u32) -> Self {
        Self {
            value,
            service: &service.name,
            file: &file.display,
            dev: file.dev,
            line,
        }
    }
}

impl<'a> Assembled<'a> {
    fn lay(&mut self, file: &'a File, service: &'a Service) {
        let Some(check) = &service.healthcheck else {
            return;
        };
        let anchor = (
            service.name.as_str(),
            file.display.as_str(),
            file.dev,
            service.line,
        );
        if let Some((test, line)) = &check.test {
            self.test = Some(Written::at(test, service, file, *line));
            self.anchor = Some(anchor);
        } else if self.anchor.is_none() {
            self.anchor = Some(anchor);
        }
        if let Some((value, line)) = &check.disable {
            self.disable = Some(Written::at(value.as_str(), service, file, *line));
        }
        for (name, value, line) in &check.options {
            let written = Written::at(value.as_str(), service, file, *line);
            self.options.insert(name.as_str(), written);
        }
    }
}

pub(super) fn check(sink: &mut Sink) {
    let project = sink.project;
    let mut files: Vec<File> = project
        .composes
        .iter()
        .map(|doc| File {
            display: doc.source.display.clone(),
            relative: doc.relative.clone(),
            dev: doc.dev,
            parsed: std::borrow::Cow::Borrowed(&doc.parsed),
        })
        .collect();
    load_extended(project, &mut files);
    for indices in project.compose_projects().values() {
        let base = indices
            .iter()
            .copied()
            .find(|&i| project.composes[i].env.is_none());
        for &index in indices {
            if project.composes[index].parsed.error.is_some() {
                continue;
            }
            for service in &files[index].parsed.services {
                let mut layers = Vec::new();
                if let Some(base) = base.filter(|&b| b != index)
                    && let Some(under) = files[base]
                        .parsed
                        .services
                        .iter()
                        .find(|s| s.name == service.name)
                {
                    extended(&files, base, under, &mut layers, 0);
                }
                extended(&files, index, service, &mut layers, 0);
                let mut assembled = Assembled::default();
                for (file, layer) in &layers {
                    assembled.lay(&files[*file], layer);
                }
                let builds_checked = builds_with_healthcheck(project, indices, &service.name);
                judge(sink, &assembled, builds_checked);
            }
        }
    }
}

/// The layers of `service` in file `index`: what it extends (recursively), then itself.
fn extended<'f>(
    files: &'f [File<'f>],
    index: usize,
    service: &'f Service,
    layers: &mut Vec<(usize, &'f Service)>,
    depth: usize,
) {
    if let Some(ext) = service.extends.as_ref().filter(|_| depth < MAX_EXTENDS) {
        let target = match &ext.file {
            Some(path) => {
                let relative = join(split(&files[index].relative).0, path);
                files.iter().position(|f| f.relative == relative)
            }
            None => Some(index),
        };
        if let Some(t) = target
            && let Some(under) = files[t]
                .parsed
                .services
                .iter()
                .find(|s| s.name == ext.service)
            && !(t == index && std::ptr::eq(under, service))
        {
            extended(files, t, under, layers, depth + 1);
        }
    }
    layers.push((index, service));
}

/// Reads the files named by `extends: {file: ...}` that discovery did not list (any name is
/// allowed there), once each, recursively.
fn load_extended(project: &Project, files: &mut Vec<File>) {
    let mut next = 0;
    while next < files.len() {
        let dir = split(&files[next].relative).0.to_string();
        let wanted: Vec<String> = files[next]
            .parsed
            .services
            .iter()
            .filter_map(|s| s.extends.as_ref()?.file.as_deref())
            .map(|path| join(&dir, path))
            .collect();
        let dev = files[next].dev;
        next += 1;
        for relative in wanted {
            if files.iter().any(|f| f.relative == relative) {
                continue;
            }
            let display = project.display(&relative);
            let Ok(source) = Source::read(&project.root.join(&relative), display.clone()) else {
                continue;
            };
            files.push(File {
                display,
                relative,
                dev,
                parsed: std::borrow::Cow::Owned(Compose::parse(&source)),
            });
        }
    }
}

/// Whether the service builds a Dockerfile of this repository whose runtime stage has a
/// `HEALTHCHECK` (whose options the engine keeps when Compose leaves them out).
fn builds_with_healthcheck(project: &Project, compose_files: &[usize], service: &str) -> bool {
    project
        .dockerfiles
        .iter()
        .filter(|d| {
            d.contexts.iter().any(|u| {
                u.service
                    .as_ref()
                    .is_some_and(|(i, n)| compose_files.contains(i) && n == service)
            })
        })
        .filter_map(|d| d.runtime().map(|s| (d, s)))
        .any(|(d, stage)| {
            d.parsed
                .lineage(stage)
                .iter()
                .flat_map(|s| s.instructions.iter())
                .any(|i| matches!(i.kind, Kind::Healthcheck(_)))
        })
}

fn judge(sink: &mut Sink, check: &Assembled, builds_checked: bool) {
    let Some((name, anchor_file, anchor_dev, anchor_line)) = check.anchor else {
        return; // no `healthcheck:` anywhere: the image's own, judged in its Dockerfile
    };
    if let Some(off) = &check.disable
        && default_value(off.value).is_some_and(|v| v == "true")
    {
        let message = format!(
            "{}: `disable: {}` switches the health check off",
            off.service, off.value
        );
        sink.push("BA-H001", off.file, off.dev, off.line, message, None);
        return;
    }
    match &check.test {
        Some(test) if *test.value == Test::None => {
            let message = format!(
                "{}: `test: [\"NONE\"]` switches the health check off",
                test.service
            );
            sink.push("BA-H001", test.file, test.dev, test.line, message, None);
            return;
        }
        Some(Written {
            value: Test::Shell(text),
            service,
            file,
            dev,
            line,
        }) => shell_form(sink, file, *dev, *line, &format!("{service}: "), text),
        _ => {}
    }
    for (option, _) in DOCKER_DEFAULTS {
        let key = option.replace('-', "_");
        let row = match check.options.get(key.as_str()) {
            Some(w) => match default_value(w.value) {
                Some(value) => (w.service, w.file, w.dev, w.line, value, true),
                None => continue,
            },
            None if builds_checked => continue,
            None => {
                let default = DOCKER_DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == option)
                    .map(|(_, v)| (*v).to_string())
                    .unwrap_or_default();
                (name, anchor_file, anchor_dev, anchor_line, default, false)
            }
        };
        let (service, file, dev, line, value, written) = row;
        let options = [(option.to_string(), value, line, written)];
        timings(sink, file, dev, &options, &format!("{service}: "), "", ": ");
    }
}
