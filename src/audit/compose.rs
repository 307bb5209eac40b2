//! Compose files as the auditor sees them: services with the lines of their build, ports,
//! environment, dependencies, health check and networks.
//!
//! YAML is parsed with saphyr (YAML 1.2, aliases resolved, a line for every node). Merge keys
//! (`<<: *defaults`), which Compose supports and saphyr leaves to its users, are applied here:
//! the merged mapping's keys fill in those not written. Only the keys the rules read are
//! modelled; unknown keys are ignored, as Compose's own schema check (`docker compose
//! config`) is the place to reject them. Values keep the text written, `${VAR}` included:
//! interpolation happens at `docker compose` time, from the `.env` files.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::source::Source;

/// A parsed Compose file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Compose {
    pub services: Vec<Service>,
    /// Top-level networks.
    pub networks: Vec<Network>,
    /// Line of the `services:` key (1 when absent).
    pub services_line: u32,
    /// A YAML syntax error: (line, message).
    pub error: Option<(u32, String)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub name: String,
    pub internal: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Service {
    pub name: String,
    pub line: u32,
    pub build: Option<Build>,
    pub image: Option<String>,
    pub ports: Vec<Port>,
    pub environment: Vec<EnvVar>,
    pub depends_on: Vec<Dependency>,
    pub healthcheck: Option<Healthcheck>,
    /// `networks:` as written (`None`: the project's default network).
    pub networks: Option<Vec<String>>,
    pub network_mode: Option<String>,
    /// Words of `entrypoint:` and `command:` (a string is split like a shell would).
    pub entrypoint: Vec<String>,
    pub command: Vec<String>,
    /// `extends:` (the service this one is built on, in this file or another).
    pub extends: Option<Extends>,
}

/// `extends: NAME` or `extends: {service: NAME, file: PATH}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extends {
    pub service: String,
    /// The file, relative to this file's folder; `None`: this file.
    pub file: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Build {
    /// `build.context` or the short form's string (default `.`).
    pub context: String,
    pub dockerfile: Option<String>,
    /// `build.target`: the stage the image is built to.
    pub target: Option<String>,
    /// `build.args`, as a mapping or a list of `KEY=value`.
    pub args: Vec<EnvVar>,
    pub line: u32,
}

/// One entry of `ports:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Port {
    /// As written (short syntax) or `published:target` (long syntax).
    pub text: String,
    /// The host side (`published`), if the port is published on the host.
    pub published: Option<String>,
    /// The container side.
    pub target: String,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EnvVar {
    pub key: String,
    /// `None` for a bare `KEY` (taken from the shell at `docker compose` time).
    pub value: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub name: String,
    /// `condition:` of the long syntax; `None` for the short syntax (`service_started`).
    pub condition: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Healthcheck {
    /// The test: exec form (`["CMD", ...]`), shell form (a string or `["CMD-SHELL", ...]`),
    /// with the line of its `test:` key.
    pub test: Option<(Test, u32)>,
    /// `disable:` as written (`true`, `${NO_HC:-false}`) with its line.
    pub disable: Option<(String, u32)>,
    /// interval, timeout, `start_period`, retries, as written, each with its line.
    pub options: Vec<(String, String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Test {
    Exec(Vec<String>),
    Shell(String),
    None,
}

type Node<'a> = MarkedYaml<'a>;

fn line(node: &Node) -> u32 {
    u32::try_from(node.span.start.line()).unwrap_or(u32::MAX)
}

/// The text of a scalar (numbers and booleans as YAML wrote them, near enough: `8000`,
/// `true`).
fn scalar(node: &Node) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

/// Entries of a mapping as (key, value, key line), with `<<` merge keys applied.
fn entries<'a>(node: &'a Node<'a>) -> Vec<(String, &'a Node<'a>, u32)> {
    let YamlData::Mapping(map) = &node.data else {
        return Vec::new();
    };
    let mut out: Vec<(String, &Node, u32)> = Vec::new();
    let mut merged = Vec::new();
    for (key, value) in map {
        let Some(name) = scalar(key) else { continue };
        if name == "<<" {
            match &value.data {
                YamlData::Sequence(items) => merged.extend(items.iter()),
                _ => merged.push(value),
            }
        } else {
            out.push((name, value, line(key)));
        }
    }
    for source in merged {
        for (name, value, at) in entries(source) {
            if !out.iter().any(|(n, _, _)| *n == name) {
                out.push((name, value, at));
            }
        }
    }
    out
}

fn get<'a>(node: &'a Node<'a>, key: &str) -> Option<(&'a Node<'a>, u32)> {
    entries(node)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, v, l)| (v, l))
}

fn sequence<'a>(node: &'a Node<'a>) -> &'a [Node<'a>] {
    match &node.data {
        YamlData::Sequence(items) => items,
        _ => &[],
    }
}

impl Compose {
    /// Parses a Compose file. Never fails: a syntax error is recorded in `error`.
    pub(crate) fn parse(source: &Source) -> Self {
        let docs = match MarkedYaml::load_from_str(&source.text) {
            Ok(docs) => docs,
            Err(e) => {
                let at = u32::try_from(e.marker().line()).unwrap_or(1).max(1);
                return Self {
                    error: Some((at, e.info().to_string())),
                    services_line: 1,
                    ..Self::default()
                };
            }
        };
        let Some(root) = docs.first() else {
            return Self {
                services_line: 1,
                ..Self::default()
            };
        };
        let mut compose = Self {
            services_line: 1,
            ..Self::default()
        };
        if let Some((services, at)) = get(root, "services") {
            compose.services_line = at;
            compose.services = entries(services)
                .into_iter()
                .map(|(name, node, at)| service(name, node, at))
                .collect();
        }
        if let Some((networks, _)) = get(root, "networks") {
            compose.networks = entries(networks)
                .into_iter()
                .map(|(name, node, _)| Network {
                    internal: get(node, "internal")
                        .and_then(|(v, _)| scalar(v))
                        .is_some_and(|v| v == "true"),
                    name,
                })
                .collect();
        }
        compose
    }
}

fn service(name: String, node: &Node, at: u32) -> Service {
    let mut service = Service {
        name,
        line: at,
        ..Service::default()
    };
    for (key, value, key_line) in entries(node) {
        match key.as_str() {
            "build" => service.build = Some(build(value, key_line)),
            "image" => service.image = scalar(value),
            "ports" => service.ports = sequence(value).iter().filter_map(port).collect(),
            "environment" => service.environment = environment(value),
            "depends_on" => service.depends_on = depends_on(value),
            "healthcheck" => service.healthcheck = Some(healthcheck(value)),
            "networks" => service.networks = Some(networks(value)),
            "network_mode" => service.network_mode = scalar(value),
            "entrypoint" => service.entrypoint = words(value),
            "command" => service.command = words(value),
            "extends" => service.extends = extends(value),
            _ => {}
        }
    }
    service
}

fn build(node: &Node, at: u32) -> Build {
    if let Some(context) = scalar(node) {
        return Build {
            context,
            dockerfile: None,
            target: None,
            args: Vec::new(),
            line: at,
        };
    }
    Build {
        context: get(node, "context")
            .and_then(|(v, _)| scalar(v))
            .unwrap_or_else(|| ".".into()),
        dockerfile: get(node, "dockerfile").and_then(|(v, _)| scalar(v)),
        target: get(node, "target").and_then(|(v, _)| scalar(v)),
        args: get(node, "args")
            .map(|(v, _)| environment(v))
            .unwrap_or_default(),
        line: at,
    }
}

/// A port entry, short (`"127.0.0.1:8000:8000/tcp"`) or long (`{target, published}`).
fn port(node: &Node) -> Option<Port> {
    let at = line(node);
    if let Some(text) = scalar(node) {
        let spec = text.split('/').next().unwrap_or(&text);
        let parts = split_outside_braces(spec, ':');
        let target = parts.last().cloned().unwrap_or_default();
        let published = match parts.len() {
            0 | 1 => None,
            n => Some(parts[n - 2].clone()),
        };
        return Some(Port {
            text,
            published,
            target,
            line: at,
        });
    }
    let target = get(node, "target").and_then(|(v, _)| scalar(v))?;
    let published = get(node, "published").and_then(|(v, _)| scalar(v));
    let text = match &published {
        Some(p) => format!("{p}:{target}"),
        None => target.clone(),
    };
    Some(Port {
        text,
        published,
        target,
        line: at,
    })
}

/// Splits at `sep`, except inside `${...}` (so `${PORT:-80}:80` has two parts).
pub(crate) fn split_outside_braces(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    let mut prev = '\0';
    for c in text.chars() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(String::new());
                prev = c;
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
        prev = c;
    }
    parts
}

/// `environment:` as a mapping or as a list of `KEY=value`.
fn environment(node: &Node) -> Vec<EnvVar> {
    if let YamlData::Sequence(items) = &node.data {
        return items
            .iter()
            .filter_map(|item| {
                let text = scalar(item)?;
                let (key, value) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (text, None),
                };
                Some(EnvVar {
                    key,
                    value,
                    line: line(item),
                })
            })
            .collect();
    }
    entries(node)
        .into_iter()
        .map(|(key, value, at)| EnvVar {
            key,
            value: scalar(value),
            line: at,
        })
        .collect()
}

fn depends_on(node: &Node) -> Vec<Dependency> {
    if let YamlData::Sequence(items) = &node.data {
        return items
            .iter()
            .filter_map(|item| {
                Some(Dependency {
                    name: scalar(item)?,
                    condition: None,
                    line: line(item),
                })
            })
            .collect();
    }
    entries(node)
        .into_iter()
        .map(|(name, value, at)| Dependency {
            name,
            condition: get(value, "condition").and_then(|(v, _)| scalar(v)),
            line: at,
        })
        .collect()
}

fn healthcheck(node: &Node) -> Healthcheck {
    let mut check = Healthcheck::default();
    for (key, value, key_line) in entries(node) {
        match key.as_str() {
            "test" => check.test = Some((test(value), key_line)),
            "disable" => check.disable = scalar(value).map(|v| (v, key_line)),
            "interval" | "timeout" | "start_period" | "retries" => {
                if let Some(v) = scalar(value) {
                    check.options.push((key, v, key_line));
                }
            }
            _ => {}
        }
    }
    check
}

fn test(node: &Node) -> Test {
    if let Some(text) = scalar(node) {
        return Test::Shell(text);
    }
    let items: Vec<String> = sequence(node).iter().filter_map(scalar).collect();
    match items.split_first() {
        Some((first, rest)) if first == "CMD" => Test::Exec(rest.to_vec()),
        Some((first, rest)) if first == "CMD-SHELL" => Test::Shell(rest.join(" ")),
        Some((first, _)) if first == "NONE" => Test::None,
        _ => Test::Exec(items),
    }
}

fn extends(node: &Node) -> Option<Extends> {
    if let Some(service) = scalar(node) {
        return Some(Extends {
            service,
            file: None,
        });
    }
    Some(Extends {
        service: get(node, "service").and_then(|(v, _)| scalar(v))?,
        file: get(node, "file").and_then(|(v, _)| scalar(v)),
    })
}

/// The value Compose will use for `text` when no variable is set: the text itself when it
/// interpolates nothing (`$$` is a literal `$`), the default of a lone `${NAME:-default}` or
/// `${NAME-default}` (itself resolved the same way), and `None` when it depends on a variable
/// without a default (`${NAME}`, `$NAME`, `${NAME:?error}`): such a value is not judged.
pub(crate) fn default_value(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if let Some(inner) = trimmed
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
    {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let rest = &inner[name_end..];
        let word = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-'))?;
        return default_value(word);
    }
    let literal = trimmed.replace("$$", "");
    if literal.contains('$') {
        return None;
    }
    Some(trimmed.replace("$$", "$"))
}

fn networks(node: &Node) -> Vec<String> {
    if let YamlData::Sequence(items) = &node.data {
        return items.iter().filter_map(scalar).collect();
    }
    entries(node).into_iter().map(|(name, _, _)| name).collect()
}

fn words(node: &Node) -> Vec<String> {
    match scalar(node) {
        Some(text) => super::shell::commands(&text)
            .into_iter()
            .flatten()
            .collect(),
        None => sequence(node).iter().filter_map(scalar).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Compose {
        Compose::parse(&Source::new("c.yml".into(), text.into()))
    }

    #[test]
    fn services_with_lines_and_merge_keys() {
        let c = parse(
            "x-common: &common\n  networks: [backend]\n  restart: always\nservices:\n  api:\n    <<: *common\n\
             \x20   build:\n      context: ./api\n      dockerfile: Dockerfile.prod\n\
             \x20   ports:\n      - \"${API_PORT:-80}:80\"\n      - target: 9000\n        published: 9000\n\
             \x20   environment:\n      - DB_URL=postgres://db/x\n      - BARE\n\
             \x20   depends_on:\n      db:\n        condition: service_healthy\n\
             \x20   healthcheck:\n      test: curl -f http://localhost/health\n      start_period: 10s\n\
             \x20 db:\n    image: postgres:16\n    depends_on: [cache]\nnetworks:\n  backend:\n    internal: true\n",
        );
        assert!(c.error.is_none());
        assert_eq!(c.services_line, 4);
        let api = &c.services[0];
        assert_eq!((api.name.as_str(), api.line), ("api", 5));
        assert_eq!(api.networks.as_deref(), Some(&["backend".to_string()][..]));
        let build = api.build.as_ref().unwrap();
        assert_eq!(
            (build.context.as_str(), build.dockerfile.as_deref()),
            ("./api", Some("Dockerfile.prod"))
        );
        assert_eq!(api.ports[0].published.as_deref(), Some("${API_PORT:-80}"));
        assert_eq!(api.ports[0].line, 11);
        assert_eq!(api.ports[1].published.as_deref(), Some("9000"));
        assert_eq!(api.environment[0].value.as_deref(), Some("postgres://db/x"));
        assert_eq!(api.environment[1].value, None);
        assert_eq!(
            api.depends_on[0].condition.as_deref(),
            Some("service_healthy")
        );
        let hc = api.healthcheck.as_ref().unwrap();
        assert!(matches!(hc.test, Some((Test::Shell(_), 21))));
        assert_eq!(hc.options[0], ("start_period".into(), "10s".into(), 22));
        assert_eq!(c.services[1].depends_on[0].condition, None);
        assert!(c.networks[0].internal);
    }

    #[test]
    fn syntax_error_has_a_line() {
        // The unclosed flow sequence opened on line 3 is reported where the parser gave up:
        // at the end of the text, line 4, not the default line 1.
        let c = parse("services:\n  a:\n    image: [x\n");
        let (line, message) = c.error.expect("a syntax error");
        assert_eq!(line, 4, "{message}");
        assert!(!message.is_empty());
        let c = parse("services:\n  a:\n    image: x\n   bad: [\n  b: {}\n");
        assert!(matches!(c.error, Some((l, _)) if l >= 4), "{:?}", c.error);
    }

    #[test]
    fn extends_and_defaults() {
        let c = parse(
            "services:\n  a:\n    extends: base\n  b:\n    extends:\n      service: web\n      file: common.yml\n",
        );
        let ext = |i: usize| c.services[i].extends.clone().unwrap();
        assert_eq!((ext(0).service.as_str(), ext(0).file), ("base", None));
        assert_eq!(ext(1).file.as_deref(), Some("common.yml"));
        assert_eq!(default_value("10s").as_deref(), Some("10s"));
        assert_eq!(default_value("${HC_START:-5s}").as_deref(), Some("5s"));
        assert_eq!(default_value("${HC_START-${X:-7s}}").as_deref(), Some("7s"));
        assert_eq!(default_value("${HC_START}"), None);
        assert_eq!(default_value("${HC_START:?set it}"), None);
        assert_eq!(default_value("$HC"), None);
        assert_eq!(default_value("a$$b").as_deref(), Some("a$b"));
    }
}
