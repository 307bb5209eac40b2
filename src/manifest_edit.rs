//! Writing `berth.toml`: a fresh manifest for `init`, and the one-service edit of `new`.
//!
//! Edits go through `toml_edit`, so the user's comments, ordering and formatting survive
//! `berth new`. Values the standard owns (the port and workers of a service from its table) are
//! left out of the file on purpose: they then follow the standard when it is updated, instead of
//! being pinned to the numbers of the day the service was added.

use std::collections::BTreeMap;
use std::path::Path;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use crate::error::{Error, Result};
use crate::standard::Kind;

/// A service as `berth new` (or a preset) adds it. `None` means "the standard's value".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewService {
    pub name: String,
    pub kind: Option<Kind>,
    pub port: Option<u16>,
    pub workers: Option<u32>,
    pub depends_on: Vec<String>,
    pub wait_timeout: Option<u32>,
    /// Per-dependency timeouts that differ from `wait_timeout`.
    pub wait_timeouts: BTreeMap<String, u32>,
    pub route: Option<String>,
    /// A comment written above the table.
    pub comment: Option<String>,
}

/// The manifest `berth init` writes.
pub fn new_manifest(
    name: &str,
    environments: &[String],
    gateway: bool,
    services: &[NewService],
) -> String {
    let mut text = format!(
        "# berth.toml: this project's container setup, rendered by berth into Dockerfiles, Compose\n\
         # files, .env files and scripts that follow the platform's container standard.\n\
         # Edit it (or run `berth new NAME`), then run `berth generate`. Keys: see berth's README.\n\
         \n\
         [project]\n\
         name = {}\n\
         environments = [{}]\n\
         \n\
         [gateway]\n\
         # A non-root nginx reverse proxy: the only container that publishes a port outside dev.\n\
         enabled = {gateway}\n",
        toml_string(name),
        environments
            .iter()
            .map(|e| toml_string(e))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for service in services {
        text = add_service(&text, service, Path::new("berth.toml"))
            .expect("a manifest berth wrote itself always parses");
    }
    text
}

fn toml_string(s: &str) -> String {
    value(s).to_string().trim().to_string()
}

/// Adds `[services.<name>]` to the manifest text, keeping everything else byte for byte.
pub fn add_service(text: &str, service: &NewService, path: &Path) -> Result<String> {
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| Error::ManifestSyntax {
                path: path.to_path_buf(),
                message: e.to_string().trim_end().to_string(),
                fix: "correct the line shown".into(),
            })?;
    if !doc.contains_key("services") {
        let mut services = Table::new();
        services.set_implicit(true);
        doc.insert("services", Item::Table(services));
    }
    let services = doc["services"]
        .as_table_mut()
        .ok_or_else(|| Error::ManifestSyntax {
            path: path.to_path_buf(),
            message: "`services` is not a table".into(),
            fix: "write services as [services.NAME] tables".into(),
        })?;
    services.set_implicit(true);

    let mut table = Table::new();
    if let Some(kind) = service.kind {
        table.insert("kind", value(kind.as_str()));
    }
    if let Some(port) = service.port {
        table.insert("port", value(i64::from(port)));
    }
    if let Some(workers) = service.workers {
        table.insert("workers", value(i64::from(workers)));
    }
    if !service.depends_on.is_empty() {
        let mut deps = Array::new();
        for d in &service.depends_on {
            deps.push(d.as_str());
        }
        table.insert("depends_on", value(deps));
    }
    if let Some(t) = service.wait_timeout {
        table.insert("wait_timeout", value(i64::from(t)));
    }
    if !service.wait_timeouts.is_empty() {
        let mut timeouts = InlineTable::new();
        for (dep, secs) in &service.wait_timeouts {
            timeouts.insert(dep, i64::from(*secs).into());
        }
        table.insert("wait_timeouts", value(timeouts));
    }
    if let Some(route) = &service.route {
        table.insert("route", value(route.as_str()));
    }
    let prefix = match &service.comment {
        Some(c) => format!(
            "\n{}\n",
            c.lines()
                .map(|l| format!("# {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        None => "\n".to_string(),
    };
    table.decor_mut().set_prefix(prefix);
    services.insert(&service.name, Item::Table(table));
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_service_keeps_comments_and_order() {
        let text = "# my notes\n[project]\nname = \"x\" # inline\n\n[services.b]\nport = 9000 # keep\n\n[gateway]\nenabled = false\n";
        let out = add_service(
            text,
            &NewService {
                name: "a-new".into(),
                kind: Some(Kind::Http),
                port: Some(8005),
                depends_on: vec!["b".into()],
                comment: Some("added".into()),
                ..Default::default()
            },
            Path::new("berth.toml"),
        )
        .unwrap();
        assert!(
            out.starts_with(text.split("[gateway]").next().unwrap()),
            "{out}"
        );
        assert!(out.contains("name = \"x\" # inline"));
        assert!(out.contains("port = 9000 # keep"));
        assert!(
            out.contains(
                "# added\n[services.a-new]\nkind = \"http\"\nport = 8005\ndepends_on = [\"b\"]\n"
            ),
            "{out}"
        );
    }
}
