//! Every audit rule's fixed description: id, severity, the sentence of the standard it comes
//! from, the fix, a compliant example and the equivalent checks of other linters.
//!
//! Ids are stable and never reused: `BA-` (berth audit), a letter for the family (`D`
//! Dockerfile, `H` health checks, `T` the standard's service table, `C` Compose, `I` Docker
//! ignore files, `X` the audit itself) and a number. A rule that is retired keeps its id
//! unused. The quoted sentences are the standard's own words (a test checks each against the
//! standard's text); the numbers in messages come from `templates/standard.toml`.

use super::findings::Severity;
use crate::standard::Standard;

/// Which files a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Dockerfile,
    Compose,
    Dockerignore,
    Any,
}

/// One rule's description.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub target: Target,
    /// Also applies to development files (`Dockerfile.dev`, `compose.override.yml`,
    /// `.devcontainer/`).
    pub dev: bool,
    /// The standard's section and sentence(s) the rule comes from.
    pub section: &'static str,
    pub standard: &'static str,
    /// Why, in one or two sentences (help text).
    pub why: &'static str,
    pub fix: &'static str,
    /// A compliant example (`--explain`).
    pub example: &'static str,
    /// Equivalent checks of hadolint, checkov and trivy (`tool ID`).
    pub xref: &'static [&'static str],
}

/// Examples and fixes use `{name}` placeholders for the standard's data (see `render`).
const HEALTHCHECK_EXAMPLE: &str = "HEALTHCHECK --interval={interval} --timeout={timeout} --start-period={start_period} --retries={retries} \\\n    CMD [\"python3\", \"/usr/local/bin/healthcheck.py\"]";

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "BA-D001",
        severity: Severity::Warning,
        title: "single-stage build of an image that builds",
        target: Target::Dockerfile,
        dev: false,
        section: "Required Dockerfile Patterns / Multi-Stage Build Structure",
        standard: "All services must use multi-stage builds for optimal image size and security:",
        why: "What a RUN step installs or builds stays in the one and only stage, so compilers, caches and sources ship in the image.",
        fix: "build in a stage `FROM <base> AS builder` and copy only the results into a second, runtime stage",
        example: "FROM {python} AS builder\nRUN pip wheel --wheel-dir /wheels -r requirements.txt\n\nFROM {python} AS runtime\nCOPY --from=builder /wheels /wheels",
        xref: &[],
    },
    Rule {
        id: "BA-D002",
        severity: Severity::Warning,
        title: "build stage without a name, or referenced by number",
        target: Target::Dockerfile,
        dev: true,
        section: "Required Dockerfile Patterns / Multi-Stage Build Structure",
        standard: "FROM python:3.11-slim as builder",
        why: "The standard names its stages (builder, runtime); `COPY --from=0` breaks silently when a stage is added above.",
        fix: "name every stage a later stage uses (`FROM <base> AS builder`) and refer to it by that name (`COPY --from=builder`)",
        example: "FROM {python} AS builder\n...\nFROM {python} AS runtime\nCOPY --from=builder /wheels /wheels",
        xref: &[],
    },
    Rule {
        id: "BA-D003",
        severity: Severity::Warning,
        title: "runtime stage not on a slim base image",
        target: Target::Dockerfile,
        dev: false,
        section: "Security Requirements / Container Security",
        standard: "Minimize attack surface with slim base images",
        why: "A full distribution image carries compilers, shells and libraries the service never uses.",
        fix: "base the runtime stage on the slim variant of its image (for Python: the standard's `{python}`)",
        example: "FROM {python} AS runtime",
        xref: &[],
    },
    Rule {
        id: "BA-D004",
        severity: Severity::Warning,
        title: "build tools in the runtime stage",
        target: Target::Dockerfile,
        dev: false,
        section: "Security Requirements / Container Security",
        standard: "Remove build tools from final images",
        why: "Compilers and build systems in the image that runs are attack surface and size without use.",
        fix: "install build tools in the builder stage only, and base the runtime stage on a clean image, not on the builder",
        example: "FROM {python} AS builder\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential gcc\n\nFROM {python} AS runtime",
        xref: &[],
    },
    Rule {
        id: "BA-D005",
        severity: Severity::Warning,
        title: "runtime stage installs Python packages from an index",
        target: Target::Dockerfile,
        dev: false,
        section: "Required Dockerfile Patterns / Multi-Stage Build Structure",
        standard: "RUN pip install --no-cache-dir --no-index --find-links /wheels -r /tmp/requirements.txt",
        why: "Wheels are built once in the builder; the runtime stage installs them offline, so it needs no compiler and no network.",
        fix: "build wheels in the builder (`pip wheel --wheel-dir /wheels -r requirements.txt`) and install them with `pip install --no-index --find-links /wheels`",
        example: "RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\\n    pip install --no-cache-dir --no-index --find-links /wheels -r /tmp/requirements.txt",
        xref: &[],
    },
    Rule {
        id: "BA-D006",
        severity: Severity::Warning,
        title: "rm of copied files leaves a dead layer",
        target: Target::Dockerfile,
        dev: true,
        section: "Performance Targets / Image Optimization",
        standard: "Target: <400MB per service image",
        why: "Files a COPY added stay in that COPY's layer; deleting them in a later RUN only hides them, the image keeps their size.",
        fix: "do not COPY what you delete: bind-mount it for the one RUN that needs it (`RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels ...`)",
        example: "RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\\n    pip install --no-cache-dir --no-index --find-links /wheels -r /tmp/requirements.txt",
        xref: &[],
    },
    Rule {
        id: "BA-D007",
        severity: Severity::Error,
        title: "container runs as root",
        target: Target::Dockerfile,
        dev: false,
        section: "Security Requirements / Container Security",
        standard: "Run as non-root user in all containers",
        why: "A process running as root in the container is root on the host's kernel; a non-root USER limits what a compromise can do.",
        fix: "create a system user and switch to it before CMD: `USER {uid}:{gid}`",
        example: "RUN groupadd --system --gid {gid} app \\\n    && useradd --system --uid {uid} --gid app --no-create-home app\nUSER {uid}:{gid}",
        xref: &[
            "hadolint DL3002",
            "checkov CKV_DOCKER_3",
            "checkov CKV_DOCKER_8",
            "trivy DS002",
        ],
    },
    Rule {
        id: "BA-D008",
        severity: Severity::Info,
        title: "USER by name instead of numeric uid",
        target: Target::Dockerfile,
        dev: false,
        section: "Security Requirements / Container Security",
        standard: "Run as non-root user in all containers",
        why: "Kubernetes' runAsNonRoot can only verify a numeric uid; with a user name the pod is refused or the check is skipped.",
        fix: "give the user a fixed uid and switch by number: `USER {uid}:{gid}`",
        example: "USER {uid}:{gid}",
        xref: &[],
    },
    Rule {
        id: "BA-D009",
        severity: Severity::Warning,
        title: "application files copied without --chown",
        target: Target::Dockerfile,
        dev: false,
        section: "Security Requirements / Container Security",
        standard: "Implement proper file ownership with `COPY --chown`",
        why: "Copied files belong to root unless COPY says otherwise; a later `chown -R` duplicates them in another layer.",
        fix: "copy application files with the runtime user as owner: `COPY --chown={user}:{user} ...`",
        example: "COPY --chown={user}:{user} app/ /app/app/",
        xref: &[],
    },
    Rule {
        id: "BA-H001",
        severity: Severity::Warning,
        title: "no health check, or the health check switched off",
        target: Target::Any,
        dev: false,
        section: "Required Dockerfile Patterns / Mandatory Health Check Pattern",
        standard: "Use Python-native health checks with exec form to avoid shell issues:",
        why: "Without a health check the engine reports a hung service as running, and Compose cannot gate dependants on it.",
        fix: "add the standard's health check to the final stage (Compose: remove `disable: true` / `test: [\"NONE\"]`)",
        example: HEALTHCHECK_EXAMPLE,
        xref: &["checkov CKV_DOCKER_2", "trivy DS026"],
    },
    Rule {
        id: "BA-H002",
        severity: Severity::Warning,
        title: "health check in shell form",
        target: Target::Any,
        dev: true,
        section: "Anti-Patterns to Avoid",
        standard: "Using shell form in health checks (causes quoting issues)",
        why: "Shell form runs through /bin/sh with its quoting rules and needs a shell in the image.",
        fix: "use exec form: Dockerfile `HEALTHCHECK CMD [\"python3\", \"/usr/local/bin/healthcheck.py\"]`, Compose `test: [\"CMD\", \"python3\", \"/usr/local/bin/healthcheck.py\"]`",
        example: HEALTHCHECK_EXAMPLE,
        xref: &[],
    },
    Rule {
        id: "BA-H003",
        severity: Severity::Warning,
        title: "health check interval, timeout or retries differ from the standard",
        target: Target::Any,
        dev: true,
        section: "Required Dockerfile Patterns / Mandatory Health Check Pattern",
        standard: "HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\",
        why: "The standard fixes the timings so that every service is declared unhealthy after the same time.",
        fix: "use the standard's interval ({interval}), timeout ({timeout}) and retries ({retries})",
        example: HEALTHCHECK_EXAMPLE,
        xref: &[],
    },
    Rule {
        id: "BA-H004",
        severity: Severity::Warning,
        title: "missing or short health check start period",
        target: Target::Any,
        dev: true,
        section: "Anti-Patterns to Avoid",
        standard: "Missing or inadequate health check start periods",
        why: "Without a start period, failed probes during start-up count against the retries and a slow start is reported unhealthy.",
        fix: "set the standard's start period: `--start-period={start_period}` (Compose: `start_period: {start_period}`)",
        example: HEALTHCHECK_EXAMPLE,
        xref: &[],
    },
    Rule {
        id: "BA-T001",
        severity: Severity::Warning,
        title: "port differs from the standard's service table",
        target: Target::Any,
        dev: false,
        section: "Service Configuration Standards / Port Assignments",
        standard: "Auth Service: 8001",
        why: "The standard assigns each of its services a fixed port; other services and the gateway rely on it.",
        fix: "use the standard's port for this service",
        example: "EXPOSE {auth_port}\nENV UVICORN_PORT={auth_port}",
        xref: &[],
    },
    Rule {
        id: "BA-T002",
        severity: Severity::Warning,
        title: "worker count differs from the standard's service table",
        target: Target::Any,
        dev: false,
        section: "Service Configuration Standards / Worker Allocation",
        standard: "**Auth Service**: 2 workers (authentication load)",
        why: "The standard sizes each of its services' workers for its load (file uploads, AI operations, WebSocket connections).",
        fix: "use the standard's worker count for this service",
        example: "ENV UVICORN_WORKERS={auth_workers}",
        xref: &[],
    },
    Rule {
        id: "BA-C001",
        severity: Severity::Warning,
        title: "dependency not gated on health",
        target: Target::Compose,
        dev: true,
        section: "Docker Compose Requirements / Service Dependencies",
        standard: "Use `wait-for-services.py` script for robust dependency management:",
        why: "A plain depends_on only waits for the dependency's container to start, not for it to serve.",
        fix: "wait for the dependency's health: `depends_on: {NAME: {condition: service_healthy}}`, or run the service through wait-for-services.py",
        example: "depends_on:\n  auth-service:\n    condition: service_healthy",
        xref: &[],
    },
    Rule {
        id: "BA-C002",
        severity: Severity::Warning,
        title: "hard-coded URL",
        target: Target::Compose,
        dev: true,
        section: "Docker Compose Requirements / Environment Configuration",
        standard: "Never hardcode URLs, ports, or credentials",
        why: "A URL written into the Compose file is the same in every environment; the .env file of each environment should own it.",
        fix: "move the value to the .env files and refer to it: `KEY: ${KEY}`",
        example: "environment:\n  AUTH_SERVICE_URL: \"${AUTH_SERVICE_URL}\"",
        xref: &[],
    },
    Rule {
        id: "BA-C003",
        severity: Severity::Warning,
        title: "hard-coded port",
        target: Target::Compose,
        dev: true,
        section: "Docker Compose Requirements / Environment Configuration",
        standard: "Never hardcode URLs, ports, or credentials",
        why: "A published port or port setting written into the Compose file cannot differ between environments.",
        fix: "take the port from the .env files: `\"${API_PORT}:8000\"`, `PORT: ${API_PORT}`",
        example: "ports:\n  - \"${GATEWAY_PORT}:{gateway_port}\"",
        xref: &[],
    },
    Rule {
        id: "BA-C004",
        severity: Severity::Error,
        title: "hard-coded credential",
        target: Target::Compose,
        dev: true,
        section: "Docker Compose Requirements / Environment Configuration",
        standard: "Never hardcode URLs, ports, or credentials",
        why: "A secret in the Compose file is in version control and the same in every environment.",
        fix: "move the secret to the .env files (kept out of version control) and refer to it: `KEY: ${KEY:?set KEY}`",
        example: "environment:\n  SECRET_KEY: \"${AUTH_SERVICE_SECRET_KEY:?set AUTH_SERVICE_SECRET_KEY}\"",
        xref: &[],
    },
    Rule {
        id: "BA-C005",
        severity: Severity::Warning,
        title: "no configuration per environment",
        target: Target::Compose,
        dev: false,
        section: "Docker Compose Requirements / Environment Configuration",
        standard: "Support multiple environments (dev, staging, prod)",
        why: "Each environment needs its own values (.env.ENV) and overrides (docker-compose.ENV.yml).",
        fix: "add a `.env.ENV` file or a `docker-compose.ENV.yml` override for each environment",
        example: "docker-compose.yml  docker-compose.dev.yml  docker-compose.staging.yml  docker-compose.prod.yml\n.env.dev  .env.staging  .env.prod",
        xref: &[],
    },
    Rule {
        id: "BA-C006",
        severity: Severity::Warning,
        title: "service not on an internal network",
        target: Target::Compose,
        dev: false,
        section: "Security Requirements / Network Security",
        standard: "Use internal Docker networks for service communication",
        why: "On the default bridge network every service is reachable from the host and can reach the internet.",
        fix: "declare a network with `internal: true` and attach every service to it",
        example: "services:\n  auth-service:\n    networks: [backend]\nnetworks:\n  backend:\n    internal: true",
        xref: &[],
    },
    Rule {
        id: "BA-C007",
        severity: Severity::Warning,
        title: "backend service publishes a port outside dev",
        target: Target::Compose,
        dev: false,
        section: "Security Requirements / Network Security",
        standard: "Expose only necessary ports",
        why: "Other services reach a backend service on the internal network; publishing its port outside dev opens it to the host's network.",
        fix: "publish the port in the dev override only, and reach the service through the entry point",
        example: "# docker-compose.dev.yml\nservices:\n  auth-service:\n    ports:\n      - \"127.0.0.1:${AUTH_SERVICE_PORT}:${AUTH_SERVICE_PORT}\"",
        xref: &[],
    },
    Rule {
        id: "BA-I001",
        severity: Severity::Warning,
        title: "build context without a Docker ignore file",
        target: Target::Dockerfile,
        dev: true,
        section: ".dockerignore Optimization / Service-Specific Ignores",
        standard: "Each service should have its own `.dockerignore` excluding irrelevant services and files.",
        why: "Without an ignore file the whole context (.git, virtualenvs, .env files with secrets) is sent to the builder.",
        fix: "add `.dockerignore` to the build context (or `<Dockerfile>.dockerignore` beside the Dockerfile) with the standard's required exclusions",
        example: "{required}",
        xref: &[],
    },
    Rule {
        id: "BA-I002",
        severity: Severity::Warning,
        title: "required exclusions missing from a Docker ignore file",
        target: Target::Dockerignore,
        dev: true,
        section: ".dockerignore Optimization / Required Exclusions",
        standard: "### Required Exclusions",
        why: "The standard lists what must never reach a build context: VCS data, editor folders, caches, virtualenvs, logs and .env files.",
        fix: "add the missing patterns",
        example: "{required}",
        xref: &[],
    },
    Rule {
        id: "BA-I003",
        severity: Severity::Warning,
        title: "services share one Docker ignore file",
        target: Target::Compose,
        dev: true,
        section: ".dockerignore Optimization / Service-Specific Ignores",
        standard: "Each service should have its own `.dockerignore` excluding irrelevant services and files.",
        why: "With one ignore file for several services, each service's context carries the others' files.",
        fix: "give each service its own context folder with its own `.dockerignore`, or a `<Dockerfile>.dockerignore` beside each Dockerfile",
        example: "services/auth-service/.dockerignore\nservices/creator-hub/.dockerignore",
        xref: &[],
    },
    Rule {
        id: "BA-X001",
        severity: Severity::Error,
        title: "file does not parse",
        target: Target::Any,
        dev: true,
        section: "(front matter)",
        standard: "fileMatchPattern: ['**/Dockerfile', '**/docker-compose*.yml', '**/.dockerignore', 'scripts/docker-*.ps1', 'scripts/test-*.ps1']",
        why: "A file the standard covers that does not parse cannot be checked, and will not build or start either.",
        fix: "correct the syntax at the line shown",
        example: "FROM {python} AS runtime",
        xref: &["hadolint DL1000"],
    },
    Rule {
        id: "BA-X002",
        severity: Severity::Warning,
        title: "suppression without a reason",
        target: Target::Any,
        dev: true,
        section: "(berth audit)",
        standard: "",
        why: "A switched-off rule must say why, so that review can judge it.",
        fix: "write the reason after the rule id: `# berth-audit: ignore BA-D001 reason`",
        example: "# berth-audit: ignore BA-D003 the vendor image has no slim variant",
        xref: &[],
    },
    Rule {
        id: "BA-X003",
        severity: Severity::Warning,
        title: "suppression of an unknown rule",
        target: Target::Any,
        dev: true,
        section: "(berth audit)",
        standard: "",
        why: "A misspelt id suppresses nothing and hides that the finding is still there.",
        fix: "use an id from `berth audit --list-rules`",
        example: "# berth-audit: ignore BA-D003 the vendor image has no slim variant",
        xref: &[],
    },
];

/// The rule with this id.
pub(crate) fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Fills the standard's data into a rule's text: `{python}`, `{uid}`, `{gid}`, `{user}`,
/// `{interval}`, `{timeout}`, `{start_period}`, `{retries}`, `{required}` (the ignore
/// entries, one a line), `{gateway_port}`, `{auth_port}` and `{auth_workers}` (the first row
/// of the service table).
pub(crate) fn render(text: &str, standard: &Standard) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let first = standard.services.first();
    let pairs = [
        ("{python}", standard.images.python.clone()),
        ("{uid}", standard.runtime.uid.to_string()),
        ("{gid}", standard.runtime.gid.to_string()),
        ("{user}", standard.runtime.user.clone()),
        ("{interval}", standard.healthcheck.interval.clone()),
        ("{timeout}", standard.healthcheck.timeout.clone()),
        ("{start_period}", standard.healthcheck.start_period.clone()),
        ("{retries}", standard.healthcheck.retries.to_string()),
        ("{required}", standard.dockerignore.required.join("\n")),
        ("{gateway_port}", standard.gateway.port.to_string()),
        (
            "{auth_port}",
            first.map(|s| s.port.to_string()).unwrap_or_default(),
        ),
        (
            "{auth_workers}",
            first.map(|s| s.workers.to_string()).unwrap_or_default(),
        ),
    ];
    let mut out = text.to_string();
    for (key, value) in pairs {
        out = out.replace(key, &value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            let (prefix, number) = id.split_at(4);
            assert!(
                matches!(prefix, "BA-D" | "BA-H" | "BA-T" | "BA-C" | "BA-I" | "BA-X"),
                "{id}"
            );
            assert!(
                number.len() == 3 && number.chars().all(|c| c.is_ascii_digit()),
                "{id}"
            );
        }
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "duplicate rule ids");
    }
}
