//! The questions of `berth new`, one small function each, in the order they are asked.
//!
//! Each question shows the default the flags path would take (from the standard's table for a
//! known name, else from the standard's defaults for the kind) and checks what is typed with the
//! same `Rules` as the flags, so a refused answer is re-asked with the reason a flag would get.
//! A question whose flag was given is skipped; an answer equal to its default is recorded as
//! "not given", so that accepting every default writes exactly what `berth new NAME --yes`
//! writes (and the standard's values stay unpinned in berth.toml).

use std::collections::BTreeMap;

use crate::answers::{NewServiceRules as Rules, ServiceAnswers, ServiceDefaults as Defaults};
use crate::error::{Refusal, Result, plural};
use crate::manifest_edit::NewService;
use crate::standard::Kind;

use super::prompter::Prompter;

/// Asks what `given` (the checked flags) leaves open and returns the service to add.
pub(crate) fn new_service(
    p: &mut dyn Prompter,
    given: ServiceAnswers,
    rules: &Rules,
) -> Result<NewService> {
    let mut answers = given;
    let name = match answers.name.clone() {
        Some(name) => name,
        None => ask_name(p, rules)?,
    };
    answers.name = Some(name.clone());
    let c = &mut answers.section;
    if c.kind.is_none() {
        let standard = rules.defaults(&name, None);
        c.kind = changed(ask_kind(p, rules, &name, &standard)?, &standard.kind);
    }
    let d = rules.defaults(&name, c.kind);
    if c.port.is_none() {
        c.port = changed(ask_port(p, rules, &name, &d)?, &d.port).map(i64::from);
    }
    if c.workers.is_none() {
        c.workers = changed(ask_workers(p, rules, &name, &d)?, &d.workers).map(i64::from);
    }
    if !answers.depends_on_given {
        c.depends_on = ask_depends_on(p, rules)?;
        answers.depends_on_given = true;
    }
    if c.wait_timeout.is_none() && c.wait_timeouts.is_empty() && !c.depends_on.is_empty() {
        let asked = ask_wait_timeouts(p, rules, &c.depends_on, &d)?;
        let (default, apart) = timeouts(&asked, d.wait_timeout);
        c.wait_timeout = default.map(i64::from);
        c.wait_timeouts = apart
            .into_iter()
            .map(|(dep, secs)| (dep, i64::from(secs)))
            .collect();
    }
    if c.route.is_none() && rules.has_gateway() {
        c.route = changed(ask_route(p, rules, &name, &d)?, &d.route);
    }
    Ok(rules.service(&answers))
}

/// `None` when the answer is the default: the standard's value applies.
fn changed<T: PartialEq>(answer: T, default: &T) -> Option<T> {
    (answer != *default).then_some(answer)
}

/// The reason shown when `subject` (the answer, as the user would name it) is refused.
fn reason(subject: &str, r: &Refusal) -> String {
    if r.message.starts_with(subject) {
        format!("{}; {}", r.message, r.fix)
    } else {
        format!("{subject} {}; {}", r.message, r.fix)
    }
}

fn number(text: &str) -> std::result::Result<i64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

/// An input question for a number that `rule` turns into a `T`. The value is the one `rule`
/// gave for the answer it accepted (the last answer checked), not a second parse.
fn ask_number<T: ToString>(
    p: &mut dyn Prompter,
    prompt: &str,
    default: &T,
    subject: &str,
    rule: impl Fn(i64) -> std::result::Result<T, Refusal>,
) -> Result<T> {
    let accepted = std::cell::Cell::new(None);
    let check = |text: &str| {
        let raw = number(text)?;
        let value = rule(raw).map_err(|r| reason(&format!("{subject} {raw}"), &r))?;
        accepted.set(Some(value));
        Ok(())
    };
    p.input(prompt, Some(&default.to_string()), &check)?;
    Ok(accepted
        .take()
        .expect("the prompter returns only an answer its check accepted"))
}

pub(super) fn ask_name(p: &mut dyn Prompter, rules: &Rules) -> Result<String> {
    let check = |name: &str| {
        rules
            .name(name)
            .map_err(|r| reason(&format!("{name:?}"), &r))
    };
    p.input(
        "Service name (lowercase kebab-case, e.g. billing-api)",
        None,
        &check,
    )
}

pub(super) fn ask_kind(
    p: &mut dyn Prompter,
    rules: &Rules,
    name: &str,
    standard: &Defaults,
) -> Result<Kind> {
    if standard.from_table {
        p.note(&format!(
            "{name} is in the standard's table: {}, port {}, {} ({}).",
            standard.kind,
            standard.port,
            plural(standard.workers as usize, "worker"),
            standard.workers_reason
        ));
    }
    let items: Vec<String> = Kind::ALL
        .iter()
        .map(|k| format!("{:<10} {}", k.as_str(), rules.standard.kind(*k).summary))
        .collect();
    let default = Kind::ALL
        .iter()
        .position(|k| *k == standard.kind)
        .unwrap_or(0);
    let index = p.select("Kind of service", &items, default)?;
    Ok(Kind::ALL[index])
}

pub(super) fn ask_port(
    p: &mut dyn Prompter,
    rules: &Rules,
    name: &str,
    d: &Defaults,
) -> Result<u16> {
    let prompt = if d.from_table && rules.standard.service(name).map(|r| r.port) == Some(d.port) {
        format!("Port (the standard's for {name})")
    } else {
        "Port (the next free one)".to_string()
    };
    ask_number(p, &prompt, &d.port, "port", |raw| rules.port(raw))
}

pub(super) fn ask_workers(
    p: &mut dyn Prompter,
    rules: &Rules,
    name: &str,
    d: &Defaults,
) -> Result<u32> {
    let whom = if d.from_table {
        name.to_string()
    } else {
        format!("{} services", d.kind)
    };
    p.note(&format!(
        "Workers: the standard gives {whom} {} ({}).",
        d.workers, d.workers_reason
    ));
    ask_number(p, "Uvicorn workers", &d.workers, "workers", |raw| {
        rules.workers(raw, d.kind)
    })
}

pub(super) fn ask_depends_on(p: &mut dyn Prompter, rules: &Rules) -> Result<Vec<String>> {
    let (services, infra) = (rules.services(), rules.infra());
    if services.is_empty() && infra.is_empty() {
        p.note("Depends on: nothing yet (berth.toml has no other service and no [infra]).");
        return Ok(Vec::new());
    }
    let names: Vec<&str> = services
        .iter()
        .map(|s| s.name.as_str())
        .chain(infra.iter().map(|i| i.name.as_str()))
        .collect();
    let items: Vec<String> = services
        .iter()
        .map(|s| format!("{:<20} {}, port {}", s.name, s.kind, s.port))
        .chain(
            infra
                .iter()
                .map(|i| format!("{:<20} infrastructure, {}", i.name, i.url)),
        )
        .collect();
    let ticked = p.multi_select(
        "Depends on (space ticks, enter accepts; none is fine)",
        &items,
        &vec![false; items.len()],
    )?;
    Ok(ticked.into_iter().map(|i| names[i].to_string()).collect())
}

/// One timeout per dependency, each defaulting to the standard's for the service's kind.
pub(super) fn ask_wait_timeouts(
    p: &mut dyn Prompter,
    rules: &Rules,
    deps: &[String],
    d: &Defaults,
) -> Result<Vec<(String, u32)>> {
    deps.iter()
        .map(|dep| {
            let prompt = format!("Seconds to wait for {dep} at start");
            ask_number(p, &prompt, &d.wait_timeout, "timeout", |raw| {
                rules.wait_timeout(raw, d.kind)
            })
            .map(|secs| (dep.clone(), secs))
        })
        .collect()
}

/// The manifest's form of per-dependency answers, as `--wait-timeout` would give it: one value
/// for all (nothing when it is the default), or the dependencies that differ from the default.
pub(super) fn timeouts(
    answers: &[(String, u32)],
    default: u32,
) -> (Option<u32>, BTreeMap<String, u32>) {
    let first = answers.first().map(|(_, s)| *s);
    if answers.iter().all(|(_, s)| Some(*s) == first) {
        return (first.and_then(|s| changed(s, &default)), BTreeMap::new());
    }
    let apart = answers
        .iter()
        .filter(|(_, s)| *s != default)
        .map(|(dep, s)| (dep.clone(), *s))
        .collect();
    (None, apart)
}

pub(super) fn ask_route(
    p: &mut dyn Prompter,
    rules: &Rules,
    name: &str,
    d: &Defaults,
) -> Result<String> {
    let check = |route: &str| {
        rules
            .route(name, route)
            .map_err(|r| reason(&format!("route {route:?}"), &r))
    };
    p.input("Gateway route prefix", Some(&d.route), &check)
}
