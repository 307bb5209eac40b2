//! Property test of the `.env` merge: for random files berth last wrote, random user edits
//! (values, comments, deleted keys, added keys and comments, foreign bytes, CRLF) and random
//! changes of berth's render (values, comments, keys added and removed), no user value or line
//! is ever lost, every berth-owned value the user did not touch ends at the new value, a
//! conflict is reported exactly when both sides changed a value differently, secrets never move,
//! and merging the result again changes nothing. Every outcome must have been exercised by at
//! least 100 of the cases, so a generator that stopped producing one cannot pass silently.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng};

use super::merge::{KeyEvent, merge};

const KEYS: usize = 8;
const CASES: u32 = 1000;
const VALUES: [&str; 7] = ["1", "2", "x y", "p$ss#1", "'q' \"dq\"", "", "http://a:80/x"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Theirs {
    Keep,
    Value(usize),
    Comment,
    /// Remove the key from the render (it becomes an orphan), or add it when base lacks it.
    Toggle,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ours {
    Keep,
    Value(usize),
    Foreign,
    Comment,
    Delete,
}

#[derive(Debug, Clone)]
struct KeyPlan {
    in_base: bool,
    base_value: usize,
    theirs: Theirs,
    ours: Ours,
    secret: bool,
}

#[derive(Debug, Clone)]
struct Case {
    keys: Vec<KeyPlan>,
    /// (position among the file's entries, value) of keys the user adds.
    user_keys: Vec<(usize, usize)>,
    crlf: bool,
    prune: bool,
}

fn key_plan() -> impl Strategy<Value = KeyPlan> {
    let theirs = prop_oneof![
        3 => Just(Theirs::Keep),
        3 => (0..VALUES.len()).prop_map(Theirs::Value),
        1 => Just(Theirs::Comment),
        1 => Just(Theirs::Toggle),
    ];
    let ours = prop_oneof![
        4 => Just(Ours::Keep),
        3 => (0..VALUES.len()).prop_map(Ours::Value),
        1 => Just(Ours::Foreign),
        1 => Just(Ours::Comment),
        1 => Just(Ours::Delete),
    ];
    (
        prop::bool::weighted(0.85),
        0..VALUES.len(),
        theirs,
        ours,
        prop::bool::weighted(0.15),
    )
        .prop_map(|(in_base, base_value, theirs, ours, secret)| KeyPlan {
            in_base,
            base_value,
            theirs,
            ours,
            secret,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(key_plan(), KEYS),
        prop::collection::vec((0..=KEYS, 0..VALUES.len()), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(keys, user_keys, crlf, prune)| Case {
            keys,
            user_keys,
            crlf,
            prune,
        })
}

fn name(i: usize, plan: &KeyPlan) -> String {
    if plan.secret {
        format!("K{i}_SECRET_KEY")
    } else {
        format!("K{i}")
    }
}

/// base, ours and theirs of a case, and the facts the properties check.
struct Files {
    base: String,
    ours: Vec<u8>,
    theirs: String,
    secrets: BTreeSet<String>,
    /// Lines the user wrote (added keys, comments, foreign values), in file order.
    user_lines: Vec<Vec<u8>>,
}

fn build(case: &Case) -> Files {
    let mut base = String::from("# header v1\n\n");
    let mut theirs = String::from("# header v1\n\n");
    let mut ours: Vec<Vec<u8>> = vec![b"# header v1".to_vec(), Vec::new()];
    let mut secrets = BTreeSet::new();
    let mut user_lines = Vec::new();
    for (i, k) in case.keys.iter().enumerate() {
        let key = name(i, k);
        if k.secret {
            secrets.insert(key.clone());
        }
        for (pos, v) in case.user_keys.iter().filter(|(p, _)| *p == i) {
            let line = format!("U{pos}_{v}=user {}", VALUES[*v]).into_bytes();
            ours.push(b"# a user's comment".to_vec());
            ours.push(line.clone());
            user_lines.extend([b"# a user's comment".to_vec(), line]);
        }
        let base_line = format!("{key}={}", VALUES[k.base_value]);
        let comment = format!("# about {key}");
        if k.in_base {
            base.push_str(&format!("{comment}\n{base_line}\n"));
            match k.ours {
                Ours::Keep => {
                    ours.extend([comment.clone().into_bytes(), base_line.clone().into_bytes()]);
                }
                Ours::Value(v) => ours.extend([
                    comment.clone().into_bytes(),
                    format!("{key}={}", VALUES[v]).into_bytes(),
                ]),
                Ours::Foreign => {
                    let line = [key.as_bytes(), b"=gr\xfc\xdf\xff"].concat();
                    ours.extend([comment.clone().into_bytes(), line.clone()]);
                    user_lines.push(line);
                }
                Ours::Comment => {
                    let mine = format!("# my words on {key}").into_bytes();
                    ours.extend([mine.clone(), base_line.clone().into_bytes()]);
                    user_lines.push(mine);
                }
                Ours::Delete => {}
            }
        }
        let theirs_has = k.in_base != (k.theirs == Theirs::Toggle);
        if theirs_has {
            let value = match k.theirs {
                Theirs::Value(v) => VALUES[v],
                _ => VALUES[k.base_value],
            };
            let comment = if k.theirs == Theirs::Comment {
                format!("# about {key}, reworded")
            } else {
                comment
            };
            theirs.push_str(&format!("{comment}\n{key}={value}\n"));
        }
    }
    for (pos, v) in case.user_keys.iter().filter(|(p, _)| *p == KEYS) {
        let line = format!("U{pos}_{v}=user {}", VALUES[*v]).into_bytes();
        ours.push(line.clone());
        user_lines.push(line);
    }
    let eol: &[u8] = if case.crlf { b"\r\n" } else { b"\n" };
    let ours = ours
        .iter()
        .flat_map(|l| [l.as_slice(), eol].concat())
        .collect();
    Files {
        base,
        ours,
        theirs: theirs.replace("header v1", "header v2"),
        secrets,
        user_lines,
    }
}

/// `KEY -> value bytes` of a file (first assignment wins).
fn values(text: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let doc = super::Document::parse(text);
    let mut out = BTreeMap::new();
    for e in &doc.entries {
        out.entry(e.key.to_string())
            .or_insert_with(|| e.value.to_vec());
    }
    out
}

fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// The outcomes one case exercised.
type Seen = BTreeSet<&'static str>;

/// Checks every property for one case; returns the first violation.
fn check(case: &Case) -> Result<Seen, String> {
    let mut seen = Seen::new();
    let mut saw = |outcome: &'static str| {
        seen.insert(outcome);
    };
    let f = build(case);
    let m = merge(Some(&f.base), &f.ours, &f.theirs, &f.secrets, case.prune);
    let (b, o, t, out) = (
        values(f.base.as_bytes()),
        values(&f.ours),
        values(f.theirs.as_bytes()),
        values(&m.text),
    );
    let result_lines = lines(&m.text);
    let mut rest = result_lines.iter();
    for line in &f.user_lines {
        if !rest.any(|l| *l == line.as_slice()) {
            return Err(format!(
                "user line {:?} lost or moved",
                String::from_utf8_lossy(line)
            ));
        }
    }
    if case.crlf
        && m.text
            .split(|&b| b == b'\n')
            .rev()
            .skip(1)
            .any(|l| !l.ends_with(b"\r"))
    {
        return Err("an LF line in a CRLF file".into());
    }
    rendered_keys(&f, &m, (&b, &o, &t, &out), &mut saw)?;
    orphans_and_user_keys(case, (&b, &o, &t, &out), &mut saw)?;
    let again = merge(
        Some(&m.next_base),
        &m.text,
        &f.theirs,
        &f.secrets,
        case.prune,
    );
    if again.text != m.text
        || again
            .changes
            .iter()
            .any(|c| matches!(c.event, KeyEvent::Updated { .. } | KeyEvent::Added { .. }))
    {
        return Err("merging the result again changed it".into());
    }
    Ok(seen)
}

fn lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// The property over CASES random cases (shrunk to a minimal failing case on failure), then the
/// count of cases that exercised each outcome: each at least 100.
#[test]
fn env_merge_keeps_every_user_value_and_follows_the_render_elsewhere() {
    let counts: Mutex<BTreeMap<&'static str, u32>> = Mutex::new(BTreeMap::new());
    // A fixed seed: the per-outcome counts are the same on every run, so the 100-case floor
    // cannot flake.
    let config = ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(config, rng);
    runner
        .run(&case(), |c| {
            let seen = check(&c).map_err(proptest::test_runner::TestCaseError::fail)?;
            let mut counts = counts.lock().unwrap();
            for outcome in seen {
                *counts.entry(outcome).or_default() += 1;
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let counts = counts.into_inner().unwrap();
    println!("env merge: cases (of {CASES}) that exercised each outcome: {counts:?}");
    for outcome in [
        "added",
        "secret",
        "secret kept against a new value",
        "followed the render",
        "conflict",
        "user value kept",
        "orphan pruned",
        "orphan kept",
        "user key kept",
    ] {
        let n = counts.get(outcome).copied().unwrap_or(0);
        assert!(
            n >= 100,
            "outcome {outcome:?} exercised by only {n} cases: {counts:?}"
        );
    }
}

type Values = BTreeMap<String, Vec<u8>>;

/// Every key of the render: added when missing, the user's when the user changed it (a
/// conflict when berth's changed too), berth's new value otherwise; secrets never move.
fn rendered_keys(
    f: &Files,
    m: &super::merge::Merge,
    (b, o, t, out): (&Values, &Values, &Values, &Values),
    saw: &mut impl FnMut(&'static str),
) -> Result<(), String> {
    for (key, theirs) in t {
        let got = out
            .get(key)
            .ok_or(format!("{key} missing from the result"))?;
        let conflict = m.changes.iter().any(|c| c.key == *key && c.is_conflict());
        let (outcome, want, want_conflict) = match (o.get(key), b.get(key)) {
            (None, _) => ("added", theirs, false),
            (Some(ours), _) if f.secrets.contains(key) => {
                if theirs != ours {
                    saw("secret kept against a new value");
                }
                ("secret", ours, false)
            }
            (Some(ours), Some(base)) if ours == base => ("followed the render", theirs, false),
            (Some(ours), Some(base)) if base != theirs && ours != theirs => {
                ("conflict", ours, true)
            }
            (Some(ours), _) => ("user value kept", ours, false),
        };
        saw(outcome);
        if got != want {
            return Err(format!(
                "{key} ({outcome}): got {:?}, want {:?}",
                lossy(got),
                lossy(want)
            ));
        }
        if conflict != want_conflict {
            return Err(format!(
                "{key}: conflict reported {conflict}, expected {want_conflict}"
            ));
        }
    }
    Ok(())
}

/// Keys the render no longer has: orphans kept (pruned only at berth's value), the user's own.
fn orphans_and_user_keys(
    case: &Case,
    (b, o, t, out): (&Values, &Values, &Values, &Values),
    saw: &mut impl FnMut(&'static str),
) -> Result<(), String> {
    for (key, ours) in o.iter().filter(|(k, _)| !t.contains_key(*k)) {
        let orphan = b.contains_key(key);
        let removed = orphan && case.prune && b.get(key) == Some(ours);
        match (out.get(key), removed) {
            (None, true) => saw("orphan pruned"),
            (Some(v), false) if v == ours => saw(if orphan {
                "orphan kept"
            } else {
                "user key kept"
            }),
            (got, _) => return Err(format!("{key}: got {got:?}, removed expected {removed}")),
        }
    }
    Ok(())
}
