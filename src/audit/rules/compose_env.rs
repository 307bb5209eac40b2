//! BA-C002 (hard-coded URL), BA-C003 (hard-coded port), BA-C004 (hard-coded credential),
//! BA-C005 (configuration per environment).
//!
//! A value that Compose interpolates (`${NAME}`, `$NAME`) comes from the environment or the
//! `.env` file of the environment, which is what the standard asks; a literal does not.

use crate::audit::project::{ComposeDoc, join};

use super::Sink;

/// Parts of a variable name that mark a secret.
const SECRET_WORDS: [&str; 9] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// Whether Compose substitutes something into `value`.
pub fn interpolated(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1].is_ascii_alphabetic() || w[1] == b'_'))
}

pub fn check(sink: &mut Sink, doc: &ComposeDoc) {
    let file = &doc.source.display;
    for service in &doc.parsed.services {
        for port in &service.ports {
            let Some(published) = &port.published else {
                continue;
            };
            if !published.is_empty() && !interpolated(published) {
                sink.push(
                    "BA-C003",
                    file,
                    doc.dev,
                    port.line,
                    format!(
                        "{} publishes host port {published} literally (`{}`)",
                        service.name, port.text
                    ),
                    Some(format!(
                        "take the host port from the .env files: `\"${{{}_PORT}}:{}\"`",
                        env_name(&service.name),
                        port.target
                    )),
                );
            }
        }
        for var in &service.environment {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            if value.is_empty() || (interpolated(value) && !literal_url(value)) {
                continue;
            }
            let key = var.key.to_ascii_uppercase();
            if literal_url(value) {
                let what = if value.contains("localhost") || value.contains("127.0.0.1") {
                    "localhost URL"
                } else {
                    "URL"
                };
                sink.push(
                    "BA-C002",
                    file,
                    doc.dev,
                    var.line,
                    format!(
                        "{}: {} = `{value}` is a hard-coded {what}",
                        service.name, var.key
                    ),
                    None,
                );
            } else if SECRET_WORDS.iter().any(|w| key.contains(w)) && !key.ends_with("_FILE") {
                sink.push(
                    "BA-C004",
                    file,
                    doc.dev,
                    var.line,
                    format!(
                        "{}: {} is set to a literal secret ({} characters)",
                        service.name,
                        var.key,
                        value.chars().count()
                    ),
                    Some(format!(
                        "`{}: ${{{}:?set {}}}`, the value in the .env files",
                        var.key, var.key, var.key
                    )),
                );
            } else if (key == "PORT" || key.ends_with("_PORT")) && value.parse::<u16>().is_ok() {
                sink.push(
                    "BA-C003",
                    file,
                    doc.dev,
                    var.line,
                    format!(
                        "{}: {} = {value} is a hard-coded port",
                        service.name, var.key
                    ),
                    Some(format!(
                        "`{}: ${{{}}}`, the value in the .env files",
                        var.key, var.key
                    )),
                );
            }
        }
    }
}

/// A URL whose host is written out (`http://localhost:8000`, `postgres://u:p@db/x`), not
/// interpolated (`http://${API_HOST}`).
fn literal_url(value: &str) -> bool {
    let Some(at) = value.find("://") else {
        return false;
    };
    let scheme = &value[..at];
    let scheme = scheme
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
        .next()
        .unwrap_or("");
    if scheme.is_empty() || !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let rest = &value[at + 3..];
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    !host.is_empty() && !host.starts_with('$')
}

/// `auth-service` -> `AUTH_SERVICE`.
fn env_name(service: &str) -> String {
    service.to_ascii_uppercase().replace(['-', '.'], "_")
}

/// BA-C005: each Compose project (a folder's base file and overrides) has, for every
/// environment, an override `docker-compose.ENV.yml` or a `.env.ENV` file. The environments are
/// `project.environments` of `berth.toml`, else the standard's.
pub fn check_environments(sink: &mut Sink) {
    let project = sink.project;
    let environments = project
        .settings
        .environments
        .clone()
        .unwrap_or_else(|| sink.standard.environments.names.clone());
    for (dir, files) in project.compose_projects() {
        let Some(base) = files
            .iter()
            .map(|&i| &project.composes[i])
            .find(|d| d.env.is_none() && !d.dev)
        else {
            continue;
        };
        let missing: Vec<&str> = environments
            .iter()
            .filter(|env| {
                // `compose.override.yml`, Compose's own convention for local work, is dev's.
                let override_file = files.iter().any(|&i| {
                    let doc = &project.composes[i];
                    doc.env.as_deref() == Some(env.as_str())
                        || (env.as_str() == "dev" && doc.env.is_some() && doc.dev)
                });
                let env_file = project.is_file(&join(dir, &format!(".env.{env}")));
                !override_file && !env_file
            })
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        let list = missing.join(", ");
        let names: Vec<String> = missing.iter().map(|e| format!(".env.{e}")).collect();
        sink.push(
            "BA-C005",
            &base.source.display,
            base.dev,
            1,
            format!("no configuration for the environment(s) {list}: no .env.ENV file and no override beside this file"),
            Some(format!("add {} (values) and/or docker-compose.ENV.yml overrides", names.join(", "))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_interpolation() {
        assert!(literal_url("http://localhost:8000/x"));
        assert!(literal_url("postgres://user:pw@db:5432/app"));
        assert!(!literal_url("http://${HOST}:8000"));
        assert!(!literal_url("${AUTH_URL}/health"));
        assert!(!literal_url("no url"));
        assert!(interpolated("${A}"));
        assert!(interpolated("x$A"));
        assert!(!interpolated("cost $5"));
        assert_eq!(env_name("auth-service"), "AUTH_SERVICE");
    }
}
