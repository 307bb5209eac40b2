//! The rules on the Kubernetes overlays' values (`[kubernetes]` in berth.toml): replicas,
//! resource quantities, namespaces, ingress, image tags and prefixes.

use crate::error::Refusal;
use crate::standard::Standard;

use super::within;

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

    /// `result` is the refusal whose message starts with `message` and whose fix starts with `fix`.
    #[track_caller]
    fn refused<T: std::fmt::Debug>(result: Result<T, Refusal>, message: &str, fix: &str) {
        let refusal = result.expect_err("refused");
        assert!(refusal.message.starts_with(message), "{refusal:?}");
        assert!(refusal.fix.starts_with(fix), "{refusal:?}");
    }

    #[test]
    fn namespaces() {
        let envs = ["dev".to_string(), "prod".to_string()];
        assert_eq!(
            namespace("shop-{env}", &envs).unwrap(),
            ["shop-dev", "shop-prod"]
        );
        let fix = "use lowercase letters, digits and '-' with {env}";
        refused(
            namespace("shop", &envs),
            "gives every environment the same namespace",
            fix,
        );
        refused(
            namespace("Shop-{env}", &envs),
            "gives the namespace \"Shop-dev\" (8 characters)",
            fix,
        );
        let long = format!("{}-{{env}}", "a".repeat(60));
        refused(
            namespace(&long, &envs),
            &format!(
                "gives the namespace \"{}-dev\" (64 characters)",
                "a".repeat(60)
            ),
            fix,
        );
        assert!(namespace("shop", &envs[..1]).is_ok());
    }

    #[test]
    fn image_tags_and_prefixes() {
        for ok in ["0.1.0", "v2", "sha-1a2b", "1.2_rc"] {
            assert_eq!(image_tag(ok, "0.1.0"), Ok(()), "{ok}");
        }
        let fix = "set a version, e.g. IMAGE_TAG=0.1.0";
        refused(image_tag("latest", "0.1.0"), "is `latest`", fix);
        for bad in ["", ".x", "a b", "a:b", &"1".repeat(129)] {
            refused(image_tag(bad, "0.1.0"), "is not an image tag", fix);
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
            refused(
                image_prefix(bad, "demo"),
                "is not an image repository prefix",
                "use e.g. IMAGE_PREFIX=demo or IMAGE_PREFIX=registry.example.com/demo",
            );
        }
    }

    #[test]
    fn ingress_and_quantities() {
        assert!(ingress_host("shop.example.com").is_ok() && ingress_host("*.example.com").is_ok());
        for bad in ["10.0.0.1", "shop", "Shop.example.com", "a..b"] {
            refused(
                ingress_host(bad),
                "is not a DNS name",
                "use the public name of the project",
            );
        }
        refused(
            quantity("512m", true),
            "is a fraction of a byte",
            "use Mi or M for megabytes",
        );
        refused(
            quantity("0", false),
            "must be more than zero",
            "use e.g. \"250m\" or \"1\"",
        );
        refused(
            quantity("lots", true),
            "is not a Kubernetes quantity",
            "use e.g. \"512Mi\"",
        );
        let (r, l) = (
            quantity("2", false).unwrap(),
            quantity("500m", false).unwrap(),
        );
        refused(
            request_within_limit(&r, &l),
            "is more than its limit 500m",
            "lower the request, or raise the limit to at least 2",
        );
        assert!(request_within_limit(&l, &r).is_ok());
        refused(
            replicas(0, &test_standard()),
            "must be between 1 and",
            "use e.g. 2",
        );
    }

    fn test_standard() -> Standard {
        let set = crate::templates::TemplateSet::load(None).unwrap();
        Standard::parse(set.standard_text().unwrap(), "standard.toml").unwrap()
    }
}
