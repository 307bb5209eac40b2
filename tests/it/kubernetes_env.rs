//! A `.env` value reaches a container identically under Docker Compose and Kubernetes.
//!
//! Three readings of hard values (`$ # ' " \`, spaces at either end, `=`, line breaks, every
//! quoting style Compose accepts) must agree key by key: berth's decoder (`dotenv::decode`), the
//! real Docker Compose v2 binary (`config --format json` with `${KEY}` in a service's environment,
//! as berth's docker-compose.yml has it, in an empty shell environment), and the `ConfigMap` that
//! `kubectl kustomize` builds from the literals berth renders (`quote::kustomize_literal`). What
//! the decoder refuses must really depend on the shell that runs Compose, and what it cannot read
//! Compose must refuse too. The tests that need kubectl are ignored (and cargo test says so)
//! where build.rs found no kubectl with Kustomize v5.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use berth::dotenv::decode::decode;
use berth::templates::quote::kustomize_literal;

use crate::common::{compose_bin, tempdir};

/// (key, the .env text that sets it): tools/prove-env-configmap.py's cases.
const CASES: &[(&str, &str)] = &[
    ("PLAIN", "PLAIN=http://x-y:80/a"),
    ("DQ_WORDS", r#"DQ_WORDS="two words""#),
    ("SQ_WORD", "SQ_WORD='single'"),
    ("SQ_LEAD_TRAIL", "SQ_LEAD_TRAIL='  lead and trail  '"),
    ("DQ_LEAD_TRAIL", r#"DQ_LEAD_TRAIL="  spaced dq  ""#),
    ("UNQ_TRIMMED", "UNQ_TRIMMED=   trimmed unquoted   "),
    ("EQUALS", "EQUALS=x=y==z"),
    ("SQ_EQUALS", "SQ_EQUALS='=starts with equals'"),
    ("HASH_INSIDE", "HASH_INSIDE=a#b"),
    ("INLINE_COMMENT", "INLINE_COMMENT=value # a comment"),
    ("SQ_HASH", "SQ_HASH='a #not-a-comment'"),
    ("DQ_HASH", r#"DQ_HASH="b #not-a-comment" # but this is"#),
    ("SQ_DOLLAR", "SQ_DOLLAR='pa$$word$HOME${X}'"),
    ("DQ_DOLLAR", r#"DQ_DOLLAR="cost \$5 and $$ and \$HOME""#),
    ("UNQ_DOLLAR", "UNQ_DOLLAR=a$$b"),
    ("LONE_DOLLAR", "LONE_DOLLAR=5$ and $1 and $-"),
    ("SQ_DQUOTE", r#"SQ_DQUOTE='say "hi"'"#),
    ("DQ_SQUOTE", r#"DQ_SQUOTE="it's""#),
    ("SQ_ESCAPED_SQ", r"SQ_ESCAPED_SQ='it\'s'"),
    ("DQ_ESCAPES", r#"DQ_ESCAPES="say \"hi\" \\ back""#),
    ("MIXED", r#"MIXED="'q' \"dq\" \$ # \\n""#),
    ("NEWLINE_ESCAPE", r#"NEWLINE_ESCAPE="line1\nline2""#),
    ("TAB_ESCAPE", r#"TAB_ESCAPE="a\tb""#),
    ("CR_ESCAPE", r#"CR_ESCAPE="a\rb""#),
    ("OCTAL_ESCAPE", r#"OCTAL_ESCAPE="\0101BC""#),
    ("SHORT_OCTAL", r#"SHORT_OCTAL="\012 x""#),
    ("UNKNOWN_ESCAPE", r#"UNKNOWN_ESCAPE="\x41 \u00e9 \c""#),
    ("MULTILINE", "MULTILINE='first\nsecond line'"),
    ("DQ_MULTILINE", "DQ_MULTILINE=\"first\n  second\""),
    ("BACKSLASH_SQ", r"BACKSLASH_SQ='C:\path\to'"),
    ("BACKSLASH_UNQ", r"BACKSLASH_UNQ=C:\dir\file"),
    ("BACKSLASH_END", r#"BACKSLASH_END="C:\\dir\\""#),
    ("EMPTY", "EMPTY="),
    ("EMPTY_DQ", r#"EMPTY_DQ="""#),
    ("ONLY_DQUOTE", r#"ONLY_DQUOTE='"'"#),
    ("ONLY_SQUOTE", r#"ONLY_SQUOTE="'""#),
    ("WRAPPED_DQ", r#"WRAPPED_DQ='"quoted"'"#),
    ("WRAPPED_SQ", r#"WRAPPED_SQ="'quoted'""#),
    ("EXPORTED", "export EXPORTED=yes"),
    ("SPACED_KEY", "SPACED_KEY = spaced"),
    ("YAML_STYLE", "YAML_STYLE: colon"),
    ("UNICODE", "UNICODE=\"café – ünïcödé ✓\""),
    ("NBSP_INSIDE", "NBSP_INSIDE='a\u{a0}b'"),
    ("YAML_TRUE", "YAML_TRUE=yes"),
    ("YAML_NUMBER", "YAML_NUMBER=0123"),
    ("YAML_NULL", "YAML_NULL=null"),
    ("YAML_TILDE", "YAML_TILDE=~"),
    ("YAML_FLOW", "YAML_FLOW='{a: b, c: [d]}'"),
    ("YAML_DASH", "YAML_DASH='- item: x'"),
    ("TAB_INSIDE_SQ", "TAB_INSIDE_SQ='a\tb'"),
];

/// Values the decoder refuses: (key, line, a shell variable, the key whose value Compose then
/// takes from that variable of the shell that runs it).
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "REF_UNQ",
        "REF_UNQ=${PROOF_SHELL}-x",
        "PROOF_SHELL",
        "REF_UNQ",
    ),
    (
        "REF_DQ",
        r#"REF_DQ="$PROOF_SHELL""#,
        "PROOF_SHELL",
        "REF_DQ",
    ),
    (
        "REF_DEFAULT",
        "REF_DEFAULT=${PROOF_SHELL:-fallback}",
        "PROOF_SHELL",
        "REF_DEFAULT",
    ),
    ("INHERITED", "INHERITED", "INHERITED", "INHERITED"),
    // The text after the quote is another statement: a variable inherited from the shell.
    (
        "AFTER_QUOTE",
        r#"AFTER_QUOTE="a" PROOF_AFTER"#,
        "PROOF_AFTER",
        "PROOF_AFTER",
    ),
];

/// Files Compose cannot read, which the decoder must refuse as a whole.
const UNREADABLE: &[&str] = &[
    "A='never closed\nB=1\n",
    "A=\"escaped close\\\"\n",
    "A='escaped close\\'\n",
    "A B=1\n",
    "A!=1\n",
];

/// The environment Compose gives a service whose variables are `KEY: "${KEY}"`, read from
/// `env_file` with only `shell` in the environment; `Err` with Compose's message when it fails.
fn compose_env(
    env_file: &Path,
    keys: &[&str],
    shell: &[(&str, &str)],
) -> Result<BTreeMap<String, String>, String> {
    let dir = env_file.parent().unwrap();
    let mut yaml = String::from("services:\n  s:\n    image: proof\n    environment:\n");
    for key in keys {
        yaml.push_str(&format!("      {key}: \"${{{key}}}\"\n"));
    }
    std::fs::write(dir.join("compose.yml"), yaml).unwrap();
    let out = Command::new(compose_bin())
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .envs(shell.iter().copied())
        .args(["-f", "compose.yml", "--env-file"])
        .arg(env_file)
        .args(["config", "--format", "json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let env = config["services"]["s"]["environment"].as_object().unwrap();
    // `config` writes every `$` as `$$` (its output is a Compose file again).
    Ok(env
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").replace("$$", "$")))
        .collect())
}

/// The data of the `ConfigMap` `kubectl kustomize` builds from berth's literals for `values`.
#[cfg_attr(
    not(all(feature = "test-kubectl", feature = "test-compose", kubectl)),
    allow(dead_code)
)]
fn configmap_from_literals(
    dir: &Path,
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut text = String::from("configMapGenerator:\n  - name: proof\n    literals:\n");
    for (key, value) in values {
        text.push_str(&format!("      - {}\n", kustomize_literal(key, value)));
    }
    std::fs::write(dir.join("kustomization.yaml"), text).unwrap();
    let docs = crate::common::kustomize_build(dir);
    assert_eq!(docs.len(), 1, "{docs:?}");
    serde_json::from_value(docs[0]["data"].clone()).unwrap()
}

fn cases_file(dir: &Path) -> (std::path::PathBuf, String) {
    let text = format!(
        "# hard values\n{}\n",
        CASES.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n")
    );
    let path = dir.join("cases.env");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

#[test]
#[cfg_attr(
    not(all(feature = "test-kubectl", feature = "test-compose", kubectl)),
    ignore = "needs kubectl with Kustomize v5 (build.rs looks for one) and the validators: features test-kubectl, test-compose"
)]
fn decoder_compose_and_configmap_agree_on_hard_values() {
    let tmp = tempdir();
    let (env_file, text) = cases_file(tmp.path());
    let decoded = decode(&text).unwrap();
    let keys: Vec<&str> = CASES.iter().map(|(k, _)| *k).collect();
    let values: BTreeMap<String, String> = keys
        .iter()
        .map(|k| {
            let v = decoded[*k].value.clone();
            (
                k.to_string(),
                v.unwrap_or_else(|u| panic!("{k} refused: {u:?}")),
            )
        })
        .collect();
    let compose = compose_env(&env_file, &keys, &[]).unwrap();
    let configmap = configmap_from_literals(&tmp.path().join("kustomize"), &values);
    for (key, value) in &values {
        assert_eq!(compose.get(key), Some(value), "{key}: Compose vs decoder");
        assert_eq!(
            configmap.get(key),
            Some(value),
            "{key}: ConfigMap vs decoder"
        );
    }
    assert_eq!(values.len(), CASES.len());
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn refused_values_change_with_the_shell_that_runs_compose() {
    let tmp = tempdir();
    let env_file = tmp.path().join("refused.env");
    let text = REFUSED.iter().map(|r| r.1).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(&env_file, &text).unwrap();
    let decoded = decode(&text).unwrap();
    for (key, line, var, observed) in REFUSED {
        assert!(decoded[*key].value.is_err(), "{line:?} must be refused");
        let one = compose_env(&env_file, &[observed], &[(var, "one")]).unwrap();
        let two = compose_env(&env_file, &[observed], &[(var, "two")]).unwrap();
        assert_ne!(
            one.get(*observed),
            two.get(*observed),
            "{line:?}: Compose read the same value"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-compose"),
    ignore = "needs Docker Compose v2 (installs the pinned validators on first run): feature test-compose"
)]
fn what_compose_cannot_read_the_decoder_refuses() {
    let tmp = tempdir();
    let env_file = tmp.path().join("bad.env");
    for text in UNREADABLE {
        std::fs::write(&env_file, text).unwrap();
        assert!(decode(text).is_err(), "{text:?}: decoded");
        let compose = compose_env(&env_file, &["A"], &[]);
        assert!(compose.is_err(), "{text:?}: Compose read {compose:?}");
    }
}
