//! The templates: embedded in the binary with `include_dir`, optionally overlaid by the
//! organisation's own folder, rendered with Tera only where they are templates.
//!
//! The `templates/` folder mirrors the output tree. A file whose name ends in `.tera` is a
//! Tera template and produces the file without the suffix; every other file (the Python and
//! PowerShell scripts among them) is copied verbatim, so that editors, ruff and reviewers read it
//! as what it is. `partials/` holds the pieces templates include; `standard.toml` is the
//! standard's data. The planner (plan.rs) expands the `SERVICE`, `CONTEXT` and `ENV` path
//! placeholders and inserts the generated-file header. A file in an override folder replaces the
//! embedded file that produces the same output path (`Dockerfile` or `Dockerfile.tera` alike),
//! which is how an organisation ships its own standard without a fork.
//!
//! Tera parses a template only when a plan renders it (with the partials), never the scripts:
//! parsing was most of the CPU time of a small `berth new`.

mod filters;
pub mod quote;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use include_dir::{Dir, include_dir};
use tera::Tera;

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Name of the standard's data file inside the template tree.
pub const STANDARD_FILE: &str = "standard.toml";

/// Folder of the pieces templates include; never written.
const PARTIALS: &str = "partials/";

/// Suffix of the files Tera renders.
const TERA: &str = ".tera";

/// One file of the template tree that produces output.
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    /// Its path in the template tree (`services/SERVICE/Dockerfile.tera`).
    pub source: &'a str,
    /// The output path it produces, placeholders included (`services/SERVICE/Dockerfile`).
    pub output: &'a str,
    /// Its text: a Tera template, or the file itself when `!rendered`.
    pub text: &'a str,
    pub rendered: bool,
}

/// The embedded `standard.toml`, without building the template set (`berth audit` needs the
/// standard's data, not Tera).
pub fn embedded_standard_text() -> &'static str {
    EMBEDDED
        .get_file(STANDARD_FILE)
        .and_then(|f| f.contents_utf8())
        .expect("templates/standard.toml is embedded")
}

/// All template files (relative path -> text), embedded ones overlaid by an override folder.
///
/// A clone shares the templates parsed so far (`parsed`): `berth fleet` plans many projects
/// from one set, and parses each template once for all of them.
#[derive(Clone)]
pub struct TemplateSet {
    files: BTreeMap<String, Cow<'static, str>>,
    parsed: Arc<Mutex<BTreeMap<String, tera::Template>>>,
}

impl TemplateSet {
    /// Embedded templates, overlaid by the files of `overlay` when given.
    pub fn load(overlay: Option<&Path>) -> Result<Self> {
        let mut files = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut files);
        if let Some(dir) = overlay {
            let mut overrides = BTreeMap::new();
            collect_overlay(dir, dir, &mut overrides)?;
            for (path, text) in overrides {
                let output = output_of(&path).to_string();
                files.retain(|p, _| output_of(p) != output);
                files.insert(path, Cow::Owned(text));
            }
        }
        Ok(Self {
            files,
            parsed: Arc::default(),
        })
    }

    /// The templates that produce files, sorted by their path in the tree.
    pub fn templates(&self) -> impl Iterator<Item = Template<'_>> {
        self.files
            .iter()
            .filter(|(path, _)| *path != STANDARD_FILE && !path.starts_with(PARTIALS))
            .map(|(path, text)| Template {
                source: path,
                output: output_of(path),
                text,
                rendered: path.ends_with(TERA),
            })
    }

    /// The text of the standard's data file.
    pub fn standard_text(&self) -> Result<&str> {
        self.files
            .get(STANDARD_FILE)
            .map(std::convert::AsRef::as_ref)
            .ok_or_else(|| Error::Template {
                path: STANDARD_FILE.into(),
                message: "missing".into(),
            })
    }

    /// A renderer that has parsed `sources` (the `.tera` templates a plan renders) and the
    /// partials they may include, and nothing else.
    ///
    /// Parsing is most of the CPU time of a small run, so the templates are parsed on the
    /// machine's cores at once: each with `tera::Template::new`, exactly what
    /// `Tera::add_raw_templates` does one after another, then handed to Tera, which checks
    /// inheritance and macros as that function would. (`Tera::templates` is public but hidden
    /// from Tera's docs; Cargo.lock pins the Tera release this is written against.)
    pub fn renderer<'a>(&'a self, sources: impl Iterator<Item = &'a str>) -> Result<Renderer> {
        let mut all: Vec<(&str, &str)> = sources
            .filter_map(|s| self.files.get_key_value(s))
            .map(|(p, t)| (p.as_str(), t.as_ref()))
            .collect();
        // The partials they name (`{% include "partials/..." %}`, `{% import ... %}`), and the
        // partials those name: a partial nothing uses is never parsed.
        let mut next = 0;
        while let Some(&(_, text)) = all.get(next) {
            next += 1;
            for name in partials_named(text) {
                let known = all.iter().any(|(p, _)| *p == name);
                if let Some((p, t)) = self.files.get_key_value(name).filter(|_| !known) {
                    all.push((p.as_str(), t.as_ref()));
                }
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        filters::register(&mut tera);
        let fail = |e: tera::Error| Error::Template {
            path: "(templates)".into(),
            message: error_chain(&e),
        };
        {
            let cache = self
                .parsed
                .lock()
                .expect("the template cache is never poisoned");
            all.retain(|(name, _)| match cache.get(*name) {
                Some(t) => {
                    tera.templates.insert((*name).to_string(), t.clone());
                    false
                }
                None => true,
            });
        }
        // Largest first, handed out to whichever thread is free: about the same work each.
        all.sort_by_key(|(_, text)| std::cmp::Reverse(text.len()));
        let parsed = crate::parallel::map(&all, |(name, text)| parse(name, text));
        for template in parsed {
            let (name, template) = template.map_err(fail)?;
            self.parsed
                .lock()
                .expect("the template cache is never poisoned")
                .insert(name.clone(), template.clone());
            tera.templates.insert(name, template);
        }
        tera.build_inheritance_chains().map_err(fail)?;
        tera.check_macro_files().map_err(fail)?;
        Ok(Renderer { tera })
    }
}

/// The `partials/...` templates a template's text names in quotes (single or double), as an
/// `include`, `import` or `extends` does. A name Tera would not find stays an error at render
/// time, as before; a partial named only in a comment is parsed for nothing, which is harmless.
fn partials_named(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices(PARTIALS).filter_map(|(at, _)| {
        let quote = text[..at]
            .chars()
            .next_back()
            .filter(|c| matches!(c, '"' | '\''))?;
        let len = text[at..].find(quote)?;
        Some(&text[at..at + len])
    })
}

/// Parses each `(name, text)`, as `Tera::add_raw_templates` would.
fn parse(name: &str, text: &str) -> tera::Result<(String, tera::Template)> {
    tera::Template::new(name, None, text)
        .map(|t| (name.to_string(), t))
        .map_err(|e| tera::Error::chain(format!("Failed to parse '{name}'"), e))
}

/// The parsed templates of one plan.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    pub fn render(&self, source: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(source, context)
            .map_err(|e| Error::Template {
                path: source.to_string(),
                message: error_chain(&e),
            })
    }
}

/// The output path a template file produces: its path without `.tera`.
fn output_of(path: &str) -> &str {
    path.strip_suffix(TERA).unwrap_or(path)
}

fn collect_embedded(dir: &Dir<'static>, out: &mut BTreeMap<String, Cow<'static, str>>) {
    for file in dir.files() {
        let text = file
            .contents_utf8()
            .expect("build.rs refuses a template that is not UTF-8 text");
        out.insert(slash_path(file.path()), Cow::Borrowed(text));
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn collect_overlay(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<_> = entries
        .map(|e| e.map(|e| e.path()).map_err(|err| Error::io(dir, err)))
        .collect::<Result<_>>()?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_overlay(root, &path, out)?;
        } else {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.insert(slash_path(rel), text);
        }
    }
    Ok(())
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials_are_found_by_the_names_templates_give_them() {
        let text = "{% import \"partials/compose.tera\" as c %}\n\
                    {% include 'partials/env_body.tera' %} partials/bare.tera\n";
        let names: Vec<&str> = partials_named(text).collect();
        assert_eq!(names, ["partials/compose.tera", "partials/env_body.tera"]);
    }

    #[test]
    fn a_renderer_parses_the_partials_its_templates_name_and_no_other() {
        let set = TemplateSet::load(None).unwrap();
        let renderer = set
            .renderer(["docker-compose.yml.tera"].into_iter())
            .unwrap();
        let names: Vec<&str> = renderer.tera.get_template_names().collect();
        assert!(names.contains(&"partials/compose.tera"), "{names:?}");
        assert!(!names.contains(&"partials/kubernetes.tera"), "{names:?}");
    }

    #[test]
    fn only_tera_files_are_rendered_and_partials_produce_nothing() {
        let set = TemplateSet::load(None).unwrap();
        let templates: Vec<Template> = set.templates().collect();
        let find = |out: &str| templates.iter().find(|t| t.output == out).copied();
        let dockerfile = find("services/SERVICE/Dockerfile").unwrap();
        let extension = Path::new(dockerfile.source).extension();
        assert!(dockerfile.rendered && extension.is_some_and(|e| e == "tera"));
        let script = find("CONTEXT/scripts/healthcheck.py").unwrap();
        assert!(!script.rendered && script.text.starts_with("#!/usr/bin/env python3\n"));
        assert!(templates.iter().all(|t| !t.source.starts_with(PARTIALS)));
        assert!(find(STANDARD_FILE).is_none());
    }

    #[test]
    fn an_override_replaces_the_template_of_the_same_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("services/SERVICE")).unwrap();
        std::fs::write(
            dir.path().join("services/SERVICE/Dockerfile"),
            "FROM scratch\n",
        )
        .unwrap();
        let set = TemplateSet::load(Some(dir.path())).unwrap();
        let matching: Vec<Template> = set
            .templates()
            .filter(|t| t.output == "services/SERVICE/Dockerfile")
            .collect();
        assert_eq!(matching.len(), 1);
        assert!(!matching[0].rendered);
        assert_eq!(matching[0].text, "FROM scratch\n");
    }
}
