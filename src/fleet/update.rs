//! One project's rollout in `fleet update`: the refusals, a branch from HEAD, the same
//! regeneration `berth generate` runs (`Session::prepare_manifest` and `apply::execute`, under
//! the exclusive project lock, taken without waiting), one commit, and HEAD's branch checked
//! out again.
//!
//! Safety: nothing starts in a work tree with changes (so nothing of the user's can be mixed
//! into the commit or lost); after a failure on the new branch, the files this run wrote are
//! reset to that branch's commit before the original branch is checked out again, and a
//! branch this run created and left without a commit is deleted. A branch that already exists
//! is used only when every commit it has beyond HEAD is a rollout's (the trailer), so a second
//! run builds on the first, and with nothing new changes nothing. Every outcome, failures
//! included, is a value: one project never stops the others.

use crate::apply::{self, AddAdd, ConflictMode, Options, Prepared};
use crate::error::Result;
use crate::manifest::Manifest;
use crate::project_lock::{Access, ProjectLock};

use super::git::{GitError, Repo};
use super::message::{Rollout, TRAILER, rules_of};
use super::{Member, Sessions};

/// What `fleet update` was asked to do.
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    pub branch: &'a str,
    pub conflict: ConflictMode,
    pub no_git: bool,
    pub dry_run: bool,
    pub sessions: &'a Sessions,
}

/// How a project's rollout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Committed on the branch (short commit id).
    Committed(String),
    /// Regenerated in place (`--no-git`).
    InPlace,
    /// Nothing new: the branch (or the tree) already holds this update.
    NothingNew,
    /// `--dry-run`: what it would get.
    WouldUpdate,
    /// Not touched, and why.
    Refused(String),
    /// Something failed; the project is as it was (said how).
    Failed(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub path: String,
    pub result: Ending,
    pub rollout: Option<Rollout>,
    /// `git -C <top> push -u <remote> <branch>` once committed.
    pub push: Option<String>,
}

impl Outcome {
    fn new(member: &Member, result: Ending) -> Self {
        Self {
            path: member.display(),
            result,
            rollout: None,
            push: None,
        }
    }
}

/// Rolls the update out to `member`; never an error, every failure is the outcome.
pub(crate) fn update(member: &Member, req: &Request<'_>) -> Outcome {
    match Repo::of(&member.root) {
        None if !req.no_git => Outcome::new(
            member,
            Ending::Refused(
                "not in a git work tree (pass --no-git to update it in place, without a branch)"
                    .to_string(),
            ),
        ),
        None => in_place(member, req),
        Some(repo) => with_git(member, &repo, req),
    }
}

/// `--no-git`: regenerated in place, as `berth generate` would.
fn in_place(member: &Member, req: &Request<'_>) -> Outcome {
    let mut outcome = Outcome::new(member, Ending::InPlace);
    let access = if req.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let _lock = match ProjectLock::acquire(&member.root, access, true) {
        Ok(lock) => lock,
        Err(e) => return Outcome::new(member, Ending::Failed(super::first_line(&e))),
    };
    match regenerate(member, req, !req.dry_run) {
        Ok(rollout) => {
            if req.dry_run {
                outcome.result = Ending::WouldUpdate;
            } else if rollout.is_empty() {
                outcome.result = Ending::NothingNew;
            }
            outcome.rollout = Some(rollout);
        }
        Err(e) => outcome.result = Ending::Failed(super::first_line(&e)),
    }
    outcome
}

fn with_git(member: &Member, repo: &Repo, req: &Request<'_>) -> Outcome {
    let refuse = |why: String| Outcome::new(member, Ending::Refused(why));
    let Some(home) = repo.current_branch() else {
        return refuse("detached HEAD: check a branch out first".to_string());
    };
    if home == req.branch {
        return refuse(format!(
            "{} is the branch checked out: name a new branch for the update",
            req.branch
        ));
    }
    match repo.dirt() {
        Ok(dirt) if !dirt.is_empty() => {
            return refuse(format!(
                "the work tree has changes ({} path(s), first: {}): commit or stash them first",
                dirt.len(),
                dirt[0].get(3..).unwrap_or(&dirt[0])
            ));
        }
        Ok(_) => {}
        Err(e) => return Outcome::new(member, Ending::Failed(e.0)),
    }
    let exists = repo.branch_exists(req.branch);
    let beyond = if exists {
        match repo.commits_beyond_head(req.branch) {
            Ok(commits) => commits,
            Err(e) => return Outcome::new(member, Ending::Failed(e.0)),
        }
    } else {
        Vec::new()
    };
    let marker = format!("{TRAILER} {}", req.branch);
    if beyond.iter().any(|m| !m.contains(&marker)) {
        return refuse(format!(
            "branch {} exists with commits that are not this rollout's: delete or rename it, or pick another --branch",
            req.branch
        ));
    }
    if req.dry_run {
        let mut outcome = Outcome::new(member, Ending::WouldUpdate);
        match regenerate(member, req, false) {
            Ok(rollout) => outcome.rollout = Some(rollout),
            Err(e) => outcome.result = Ending::Failed(super::first_line(&e)),
        }
        return outcome;
    }
    let _lock = match ProjectLock::acquire(&member.root, Access::Write, true) {
        Ok(lock) => lock,
        Err(e) => return Outcome::new(member, Ending::Failed(super::first_line(&e))),
    };
    let rel = repo.relative(&member.root);
    let mut outcome = Outcome::new(member, Ending::NothingNew);
    let created = !exists;
    let switched = if created {
        repo.run(&["branch", req.branch])
    } else if beyond.is_empty() {
        // Every commit of the branch is in HEAD already: bring it to HEAD (nothing is lost).
        repo.run(&["branch", "-f", req.branch, "HEAD"])
    } else {
        Ok(String::new())
    }
    .and_then(|_| repo.run(&["checkout", "-q", req.branch]));
    if let Err(e) = switched {
        outcome.result = Ending::Failed(e.0);
        let _ = repo.run(&["checkout", "-q", &home]);
        if created {
            let _ = repo.run(&["branch", "-D", req.branch]);
        }
        return outcome;
    }
    let done = on_branch(member, repo, req, &rel, &mut outcome);
    if let Err(e) = &done {
        outcome.result = Ending::Failed(e.0.clone());
        // Back to the branch's last commit: whatever this run wrote goes.
        let _ = repo.run(&["reset", "-q", "--hard"]);
        let _ = repo.run(&["clean", "-fdq", "--", &rel]);
    }
    if let Err(e) = repo.run(&["checkout", "-q", &home]) {
        outcome.result = Ending::Failed(format!("{e} (the work tree is left on {})", req.branch));
        return outcome;
    }
    if created && !matches!(outcome.result, Ending::Committed(_)) {
        let _ = repo.run(&["branch", "-D", req.branch]);
    }
    if matches!(outcome.result, Ending::Committed(_)) || !beyond.is_empty() {
        outcome.push = Some(format!(
            "git -C {} push -u {} {}",
            repo.top.display(),
            repo.push_remote(&home),
            req.branch
        ));
    }
    outcome
}

/// On the rollout branch: regenerate, stage the project's folder, commit when anything changed.
fn on_branch(
    member: &Member,
    repo: &Repo,
    req: &Request<'_>,
    rel: &str,
    outcome: &mut Outcome,
) -> std::result::Result<(), GitError> {
    let rollout = regenerate(member, req, true).map_err(|e| GitError(super::first_line(&e)))?;
    repo.run(&["add", "-A", "--", rel])?;
    if repo.staged_changes(rel)? {
        repo.run(&["commit", "-q", "-m", &rollout.commit_message(req.branch)])?;
        let sha = repo.run(&["rev-parse", "--short", "HEAD"])?;
        outcome.result = Ending::Committed(sha);
    }
    outcome.rollout = Some(rollout);
    Ok(())
}

/// What `berth generate` runs: load, plan, prepare; and, when `write`, execute.
fn regenerate(member: &Member, req: &Request<'_>, write: bool) -> Result<Rollout> {
    let root = &member.root;
    let (manifest, _) = Manifest::load(root)?;
    let session = req.sessions.open(root, &manifest)?;
    let (_, prepared): (_, Prepared) = session.prepare_manifest(
        &manifest,
        Options {
            conflict: req.conflict,
            add_add: AddAdd::Conflict,
            ..Options::default()
        },
    )?;
    if write {
        apply::execute(root, &prepared, None)?;
    }
    let rules = rules_of(session.templates.standard_text()?);
    Ok(Rollout::of(&manifest.project.name, &prepared, &rules))
}

/// The projects grouped by the git work tree holding them (projects outside git alone each):
/// groups run in parallel, the projects of one group one after the other.
pub(crate) fn by_work_tree(members: &[Member]) -> Vec<Vec<Member>> {
    let mut groups: std::collections::BTreeMap<String, Vec<Member>> = Default::default();
    for m in members {
        let key = Repo::of(&m.root).map_or_else(|| m.display(), |r| r.top.display().to_string());
        groups.entry(key).or_default().push(m.clone());
    }
    groups.into_values().collect()
}
