//! `berth.toml`: the project's own choices, as written by the user (or by `berth init/new`).
//!
//! This module is the file's schema and nothing more: serde types with `deny_unknown_fields`, so
//! a misspelt key is an error that names its line instead of a silently ignored setting. What the
//! values must satisfy, and what an omitted value defaults to, is `rules/` and `resolve.rs`; how the file is
//! edited without losing the user's comments is `manifest_edit.rs`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::standard::Kind;

pub use crate::MANIFEST_FILE as FILE_NAME;

/// `berth.toml` as written. Optional fields are resolved by `resolve::resolve`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub project: ProjectSection,
    #[serde(default)]
    pub gateway: GatewaySection,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSection>,
    /// Declared infrastructure: dependencies that Compose does not run (a managed database, a
    /// broker), reached at a URL the .env files own: `[infra.postgres] url = "tcp://db:5432"`.
    #[serde(default)]
    pub infra: BTreeMap<String, InfraSection>,
    /// Extra variables per environment: `[env.dev] FEATURE_FLAG = "on"`.
    #[serde(default)]
    pub env: BTreeMap<String, BTreeMap<String, String>>,
    /// `berth audit` settings (read by the auditor only).
    #[serde(default)]
    pub audit: AuditSection,
    /// `[kubernetes] enabled = true` renders deploy/kubernetes/ (a Kustomize base and overlays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesSection>,
    /// `[build]`: how images are built and which engines run them (docs/standard.md).
    #[serde(default, skip_serializing_if = "BuildSection::is_default")]
    pub build: BuildSection,
}

/// `[build]`: `installer = "uv" | "pip"` (how the builder stage installs requirements; default
/// uv) and `min_engine = "25.0"` (the oldest Docker Engine the project runs on; default 20.10).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BuildSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<Installer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_engine: Option<String>,
}

impl BuildSection {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// The tool the builder stage installs requirements with.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    /// astral's uv (pinned by the standard, builder stage only): the default, the faster.
    #[default]
    Uv,
    /// pip, for organisations whose package mirror does not carry uv.
    Pip,
}

/// `[audit.ignore]`: whole audit rules switched off for this repository, each with its reason:
/// `BA-C005 = "one environment only: this is a demo"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    #[serde(default)]
    pub ignore: BTreeMap<String, toml::Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSection {
    #[serde(default)]
    pub enabled: bool,
    /// Namespace of each environment, `{env}` standing for its name; default `<project>-{env}`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `spec.ingressClassName` of the gateway's Ingress; default: the cluster's default class.
    #[serde(default)]
    pub ingress_class: Option<String>,
    /// The host the Ingress answers for; default: any host.
    #[serde(default)]
    pub host: Option<String>,
    /// Replicas per environment of every service and the gateway (a kind or a service may set
    /// its own): `{ staging = 2, prod = 3 }`.
    #[serde(default)]
    pub replicas: BTreeMap<String, i64>,
}

/// `[services.NAME.kubernetes]` and `[gateway.kubernetes]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSection {
    #[serde(default)]
    pub replicas: BTreeMap<String, i64>,
    #[serde(default)]
    pub resources: ResourcesSection,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSection {
    #[serde(default)]
    pub requests: QuantitiesSection,
    #[serde(default)]
    pub limits: QuantitiesSection,
}

/// Each omitted value is the standard's for the kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuantitiesSection {
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: String,
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    /// The organisation's template folder, relative to the manifest.
    #[serde(default)]
    pub templates: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<WorkloadSection>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InfraSection {
    /// `tcp://host:port` (up when a connection opens) or `http(s)://host[:port]/path` (up on 2xx).
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    // Unset values are left out when `berth new` writes the table (`manifest_edit`): they follow
    // the standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_timeout: Option<i64>,
    /// Per-dependency timeouts overriding `wait_timeout`: `{ postgres = 120 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub wait_timeouts: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<WorkloadSection>,
}

impl Manifest {
    /// Parses manifest text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::ManifestSyntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
            fix: "correct the line shown (every key: docs/manifest.md)".to_string(),
        })
    }

    /// Reads and parses `DIR/berth.toml`.
    pub fn load(dir: &Path) -> Result<(Self, String)> {
        let path = dir.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotInitialised {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let line = bytes[..valid].split(|&b| b == b'\n').count();
            Error::ManifestSyntax {
                path: path.clone(),
                message: format!("line {line} is not UTF-8"),
                fix: "save berth.toml as UTF-8 (TOML files are UTF-8)".to_string(),
            }
        })?;
        Ok((Self::parse(&text, &path)?, text))
    }
}
