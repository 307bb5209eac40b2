//! The Tera filters the templates use. Every value that crosses into another language goes
//! through one of them (`yaml_str`, `compose_str`, `env_value`, `nginx_str`, `py_str`, `ref`,
//! `image_ref`, `kustomize_literal`), never through raw pasting; the casing filters (`shouty`, `snake`, `kebab`) are
//! heck's.

use std::collections::HashMap;

use tera::{Tera, Value};

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

pub(super) fn register(tera: &mut Tera) {
    fn wrap(
        name: &'static str,
        f: fn(&str) -> std::result::Result<String, String>,
    ) -> impl Fn(&Value, &HashMap<String, Value>) -> FilterResult {
        move |value, _args| {
            let s = str_arg(value, name)?;
            f(&s).map(Value::String).map_err(tera::Error::msg)
        }
    }
    tera.register_filter("yaml_str", wrap("yaml_str", |s| Ok(super::quote::yaml(s))));
    tera.register_filter(
        "compose_str",
        wrap("compose_str", |s| Ok(super::quote::compose(s))),
    );
    tera.register_filter(
        "env_value",
        wrap("env_value", |s| Ok(super::quote::env_value(s))),
    );
    tera.register_filter("nginx_str", wrap("nginx_str", super::quote::nginx));
    tera.register_filter("py_str", wrap("py_str", |s| Ok(super::quote::python(s))));
    tera.register_filter(
        "kustomize_literal",
        |v: &Value, args: &HashMap<String, Value>| {
            let value = match args.get("value") {
                Some(v) => str_arg(v, "kustomize_literal")?,
                None => return Err(tera::Error::msg("filter kustomize_literal needs value=...")),
            };
            Ok(Value::String(super::quote::kustomize_literal(
                &str_arg(v, "kustomize_literal")?,
                &value,
            )))
        },
    );
    tera.register_filter("url_port", wrap("url_port", url_port));
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

/// `tcp://db:5432` -> `5432`; `https://vault.example.com/x` -> `443` (the scheme's default port
/// when the URL has none). The port a `NetworkPolicy` must open to reach a declared
/// infrastructure's URL.
fn url_port(url: &str) -> std::result::Result<String, String> {
    let bad = || format!("url_port: {url:?} is not scheme://host[:port][/path]");
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or("");
    match (authority.rsplit_once(':'), scheme) {
        (Some((_, port)), _) => port
            .parse::<u16>()
            .map(|p| p.to_string())
            .map_err(|_| bad()),
        (None, "http") => Ok("80".into()),
        (None, "https") => Ok("443".into()),
        (None, _) => Err(bad()),
    }
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
