//! Writing `berth.toml`: a fresh manifest for `init`, and the one-service edit of `new`.
//!
//! Edits go through `toml_edit`, so the user's comments, ordering and formatting survive
//! `berth new`. Values the standard owns (the port and workers of a service from its table) are
//! left out of the file on purpose: they then follow the standard when it is updated, instead of
//! being pinned to the numbers of the day the service was added.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::{Error, Result};
use crate::manifest::ServiceSection;

/// A service as `berth new` (or a preset) adds it: the `[services.NAME]` table berth.toml
/// holds (`None`: the standard's value, left out of the file) and a comment written above it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewService {
    pub name: String,
    pub section: ServiceSection,
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

    // The table as serde writes berth.toml's own type, so that `new` and the reader agree on
    // every field's name and form.
    let mut table = toml_edit::ser::to_document(&service.section)
        .expect("a service table always serialises")
        .as_table()
        .clone();
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
    use crate::standard::Kind;

    #[test]
    fn add_service_keeps_comments_and_order() {
        let text = "# my notes\n[project]\nname = \"x\" # inline\n\n[services.b]\nport = 9000 # keep\n\n[gateway]\nenabled = false\n";
        let out = add_service(
            text,
            &NewService {
                name: "a-new".into(),
                section: ServiceSection {
                    kind: Some(Kind::Http),
                    port: Some(8005),
                    depends_on: vec!["b".into()],
                    wait_timeouts: [("b".to_string(), 90)].into(),
                    ..Default::default()
                },
                comment: Some("added".into()),
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
                "# added\n[services.a-new]\nkind = \"http\"\nport = 8005\ndepends_on = [\"b\"]\nwait_timeouts = { b = 90 }\n"
            ),
            "{out}"
        );
    }
}
