//! BA-C002 (hard-coded URL), BA-C003 (hard-coded port), BA-C004 (hard-coded credential),
//! BA-C005 (configuration per environment).
//!
//! A value that Compose interpolates (`${NAME}`, `$NAME`) comes from the environment or the
//! `.env` file of the environment, which is what the standard asks; a literal does not. A
//! credential is a literal value of a secret-named key (in `environment:` or `build.args`), a
//! password in a URL's user-info, or a private key; findings never quote it (`redact.rs`).

use crate::audit::compose::{EnvVar, Service};
use crate::audit::project::ComposeDoc;
use crate::audit::redact::{is_private_key, is_secret_name, only_interpolates, url_password};
use crate::audit::relpath::join;

use super::Sink;

/// Whether Compose substitutes something into `value`.
pub(super) fn interpolated(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1].is_ascii_alphabetic() || w[1] == b'_'))
}

pub(super) fn check(sink: &mut Sink, doc: &ComposeDoc) {
    for service in &doc.parsed.services {
        published_ports(sink, doc, service);
        for var in &service.environment {
            environment(sink, doc, service, var);
        }
        for arg in service.build.iter().flat_map(|b| &b.args) {
            credential(sink, doc, service, arg, "build argument");
        }
    }
}

/// BA-C003: a host port written out in `ports:`.
fn published_ports(sink: &mut Sink, doc: &ComposeDoc, service: &Service) {
    for port in &service.ports {
        let Some(published) = &port.published else {
            continue;
        };
        if published.is_empty() || interpolated(published) {
            continue;
        }
        sink.push(
            "BA-C003",
            &doc.source.display,
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

/// BA-C002, BA-C004, BA-C003: a URL, a secret or a port written out in `environment:`.
fn environment(sink: &mut Sink, doc: &ComposeDoc, service: &Service, var: &EnvVar) {
    let file = &doc.source.display;
    let Some(value) = var.value.as_deref() else {
        return;
    };
    if value.is_empty() || (interpolated(value) && !literal_url(value)) {
        return;
    }
    if credential(sink, doc, service, var, "environment variable") && !literal_url(value) {
        return;
    }
    let key = var.key.to_ascii_uppercase();
    let (rule, message, fix) = if literal_url(value) {
        let local = value.contains("localhost") || value.contains("127.0.0.1");
        let what = if local { "localhost URL" } else { "URL" };
        let message = format!(
            "{}: {} = `{value}` is a hard-coded {what}",
            service.name, var.key
        );
        ("BA-C002", message, None)
    } else if (key == "PORT" || key.ends_with("_PORT")) && value.parse::<u16>().is_ok() {
        let message = format!(
            "{}: {} = {value} is a hard-coded port",
            service.name, var.key
        );
        let fix = format!("`{0}: ${{{0}}}`, the value in the .env files", var.key);
        ("BA-C003", message, Some(fix))
    } else {
        return;
    };
    sink.push(rule, file, doc.dev, var.line, message, fix);
}

/// BA-C004: a credential written out in `var` (a secret-named key's literal value, a
/// password in a URL's user-info, a private key). Whether one was found.
fn credential(
    sink: &mut Sink,
    doc: &ComposeDoc,
    service: &Service,
    var: &EnvVar,
    what: &str,
) -> bool {
    let Some(value) = var.value.as_deref().filter(|v| !v.is_empty()) else {
        return false;
    };
    let length = value.chars().count();
    let message = if url_password(value).is_some() {
        format!(
            "{}: the {what} {} = `{value}` has a password in the URL's user-info",
            service.name, var.key
        )
    } else if is_private_key(value) || (is_secret_name(&var.key) && !only_interpolates(value)) {
        format!(
            "{}: the {what} {} is set to a literal secret ({length} characters)",
            service.name, var.key
        )
    } else {
        return false;
    };
    let fix = format!(
        "`{0}: ${{{0}:?set {0}}}`, the value in the .env files (kept out of version control)",
        var.key
    );
    sink.push(
        "BA-C004",
        &doc.source.display,
        doc.dev,
        var.line,
        message,
        Some(fix),
    );
    true
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
    // The key berth itself gives a service's values (resolve.rs), so the fix names the same.
    heck::ToShoutySnakeCase::to_shouty_snake_case(service)
}

/// BA-C005: each Compose project (a folder's base file and overrides) has, for every
/// environment, an override `docker-compose.ENV.yml` or a `.env.ENV` file. The environments are
/// `project.environments` of `berth.toml`, else the standard's.
pub(super) fn check_environments(sink: &mut Sink) {
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
