//! Unit tests of every question: the default it shows, what it refuses and why, and that the
//! answers equal what the flags path builds. They run the questions against the scripted
//! prompter, on the embedded standard and projects made from its presets.

use std::path::Path;

use super::init::{ask_environments, ask_gateway, ask_preset, ask_project_name};
use super::new_service::{
    ask_depends_on, ask_kind, ask_name, ask_port, ask_route, ask_wait_timeouts, ask_workers,
    timeouts,
};
use super::prompter::{Reply, Scripted, text};
use super::{init, new_service, review};
use crate::answers::{
    NewServiceRules as Rules, Preset, ProjectAnswers, ProjectFlags, ServiceAnswers as Choices,
    ServiceFlags,
};
use crate::apply::{FileChange, Prepared, Status};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::manifest::Manifest;
use crate::manifest_edit::NewService;
use crate::model::Project;
use crate::session::ManifestChange;
use crate::standard::{Kind, Standard};
use crate::templates::{STANDARD_FILE, TemplateSet};

fn standard() -> Standard {
    let templates = TemplateSet::load(None).unwrap();
    Standard::parse(templates.standard_text().unwrap(), STANDARD_FILE).unwrap()
}

fn project(standard: &Standard, preset: Preset, gateway: bool) -> Project {
    let answers = ProjectAnswers {
        name: "demo".into(),
        preset,
        environments: standard.environments.names.clone(),
        gateway,
    };
    let text = answers.manifest_text(standard);
    let manifest = Manifest::parse(&text, Path::new("berth.toml")).unwrap();
    crate::resolve::resolve(&manifest, standard).unwrap()
}

/// The mvp preset: the standard's four services and the gateway.
fn mvp(standard: &Standard) -> Project {
    project(standard, Preset::Mvp, true)
}

/// No services, no gateway.
fn minimal(standard: &Standard) -> Project {
    project(standard, Preset::Minimal, false)
}

fn new_args(name: &str) -> ServiceFlags {
    ServiceFlags {
        name: Some(name.into()),
        ..ServiceFlags::default()
    }
}

/// The flags path: every answer from the flags, defaults for the rest.
fn from_flags(flags: &ServiceFlags, rules: &Rules) -> Result<NewService> {
    Ok(rules.service(&rules.check_flags(flags)?))
}

fn default_of<'a>(p: &'a Scripted, prompt: &str) -> &'a str {
    p.question(prompt).default.as_deref().unwrap_or("(none)")
}

// ----- berth new -----

#[test]
fn name_is_reasked_with_the_reason() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([
        text("Billing_API"),
        text("auth-service"),
        text("x"),
        text("gateway"),
        text("billing"),
    ]);
    assert_eq!(ask_name(&mut p, &rules).unwrap(), "billing");
    let q = p.question("Service name");
    assert_eq!(q.default, None, "a name has no default");
    let refused = &q.refused;
    assert_eq!(refused.len(), 4, "{refused:#?}");
    assert!(refused[0].contains("\"Billing_API\" must be lowercase kebab-case"));
    assert!(
        refused[0].contains("\"billing-api\""),
        "the fix suggests a name"
    );
    assert!(refused[1].contains("\"auth-service\" is already a service in berth.toml"));
    assert!(refused[2].contains("2 to 40 characters"));
    assert!(refused[3].starts_with("\"gateway\" is reserved by berth"));
}

#[test]
fn kind_defaults_to_the_standards_kind_for_a_known_name_else_http() {
    let s = standard();
    let current = minimal(&s);
    let rules = Rules::new(&current, &s);

    let mut p = Scripted::new([Reply::Enter]);
    let d = rules.defaults("ai-engine", None);
    assert_eq!(
        ask_kind(&mut p, &rules, "ai-engine", &d).unwrap(),
        Kind::Worker
    );
    assert!(default_of(&p, "Kind").starts_with("worker"));
    assert!(
        p.notes[0].contains("ai-engine is in the standard's table: worker, port 8003, 1 worker ("),
        "{:?}",
        p.notes
    );
    // One line per kind, saying what it means.
    let items = &p.question("Kind").items;
    assert_eq!(items.len(), 3);
    assert!(items[0].starts_with("http") && items[0].contains("HTTP API"));
    assert!(items[1].starts_with("websocket") && items[1].contains("WebSocket"));
    assert!(items[2].starts_with("worker") && items[2].contains("Background / AI worker"));
    assert!(items.iter().all(|i| !i.contains('\n')));

    let mut p = Scripted::new([Reply::Pick(1)]);
    let d = rules.defaults("billing", None);
    assert_eq!(
        ask_kind(&mut p, &rules, "billing", &d).unwrap(),
        Kind::Websocket
    );
    assert!(default_of(&p, "Kind").starts_with("http"));
    assert!(p.notes.is_empty(), "no table note for an unknown name");
}

#[test]
fn port_default_is_the_standards_for_a_known_name_else_the_next_free_one() {
    let s = standard();
    let current = minimal(&s);
    let rules = Rules::new(&current, &s);
    let d = rules.defaults("creator-hub", None);
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_port(&mut p, &rules, "creator-hub", &d).unwrap(), 8002);
    assert_eq!(default_of(&p, "Port"), "8002");
    assert!(
        p.question("Port")
            .prompt
            .contains("the standard's for creator-hub")
    );

    // Another kind than the table's: no longer the table's service, so the next free port.
    let d = rules.defaults("creator-hub", Some(Kind::Worker));
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_port(&mut p, &rules, "creator-hub", &d).unwrap(), 8005);
    assert!(p.question("Port").prompt.contains("next free"));

    // Next free skips the ports in use (mvp's gateway has 8080, its services 8001-8004).
    let mvp = mvp(&s);
    let rules = Rules::new(&mvp, &s);
    let d = rules.defaults("billing", None);
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_port(&mut p, &rules, "billing", &d).unwrap(), 8005);
}

#[test]
fn port_conflicts_and_bad_ports_are_reasked_with_the_reason() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let d = rules.defaults("billing", None);
    let mut p = Scripted::new([
        text("8003"),
        text("8080"),
        text("80"),
        text("abc"),
        text("8010"),
    ]);
    assert_eq!(ask_port(&mut p, &rules, "billing", &d).unwrap(), 8010);
    let refused = &p.question("Port").refused;
    assert_eq!(refused.len(), 4, "{refused:#?}");
    assert_eq!(
        refused[0],
        "port 8003 is already used by ai-engine; use a free port, e.g. 8005"
    );
    assert!(refused[1].contains("already used by the gateway"));
    assert!(refused[2].contains("between 1024 and 65535"));
    assert!(refused[3].contains("\"abc\" is not a whole number"));
}

#[test]
fn workers_default_and_reason_follow_the_name_or_the_kind() {
    let s = standard();
    let current = minimal(&s);
    let rules = Rules::new(&current, &s);

    let d = rules.defaults("live-feed", Some(Kind::Websocket));
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_workers(&mut p, &rules, "live-feed", &d).unwrap(), 1);
    assert_eq!(default_of(&p, "workers"), "1");
    assert!(
        p.notes[0].contains("websocket services 1 (one worker: WebSocket connections"),
        "{:?}",
        p.notes
    );

    let d = rules.defaults("auth-service", None);
    let mut p = Scripted::new([text("0"), text("33"), text("4")]);
    assert_eq!(ask_workers(&mut p, &rules, "auth-service", &d).unwrap(), 4);
    assert_eq!(default_of(&p, "workers"), "2");
    assert!(p.notes[0].contains("the standard gives auth-service 2 (authentication load)"));
    let refused = &p.question("workers").refused;
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|r| r.contains("between 1 and 32")));

    let d = rules.defaults("billing", None);
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_workers(&mut p, &rules, "billing", &d).unwrap(), 2);
}

#[test]
fn dependencies_are_chosen_among_the_existing_services() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([Reply::Ticks(vec![1, 3])]);
    assert_eq!(
        ask_depends_on(&mut p, &rules).unwrap(),
        ["auth-service", "creator-hub"]
    );
    let q = p.question("Depends on");
    assert_eq!(q.default.as_deref(), Some(""), "nothing ticked at first");
    let names: Vec<&str> = q
        .items
        .iter()
        .map(|i| i.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ai-engine",
            "auth-service",
            "channel-service",
            "creator-hub"
        ]
    );
    assert!(q.items[1].contains("http, port 8001"));

    // Nothing to choose from: no question.
    let empty = minimal(&s);
    let rules = Rules::new(&empty, &s);
    let mut p = Scripted::new([]);
    assert!(ask_depends_on(&mut p, &rules).unwrap().is_empty());
    assert!(p.asked.is_empty());
    assert!(p.notes[0].contains("no other service"));
}

#[test]
fn declared_infrastructure_is_offered_after_the_services() {
    let s = standard();
    let mut text = ProjectAnswers {
        name: "demo".into(),
        preset: Preset::Minimal,
        environments: s.environments.names.clone(),
        gateway: false,
    }
    .manifest_text(&s);
    text.push_str(
        "\n[infra.postgres]\nurl = \"tcp://db:5432\"\n\n[services.billing]\nport = 8005\n",
    );
    let manifest = Manifest::parse(&text, Path::new("berth.toml")).unwrap();
    let current = crate::resolve::resolve(&manifest, &s).unwrap();
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([Reply::Ticks(vec![1])]);
    assert_eq!(ask_depends_on(&mut p, &rules).unwrap(), ["postgres"]);
    let q = p.question("Depends on");
    assert!(q.items[0].starts_with("billing "), "{:?}", q.items);
    assert!(
        q.items[1].starts_with("postgres ") && q.items[1].contains("infrastructure, tcp://db:5432"),
        "{:?}",
        q.items
    );
    assert_eq!(rules.dependency("search", "postgres"), Ok(()));
    assert!(
        rules
            .dependency("search", "redis")
            .unwrap_err()
            .fix
            .contains("billing, postgres")
    );
}

#[test]
fn wait_timeout_default_is_the_standards_for_the_kind() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let deps = ["auth-service".to_string()];
    let mut p = Scripted::new([Reply::Enter]);
    let d = rules.defaults("crunch", Some(Kind::Worker));
    assert_eq!(
        ask_wait_timeouts(&mut p, &rules, &deps, &d).unwrap(),
        [("auth-service".to_string(), 120)]
    );
    let mut p = Scripted::new([text("0"), text("3601"), text("90")]);
    let d = rules.defaults("billing", None);
    assert_eq!(
        ask_wait_timeouts(&mut p, &rules, &deps, &d).unwrap(),
        [("auth-service".to_string(), 90)]
    );
    assert_eq!(default_of(&p, "Seconds to wait for auth-service"), "60");
    assert_eq!(p.question("wait").refused.len(), 2);
    assert!(p.question("wait").refused[0].contains("between 1 and 3600 seconds"));
}

#[test]
fn one_timeout_per_dependency_maps_to_what_the_flag_writes() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    // ai-engine, auth-service, channel-service, creator-hub: tick auth-service and creator-hub;
    // keep the default for the first, 120 s for the second.
    let mut p = Scripted::new([
        text("billing"),
        Reply::Enter,
        Reply::Enter,
        Reply::Enter,
        Reply::Ticks(vec![1, 3]),
        Reply::Enter,
        text("120"),
        Reply::Enter,
    ]);
    let wizard = new_service(&mut p, Choices::default(), &rules).unwrap();
    assert!(p.finished());
    assert!(
        p.question("Seconds to wait for creator-hub")
            .default
            .is_some()
    );
    let mut args = new_args("billing");
    args.depends_on = Some(vec!["auth-service".into(), "creator-hub".into()]);
    args.wait_timeout = vec!["creator-hub=120".into()];
    assert_eq!(wizard, from_flags(&args, &rules).unwrap());
    assert_eq!(wizard.section.wait_timeout, None);
    assert_eq!(wizard.section.wait_timeouts.get("creator-hub"), Some(&120));
    // The same answer for every dependency is the service-wide value.
    assert_eq!(
        timeouts(&[("a".into(), 90), ("b".into(), 90)], 60),
        (Some(90), Default::default())
    );
    assert_eq!(
        timeouts(&[("a".into(), 60)], 60),
        (None, Default::default())
    );
}

#[test]
fn route_default_is_the_name_and_taken_or_bad_routes_are_reasked() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let d = rules.defaults("billing", None);
    let mut p = Scripted::new([
        text("/auth-service"),
        text("billing/"),
        text("/healthz"),
        Reply::Enter,
    ]);
    assert_eq!(
        ask_route(&mut p, &rules, "billing", &d).unwrap(),
        "/billing"
    );
    assert_eq!(default_of(&p, "route"), "/billing");
    let refused = &p.question("route").refused;
    assert_eq!(refused.len(), 3, "{refused:#?}");
    assert!(refused[0].contains("is already the route of auth-service"));
    assert!(refused[1].contains("must start with '/'"));
    assert!(refused[2].contains("gateway's own health route"));
}

#[test]
fn accepting_every_default_builds_what_the_flags_build() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([
        text("billing"),
        Reply::Enter,          // kind
        Reply::Enter,          // port
        Reply::Enter,          // workers
        Reply::Ticks(vec![1]), // auth-service
        Reply::Enter,          // wait timeout
        Reply::Enter,          // route
    ]);
    let wizard = new_service(&mut p, Choices::default(), &rules).unwrap();
    assert!(p.finished());
    let mut args = new_args("billing");
    args.depends_on = Some(vec!["auth-service".into()]);
    assert_eq!(wizard, from_flags(&args, &rules).unwrap());
    assert_eq!(wizard.section.port, Some(8005));
    assert_eq!(
        (wizard.section.workers, wizard.section.wait_timeout),
        (None, None),
        "defaults stay unpinned"
    );
    assert_eq!(wizard.section.route, None);
}

#[test]
fn changed_answers_build_what_the_same_flags_build() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([
        text("live-feed"),
        Reply::Pick(1), // websocket
        text("8010"),
        text("3"),
        Reply::Ticks(vec![1]),
        text("90"),
        text("/live"),
    ]);
    let wizard = new_service(&mut p, Choices::default(), &rules).unwrap();
    let mut args = new_args("live-feed");
    args.kind = Some(Kind::Websocket);
    args.port = Some(8010);
    args.workers = Some(3);
    args.depends_on = Some(vec!["auth-service".into()]);
    args.wait_timeout = vec!["90".into()];
    args.route = Some("/live".into());
    assert_eq!(wizard, from_flags(&args, &rules).unwrap());
}

#[test]
fn a_known_name_keeps_the_standards_values_unpinned() {
    let s = standard();
    let current = minimal(&s);
    let rules = Rules::new(&current, &s);
    // No services, no gateway: no dependency, wait-timeout or route question.
    let mut p = Scripted::new([
        text("creator-hub"),
        Reply::Enter,
        Reply::Enter,
        Reply::Enter,
    ]);
    let wizard = new_service(&mut p, Choices::default(), &rules).unwrap();
    assert!(p.finished());
    assert_eq!(
        p.prompts().len(),
        4,
        "name, kind, port, workers: {:?}",
        p.prompts()
    );
    assert_eq!(
        wizard,
        from_flags(&new_args("creator-hub"), &rules).unwrap()
    );
    assert_eq!(
        (
            wizard.section.kind,
            wizard.section.port,
            wizard.section.workers
        ),
        (None, None, None)
    );
}

#[test]
fn values_given_as_flags_are_not_asked_again() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut args = new_args("billing");
    args.port = Some(8010);
    args.depends_on = Some(vec![]);
    let given = rules.check_flags(&args).unwrap();
    let mut p = Scripted::new([Reply::Enter, Reply::Enter, Reply::Enter]);
    let wizard = new_service(&mut p, given, &rules).unwrap();
    assert!(p.finished());
    let prompts = p.prompts();
    assert!(
        prompts.iter().all(|q| !q.contains("name")
            && !q.contains("Port")
            && !q.contains("Depends")
            && !q.contains("wait")),
        "{prompts:?}"
    );
    assert_eq!(wizard.section.port, Some(8010));
}

#[test]
fn a_bad_flag_is_refused_before_any_question() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut args = new_args("billing");
    args.name = None;
    args.port = Some(8003);
    let err = rules.check_flags(&args).unwrap_err();
    assert_eq!(err.exit_status(), ExitStatus::Error);
    assert!(
        err.to_string()
            .contains("--port = 8003: is already used by ai-engine"),
        "{err}"
    );
}

#[test]
fn esc_or_ctrl_c_at_a_middle_question_is_an_interruption() {
    let s = standard();
    let current = mvp(&s);
    let rules = Rules::new(&current, &s);
    let mut p = Scripted::new([text("billing"), Reply::Enter, Reply::Cancel]);
    let err = new_service(&mut p, Choices::default(), &rules).unwrap_err();
    assert!(matches!(err, Error::Interrupted));
    assert_eq!(err.exit_status(), ExitStatus::Interrupted);
    assert_eq!(err.to_string(), "interrupted: nothing was written");
}

// ----- berth init -----

fn init_args() -> ProjectFlags {
    ProjectFlags::default()
}

#[test]
fn project_name_defaults_to_the_folder_and_is_checked() {
    let mut p = Scripted::new([text("My Shop"), Reply::Enter]);
    assert_eq!(ask_project_name(&mut p, "shop").unwrap(), "shop");
    let q = p.question("Project name");
    assert_eq!(q.default.as_deref(), Some("shop"));
    assert_eq!(q.refused.len(), 1);
    assert!(
        q.refused[0].contains("\"My Shop\" must be 1-63 characters"),
        "{:?}",
        q.refused
    );

    // A folder name that is not a valid project name is not offered.
    let mut p = Scripted::new([text("shop")]);
    ask_project_name(&mut p, "9lives").unwrap();
    assert_eq!(p.question("Project name").default, None);
}

#[test]
fn preset_defaults_to_mvp_and_names_its_services() {
    let s = standard();
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(ask_preset(&mut p, &s).unwrap(), Preset::Mvp);
    let q = p.question("Preset");
    assert!(q.default.as_deref().unwrap().starts_with("mvp"));
    assert!(q.items[0].contains("auth-service, creator-hub, ai-engine, channel-service"));
    let mut p = Scripted::new([Reply::Pick(1)]);
    assert_eq!(ask_preset(&mut p, &s).unwrap(), Preset::Minimal);
}

#[test]
fn environments_default_to_all_and_need_at_least_one() {
    let s = standard();
    let mut p = Scripted::new([Reply::Enter]);
    assert_eq!(
        ask_environments(&mut p, &s).unwrap(),
        ["dev", "staging", "prod"]
    );
    assert_eq!(default_of(&p, "Environments").matches(".env.").count(), 3);

    let mut p = Scripted::new([Reply::Ticks(vec![]), Reply::Ticks(vec![0, 2])]);
    assert_eq!(ask_environments(&mut p, &s).unwrap(), ["dev", "prod"]);
    assert!(
        p.notes[0].contains("must name at least one environment"),
        "{:?}",
        p.notes
    );
}

#[test]
fn gateway_default_follows_the_preset() {
    let mut p = Scripted::new([Reply::Enter]);
    assert!(ask_gateway(&mut p, Preset::Mvp).unwrap());
    let mut p = Scripted::new([Reply::Enter]);
    assert!(!ask_gateway(&mut p, Preset::Minimal).unwrap());
}

#[test]
fn init_answers_equal_the_flags_and_skip_what_the_flags_give() {
    let s = standard();
    let mut p = Scripted::new([Reply::Enter, Reply::Enter, Reply::Enter, Reply::Enter]);
    let wizard = init(&mut p, &init_args(), "shop", &s).unwrap();
    assert!(p.finished());
    let mut flags = init_args();
    flags.name = Some("shop".into());
    assert_eq!(wizard, flags.with_defaults("ignored", &s));

    let mut args = init_args();
    args.name = Some("demo".into());
    args.preset = Some(Preset::Minimal);
    args.gateway = Some(false);
    let mut p = Scripted::new([Reply::Ticks(vec![0])]);
    let wizard = init(&mut p, &args, "ignored", &s).unwrap();
    assert_eq!(
        p.prompts().len(),
        1,
        "only the environments: {:?}",
        p.prompts()
    );
    assert_eq!(wizard.environments, ["dev"]);
    assert!(!wizard.gateway);
}

// ----- review -----

fn prepared() -> Prepared {
    let change = |path: &str, status: Status, old: Option<&str>, write: Option<&str>| FileChange {
        path: path.into(),
        status,
        old: old.map(|t| t.as_bytes().to_vec()),
        new_content: write.map(|t| t.as_bytes().to_vec()),
        sidecar: None,
        note: None,
        keys: Vec::new(),
    };
    Prepared {
        changes: vec![
            change(
                ".env.dev",
                Status::KeysAdded,
                Some("A=1\n"),
                Some("A=1\nB=2\n"),
            ),
            change("docker-compose.yml", Status::Unchanged, Some("x\n"), None),
            change(
                "services/billing/Dockerfile",
                Status::Created,
                None,
                Some("FROM x\n"),
            ),
        ],
        old_lock: Default::default(),
        new_lock: Default::default(),
        bases: Default::default(),
        secrets: Default::default(),
    }
}

#[test]
fn review_lists_what_will_be_written_and_shows_the_diff_on_request() {
    let change = ManifestChange {
        old: Some("[project]\n"),
        new: "[project]\n[services.billing]\n",
    };
    let mut p = Scripted::new([Reply::Yes, Reply::Enter]);
    review(&mut p, &prepared(), &change).unwrap();
    let summary = &p.notes[0];
    assert!(
        summary.starts_with("berth will write 3 files:"),
        "{summary}"
    );
    assert!(summary.contains("  updated      berth.toml"));
    assert!(summary.contains("  keys added   .env.dev"));
    assert!(summary.contains("  created      services/billing/Dockerfile"));
    assert!(
        !summary.contains("docker-compose.yml"),
        "unchanged files are not listed"
    );
    let diff = &p.notes[1];
    assert!(
        diff.contains("+++ b/services/billing/Dockerfile\n"),
        "{diff}"
    );
    assert!(diff.contains("+[services.billing]"));
    assert!(diff.contains("+B=2"));
    assert_eq!(default_of(&p, "Show the diff"), "no");
    assert_eq!(default_of(&p, "Write these files"), "yes");
}

#[test]
fn review_declined_or_cancelled_writes_nothing() {
    let change = ManifestChange {
        old: None,
        new: "[project]\n",
    };
    let mut p = Scripted::new([Reply::No, Reply::No]);
    let err = review(&mut p, &prepared(), &change).unwrap_err();
    assert!(matches!(err, Error::Declined));
    assert_eq!(err.exit_status(), ExitStatus::Interrupted);
    assert_eq!(err.to_string(), "cancelled: nothing was written");
    assert_eq!(p.notes.len(), 1, "no diff asked for");
    assert!(p.notes[0].contains("  created      berth.toml"));

    let mut p = Scripted::new([Reply::Cancel]);
    let err = review(&mut p, &prepared(), &change).unwrap_err();
    assert_eq!(err.exit_status(), ExitStatus::Interrupted);
}
