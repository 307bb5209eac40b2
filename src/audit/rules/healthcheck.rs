//! BA-H001 (no HEALTHCHECK), BA-H002 (shell form), BA-H003 (interval, timeout, retries),
//! BA-H004 (start period) for Dockerfiles, and the comparisons Compose services share
//! (`compose_health.rs` assembles a service's health check first).
//!
//! Timings are compared as durations (`1m` is `60s`), against `[healthcheck]` of the
//! standard's data. A Dockerfile option that is not written takes Docker's default (interval
//! 30s, timeout 30s, start period 0s, retries 3).

use crate::audit::dockerfile::{Command, Kind};
use crate::audit::project::DockerfileDoc;
use crate::standard::Healthcheck as Standard;

use super::Sink;

/// Docker's defaults for options a HEALTHCHECK leaves out.
pub(super) const DOCKER_DEFAULTS: [(&str, &str); 4] = [
    ("interval", "30s"),
    ("timeout", "30s"),
    ("start-period", "0s"),
    ("retries", "3"),
];

pub(super) fn check_dockerfile(sink: &mut Sink, doc: &DockerfileDoc) {
    let file = &doc.source.display;
    let Some(last) = doc.runtime() else { return };
    // The last HEALTHCHECK of the final stage (or of a stage it is built from) is in force.
    let found = doc.parsed.lineage(last).into_iter().find_map(|s| {
        s.instructions.iter().rev().find_map(|i| match &i.kind {
            Kind::Healthcheck(h) => Some((h, i.line)),
            _ => None,
        })
    });
    let Some((check, line)) = found else {
        sink.push(
            "BA-H001",
            file,
            doc.dev,
            last.line,
            "the final stage has no HEALTHCHECK".into(),
            None,
        );
        return;
    };
    let Some(test) = &check.test else {
        sink.push(
            "BA-H001",
            file,
            doc.dev,
            line,
            "`HEALTHCHECK NONE` switches the health check off".into(),
            None,
        );
        return;
    };
    if let Command::Shell(text) = test {
        shell_form(sink, file, doc.dev, line, "", text);
    }
    let written = |name: &str| {
        check.option(name).map_or_else(
            || {
                DOCKER_DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            },
            str::to_string,
        )
    };
    let options: Vec<(String, String, u32, bool)> = DOCKER_DEFAULTS
        .iter()
        .map(|(name, _)| {
            (
                name.to_string(),
                written(name),
                line,
                check.option(name).is_some(),
            )
        })
        .collect();
    timings(sink, file, doc.dev, &options, "", "--", "=");
}

/// BA-H002 for `text`; `who` starts the message (`api: ` for a Compose service).
pub(super) fn shell_form(sink: &mut Sink, file: &str, dev: bool, line: u32, who: &str, text: &str) {
    sink.push(
        "BA-H002",
        file,
        dev,
        line,
        format!(
            "{who}the health check `{}` is in shell form",
            super::parse::shorten(text.trim())
        ),
        None,
    );
}

/// The standard's value of an option (`interval`, `timeout`, `start-period`, `retries`); in a
/// development file the interval is the standard's `dev_interval` (berth's dev override
/// probes faster so that dependencies turn healthy within seconds).
fn standard_value<'a>(
    standard: &'a Standard,
    name: &str,
    dev: bool,
) -> Option<std::borrow::Cow<'a, str>> {
    match name {
        "interval" if dev => Some(standard.dev_interval.as_str().into()),
        "interval" => Some(standard.interval.as_str().into()),
        "timeout" => Some(standard.timeout.as_str().into()),
        "start-period" => Some(standard.start_period.as_str().into()),
        "retries" => Some(standard.retries.to_string().into()),
        _ => None,
    }
}

/// Compares (option, value, line, written) against the standard. `who` starts the message;
/// `prefix`/`sep` spell an option in the fix (`--timeout=5s` or `timeout: 5s`).
pub(super) fn timings(
    sink: &mut Sink,
    file: &str,
    dev: bool,
    options: &[(String, String, u32, bool)],
    who: &str,
    prefix: &str,
    sep: &str,
) {
    let standard = sink.standard.healthcheck.clone();
    for (name, value, line, written) in options {
        let Some(wanted) = standard_value(&standard, name, dev) else {
            continue;
        };
        let spelled = |n: &str| {
            if prefix.is_empty() {
                n.replace('-', "_")
            } else {
                format!("{prefix}{n}")
            }
        };
        let shown = if *written {
            format!("{who}{} {value}", spelled(name))
        } else {
            format!("{who}{} not set (Docker's default {value})", spelled(name))
        };
        let fix = Some(format!("`{}{sep}{wanted}`", spelled(name)));
        if name == "start-period" {
            let short = match (duration(value), duration(&wanted)) {
                (Some(have), Some(want)) => have < want,
                _ => false,
            };
            if short {
                let message =
                    format!("{shown}: the start period is shorter than the standard's {wanted}");
                sink.push("BA-H004", file, dev, *line, message, fix);
            }
            continue;
        }
        let differs = if name == "retries" {
            value.trim() != wanted
        } else {
            duration(value).is_some_and(|have| Some(have) != duration(&wanted))
        };
        if differs {
            sink.push(
                "BA-H003",
                file,
                dev,
                *line,
                format!("{shown}: the standard's is {wanted}"),
                fix,
            );
        }
    }
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `1.5h`) in nanoseconds.
pub(super) fn duration(text: &str) -> Option<u128> {
    let mut rest = text.trim();
    if rest == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    let mut any = false;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
        any = true;
    }
    // A duration parsed from digits and a unit is finite and not negative; nanoseconds beyond
    // u128 do not occur in a health check.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let nanos = total as u128;
    any.then_some(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(duration("30s"), Some(30_000_000_000));
        assert_eq!(duration("1m30s"), duration("90s"));
        assert_eq!(duration("500ms"), Some(500_000_000));
        assert_eq!(duration("0"), Some(0));
        assert_eq!(duration("30"), None);
        assert_eq!(duration("x"), None);
    }
}
