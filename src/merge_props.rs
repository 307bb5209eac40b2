//! Property test of the promise regeneration makes: random line edits to managed files plus a
//! random change to a template never lose a line the user wrote. Each user line ends up in the
//! result, or the file is reported as a conflict with the line inside its markers, or (sidecar
//! mode) the file is left untouched and the new render is written beside it.
//!
//! It runs in-process (the real templates, plan and `apply::prepare`) so that 1000+ cases take
//! seconds; the end-to-end behaviour of the same code through the binary is in
//! `tests/it/regenerate.rs`.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::apply::{self, ConflictMode, Options, Status};
use crate::lock::{Lock, LockedFile};
use crate::manifest::Manifest;
use crate::manifest_edit::{self, NewService};
use crate::plan::{self, Ownership, Plan};
use crate::standard::Standard;
use crate::templates::TemplateSet;

/// Templates whose lines the "standards update" may change, with the output file checked.
const TARGETS: [(&str, &str); 4] = [
    (
        "services/SERVICE/Dockerfile.tera",
        "services/creator-hub/Dockerfile",
    ),
    ("docker-compose.yml.tera", "docker-compose.yml"),
    (".dockerignore.tera", ".dockerignore"),
    (
        "CONTEXT/scripts/healthcheck.py",
        "services/auth-service/scripts/healthcheck.py",
    ),
];

#[derive(Debug, Clone)]
enum LineEdit {
    Insert(usize),
    Replace(usize),
    Delete(usize),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        any::<usize>().prop_map(LineEdit::Insert),
        any::<usize>().prop_map(LineEdit::Replace),
        any::<usize>().prop_map(LineEdit::Delete),
    ]
}

/// Applies `edits` to `lines`; inserted / replacing lines are `make(i)`. Returns the new lines.
fn apply_edits(
    lines: &[String],
    edits: &[LineEdit],
    make: impl Fn(usize) -> String,
    editable: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = lines.to_vec();
    for (i, edit) in edits.iter().enumerate() {
        let candidates: Vec<usize> = (0..out.len()).filter(|&n| editable(&out[n])).collect();
        match edit {
            LineEdit::Insert(at) => {
                let at = at % (out.len() + 1);
                out.insert(at, make(i));
            }
            LineEdit::Replace(at) if !candidates.is_empty() => {
                let n = candidates[at % candidates.len()];
                out[n] = make(i);
            }
            LineEdit::Delete(at) if !candidates.is_empty() => {
                let n = candidates[at % candidates.len()];
                out.remove(n);
            }
            _ => {}
        }
    }
    out
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

struct Fixture {
    manifest: Manifest,
    base_templates: BTreeMap<&'static str, String>,
    old_plan: Plan,
    old_lock: Lock,
}

/// Built once: the mvp project as berth renders it today, and the lock of that render.
fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let embedded = TemplateSet::load(None).unwrap();
    let standard = Standard::parse(embedded.standard_text().unwrap(), "standard.toml").unwrap();
    let services: Vec<NewService> = standard
        .services
        .iter()
        .map(|s| NewService {
            name: s.name.clone(),
            depends_on: s.depends_on.clone(),
            ..NewService::default()
        })
        .collect();
    let text = manifest_edit::new_manifest("demo", &standard.environments.names, true, &services);
    let manifest = Manifest::parse(&text, std::path::Path::new("berth.toml")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let base_templates = TARGETS
        .iter()
        .map(|(t, _)| (*t, std::fs::read_to_string(root.join(t)).unwrap()))
        .collect();
    let old_plan = render(&manifest, None).unwrap();
    let old_lock = Lock {
        berth_version: "test".into(),
        standard_version: old_plan.standard_version.clone(),
        files: old_plan
            .files
            .iter()
            .map(|(path, f)| {
                (
                    path.clone(),
                    LockedFile::new(f.ownership, &old_plan.standard_version, &f.content),
                )
            })
            .collect(),
    };
    Fixture {
        manifest,
        base_templates,
        old_plan,
        old_lock,
    }
}

fn render(manifest: &Manifest, overlay: Option<&std::path::Path>) -> Option<Plan> {
    let templates = TemplateSet::load(overlay).ok()?;
    let standard = Standard::parse(templates.standard_text().ok()?, "standard.toml").ok()?;
    let project = crate::validate::resolve(manifest, &standard, "berth.toml").ok()?;
    plan::build(&project, &standard, &templates).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn user_lines_survive_any_template_change(
        target in 0..TARGETS.len(),
        template_edits in prop::collection::vec(line_edit(), 1..4),
        user_edits in prop::collection::vec(line_edit(), 1..6),
        sidecar in any::<bool>(),
    ) {
        let fx = fixture();
        let (template_path, output_path) = TARGETS[target];
        let (old_plan, lock) = (&fx.old_plan, &fx.old_lock);

        // The standards update: line edits to one template, on lines without template syntax.
        let template_lines: Vec<String> = fx.base_templates[template_path].lines().map(str::to_string).collect();
        let new_template = join(&apply_edits(
            &template_lines,
            &template_edits,
            |i| format!("# standard change {i}"),
            |l| !l.contains('{') && !l.contains('}') && !l.contains("raw"),
        ));
        let overlay = tempfile::tempdir().unwrap();
        let dest = overlay.path().join(template_path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(&dest, new_template).unwrap();
        let new_plan = render(&fx.manifest, Some(overlay.path()));
        prop_assume!(new_plan.is_some());
        let new_plan = new_plan.unwrap();

        // The project as berth last wrote it (its lock), with the user's edits to one managed
        // file; the other files are not needed on disk for the file under test.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(output_path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        prop_assert_eq!(old_plan.files[output_path].ownership, Ownership::Managed);
        let rendered: Vec<String> = old_plan.files[output_path].content.lines().map(str::to_string).collect();
        let edited = join(&apply_edits(&rendered, &user_edits, |i| format!("# USER LINE {i}"), |_| true));
        std::fs::write(&target, &edited).unwrap();
        let user_lines: Vec<&str> = edited.lines().filter(|l| l.starts_with("# USER LINE")).collect();

        let opts = Options { conflict: if sidecar { ConflictMode::Sidecar } else { ConflictMode::Markers }, ..Options::default() };
        let prepared = apply::prepare(dir.path(), &new_plan, lock, opts).unwrap();
        let change = prepared.changes.iter().find(|c| c.path == output_path).unwrap();
        let result = change
            .new_content
            .as_ref()
            .map_or_else(|| edited.clone(), |c| String::from_utf8(c.clone()).unwrap());
        for line in &user_lines {
            match change.status {
                Status::Conflict if sidecar => {
                    prop_assert!(change.new_content.is_none(), "sidecar mode must not write the file");
                    prop_assert!(change.sidecar.is_some());
                }
                Status::Conflict => {
                    prop_assert!(crate::merge::has_conflict_markers(&result));
                    prop_assert!(result.lines().any(|l| l == *line), "{} lost in conflict:\n{}", line, result);
                }
                _ => prop_assert!(result.lines().any(|l| l == *line), "{} lost ({:?}):\n{}", line, change.status, result),
            }
        }
        // A clean result never carries markers.
        if change.status != Status::Conflict {
            prop_assert!(!crate::merge::has_conflict_markers(&result));
        }
    }
}
