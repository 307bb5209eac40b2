//! The rules on a project and its services: names, ports, routes, workers, timeouts,
//! dependencies, environments, `.env` keys and infrastructure URLs.

use std::collections::BTreeSet;

use crate::error::Refusal;
use crate::standard::{Kind, Standard};

use super::{Claims, within};

/// Names that cannot be services: they name berth's own parts.
const RESERVED_NAMES: [&str; 3] = ["gateway", "scripts", "services"];

/// A service (or infrastructure) name: lowercase kebab-case, 2-40 characters, no path parts,
/// not one of berth's own names.
pub fn service_name(name: &str) -> Result<(), Refusal> {
    let fix = || name_fix(name);
    let len = name.chars().count();
    if !(2..=40).contains(&len) {
        return Err(Refusal::new(
            format!("must be 2 to 40 characters long (it has {len})"),
            fix(),
        ));
    }
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_chars
        || !name.starts_with(|c: char| c.is_ascii_lowercase())
        || name.ends_with('-')
        || name.contains("--")
    {
        return Err(Refusal::new(
            "must be lowercase kebab-case: a-z, 0-9 and single '-' between words, starting with a letter",
            fix(),
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(Refusal::new(
            format!("{name:?} is reserved by berth"),
            fix(),
        ));
    }
    Ok(())
}

/// The name of a service to add: a valid name no service has yet.
pub fn new_service_name(name: &str, claims: &Claims) -> Result<(), Refusal> {
    service_name(name)?;
    if claims.is_service(name) {
        return Err(Refusal::new(
            "is already a service in berth.toml",
            "choose another name, or edit its [services] table and run `berth generate`",
        ));
    }
    Ok(())
}

/// A kebab-case suggestion for a bad name, when one can be made.
fn name_fix(name: &str) -> String {
    let suggestion = heck::ToKebabCase::to_kebab_case(name)
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(40)
        .collect::<String>();
    let suggestion = suggestion.trim_matches('-');
    let valid = (2..=40).contains(&suggestion.len())
        && suggestion.starts_with(|c: char| c.is_ascii_lowercase())
        && !suggestion.contains("--")
        && !RESERVED_NAMES.contains(&suggestion);
    if valid {
        format!("use a name like {suggestion:?}")
    } else {
        "use a name like \"billing-service\"".to_string()
    }
}

/// A project name: it names the images and the Compose project.
pub fn project_name(name: &str) -> Result<(), Refusal> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Refusal::new(
            "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter (it names images and the Compose project)",
            "use a name like \"shop\"",
        ))
    }
}

/// A service's port: within the standard's bounds and free.
pub fn port(raw: i64, claims: &Claims) -> Result<u16, Refusal> {
    let fix = || format!("use a free port, e.g. {}", claims.next_free_port());
    let port = in_port_range(raw, claims.standard).map_err(|m| Refusal::new(m, fix()))?;
    match claims.ports.get(&port) {
        Some(owner) => Err(Refusal::new(format!("is already used by {owner}"), fix())),
        None => Ok(port),
    }
}

/// The gateway's host port: within the standard's bounds.
pub fn gateway_port(raw: i64, standard: &Standard) -> Result<u16, Refusal> {
    in_port_range(raw, standard)
        .map_err(|m| Refusal::new(m, format!("use e.g. {}", standard.gateway.port)))
}

fn in_port_range(raw: i64, standard: &Standard) -> Result<u16, String> {
    let l = &standard.limits;
    within(raw, l.min_port, l.max_port).ok_or_else(|| {
        format!(
            "must be between {} and {} (ports below {} need root)",
            l.min_port, l.max_port, l.min_port
        )
    })
}

/// uvicorn workers of a service of `kind`.
pub fn workers(raw: i64, kind: Kind, standard: &Standard) -> Result<u32, Refusal> {
    let l = &standard.limits;
    within(raw, l.min_workers, l.max_workers).ok_or_else(|| {
        Refusal::new(
            format!("must be between {} and {}", l.min_workers, l.max_workers),
            format!(
                "use {} (the standard's default for {kind} services)",
                standard.kind(kind).workers
            ),
        )
    })
}

/// Seconds a service of `kind` waits for a dependency.
pub fn wait_timeout(raw: i64, kind: Kind, standard: &Standard) -> Result<u32, Refusal> {
    let l = &standard.limits;
    within(raw, l.min_wait_timeout, l.max_wait_timeout).ok_or_else(|| {
        Refusal::new(
            format!(
                "must be between {} and {} seconds",
                l.min_wait_timeout, l.max_wait_timeout
            ),
            format!(
                "use {} (the standard's default for {kind} services)",
                standard.kind(kind).wait_timeout
            ),
        )
    })
}

/// The gateway route of service `name`: well formed, not the gateway's own, not taken.
pub fn route(route: &str, name: &str, claims: &Claims) -> Result<(), Refusal> {
    let fix = || format!("use \"/{name}\"");
    let ok = route.starts_with('/')
        && route.len() > 1
        && route.len() <= 100
        && !route.ends_with('/')
        && !route.contains("//")
        && route[1..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_/".contains(c));
    if !ok {
        return Err(Refusal::new(
            "must start with '/', not end with '/', and use only a-z, 0-9, '-', '_' and '/'",
            fix(),
        ));
    }
    if route == claims.standard.gateway.health_path {
        return Err(Refusal::new(
            format!("{route} is the gateway's own health route"),
            fix(),
        ));
    }
    match claims.routes.get(route) {
        Some(other) if other != name => Err(Refusal::new(
            format!("is already the route of {other}"),
            fix(),
        )),
        _ => Ok(()),
    }
}

/// A dependency of service `of`: a declared service or infrastructure, not itself.
pub fn dependency(dep: &str, of: &str, claims: &Claims) -> Result<(), Refusal> {
    if dep == of {
        return Err(Refusal::new(
            "a service cannot depend on itself",
            "remove it from depends_on",
        ));
    }
    if claims.is_service(dep) || claims.is_infra(dep) {
        return Ok(());
    }
    let known: Vec<&str> = claims
        .dependables()
        .into_iter()
        .filter(|d| *d != of)
        .collect();
    Err(Refusal::new(
        "is not a service or declared infrastructure in berth.toml",
        if known.is_empty() {
            "add that service first (berth new NAME), or declare it under [infra.NAME] in berth.toml"
                .to_string()
        } else {
            format!("use some of {}", known.join(", "))
        },
    ))
}

/// A list of environments: at least one, each known to the standard, none twice. Each problem
/// comes with the value it is about.
pub fn environments(list: &[String], standard: &Standard) -> Vec<(String, Refusal)> {
    let known = &standard.environments.names;
    let some_of = || format!("use some of {}", known.join(", "));
    let mut problems = Vec::new();
    if list.is_empty() {
        problems.push((
            "[]".to_string(),
            Refusal::new("must name at least one environment", some_of()),
        ));
    }
    let mut seen = BTreeSet::new();
    for env in list {
        if !known.contains(env) {
            problems.push((
                format!("{env:?}"),
                Refusal::new("is not an environment the standard knows", some_of()),
            ));
        } else if !seen.insert(env) {
            problems.push((
                format!("{env:?}"),
                Refusal::new("is listed twice", "list each environment once"),
            ));
        }
    }
    problems
}

/// An extra variable of an environment's .env file: `UPPER_SNAKE_CASE` and not one berth writes.
pub fn env_key(key: &str, berth_keys: &BTreeSet<String>) -> Result<(), Refusal> {
    let ok = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(Refusal::new(
            "must be UPPER_SNAKE_CASE: A-Z, 0-9 and '_', starting with a letter",
            "rename the variable",
        ));
    }
    if berth_keys.contains(key) {
        return Err(Refusal::new(
            "is a variable berth already writes",
            "change the service in berth.toml instead, or pick another name",
        ));
    }
    Ok(())
}

/// An infrastructure URL: `tcp://host:port` or `http(s)://host[:port][/path]`.
pub fn infra_url(url: &str, name: &str) -> Result<(), Refusal> {
    let bad = || {
        Err(Refusal::new(
            "must be tcp://host:port or http(s)://host[:port]/path (host: letters, digits, '.', '-')",
            format!("use e.g. \"tcp://{name}:5432\""),
        ))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '\'' && c != '"');
    match scheme {
        "tcp" if host_ok && port.is_some() && port_ok && path.is_empty() => Ok(()),
        "http" | "https" if host_ok && port_ok && path_ok => Ok(()),
        _ => bad(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard() -> Standard {
        let set = crate::templates::TemplateSet::load(None).unwrap();
        Standard::parse(set.standard_text().unwrap(), "standard.toml").unwrap()
    }

    #[test]
    fn service_names() {
        for ok in ["ab", "auth-service", "a1-b2", &"a".repeat(40)] {
            assert_eq!(service_name(ok), Ok(()), "{ok}");
        }
        let kebab = "must be lowercase kebab-case: a-z, 0-9 and single '-' between words, starting with a letter";
        let long = "a".repeat(41);
        for (bad, message, fix) in [
            (
                "a",
                "must be 2 to 40 characters long (it has 1)",
                "billing-service",
            ),
            ("Auth", kebab, "auth"),
            ("auth_service", kebab, "auth-service"),
            ("-auth", kebab, "auth"),
            ("auth-", kebab, "auth"),
            ("a--b", kebab, "a-b"),
            ("../x", kebab, "billing-service"),
            ("a/b", kebab, "a-b"),
            ("1abc", kebab, "billing-service"),
            (
                "gateway",
                "\"gateway\" is reserved by berth",
                "billing-service",
            ),
            (
                &long,
                "must be 2 to 40 characters long (it has 41)",
                &"a".repeat(40),
            ),
        ] {
            let refusal = service_name(bad).expect_err(bad);
            assert_eq!(refusal.message, message, "{bad}");
            assert_eq!(refusal.fix, format!("use a name like {fix:?}"), "{bad}");
        }
    }

    #[test]
    fn name_fix_suggests_kebab_case() {
        assert_eq!(name_fix("AuthService"), "use a name like \"auth-service\"");
        assert_eq!(name_fix("Billing_API"), "use a name like \"billing-api\"");
        assert_eq!(name_fix("x"), "use a name like \"billing-service\"");
    }

    #[test]
    fn infra_urls() {
        for ok in [
            "tcp://db:5432",
            "tcp://10.0.0.5:6379",
            "http://search:9200/_cluster/health",
            "https://vault.example.com",
        ] {
            assert_eq!(infra_url(ok, "db"), Ok(()), "{ok}");
        }
        for bad in [
            "db:5432",
            "tcp://db",
            "tcp://db:0",
            "tcp://db:99999",
            "ftp://x:1",
            "tcp://d b:1",
            "http://x/'q'",
            "tcp://db:5432/x",
        ] {
            let refusal = infra_url(bad, "db").expect_err(bad);
            assert!(
                refusal
                    .message
                    .starts_with("must be tcp://host:port or http(s)://"),
                "{bad}"
            );
            assert_eq!(refusal.fix, "use e.g. \"tcp://db:5432\"", "{bad}");
        }
    }

    #[test]
    fn routes() {
        let standard = standard();
        let mut claims = Claims::new(&standard);
        claims.claim_route("/taken", "other");
        assert!(route("/auth", "auth", &claims).is_ok());
        assert!(route("/v1/auth-service", "auth", &claims).is_ok());
        let shape =
            "must start with '/', not end with '/', and use only a-z, 0-9, '-', '_' and '/'";
        let health = format!(
            "{} is the gateway's own health route",
            standard.gateway.health_path
        );
        for (bad, message) in [
            ("auth", shape),
            ("/", shape),
            ("/auth/", shape),
            ("/a b", shape),
            ("/a;b", shape),
            ("//x", shape),
            (standard.gateway.health_path.as_str(), &health),
            ("/taken", "is already the route of other"),
        ] {
            let refusal = route(bad, "auth", &claims).expect_err(bad);
            assert_eq!(
                (refusal.message.as_str(), refusal.fix.as_str()),
                (message, "use \"/auth\""),
                "{bad}"
            );
        }
        assert!(route("/taken", "other", &claims).is_ok(), "its own route");
    }

    #[test]
    fn fixes_come_from_the_standard_and_the_project() {
        let mut standard = standard();
        standard.ports.first_free = 9100;
        let mut claims = Claims::new(&standard);
        claims.claim_port(9100, "billing");
        let refusal = port(9100, &claims).unwrap_err();
        assert_eq!(refusal.message, "is already used by billing");
        assert_eq!(refusal.fix, "use a free port, e.g. 9101");
        let http = standard.kind(Kind::Http).workers;
        assert_eq!(
            workers(0, Kind::Http, &standard).unwrap_err().fix,
            format!("use {http} (the standard's default for http services)")
        );
    }
}
