//! The repository's own files: no merge left half-done, every shell script parses. A stray
//! `=======` once reached `.ci/run`, where bash would only have failed on it at that line, after
//! the twenty minutes of work above it.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file of the repository that Git would track (`.gitignore` honoured; `target/`
/// and `.git/` are never read).
fn files() -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root())
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .collect()
}

/// Lines that Git writes into a file whose merge stopped on a conflict.
fn conflict_markers(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.starts_with("<<<<<<< ")
                || line.starts_with(">>>>>>> ")
                || line.starts_with("||||||| ")
                || *line == "======="
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn no_file_holds_a_merge_conflict_marker() {
    let mut found = Vec::new();
    for path in files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary files hold no markers Git would write as text
        };
        for line in conflict_markers(&text) {
            found.push(format!("{}:{line}", rel(&path)));
        }
    }
    assert!(found.is_empty(), "merge conflict markers: {found:?}");
}

#[test]
fn the_conflict_marker_check_sees_a_marker() {
    let text = "step a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> branch\n";
    assert_eq!(conflict_markers(text), vec![2, 4, 6]);
    assert!(conflict_markers("a ======= b\n# ====\n").is_empty());
}

#[test]
fn every_shell_script_parses() {
    let scripts: Vec<PathBuf> = files()
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "sh")
                || p.ends_with(".ci/run")
                || std::fs::read_to_string(p).is_ok_and(|t| t.starts_with("#!/usr/bin/env bash"))
        })
        .collect();
    assert!(
        scripts.iter().any(|p| p.ends_with(".ci/run")),
        "no .ci/run found"
    );
    let mut broken = Vec::new();
    for script in &scripts {
        let out = std::process::Command::new("bash")
            .arg("-n")
            .arg(script)
            .output()
            .expect("bash runs");
        if !out.status.success() {
            broken.push(format!(
                "{}: {}",
                rel(script),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(broken.is_empty(), "bash -n fails: {broken:#?}");
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}
