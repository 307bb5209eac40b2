//! Files derived from another planned file's final content: each Kubernetes overlay's
//! `kustomization.yaml` (image tags, `ConfigMap` literals) and infrastructure egress policy are
//! rendered from `.env.<env>` as it is after berth's key-by-key merge of the same run, since the
//! user owns the values there.
//!
//! `plan::build` records such a file instead of rendering it; `apply::prepare` decides the input
//! file first, decodes its final content as Docker Compose reads it (`dotenv::decode`), and
//! asks `Plan::derive` for the content. The template then sees `dotenv`: exactly the keys the
//! overlays read (never a secret, never a key the user added), each checked first. A value Docker
//! Compose reads but a cluster could not reproduce (it interpolates the shell's variables), an
//! `IMAGE_TAG` of `latest` or a malformed image name or infrastructure URL is an error naming the
//! file, the line, the key and the fix, before anything is written.

use std::collections::{BTreeMap, BTreeSet};

use tera::Context;

use crate::dotenv::decode::Decoded;
use crate::error::{Error, Problem, Refusal, Result};
use crate::model::{Project, Service};
use crate::rules;
use crate::standard::Standard;
use crate::templates::Renderer;

use super::normalise::normalise;
use super::{Ownership, PlannedFile, comment_marker, header, with_header};

/// A `.env` file's keys as Docker Compose reads them.
pub type EnvValues = BTreeMap<String, Decoded>;

/// The templates (output patterns) whose content is derived, and the file each is derived from.
const DERIVED: [(&str, &str); 2] = [
    (
        "deploy/kubernetes/overlays/ENV/kustomization.yaml",
        ".env.ENV",
    ),
    (
        "deploy/kubernetes/overlays/ENV/services/SERVICE/network-policy-infra.yaml",
        ".env.ENV",
    ),
];

/// The input pattern of a derived template's output pattern.
pub(super) fn input_of(output: &str) -> Option<&'static str> {
    DERIVED.iter().find(|(o, _)| *o == output).map(|(_, i)| *i)
}

/// One derived file: its template, environment, service and input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The planned file its content comes from (`.env.prod`).
    pub input: String,
    source: String,
    env: String,
    service: Option<String>,
}

impl Derived {
    pub(super) fn new(source: &str, input: &str, env: &str, service: Option<&Service>) -> Self {
        Self {
            input: input.replace("ENV", env),
            source: source.to_string(),
            env: env.to_string(),
            service: service.map(|s| s.name.clone()),
        }
    }
}

/// What rendering a derived file needs: the parsed templates, the plan's context and the rules
/// of the values.
pub(super) struct Deriver {
    renderer: Renderer,
    ctx: Context,
    services: BTreeMap<String, Service>,
    /// The keys the derived templates may read.
    keys: BTreeSet<String>,
    /// `<INFRA>_URL` keys, with the infrastructure's name.
    infra_urls: BTreeMap<String, String>,
    project_name: String,
    image_tag: String,
    header: [String; 3],
}

impl std::fmt::Debug for Deriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deriver")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Deriver {
    pub(super) fn new(
        renderer: Renderer,
        ctx: Context,
        project: &Project,
        standard: &Standard,
    ) -> Self {
        let keys = project
            .kubernetes
            .as_ref()
            .map(crate::model::kubernetes::Kubernetes::env_keys)
            .unwrap_or_default();
        Self {
            renderer,
            ctx,
            services: project
                .services
                .iter()
                .map(|s| (s.name.clone(), s.clone()))
                .collect(),
            keys,
            infra_urls: project
                .infra
                .iter()
                .map(|i| (format!("{}_URL", i.key), i.name.clone()))
                .collect(),
            project_name: project.name.clone(),
            image_tag: project
                .kubernetes
                .as_ref()
                .map(|k| k.image_tag.clone())
                .unwrap_or_default(),
            header: header(standard, Ownership::Managed),
        }
    }

    pub(super) fn render(&self, d: &Derived, values: &EnvValues) -> Result<Option<PlannedFile>> {
        let dotenv = self.values(&d.input, values)?;
        let mut ctx = self.ctx.clone();
        ctx.insert("env", &d.env);
        ctx.insert("dotenv", &dotenv);
        if let Some(name) = &d.service {
            ctx.insert("service", &self.services[name]);
        }
        let rendered = self.renderer.render(&d.source, &ctx)?;
        if rendered.trim().is_empty() {
            return Ok(None);
        }
        let output = d.source.strip_suffix(".tera").unwrap_or(&d.source);
        let mut content = with_header(&rendered, &self.header, comment_marker(output));
        normalise(&mut content);
        Ok(Some(PlannedFile {
            content,
            ownership: Ownership::Managed,
        }))
    }

    /// The values of the keys the templates read, each checked; every problem at once.
    fn values(&self, input: &str, values: &EnvValues) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let mut problems = Vec::new();
        for key in &self.keys {
            let Some(decoded) = values.get(key) else {
                problems.push(Problem::new(
                    key,
                    "(missing)",
                    Refusal::new(
                        "is not set, and the overlay needs it",
                        format!(
                            "add {key}=VALUE to {input} (`berth generate` adds berth's keys back)"
                        ),
                    ),
                ));
                continue;
            };
            let field = format!("{key} (line {})", decoded.line);
            let checked = decoded
                .value
                .clone()
                .map_err(|u| Refusal::new(u.reason, u.fix))
                .and_then(|v| self.check(key, &v).map(|()| v));
            match checked {
                Ok(v) => {
                    out.insert(key.clone(), v);
                }
                Err(r) => problems.push(Problem::new(field, format!("{:?}", decoded.raw), r)),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::EnvValues {
                path: input.to_string(),
                problems,
            })
        }
    }

    /// The rule of a key whose value the manifests use as more than a string.
    fn check(&self, key: &str, value: &str) -> std::result::Result<(), Refusal> {
        match key {
            "IMAGE_TAG" => rules::image_tag(value, &self.image_tag),
            "IMAGE_PREFIX" => rules::image_prefix(value, &self.project_name),
            _ => match self.infra_urls.get(key) {
                Some(name) => rules::infra_url(value, name),
                None => Ok(()),
            },
        }
    }
}
