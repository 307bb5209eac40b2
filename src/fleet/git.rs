//! The git operations of `fleet update`, through the `git` command line.
//!
//! Why the CLI and not a crate (git2, gix): the user's own git does the work, with their
//! configuration, identity, hooks and credential setup exactly as when they commit by hand,
//! and berth links no C library (git2's libgit2) nor a second git implementation whose
//! behaviour on checkout and commit may differ from the one the team uses. Every call is one
//! `git -C <work tree> ...` with arguments, never a shell; a failure is an error naming the
//! command and git's own message.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A git failure: the command and what git said.
#[derive(Debug, Clone)]
pub(crate) struct GitError(pub String);

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) type GitResult<T> = std::result::Result<T, GitError>;

/// The work tree a project lives in.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub top: PathBuf,
}

/// Runs `git -C dir args`; its stdout, trimmed, or an error with its stderr.
fn git(dir: &Path, args: &[&str]) -> GitResult<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| GitError(format!("cannot run git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    } else {
        let said = String::from_utf8_lossy(&out.stderr);
        Err(GitError(format!(
            "`git {}` failed: {}",
            args.join(" "),
            said.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("(no message)")
        )))
    }
}

impl Repo {
    /// The work tree holding `dir`, or `None` when `dir` is in none.
    pub(crate) fn of(dir: &Path) -> Option<Repo> {
        git(dir, &["rev-parse", "--show-toplevel"])
            .ok()
            .map(|top| Repo {
                top: PathBuf::from(top),
            })
    }

    pub(crate) fn run(&self, args: &[&str]) -> GitResult<String> {
        git(&self.top, args)
    }

    /// The branch checked out, or `None` on a detached HEAD.
    pub(crate) fn current_branch(&self) -> Option<String> {
        self.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
    }

    /// `git status --porcelain` lines: changed, staged and untracked files (ignored ones not).
    pub(crate) fn dirt(&self) -> GitResult<Vec<String>> {
        Ok(self
            .run(&["status", "--porcelain", "--untracked-files=all"])?
            .lines()
            .map(str::to_string)
            .collect())
    }

    pub(crate) fn branch_exists(&self, name: &str) -> bool {
        self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{name}"),
        ])
        .is_ok()
    }

    /// The commits on `branch` that HEAD does not have, with their full messages.
    pub(crate) fn commits_beyond_head(&self, branch: &str) -> GitResult<Vec<String>> {
        let list = self.run(&["rev-list", &format!("HEAD..refs/heads/{branch}")])?;
        list.lines()
            .map(|sha| self.run(&["log", "-1", "--format=%B", sha]))
            .collect()
    }

    /// Whether the index differs from HEAD under `path` (relative to the work tree).
    pub(crate) fn staged_changes(&self, path: &str) -> GitResult<bool> {
        let names = self.run(&["diff", "--cached", "--name-only", "--", path])?;
        Ok(!names.is_empty())
    }

    /// The name of `dir` relative to the work tree (`.` for the work tree itself).
    pub(crate) fn relative(&self, dir: &Path) -> String {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let top = std::fs::canonicalize(&self.top).unwrap_or_else(|_| self.top.clone());
        match dir.strip_prefix(&top) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => ".".to_string(),
        }
    }

    /// The remote HEAD's branch pushes to: its upstream's remote, else `origin`.
    pub(crate) fn push_remote(&self, branch: &str) -> String {
        self.run(&["config", "--get", &format!("branch.{branch}.remote")])
            .unwrap_or_else(|_| "origin".to_string())
    }
}
