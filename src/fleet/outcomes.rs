//! What `fleet update` prints and writes once every project is done: one line per project
//! (what it got, or why not), the conflicts left, the push commands last (berth never pushes);
//! with `--report DIR`, one markdown report per updated project, named after its path.

use std::path::Path;

use crate::error::Result;

use super::update::{Ending, Outcome};

/// The run's text: a line per project, then the push commands.
pub(crate) fn summary(outcomes: &[Outcome], dry_run: bool) -> String {
    let mut out = String::new();
    for o in outcomes {
        let head = match &o.result {
            Ending::Committed(sha) => format!("committed {sha}"),
            Ending::InPlace => "updated in place (not in git: no branch, no commit)".to_string(),
            Ending::NothingNew => "nothing new".to_string(),
            Ending::WouldUpdate => "would update".to_string(),
            Ending::Refused(why) => format!("refused: {why}"),
            Ending::Failed(why) => format!("failed, left as it was: {why}"),
        };
        out.push_str(&format!("{}: {head}\n", o.path));
        if let Some(r) = &o.rollout
            && !matches!(o.result, Ending::NothingNew)
        {
            out.push_str(&format!(
                "    standard {} -> {}, {} file(s) {}, {} conflict(s)\n",
                r.from,
                r.to,
                r.changed.len(),
                if dry_run { "would change" } else { "changed" },
                r.conflicts.len()
            ));
            if dry_run {
                for (what, path) in &r.changed {
                    out.push_str(&format!("      {what:<10} {path}\n"));
                }
            }
            for c in &r.conflicts {
                out.push_str(&format!("      conflict   {}: {}\n", c.path, c.what));
            }
        }
    }
    let count = |f: fn(&Ending) -> bool| outcomes.iter().filter(|o| f(&o.result)).count();
    out.push_str(&format!(
        "berth fleet update: {} project(s): {} committed, {} updated in place, {} nothing new, {} would update, {} refused, {} failed\n",
        outcomes.len(),
        count(|e| matches!(e, Ending::Committed(_))),
        count(|e| matches!(e, Ending::InPlace)),
        count(|e| matches!(e, Ending::NothingNew)),
        count(|e| matches!(e, Ending::WouldUpdate)),
        count(|e| matches!(e, Ending::Refused(_))),
        count(|e| matches!(e, Ending::Failed(_))),
    ));
    let pushes: Vec<&String> = outcomes.iter().filter_map(|o| o.push.as_ref()).collect();
    if !pushes.is_empty() {
        out.push_str("berth never pushes; to open the pull requests, push:\n");
        for p in pushes {
            out.push_str(&format!("  {p}\n"));
        }
    }
    out
}

/// One report per project that has a rollout and is not refused or failed: `DIR/<path>.md`,
/// the path's `/` turned into `__`.
pub(crate) fn write_reports(dir: &Path, outcomes: &[Outcome], branch: &str) -> Result<()> {
    for o in outcomes {
        let Some(r) = &o.rollout else { continue };
        if matches!(o.result, Ending::Refused(_) | Ending::Failed(_)) {
            continue;
        }
        let push = o
            .push
            .clone()
            .unwrap_or_else(|| "# not in git: nothing to push".to_string());
        let name = format!("{}.md", report_name(&o.path));
        let path = dir.join(name);
        crate::apply::fsio::write_atomic(&path, r.report(&o.path, branch, &push).as_bytes())?;
    }
    Ok(())
}

/// A file name from a project path: `./fleet/shop` -> `fleet__shop`.
fn report_name(path: &str) -> String {
    let trimmed = path.trim_start_matches("./").trim_matches('/');
    let name = trimmed.replace('/', "__");
    if name.is_empty() || name == "." {
        "project".to_string()
    } else {
        name
    }
}
