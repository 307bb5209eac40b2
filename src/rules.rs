//! Every rule on a value berth.toml, a flag or a wizard answer can hold: one function per rule,
//! one message, one fix, wherever the value comes from.
//!
//! A rule is `fn(value, &Context) -> Result<T, Refusal>`. The `Context` is what the project
//! already has (ports and routes in use and who uses them, the services and infrastructure it
//! declares) plus the standard, whose data gives every bound and every suggested fix: no message
//! here hard-codes a number the standard owns. `resolve` (berth.toml), the flags of `init` and
//! `new` (`answers`) and the wizard all call these.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Refusal;
use crate::model::Project;
use crate::standard::{Kind, Standard};

/// Names that cannot be services: they name berth's own parts.
const RESERVED_NAMES: [&str; 3] = ["gateway", "scripts", "services"];

/// What the project already holds, for the rules that depend on it.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub standard: &'a Standard,
    /// Ports in use, with their owner (a service's name, or "the gateway").
    ports: BTreeMap<u16, String>,
    /// Gateway routes in use, with the service owning each.
    routes: BTreeMap<String, String>,
    services: BTreeSet<String>,
    infra: BTreeSet<String>,
}

impl<'a> Context<'a> {
    /// An empty project.
    pub fn new(standard: &'a Standard) -> Self {
        Self {
            standard,
            ports: BTreeMap::new(),
            routes: BTreeMap::new(),
            services: BTreeSet::new(),
            infra: BTreeSet::new(),
        }
    }

    /// The context of a resolved project (for adding a service to it).
    pub fn of(project: &Project, standard: &'a Standard) -> Self {
        let mut ctx = Self::new(standard);
        if let Some(g) = &project.gateway {
            ctx.claim_port(g.port, "the gateway");
        }
        for s in &project.services {
            ctx.claim_port(s.port, &s.name);
            ctx.claim_route(&s.route, &s.name);
            ctx.services.insert(s.name.clone());
        }
        ctx.infra = project.infra.iter().map(|i| i.name.clone()).collect();
        ctx
    }

    /// Declares the names dependencies may refer to (berth.toml's services and infrastructure).
    pub fn declare(
        &mut self,
        services: impl IntoIterator<Item = String>,
        infra: impl IntoIterator<Item = String>,
    ) {
        self.services.extend(services);
        self.infra.extend(infra);
    }

    pub fn claim_port(&mut self, port: u16, owner: &str) {
        self.ports.insert(port, owner.to_string());
    }

    pub fn claim_route(&mut self, route: &str, owner: &str) {
        self.routes.insert(route.to_string(), owner.to_string());
    }

    pub fn is_port_used(&self, port: u16) -> bool {
        self.ports.contains_key(&port)
    }

    /// The first port from the standard's `first_free` that nothing uses.
    pub fn next_free_port(&self) -> u16 {
        let first = self.standard.ports.first_free;
        (first..=self.standard.limits.max_port)
            .find(|p| !self.ports.contains_key(p))
            .unwrap_or(first)
    }

    pub fn is_service(&self, name: &str) -> bool {
        self.services.contains(name)
    }

    pub fn is_infra(&self, name: &str) -> bool {
        self.infra.contains(name)
    }

    /// Every name a dependency may be: services, then infrastructure.
    pub fn dependables(&self) -> Vec<&str> {
        self.services
            .iter()
            .chain(&self.infra)
            .map(String::as_str)
            .collect()
    }
}

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
pub fn new_service_name(name: &str, ctx: &Context) -> Result<(), Refusal> {
    service_name(name)?;
    if ctx.is_service(name) {
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
pub fn port(raw: i64, ctx: &Context) -> Result<u16, Refusal> {
    let fix = || format!("use a free port, e.g. {}", ctx.next_free_port());
    let port = in_port_range(raw, ctx.standard).map_err(|m| Refusal::new(m, fix()))?;
    match ctx.ports.get(&port) {
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

/// `raw` as a `T` when it lies within `min..=max`.
fn within<T: TryFrom<i64> + PartialOrd>(raw: i64, min: T, max: T) -> Option<T> {
    T::try_from(raw).ok().filter(|v| (min..=max).contains(v))
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
pub fn route(route: &str, name: &str, ctx: &Context) -> Result<(), Refusal> {
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
    if route == ctx.standard.gateway.health_path {
        return Err(Refusal::new(
            format!("{route} is the gateway's own health route"),
            fix(),
        ));
    }
    match ctx.routes.get(route) {
        Some(other) if other != name => Err(Refusal::new(
            format!("is already the route of {other}"),
            fix(),
        )),
        _ => Ok(()),
    }
}

/// A dependency of service `of`: a declared service or infrastructure, not itself.
pub fn dependency(dep: &str, of: &str, ctx: &Context) -> Result<(), Refusal> {
    if dep == of {
        return Err(Refusal::new(
            "a service cannot depend on itself",
            "remove it from depends_on",
        ));
    }
    if ctx.is_service(dep) || ctx.is_infra(dep) {
        return Ok(());
    }
    let known: Vec<&str> = ctx.dependables().into_iter().filter(|d| *d != of).collect();
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

/// Replicas of a workload in one environment: 1 to the standard's maximum.
pub fn replicas(raw: i64, standard: &Standard) -> Result<u32, Refusal> {
    let max = standard.kubernetes.as_ref().map_or(1, |k| k.max_replicas);
    within(raw, 1, max).ok_or_else(|| {
        Refusal::new(
            format!("must be between 1 and {max}"),
            "use e.g. 2 (one replica per environment is the minimum)",
        )
    })
}

/// A CPU or memory quantity of a Deployment's resources (`"250m"`, `"512Mi"`).
pub fn quantity(raw: &str, memory: bool) -> Result<crate::quantity::Quantity, Refusal> {
    let example = if memory {
        "\"512Mi\""
    } else {
        "\"250m\" or \"1\""
    };
    let q = crate::quantity::parse(raw).ok_or_else(|| {
        Refusal::new(
            "is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, Ki, Mi, Gi, ...)",
            format!("use e.g. {example}"),
        )
    })?;
    if q.value <= 0.0 {
        return Err(Refusal::new(
            "must be more than zero",
            format!("use e.g. {example}"),
        ));
    }
    if memory && q.fractional_suffix {
        return Err(Refusal::new(
            "is a fraction of a byte (m is milli, not mega)",
            "use Mi or M for megabytes, e.g. \"512Mi\"",
        ));
    }
    Ok(q)
}

/// A request is at most its limit (the API server refuses a Deployment otherwise).
pub fn request_within_limit(
    request: &crate::quantity::Quantity,
    limit: &crate::quantity::Quantity,
) -> Result<(), Refusal> {
    if request.value > limit.value {
        return Err(Refusal::new(
            format!("is more than its limit {}", limit.text),
            format!(
                "lower the request, or raise the limit to at least {}",
                request.text
            ),
        ));
    }
    Ok(())
}

/// A DNS-1123 label (a namespace): 1-63 of a-z, 0-9 and '-', starting and ending alphanumeric.
fn dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain (an `IngressClass` name, a host): dot-separated labels, at most 253.
fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

/// The namespace pattern of `[kubernetes]`: every environment's name (`{env}` expanded) a
/// DNS-1123 label, and no two environments sharing one.
pub fn namespace(pattern: &str, environments: &[String]) -> Result<Vec<String>, Refusal> {
    let names: Vec<String> = environments
        .iter()
        .map(|e| pattern.replace("{env}", e))
        .collect();
    let fix =
        "use lowercase letters, digits and '-' with {env} for the environment, e.g. \"shop-{env}\"";
    if let Some(bad) = names.iter().find(|n| !dns_label(n)) {
        return Err(Refusal::new(
            format!(
                "gives the namespace {bad:?} ({} characters), not a DNS label of at most 63 characters of a-z, 0-9 and '-'",
                bad.len()
            ),
            fix,
        ));
    }
    if names.len() > 1 && !pattern.contains("{env}") {
        return Err(Refusal::new(
            "gives every environment the same namespace, where their objects would replace each other",
            fix,
        ));
    }
    Ok(names)
}

/// The `IngressClass` of the gateway's Ingress: a DNS-1123 subdomain.
pub fn ingress_class(name: &str) -> Result<(), Refusal> {
    if dns_subdomain(name) {
        return Ok(());
    }
    Err(Refusal::new(
        "is not an IngressClass name (a-z, 0-9, '-' and '.')",
        "use the name `kubectl get ingressclass` shows, e.g. \"nginx\"",
    ))
}

/// The host the Ingress answers for: a DNS name, optionally `*.` for every subdomain.
pub fn ingress_host(host: &str) -> Result<(), Refusal> {
    let numeric_tld = host
        .rsplit('.')
        .next()
        .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()));
    if dns_subdomain(host.strip_prefix("*.").unwrap_or(host)) && host.contains('.') && !numeric_tld
    {
        return Ok(());
    }
    Err(Refusal::new(
        "is not a DNS name of lowercase labels (an IP address is not allowed)",
        "use the public name of the project, e.g. \"shop.example.com\", or leave it out for any host",
    ))
}

/// `IMAGE_TAG` of an environment rendered for Kubernetes: a valid tag, and not `latest`.
pub fn image_tag(tag: &str, default: &str) -> Result<(), Refusal> {
    let fix = format!("set a version, e.g. IMAGE_TAG={default} (the tag CI builds and pushes)");
    if tag == "latest" {
        return Err(Refusal::new(
            "is `latest`: a restarted pod would run whatever the registry holds then, and a new push under the same tag rolls nothing out",
            fix,
        ));
    }
    let valid = (1..=128).contains(&tag.len())
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid {
        return Err(Refusal::new(
            "is not an image tag (1-128 of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-')",
            fix,
        ));
    }
    Ok(())
}

/// `IMAGE_PREFIX` of an environment rendered for Kubernetes: a registry and/or repository path
/// (`registry.example.com:5000/team`), lowercase.
pub fn image_prefix(prefix: &str, project: &str) -> Result<(), Refusal> {
    let mut parts = prefix.split('/').peekable();
    let registry = parts
        .peek()
        .is_some_and(|first| first.contains(['.', ':']) || *first == "localhost")
        .then(|| parts.next());
    let registry_ok = registry.flatten().is_none_or(|r| {
        let (host, port) = r.split_once(':').unwrap_or((r, "1"));
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
            && port.parse::<u16>().is_ok()
    });
    let paths: Vec<&str> = parts.collect();
    let component_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && p.starts_with(|c: char| c.is_ascii_alphanumeric())
            && p.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if registry_ok && paths.iter().all(component_ok) && (registry.is_some() || !paths.is_empty()) {
        return Ok(());
    }
    Err(Refusal::new(
        "is not an image repository prefix (lowercase path components, optionally after a registry host[:port])",
        format!("use e.g. IMAGE_PREFIX={project} or IMAGE_PREFIX=registry.example.com/{project}"),
    ))
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
        for bad in [
            "a",
            "Auth",
            "auth_service",
            "-auth",
            "auth-",
            "a--b",
            "../x",
            "a/b",
            "1abc",
            "gateway",
            &"a".repeat(41),
        ] {
            assert!(service_name(bad).is_err(), "{bad} should be rejected");
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
            assert!(infra_url(bad, "db").is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn routes() {
        let standard = standard();
        let mut ctx = Context::new(&standard);
        ctx.claim_route("/taken", "other");
        assert!(route("/auth", "auth", &ctx).is_ok());
        assert!(route("/v1/auth-service", "auth", &ctx).is_ok());
        for bad in [
            "auth", "/", "/auth/", "/a b", "/a;b", "/healthz", "//x", "/taken",
        ] {
            assert!(
                route(bad, "auth", &ctx).is_err(),
                "{bad} should be rejected"
            );
        }
        assert!(route("/taken", "other", &ctx).is_ok(), "its own route");
    }

    #[test]
    fn kubernetes_values() {
        let envs = ["dev".to_string(), "prod".to_string()];
        assert_eq!(
            namespace("shop-{env}", &envs).unwrap(),
            ["shop-dev", "shop-prod"]
        );
        assert!(
            namespace("shop", &envs).is_err(),
            "one namespace for two environments"
        );
        assert!(namespace("Shop-{env}", &envs).is_err());
        assert!(namespace(&format!("{}-{{env}}", "a".repeat(60)), &envs).is_err());
        assert!(namespace("shop", &envs[..1]).is_ok());
        for ok in ["0.1.0", "v2", "sha-1a2b", "1.2_rc"] {
            assert_eq!(image_tag(ok, "0.1.0"), Ok(()), "{ok}");
        }
        for bad in ["latest", "", ".x", "a b", "a:b", &"1".repeat(129)] {
            assert!(image_tag(bad, "0.1.0").is_err(), "{bad:?}");
        }
        for ok in [
            "demo",
            "registry.example.com:5000/team/demo",
            "localhost/demo",
            "ghcr.io/org",
        ] {
            assert_eq!(image_prefix(ok, "demo"), Ok(()), "{ok}");
        }
        for bad in ["", "Demo", "a//b", "-a", "reg:x/a", "a/b/", "a b"] {
            assert!(image_prefix(bad, "demo").is_err(), "{bad:?}");
        }
        assert!(ingress_host("shop.example.com").is_ok() && ingress_host("*.example.com").is_ok());
        for bad in ["10.0.0.1", "shop", "Shop.example.com", "a..b"] {
            assert!(ingress_host(bad).is_err(), "{bad:?}");
        }
        assert!(quantity("512m", true).is_err(), "millibytes");
        assert!(quantity("0", false).is_err());
        let (r, l) = (
            quantity("2", false).unwrap(),
            quantity("500m", false).unwrap(),
        );
        assert!(request_within_limit(&r, &l).is_err());
        assert!(request_within_limit(&l, &r).is_ok());
    }

    #[test]
    fn fixes_come_from_the_standard_and_the_project() {
        let mut standard = standard();
        standard.ports.first_free = 9100;
        let mut ctx = Context::new(&standard);
        ctx.claim_port(9100, "billing");
        let refusal = port(9100, &ctx).unwrap_err();
        assert_eq!(refusal.message, "is already used by billing");
        assert_eq!(refusal.fix, "use a free port, e.g. 9101");
        let http = standard.kind(Kind::Http).workers;
        assert_eq!(
            workers(0, Kind::Http, &standard).unwrap_err().fix,
            format!("use {http} (the standard's default for http services)")
        );
    }
}
