//! The merge promise of a managed file, as a two-sided property over 1000 random cases, run
//! through the real decision code (`berth::apply::prepare`) on a rendered Dockerfile:
//!
//! - a template change in a region the user did not touch is in the result;
//! - a line the user deleted stays deleted, a line the user wrote survives;
//! - a conflict is reported exactly when both sides changed the same region, and then the
//!   user's lines are inside the markers (or, in sidecar mode, the file is untouched and the
//!   new render is beside it).
//!
//! Edits land on slots four lines apart, so two regions are either the same or clearly apart
//! and the expected result is known exactly: the base with both sides' edits applied. No case is
//! discarded. The counts of cases per outcome are printed, and each outcome must have been
//! exercised by at least 100 cases. A merge that keeps the user's file (the mutant below) must
//! be rejected by the same property.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use berth::apply::lock::Lock;
use berth::apply::{self, ConflictMode, Options, Status};
use berth::plan::Ownership;
use berth::plan::{Plan, PlannedFile};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use crate::common::{init_mvp, tempdir};

const CASES: u32 = 1000;
const FILE: &str = "services/creator-hub/Dockerfile";
/// Edits land on every SLOT-th line, so different slots are never adjacent.
const SLOT: usize = 4;

/// The rendered file the cases edit: berth's own Dockerfile.
fn base_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        let dir = tempdir();
        init_mvp(dir.path());
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        text.lines().map(str::to_string).collect()
    })
}

/// An edit of the line at a slot, or of the gap before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Replace,
    Delete,
    InsertBefore,
}

fn edits() -> impl Strategy<Value = BTreeMap<usize, Edit>> {
    // Eight slots (32 lines) are enough room, and make shared regions frequent.
    let slots = (base_lines().len() / SLOT).min(8);
    let edit = prop_oneof![
        Just(Edit::Replace),
        Just(Edit::Delete),
        Just(Edit::InsertBefore)
    ];
    prop::collection::btree_map(0..slots, edit, 0..4)
}

/// One case: the user's edits and the standards update's, by slot, and the conflict mode.
#[derive(Debug, Clone)]
struct Case {
    ours: BTreeMap<usize, Edit>,
    theirs: BTreeMap<usize, Edit>,
    sidecar: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (edits(), edits(), prop::bool::weighted(0.3)).prop_map(|(ours, theirs, sidecar)| Case {
        ours,
        theirs,
        sidecar,
    })
}

/// `base` with `edits` applied; new lines say whose they are.
fn apply_edits(base: &[String], edits: &BTreeMap<usize, Edit>, who: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in base.iter().enumerate() {
        match (i % SLOT == 0).then(|| edits.get(&(i / SLOT))).flatten() {
            Some(Edit::Replace) => out.push(format!("# {who} replaced line {i}")),
            Some(Edit::Delete) => {}
            Some(Edit::InsertBefore) => {
                out.push(format!("# {who} inserted before line {i}"));
                out.push(line.clone());
            }
            None => out.push(line.clone()),
        }
    }
    out
}

fn join(lines: &[String]) -> String {
    lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect()
}

/// What a merge did with one case: its status, the file's text after it, the sidecar's.
struct Outcome {
    status: Status,
    file: String,
    sidecar: Option<String>,
}

/// The merge under test: `berth::apply::prepare` on a one-file plan and lock, with the user's
/// text on disk.
fn berth_merge(base: &str, ours: &str, theirs: &str, sidecar: bool) -> Outcome {
    let dir = tempdir();
    let path = dir.path().join(FILE);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, ours).unwrap();
    let plan = Plan::new(
        "new".into(),
        [(
            FILE.to_string(),
            PlannedFile {
                content: theirs.to_string(),
                ownership: Ownership::Managed,
            },
        )]
        .into(),
        vec![FILE.to_string()],
        BTreeSet::new(),
    );
    let mut lock = Lock::new("old");
    lock.record(FILE, Ownership::Managed, "old", base);
    let opts = Options {
        conflict: if sidecar {
            ConflictMode::Sidecar
        } else {
            ConflictMode::Markers
        },
        ..Options::default()
    };
    let prepared = apply::prepare(Path::new(dir.path()), &plan, &lock, opts).unwrap();
    let change = &prepared.changes[0];
    let text = |b: &Vec<u8>| String::from_utf8(b.clone()).unwrap();
    Outcome {
        status: change.status,
        file: change
            .new_content
            .as_ref()
            .map_or_else(|| ours.to_string(), text),
        sidecar: change.sidecar.as_ref().map(|(_, b)| text(b)),
    }
}

type Merge = fn(&str, &str, &str, bool) -> Outcome;

/// Checks one case against `merge`; returns the outcome it exercised.
fn check(case: &Case, merge: Merge) -> Result<&'static str, String> {
    let base = base_lines();
    let ours = apply_edits(base, &case.ours, "USER");
    let theirs = apply_edits(base, &case.theirs, "TEMPLATE");
    let out = merge(&join(base), &join(&ours), &join(&theirs), case.sidecar);
    let clash = case.ours.iter().any(|(slot, e)| {
        case.theirs
            .get(slot)
            .is_some_and(|t| !(*t == Edit::Delete && *e == Edit::Delete))
    });
    if clash {
        let markers = out.file.lines().any(|l| l.starts_with("<<<<<<<"));
        return match (out.status, case.sidecar) {
            (Status::Conflict, true)
                if out.file == join(&ours) && out.sidecar == Some(join(&theirs)) =>
            {
                Ok("conflict, sidecar")
            }
            (Status::Conflict, false)
                if markers
                    && ours
                        .iter()
                        .filter(|l| l.contains("USER"))
                        .all(|l| out.file.contains(l.as_str())) =>
            {
                Ok("conflict, markers")
            }
            (status, _) => Err(format!(
                "both sides changed a region, got {status:?}:\n{}",
                out.file
            )),
        };
    }
    // No shared region: the result is exactly the base with both sides' edits.
    let expected = join(&apply_edits_both(base, &case.ours, &case.theirs));
    if out.status == Status::Conflict || out.file != expected {
        return Err(format!(
            "regions apart: status {:?}, result differs from the expected merge:\n--- got\n{}\n--- expected\n{}",
            out.status, out.file, expected
        ));
    }
    let deleted = case.ours.values().any(|e| *e == Edit::Delete);
    Ok(match (case.ours.is_empty(), case.theirs.is_empty()) {
        (true, true) => "nothing changed",
        (true, false) => "template change, no user edit",
        (false, true) if deleted => "user deletion, no template change",
        (false, true) => "user edit, no template change",
        (false, false) if deleted => "both changed apart, a user deletion",
        (false, false) => "both changed apart",
    })
}

/// The base with the user's edits on their slots and the template's on theirs.
fn apply_edits_both(
    base: &[String],
    ours: &BTreeMap<usize, Edit>,
    theirs: &BTreeMap<usize, Edit>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in base.iter().enumerate() {
        let slot = (i % SLOT == 0).then_some(i / SLOT);
        let (who, edit) = match slot {
            Some(s) if ours.contains_key(&s) => ("USER", ours.get(&s)),
            Some(s) => ("TEMPLATE", theirs.get(&s)),
            None => ("", None),
        };
        match edit {
            Some(Edit::Replace) => out.push(format!("# {who} replaced line {i}")),
            Some(Edit::Delete) => {}
            Some(Edit::InsertBefore) => {
                out.push(format!("# {who} inserted before line {i}"));
                out.push(line.clone());
            }
            None => out.push(line.clone()),
        }
    }
    out
}

/// Runs the property over CASES cases with `merge`; the counts per outcome, or the failure.
fn property(merge: Merge) -> Result<BTreeMap<&'static str, u32>, String> {
    let counts = std::sync::Mutex::new(BTreeMap::new());
    // A fixed seed: the per-outcome counts are the same on every run, so the 100-case floor
    // cannot flake.
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(&case(), |c| {
            let outcome = check(&c, merge).map_err(TestCaseError::fail)?;
            *counts.lock().unwrap().entry(outcome).or_insert(0) += 1;
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(counts.into_inner().unwrap())
}

#[test]
fn managed_file_merges_keep_both_sides_and_conflict_exactly_on_shared_regions() {
    let counts = property(berth_merge).unwrap_or_else(|e| panic!("{e}"));
    println!("merge property: cases (of {CASES}) per outcome: {counts:#?}");
    let merged = |keys: &[&str]| {
        keys.iter()
            .map(|k| counts.get(k).copied().unwrap_or(0))
            .sum::<u32>()
    };
    for (outcome, n) in [
        (
            "template change in an untouched region",
            merged(&[
                "template change, no user edit",
                "both changed apart",
                "both changed apart, a user deletion",
            ]),
        ),
        (
            "user line kept",
            merged(&["user edit, no template change", "both changed apart"]),
        ),
        (
            "user deletion kept",
            merged(&[
                "user deletion, no template change",
                "both changed apart, a user deletion",
            ]),
        ),
        (
            "both changed, apart",
            merged(&["both changed apart", "both changed apart, a user deletion"]),
        ),
        (
            "conflict",
            merged(&["conflict, markers", "conflict, sidecar"]),
        ),
    ] {
        assert!(n >= 100, "{outcome}: only {n} cases: {counts:#?}");
    }
}

/// A merge that keeps the user's file whatever the update says (status `Kept`).
fn keeps_the_users_file(_base: &str, ours: &str, _theirs: &str, _sidecar: bool) -> Outcome {
    Outcome {
        status: Status::Kept,
        file: ours.to_string(),
        sidecar: None,
    }
}

/// A merge that takes the new render over the user's file.
fn takes_the_render(_base: &str, _ours: &str, theirs: &str, _sidecar: bool) -> Outcome {
    Outcome {
        status: Status::Updated,
        file: theirs.to_string(),
        sidecar: None,
    }
}

#[test]
fn the_property_rejects_a_merge_that_keeps_the_users_file_or_takes_the_render() {
    let err = property(keeps_the_users_file).expect_err("a merge ignoring the update passed");
    assert!(
        err.contains("result differs") || err.contains("both sides changed"),
        "{err}"
    );
    let err = property(takes_the_render).expect_err("a merge losing user edits passed");
    assert!(
        err.contains("result differs") || err.contains("both sides changed"),
        "{err}"
    );
}
