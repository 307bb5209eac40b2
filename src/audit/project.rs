//! One audited folder as a whole: its parsed files, and how they relate.
//!
//! Several rules need more than one file: which Dockerfile a Compose service builds, from
//! which context, with which ignore file (`BuildKit`'s `<Dockerfile>.dockerignore` next to the
//! Dockerfile first, else the context's `.dockerignore`); which Compose files form one project
//! (the files of one folder: the base file and its per-environment overrides); which files are
//! for development only (rules about production images and published ports skip those).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::compose::Compose;
use super::discover::{FileKind, Found};
use super::dockerfile::{Dockerfile, Stage};
use super::dockerignore::IgnoreFile;
use super::findings::AuditedFile;
use super::relpath::{join, split};
use super::settings::Settings;
use super::source::Source;

/// Name parts that mark a file as for development or tests only.
const DEV_MARKERS: [&str; 6] = ["dev", "development", "debug", "local", "test", "override"];

pub(crate) struct DockerfileDoc {
    pub source: Source,
    pub relative: String,
    pub parsed: Dockerfile,
    /// For development or tests only (`Dockerfile.dev`, `.devcontainer/Dockerfile`).
    pub dev: bool,
    /// The build contexts it is used with (relative folder; `""` is the root).
    pub contexts: Vec<BuildUse>,
}

/// One way a Dockerfile is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildUse {
    pub context: String,
    /// `build.target` of the Compose service.
    pub target: Option<String>,
    /// The Compose service that builds it this way (compose index, service name), if any.
    pub service: Option<(usize, String)>,
}

impl DockerfileDoc {
    /// The stage the image that runs is built from: the `build.target` a Compose service
    /// names, else the last stage that is not a development stage (`AS dev`, `AS debug`,
    /// `AS dev-envs`), else the last stage.
    pub(crate) fn runtime(&self) -> Option<&Stage> {
        let stages = &self.parsed.stages;
        let target = self.contexts.iter().find_map(|u| u.target.as_deref());
        if let Some(stage) = target.and_then(|t| {
            stages
                .iter()
                .find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t)))
        }) {
            return Some(stage);
        }
        let dev_stage = |s: &&Stage| s.name.as_deref().is_some_and(is_dev_name);
        stages
            .iter()
            .rev()
            .find(|s| !dev_stage(s))
            .or(stages.last())
    }
}

pub(crate) struct ComposeDoc {
    pub source: Source,
    pub relative: String,
    pub parsed: Compose,
    /// Folder, relative to the root (`""` is the root).
    pub dir: String,
    /// The environment of an override (`docker-compose.prod.yml` -> `prod`); `None` for a
    /// base file.
    pub env: Option<String>,
    pub dev: bool,
}

pub(crate) struct IgnoreDoc {
    pub source: Source,
    pub relative: String,
    pub parsed: IgnoreFile,
    /// The standard's required exclusions this file does not exclude (worked out while
    /// loading, on the walker's threads: matching is most of an ignore file's cost).
    pub missing: Vec<String>,
}

pub(crate) struct Project {
    pub root: PathBuf,
    pub display_root: String,
    pub dockerfiles: Vec<DockerfileDoc>,
    pub composes: Vec<ComposeDoc>,
    pub ignores: Vec<IgnoreDoc>,
    pub scripts: Vec<Source>,
    pub settings: Settings,
    /// Whether a relative path is a file, asked once each (several rules ask).
    exists: RefCell<BTreeMap<String, bool>>,
}

impl Project {
    /// The project of the files found under `root`, read and parsed by `load`.
    pub(crate) fn new(
        root: &Path,
        display_root: &str,
        files: Vec<(Found, Loaded)>,
        settings: Settings,
    ) -> Self {
        let mut project = Project {
            root: root.to_path_buf(),
            display_root: display_root.to_string(),
            dockerfiles: Vec::new(),
            composes: Vec::new(),
            ignores: Vec::new(),
            scripts: Vec::new(),
            settings,
            exists: RefCell::default(),
        };
        for (_, loaded) in files {
            match loaded {
                Loaded::Dockerfile(doc) => project.dockerfiles.push(doc),
                Loaded::Compose(doc) => project.composes.push(doc),
                Loaded::Ignore(doc) => project.ignores.push(doc),
                Loaded::Script(source) => project.scripts.push(source),
            }
        }
        project.link_builds();
        project
    }

    /// Records, for every Dockerfile, the contexts it is built with: each Compose service
    /// that builds it, or else its own folder (`docker build -f DIR/Dockerfile DIR`).
    fn link_builds(&mut self) {
        let mut uses: Vec<(String, BuildUse)> = Vec::new();
        for (index, doc) in self.composes.iter().enumerate() {
            for service in &doc.parsed.services {
                let Some(build) = &service.build else {
                    continue;
                };
                if build.context.contains("://") || build.context.starts_with("git@") {
                    continue;
                }
                let context = join(&doc.dir, &build.context);
                let dockerfile = join(
                    &context,
                    build.dockerfile.as_deref().unwrap_or("Dockerfile"),
                );
                uses.push((
                    dockerfile,
                    BuildUse {
                        context,
                        target: build.target.clone(),
                        service: Some((index, service.name.clone())),
                    },
                ));
            }
        }
        for doc in &mut self.dockerfiles {
            doc.contexts = uses
                .iter()
                .filter(|(path, _)| *path == doc.relative)
                .map(|(_, u)| u.clone())
                .collect();
            if doc.contexts.is_empty() {
                doc.contexts.push(BuildUse {
                    context: split(&doc.relative).0.to_string(),
                    target: None,
                    service: None,
                });
            }
        }
    }

    /// The ignore file `BuildKit` reads for `dockerfile` built from `context`, if there is one:
    /// `<Dockerfile>.dockerignore` beside it, else `<context>/.dockerignore`. Only ignore
    /// files the audit found count: one that `.gitignore` leaves out is not in the
    /// repository.
    pub(crate) fn ignore_file(&self, dockerfile: &str, context: &str) -> Option<String> {
        let beside = format!("{dockerfile}.dockerignore");
        let in_context = join(context, ".dockerignore");
        [beside, in_context]
            .into_iter()
            .find(|candidate| self.ignores.iter().any(|d| d.relative == *candidate))
    }

    /// Whether `relative` (to the root) is a file.
    pub(crate) fn is_file(&self, relative: &str) -> bool {
        if let Some(&known) = self.exists.borrow().get(relative) {
            return known;
        }
        let found = self.root.join(relative).is_file();
        self.exists.borrow_mut().insert(relative.to_string(), found);
        found
    }

    /// The shown path of a file relative to the root.
    pub(crate) fn display(&self, relative: &str) -> String {
        super::discover::display(Path::new(&self.display_root), relative)
    }

    /// Compose files grouped by folder (one Compose project each), base files first.
    pub(crate) fn compose_projects(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut projects: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, doc) in self.composes.iter().enumerate() {
            projects.entry(doc.dir.as_str()).or_default().push(index);
        }
        for files in projects.values_mut() {
            files.sort_by_key(|&i| {
                (
                    self.composes[i].env.is_some(),
                    self.composes[i].relative.clone(),
                )
            });
        }
        projects
    }

    /// The files this project read, for the report.
    pub(crate) fn files(&self) -> Vec<AuditedFile> {
        let mut files = Vec::new();
        let mut add = |s: &Source, kind| {
            files.push(AuditedFile {
                path: s.display.clone(),
                kind,
            });
        };
        self.dockerfiles
            .iter()
            .for_each(|d| add(&d.source, FileKind::Dockerfile));
        self.composes
            .iter()
            .for_each(|d| add(&d.source, FileKind::Compose));
        self.ignores
            .iter()
            .for_each(|d| add(&d.source, FileKind::Dockerignore));
        self.scripts.iter().for_each(|s| add(s, FileKind::Script));
        files
    }
}

/// One file read and parsed.
pub(crate) enum Loaded {
    Dockerfile(DockerfileDoc),
    Compose(ComposeDoc),
    Ignore(IgnoreDoc),
    Script(Source),
}

/// Reads and parses one found file (on the walker's threads). `None` when it cannot be read:
/// it was listed a moment ago, and a race with another process is not the audit's concern.
pub(crate) fn load(file: &Found, required: &[String]) -> Option<Loaded> {
    let source = Source::read(&file.path, file.display.clone()).ok()?;
    let relative = file.relative.clone();
    Some(match file.kind {
        FileKind::Dockerfile => Loaded::Dockerfile(DockerfileDoc {
            parsed: Dockerfile::parse(&source),
            dev: is_dev(&relative),
            contexts: Vec::new(),
            source,
            relative,
        }),
        FileKind::Compose => {
            let (dir, name) = split(&relative);
            let env = compose_env(name);
            let dev = relative.split('/').any(|p| p == ".devcontainer")
                || env.as_deref().is_some_and(is_dev_word);
            Loaded::Compose(ComposeDoc {
                parsed: Compose::parse(&source),
                dir: dir.to_string(),
                env,
                dev,
                source,
                relative,
            })
        }
        FileKind::Dockerignore => {
            let parsed = IgnoreFile::parse(&source);
            let missing = required
                .iter()
                .filter(|p| !parsed.covers(p))
                .cloned()
                .collect();
            Loaded::Ignore(IgnoreDoc {
                source,
                relative,
                parsed,
                missing,
            })
        }
        FileKind::Script => Loaded::Script(source),
    })
}

fn is_dev_word(word: &str) -> bool {
    DEV_MARKERS.contains(&word)
}

/// A name (a stage's) made of parts one of which is a dev marker: `dev-envs`, `debug`.
fn is_dev_name(name: &str) -> bool {
    name.split(['.', '-', '_'])
        .any(|part| is_dev_word(&part.to_ascii_lowercase()))
}

/// A Dockerfile for development or tests: under `.devcontainer/`, or a dev marker among the
/// dot/dash-separated parts of its name (`Dockerfile.dev`, `dev.Dockerfile`).
fn is_dev(relative: &str) -> bool {
    let (dir, name) = split(relative);
    dir.split('/').any(|p| p == ".devcontainer")
        || name
            .split(['.', '-', '_'])
            .any(|part| is_dev_word(&part.to_ascii_lowercase()))
}

/// The environment part of a Compose file name: `docker-compose.prod.yml` -> `prod`,
/// `compose.override.yaml` -> `override`, `docker-compose.yml` -> none.
fn compose_env(name: &str) -> Option<String> {
    let stem = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
        .unwrap_or(name);
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"))
        .unwrap_or("");
    let env = rest.trim_start_matches(['.', '-', '_']);
    (!env.is_empty()).then(|| env.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            compose_env("docker-compose.prod.yml").as_deref(),
            Some("prod")
        );
        assert_eq!(
            compose_env("compose.override.yaml").as_deref(),
            Some("override")
        );
        assert_eq!(
            compose_env("docker-compose-load.yaml").as_deref(),
            Some("load")
        );
        assert_eq!(compose_env("compose.yml"), None);
        assert!(is_dev("a/Dockerfile.dev"));
        assert!(is_dev(".devcontainer/Dockerfile"));
        assert!(is_dev("dev.Dockerfile"));
        assert!(!is_dev("services/devices/Dockerfile"));
        assert!(!is_dev("Dockerfile.prod"));
    }
}
