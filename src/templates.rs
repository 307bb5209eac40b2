//! The templates: embedded in the binary with `include_dir`, optionally overlaid by the
//! organisation's own folder, rendered with Tera.
//!
//! The `templates/` folder mirrors the output tree; the upper-case path segments `SERVICE` and
//! `ENV` are expanded once per service and per environment by the plan. A file in an override
//! folder replaces the embedded file with the same relative path (including `standard.toml`,
//! the standard's data), which is how an organisation ships its own standard without a fork.
//!
//! Every value that crosses into another language goes through a quoting filter defined here,
//! never through raw pasting: `yaml_str` (YAML double-quoted scalar), `compose_str` (the same,
//! with Compose's `$` interpolation escaped), `env_value` (a .env value that Docker Compose reads
//! back byte for byte), `nginx_str` (nginx quoted string) and `py_str` (Python string literal).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use include_dir::{Dir, include_dir};
use tera::{Tera, Value};

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Name of the standard's data file inside the template tree.
pub const STANDARD_FILE: &str = "standard.toml";

/// The embedded `standard.toml`, without building the template set (`berth audit` needs the
/// standard's data, not Tera).
pub fn embedded_standard_text() -> &'static str {
    EMBEDDED
        .get_file(STANDARD_FILE)
        .and_then(|f| f.contents_utf8())
        .expect("templates/standard.toml is embedded")
}

/// All template files (relative path -> text), embedded ones overlaid by an override folder.
pub struct TemplateSet {
    files: BTreeMap<String, String>,
    tera: Tera,
}

impl TemplateSet {
    /// Embedded templates, overlaid by the files of `overlay` when given.
    pub fn load(overlay: Option<&Path>) -> Result<Self> {
        let mut files = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut files);
        if let Some(dir) = overlay {
            collect_overlay(dir, dir, &mut files)?;
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        register_filters(&mut tera);
        let mut blocks = Vec::new();
        let templates: Vec<(&str, String)> = files
            .iter()
            .filter(|(path, _)| path.as_str() != STANDARD_FILE)
            .map(|(p, t)| (p.as_str(), extract_raw_blocks(t, &mut blocks)))
            .collect();
        let blocks = std::sync::Arc::new(blocks);
        tera.register_function("raw_block", move |args: &HashMap<String, Value>| {
            args.get("i")
                .and_then(Value::as_u64)
                .and_then(|i| blocks.get(i as usize))
                .map(|b| Value::String(b.clone()))
                .ok_or_else(|| tera::Error::msg("raw_block: no such block"))
        });
        tera.add_raw_templates(templates)
            .map_err(|e| Error::Template {
                path: "(templates)".into(),
                message: error_chain(&e),
            })?;
        Ok(Self { files, tera })
    }

    /// Template paths (relative, `/`-separated), sorted, without `standard.toml`.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|p| *p != STANDARD_FILE)
    }

    /// The text of the standard's data file.
    pub fn standard_text(&self) -> Result<&str> {
        self.files
            .get(STANDARD_FILE)
            .map(String::as_str)
            .ok_or_else(|| Error::Template {
                path: STANDARD_FILE.into(),
                message: "missing".into(),
            })
    }

    pub fn render(&self, path: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(path, context)
            .map_err(|e| Error::Template {
                path: path.to_string(),
                message: error_chain(&e),
            })
    }
}

/// Cuts every `{% raw %}...{% endraw %}` block out of a template before Tera parses it, and puts
/// a `{{ raw_block(i=N) }}` call in its place (outer whitespace control kept as `{{-` / `-}}`).
/// The output is the same; the reason is speed: Tera's parser walks raw text one character at a
/// time, and the scripts are long raw blocks (that walk was a third of `berth init`).
fn extract_raw_blocks(text: &str, blocks: &mut Vec<String>) -> String {
    /// `Some((trim_before, trim_after, tag_len))` when `s` starts with `{% <word> %}`.
    fn tag(s: &str, word: &str) -> Option<(bool, bool, usize)> {
        let rest = s.strip_prefix("{%")?;
        let (before, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let trimmed = rest.trim_start();
        let rest = trimmed.strip_prefix(word)?;
        let rest2 = rest.trim_start();
        let (after, rest3) = match rest2.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest2),
        };
        let rest4 = rest3.strip_prefix("%}")?;
        (rest.len() != rest2.len() || rest2.starts_with('-') || rest2.starts_with('%')).then_some((
            before,
            after,
            s.len() - rest4.len(),
        ))
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{%") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some((open_before, open_after, open_len)) = tag(rest, "raw") else {
            out.push_str("{%");
            rest = &rest[2..];
            continue;
        };
        let body = &rest[open_len..];
        let Some(end) = (0..body.len())
            .filter(|&i| body.is_char_boundary(i) && body[i..].starts_with("{%"))
            .find(|&i| tag(&body[i..], "endraw").is_some())
        else {
            // Unterminated: leave it to Tera to report.
            out.push_str(rest);
            return out;
        };
        let (close_before, close_after, close_len) =
            tag(&body[end..], "endraw").expect("found above");
        let mut content = &body[..end];
        if open_after {
            content = content.trim_start();
        }
        if close_before {
            content = content.trim_end();
        }
        out.push_str(if open_before { "{{-" } else { "{{" });
        out.push_str(&format!(" raw_block(i={}) ", blocks.len()));
        out.push_str(if close_after { "-}}" } else { "}}" });
        blocks.push(content.to_string());
        rest = &body[end + close_len..];
    }
    out.push_str(rest);
    out
}

fn collect_embedded(dir: &Dir<'static>, out: &mut BTreeMap<String, String>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.insert(slash_path(file.path()), text.to_string());
        }
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

type FilterResult = tera::Result<Value>;

fn str_arg<'a>(value: &'a Value, filter: &str) -> tera::Result<std::borrow::Cow<'a, str>> {
    match value {
        Value::String(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Ok(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Ok(std::borrow::Cow::Owned(b.to_string())),
        other => Err(tera::Error::msg(format!(
            "filter {filter} expects a string, got {other}"
        ))),
    }
}

fn register_filters(tera: &mut Tera) {
    fn wrap(
        name: &'static str,
        f: fn(&str) -> std::result::Result<String, String>,
    ) -> impl Fn(&Value, &HashMap<String, Value>) -> FilterResult {
        move |value, _args| {
            let s = str_arg(value, name)?;
            f(&s).map(Value::String).map_err(tera::Error::msg)
        }
    }
    tera.register_filter("yaml_str", wrap("yaml_str", |s| Ok(quote::yaml(s))));
    tera.register_filter(
        "compose_str",
        wrap("compose_str", |s| Ok(quote::compose(s))),
    );
    tera.register_filter("env_value", wrap("env_value", |s| Ok(quote::env_value(s))));
    tera.register_filter("nginx_str", wrap("nginx_str", quote::nginx));
    tera.register_filter("py_str", wrap("py_str", |s| Ok(quote::python(s))));
    tera.register_filter("ref", compose_ref);
    tera.register_filter("image_ref", image_ref);
    tera.register_filter("prepend", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(format!(
            "{}{}",
            text_arg(args, "prepend")?,
            str_arg(v, "prepend")?
        )))
    });
    tera.register_filter("append", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(format!(
            "{}{}",
            str_arg(v, "append")?,
            text_arg(args, "append")?
        )))
    });
    tera.register_filter(
        "shouty",
        wrap("shouty", |s| {
            Ok(heck::ToShoutySnakeCase::to_shouty_snake_case(s))
        }),
    );
    tera.register_filter(
        "snake",
        wrap("snake", |s| Ok(heck::ToSnakeCase::to_snake_case(s))),
    );
    tera.register_filter(
        "kebab",
        wrap("kebab", |s| Ok(heck::ToKebabCase::to_kebab_case(s))),
    );
}

fn text_arg(args: &HashMap<String, Value>, filter: &str) -> tera::Result<String> {
    match args.get("text") {
        Some(v) => Ok(str_arg(v, filter)?.into_owned()),
        None => Err(tera::Error::msg(format!("filter {filter} needs text=..."))),
    }
}

/// `{{ "AUTH_SERVICE" | ref(suffix="_PORT") }}` -> `${AUTH_SERVICE_PORT}`: a Compose variable
/// reference. `required=true` makes Compose refuse to start while it is unset or empty;
/// `append` adds literal text after the reference. Variable names are checked here, so a
/// template cannot produce a malformed reference.
fn compose_ref(value: &Value, args: &HashMap<String, Value>) -> FilterResult {
    let name = format!(
        "{}{}",
        str_arg(value, "ref")?,
        args.get("suffix")
            .map(|v| str_arg(v, "ref"))
            .transpose()?
            .unwrap_or_default()
    );
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_uppercase())
        || !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(tera::Error::msg(format!(
            "ref: {name:?} is not a variable name"
        )));
    }
    let required = matches!(args.get("required"), Some(Value::Bool(true)));
    let mut out = if required {
        format!("${{{name}:?set {name} in the .env file of this environment}}")
    } else {
        format!("${{{name}}}")
    };
    if let Some(extra) = args.get("append") {
        out.push_str(&str_arg(extra, "ref")?.replace('$', "$$"));
    }
    Ok(Value::String(out))
}

/// `{{ "auth-service" | image_ref(project="demo") }}` -> `${IMAGE_PREFIX:-demo}/auth-service:${IMAGE_TAG:-latest}`.
fn image_ref(value: &Value, args: &HashMap<String, Value>) -> FilterResult {
    let project = args
        .get("project")
        .map(|v| str_arg(v, "image_ref"))
        .transpose()?
        .unwrap_or_default();
    Ok(Value::String(format!(
        "${{IMAGE_PREFIX:-{}}}/{}:${{IMAGE_TAG:-latest}}",
        project.replace('$', "$$").replace('}', ""),
        str_arg(value, "image_ref")?.replace('$', "$$")
    )))
}

/// Quoting for each target language. Pure functions, unit-tested below and round-tripped
/// through the real consumers (Docker Compose, python3) in the integration tests.
pub mod quote {
    /// A YAML double-quoted scalar.
    pub fn yaml(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A YAML scalar whose `$` Compose must not interpolate.
    pub fn compose(s: &str) -> String {
        yaml(&s.replace('$', "$$"))
    }

    /// A .env value that Docker Compose's dotenv parser reads back exactly.
    ///
    /// Plain values stay bare (dotenv linters flag needless quotes); anything else is single
    /// quoted (literal in Compose: no escapes, no interpolation) unless it holds a single quote
    /// or a line break, in which case it is double quoted with `\`, `"`, `$` and newlines escaped.
    pub fn env_value(s: &str) -> String {
        let plain = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.,/:@+%".contains(c));
        if plain {
            return s.to_string();
        }
        if !s.contains('\'') && !s.contains('\n') && !s.contains('\r') {
            return format!("'{s}'");
        }
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '$' => out.push_str("\\$"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// An nginx double-quoted string. `$` would be read as a variable and has no escape in
    /// nginx strings, so it is refused rather than silently changed.
    pub fn nginx(s: &str) -> Result<String, String> {
        if s.contains('$') {
            return Err(format!(
                "{s:?} contains '$', which nginx would read as a variable"
            ));
        }
        Ok(format!(
            "\"{}\"",
            s.replace('\\', "\\\\").replace('"', "\\\"")
        ))
    }

    /// A Python string literal (JSON string syntax is valid Python).
    pub fn python(s: &str) -> String {
        serde_json::to_string(s).expect("a string always serialises")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn raw_blocks_render_as_tera_renders_them() {
            let text = "a {{ x }}\n{% raw %}{{ keep }} {% if %}\n{% endraw -%}\n  b {%- raw %} c {% endraw %}{% raw %}é{% endraw %}";
            let mut tera = tera::Tera::default();
            tera.add_raw_template("t", text).unwrap();
            let mut ctx = tera::Context::new();
            ctx.insert("x", "1");
            let expected = tera.render("t", &ctx).unwrap();
            let mut blocks = Vec::new();
            let cut = super::super::extract_raw_blocks(text, &mut blocks);
            assert_eq!(blocks.len(), 3);
            assert!(!cut.contains("keep"), "{cut}");
            let mut tera = tera::Tera::default();
            let b = blocks.clone();
            tera.register_function(
                "raw_block",
                move |args: &std::collections::HashMap<String, tera::Value>| {
                    Ok(tera::Value::String(
                        b[args["i"].as_u64().unwrap() as usize].clone(),
                    ))
                },
            );
            tera.add_raw_template("t", &cut).unwrap();
            assert_eq!(tera.render("t", &ctx).unwrap(), expected);
        }

        #[test]
        fn env_values() {
            assert_eq!(env_value("8001"), "8001");
            assert_eq!(env_value("http://a-b:80/x"), "http://a-b:80/x");
            assert_eq!(env_value(""), "");
            assert_eq!(env_value("a b"), "'a b'");
            assert_eq!(env_value("p$ss#1"), "'p$ss#1'");
            assert_eq!(env_value("it's \"$x\""), "\"it's \\\"\\$x\\\"\"");
        }

        #[test]
        fn yaml_and_compose() {
            assert_eq!(yaml("a\"b\\c"), "\"a\\\"b\\\\c\"");
            assert_eq!(compose("$HOME"), "\"$$HOME\"");
        }

        #[test]
        fn nginx_and_python() {
            assert_eq!(nginx("/a\"b").unwrap(), "\"/a\\\"b\"");
            assert!(nginx("/$x").is_err());
            assert_eq!(python("it's \"x\"\n"), "\"it's \\\"x\\\"\\n\"");
        }
    }
}
