//! Manifest + standard -> plan: every file berth would write, rendered in memory.
//!
//! The plan is pure (no disk access) and is the only thing the apply step, the dry-run diff and
//! the drift check look at, so there is exactly one way a file gets its content. Template paths
//! mirror the output tree; a `SERVICE` path segment is expanded once per service, a `CONTEXT`
//! segment once per build context (every `services/<name>` and, when enabled, `gateway`: each
//! image builds from its own folder, which carries its own `.dockerignore` and copy of the
//! shared scripts), an `ENV` segment or name part (`overlays/ENV/`, `.env.ENV`) once per
//! environment. A template under a `gateway/` folder is used only when the gateway is enabled,
//! one under `deploy/kubernetes/` only when Kubernetes is. A rendered template whose output is
//! empty (whitespace only) produces no file: that is how a file applies only sometimes (a
//! `PodDisruptionBudget` where replicas > 1). A few files are derived from another planned file's
//! final content (the Kubernetes overlays from `.env.<env>`): see `derived`.

mod derived;
mod header;
mod normalise;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use derived::{Derived, EnvValues};
use tera::Context;

use crate::error::Result;
use crate::model::{Project, Service};
use crate::standard::Standard;
use crate::templates::{Template, TemplateSet};
pub use header::only_header_migrated;
use header::{comment_marker, header, with_header};

use normalise::normalise;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub content: String,
    pub ownership: Ownership,
}

/// Everything berth would write, keyed by `/`-separated path relative to the project root.
#[derive(Debug, Clone)]
pub struct Plan {
    pub standard_version: String,
    pub files: BTreeMap<String, PlannedFile>,
    /// Every template path that produces files (with its `SERVICE` / `CONTEXT` / `ENV`
    /// placeholders), whether or not this project instantiates it.
    pub patterns: Vec<String>,
    /// The .env variables that hold secrets: never overwritten or shown.
    pub secrets: std::collections::BTreeSet<String>,
    /// Files whose content comes from another planned file's final content, rendered by
    /// `derive` once apply has decided that file (after the `.env` merge).
    pub derived: BTreeMap<String, Derived>,
    deriver: Option<Arc<derived::Deriver>>,
}

/// Template paths (with placeholders) whose output belongs to the user after the first write.
const SEEDED: [&str; 2] = ["services/SERVICE/requirements.txt", "services/SERVICE/app/"];

/// Who owns a file, which decides what regenerating does to it: a platform rule decided here,
/// when planning; the lock records it and apply acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// berth's: replaced when unedited, merged three ways when edited.
    Managed,
    /// `.env.<env>`: merged key by key.
    Env,
    /// Written once when missing, never touched again.
    Seeded,
}

fn ownership_of(template: &str) -> Ownership {
    if SEEDED.iter().any(|s| template.starts_with(s)) {
        Ownership::Seeded
    } else if template.split('/').next_back() == Some(".env.ENV") {
        Ownership::Env
    } else {
        Ownership::Managed
    }
}

/// Renders the whole project in memory.
///
/// The renders are shared out among the machine's cores (each thread with its own Tera
/// context; within a thread only the `service`, `env` and `context` entries change between
/// renders: cloning a context holding every service per file would make planning quadratic).
/// Only the templates this project uses are parsed, and a verbatim file is prepared once however
/// many copies of it the plan holds. The result does not depend on the thread count: files are
/// keyed by path, and the first failing render in template order is the error reported.
pub fn build(project: &Project, standard: &Standard, templates: &TemplateSet) -> Result<Plan> {
    let patterns: Vec<String> = templates
        .templates()
        .map(|t| t.output.to_string())
        .collect();
    let used: Vec<Template> = templates
        .templates()
        .filter(|t| applies(t.output, project))
        .collect();
    let renderer = templates.renderer(used.iter().filter(|t| t.rendered).map(|t| t.source))?;
    let mut files = BTreeMap::new();
    let mut derived = BTreeMap::new();
    let mut jobs = Vec::new();
    for template in &used {
        let ownership = ownership_of(template.output);
        let header = header(standard, ownership);
        let marker = comment_marker(template.output);
        if let (Some(input), true) = (derived::input_of(template.output), template.rendered) {
            for i in instances(template.output, project) {
                let env = i.env.map_or("", String::as_str);
                derived.insert(i.path, Derived::new(template.source, input, env, i.service));
            }
            continue;
        }
        if template.rendered {
            for instance in instances(template.output, project) {
                jobs.push(Job {
                    template,
                    instance,
                    ownership,
                    header: header.clone(),
                    marker,
                });
            }
            continue;
        }
        let mut content = with_header(template.text, &header, marker);
        normalise(&mut content);
        for instance in instances(template.output, project) {
            let content = content.clone();
            files.insert(instance.path, PlannedFile { content, ownership });
        }
    }
    let rendered =
        crate::parallel::map_chunks(&jobs, |part| render_all(part, project, standard, &renderer));
    for part in rendered {
        files.extend(part?.into_iter().flatten());
    }
    let deriver = (!derived.is_empty()).then(|| {
        let ctx = base_context(project, standard);
        Arc::new(derived::Deriver::new(renderer, ctx, project, standard))
    });
    Ok(Plan {
        standard_version: standard.version.clone(),
        files,
        patterns,
        secrets: project.secret_keys(),
        derived,
        deriver,
    })
}

/// Whether a template is used for this project: one under a `gateway/` folder only with the
/// gateway, one under `deploy/kubernetes/` only with Kubernetes.
fn applies(output: &str, project: &Project) -> bool {
    let mut folders = output.split('/').rev().skip(1);
    let gateway_ok = project.gateway.is_some() || !folders.any(|f| f == "gateway");
    let kubernetes_ok = project.kubernetes.is_some() || !output.starts_with("deploy/kubernetes/");
    gateway_ok && kubernetes_ok
}

/// The context every render starts from: the project, the standard and the Kubernetes settings.
fn base_context(project: &Project, standard: &Standard) -> Context {
    let mut ctx = Context::new();
    ctx.insert("project", project);
    ctx.insert("services", &project.services);
    ctx.insert("gateway", &project.gateway);
    ctx.insert("kubernetes", &project.kubernetes);
    ctx.insert("standard", standard);
    ctx
}

/// One file to render: its template, the service / environment / context it is for, and its
/// header.
struct Job<'a> {
    template: &'a Template<'a>,
    instance: Instance<'a>,
    ownership: Ownership,
    header: [String; 3],
    marker: Option<&'static str>,
}

/// Renders `jobs` in order with one context; `None` for a render that is empty (the file does
/// not apply).
fn render_all(
    jobs: &[Job<'_>],
    project: &Project,
    standard: &Standard,
    renderer: &crate::templates::Renderer,
) -> Result<Vec<Option<(String, PlannedFile)>>> {
    let mut ctx = base_context(project, standard);
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        set_or_remove(&mut ctx, "service", job.instance.service);
        set_or_remove(&mut ctx, "env", job.instance.env);
        set_or_remove(&mut ctx, "context", job.instance.context.as_ref());
        let rendered = renderer.render(job.template.source, &ctx)?;
        if rendered.trim().is_empty() {
            out.push(None);
            continue;
        }
        let mut content = with_header(&rendered, &job.header, job.marker);
        normalise(&mut content);
        let file = PlannedFile {
            content,
            ownership: job.ownership,
        };
        out.push(Some((job.instance.path.clone(), file)));
    }
    Ok(out)
}

fn set_or_remove<T: Serialize + ?Sized>(ctx: &mut Context, key: &str, value: Option<&T>) {
    match value {
        Some(v) => ctx.insert(key, v),
        None => {
            ctx.remove(key);
        }
    }
}

/// One output file of a template, with the service, environment and build context it is for.
struct Instance<'a> {
    path: String,
    service: Option<&'a Service>,
    env: Option<&'a String>,
    context: Option<String>,
}

/// The build contexts of the project: every service's folder, and the gateway's when enabled.
/// Each image builds from its own folder, so each gets its own `.dockerignore` and its own copy
/// of the shared scripts (`CONTEXT` templates).
fn contexts(project: &Project) -> Vec<(String, Option<&Service>)> {
    let services = project
        .services
        .iter()
        .map(|s| (format!("services/{}", s.name), Some(s)));
    let gateway = project
        .gateway
        .as_ref()
        .map(|_| ("gateway".to_string(), None));
    services.chain(gateway).collect()
}

/// The output paths of one template: a `SERVICE` segment once per service, a `CONTEXT` segment
/// once per build context, an `ENV` segment or part of the file name once per environment.
fn instances<'a>(template: &str, project: &'a Project) -> Vec<Instance<'a>> {
    let segments: Vec<&str> = template.split('/').collect();
    let per_service = segments.contains(&"SERVICE");
    let per_context = segments.contains(&"CONTEXT");
    let file_name = segments.last().copied().unwrap_or(template);
    let per_env = segments.contains(&"ENV") || file_name.split('.').any(|part| part == "ENV");
    // (replacement of the SERVICE or CONTEXT segment, service, context)
    let owners: Vec<(Option<String>, Option<&Service>, Option<String>)> = if per_service {
        project
            .services
            .iter()
            .map(|s| (Some(s.name.clone()), Some(s), None))
            .collect()
    } else if per_context {
        contexts(project)
            .into_iter()
            .map(|(c, s)| (Some(c.clone()), s, Some(c)))
            .collect()
    } else {
        vec![(None, None, None)]
    };
    let envs: Vec<Option<&String>> = if per_env {
        project.environments.iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut out = Vec::new();
    for (replacement, service, context) in &owners {
        for env in &envs {
            let mut parts: Vec<String> = segments
                .iter()
                .map(|seg| match (*seg, replacement, env) {
                    ("SERVICE" | "CONTEXT", Some(r), _) => r.clone(),
                    ("ENV", _, Some(e)) => (*e).clone(),
                    _ => (*seg).to_string(),
                })
                .collect();
            if let (Some(e), Some(last)) = (env, parts.last_mut()) {
                *last = last
                    .split('.')
                    .map(|part| if part == "ENV" { e.as_str() } else { part })
                    .collect::<Vec<_>>()
                    .join(".");
            }
            out.push(Instance {
                path: parts.join("/"),
                service: *service,
                env: *env,
                context: context.clone(),
            });
        }
    }
    out
}

/// True when `path` is one that template `pattern` can produce for some service, build
/// context or environment: `SERVICE` and `ENV` stand for one path segment, `CONTEXT` for
/// `services/<name>` or `gateway`, and an `ENV` part of the file name for any word.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let mut segs: Vec<&str> = path.split('/').collect();
    if pat.first() == Some(&"CONTEXT") {
        match segs.as_slice() {
            ["gateway", ..] => {}
            ["services", _, ..] => {
                segs.remove(0);
            }
            _ => return false,
        }
    }
    if pat.len() != segs.len() {
        return false;
    }
    let last = pat.len() - 1;
    pat.iter().zip(&segs).enumerate().all(|(i, (p, s))| {
        if matches!(*p, "SERVICE" | "CONTEXT" | "ENV") {
            return !s.is_empty();
        }
        if i == last && p.split('.').any(|part| part == "ENV") {
            let (pp, sp): (Vec<&str>, Vec<&str>) = (p.split('.').collect(), s.split('.').collect());
            return pp.len() == sp.len() && pp.iter().zip(&sp).all(|(a, b)| *a == "ENV" || a == b);
        }
        p == s
    })
}

impl Plan {
    /// A plan of ready files only, nothing derived (for tests of the apply step).
    pub fn new(
        standard_version: String,
        files: BTreeMap<String, PlannedFile>,
        patterns: Vec<String>,
        secrets: std::collections::BTreeSet<String>,
    ) -> Self {
        Self {
            standard_version,
            files,
            patterns,
            secrets,
            derived: BTreeMap::new(),
            deriver: None,
        }
    }

    /// True when some template of this berth still produces `path` (for another service,
    /// context or environment than the current ones). A file berth wrote that no template can
    /// produce any more is no longer part of the layout (the standard dropped or moved it);
    /// one that a template still produces belongs to a service, gateway or environment that
    /// berth.toml no longer has.
    pub fn in_layout(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| pattern_matches(p, path))
    }

    /// The ownership of a planned or derived file.
    pub fn ownership(&self, path: &str) -> Option<Ownership> {
        match self.files.get(path) {
            Some(f) => Some(f.ownership),
            None => self
                .derived
                .contains_key(path)
                .then_some(Ownership::Managed),
        }
    }

    /// The content of the derived file `path` from the final content of its input (`values`,
    /// that file decoded as Docker Compose reads it); `None` when it renders empty (it does not
    /// apply). Every value it needs is checked first: a refused one is an error naming the
    /// input file, the line, the key and the fix.
    pub fn derive(&self, path: &str, values: &EnvValues) -> Result<Option<PlannedFile>> {
        let (Some(d), Some(deriver)) = (self.derived.get(path), &self.deriver) else {
            return Ok(None);
        };
        deriver.render(d, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_classes() {
        assert_eq!(
            ownership_of("services/SERVICE/Dockerfile"),
            Ownership::Managed
        );
        assert_eq!(
            ownership_of("services/SERVICE/requirements.txt"),
            Ownership::Seeded
        );
        assert_eq!(
            ownership_of("services/SERVICE/app/main.py"),
            Ownership::Seeded
        );
        assert_eq!(ownership_of(".env.ENV"), Ownership::Env);
        assert_eq!(ownership_of(".env.example"), Ownership::Managed);
    }

    /// `Project::berth_keys` (what `[env.*]` may not redefine) must be exactly the keys the
    /// templates write, or the two drift apart silently.
    #[test]
    fn berth_keys_are_the_keys_the_env_templates_write() {
        let templates = TemplateSet::load(None).unwrap();
        let standard =
            Standard::parse(templates.standard_text().unwrap(), "standard.toml").unwrap();
        let manifest = crate::manifest::Manifest::parse(
            "[project]\nname = \"k\"\n[gateway]\nenabled = true\n\
             [services.auth-service]\n\
             [services.billing]\nport = 8005\ndepends_on = [\"auth-service\", \"db\"]\n\
             wait_timeouts = { db = 90 }\n[infra.db]\nurl = \"tcp://db:5432\"\n",
            std::path::Path::new("berth.toml"),
        )
        .unwrap();
        let project = crate::resolve::resolve(&manifest, &standard).unwrap();
        let plan = build(&project, &standard, &templates).unwrap();
        for file in [".env.example", ".env.dev", ".env.prod"] {
            let text = &plan.files[file].content;
            let doc = crate::dotenv::Document::parse(text.as_bytes());
            let written: std::collections::BTreeSet<String> =
                doc.entries.iter().map(|e| e.key.to_string()).collect();
            assert_eq!(written, project.berth_keys(), "{file}");
        }
    }

    #[test]
    fn layout_patterns_match_any_service_context_and_environment() {
        let yes = [
            ("services/SERVICE/Dockerfile", "services/gone/Dockerfile"),
            ("CONTEXT/.dockerignore", "services/gone/.dockerignore"),
            ("CONTEXT/.dockerignore", "gateway/.dockerignore"),
            (
                "CONTEXT/scripts/healthcheck.py",
                "gateway/scripts/healthcheck.py",
            ),
            (".env.ENV", ".env.qa"),
            ("docker-compose.ENV.yml", "docker-compose.qa.yml"),
            (
                "deploy/kubernetes/overlays/ENV/services/SERVICE/pdb.yaml",
                "deploy/kubernetes/overlays/qa/services/gone/pdb.yaml",
            ),
        ];
        for (pattern, path) in yes {
            assert!(
                pattern_matches(pattern, path),
                "{pattern} should match {path}"
            );
        }
        let no = [
            (
                "services/SERVICE/Dockerfile",
                "services/gone/Dockerfile.dockerignore",
            ),
            ("CONTEXT/scripts/healthcheck.py", "scripts/healthcheck.py"),
            ("CONTEXT/.dockerignore", "other/.dockerignore"),
            ("CONTEXT/.dockerignore", ".dockerignore"),
            (".env.ENV", ".env"),
            ("docker-compose.ENV.yml", "docker-compose.yml"),
            (
                "deploy/kubernetes/overlays/ENV/kustomization.yaml",
                "deploy/kubernetes/overlays/kustomization.yaml",
            ),
        ];
        for (pattern, path) in no {
            assert!(
                !pattern_matches(pattern, path),
                "{pattern} must not match {path}"
            );
        }
    }
}
