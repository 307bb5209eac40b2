//! The wizard's last step: what will be written, the diff on request, and the confirmation.
//!
//! It reads the same `Prepared` value that `pipeline::finish` then writes, so the list and the
//! diff shown are exactly what a "yes" writes; a "no" is `Error::Declined` (exit 130) and nothing
//! is written.

use crate::apply::{self, Prepared, Status};
use crate::error::{Error, Result, plural};
use crate::manifest;
use crate::report;
use crate::session::ManifestChange;

use super::prompter::Prompter;

pub(crate) fn review(
    p: &mut dyn Prompter,
    prepared: &Prepared,
    change: &ManifestChange,
) -> Result<()> {
    p.note(&summary(prepared, change));
    if p.confirm("Show the diff?", false)? {
        p.note(&apply::diff(prepared, change.write()));
    }
    if p.confirm("Write these files?", true)? {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

/// One line per file that will be created or changed, labelled as the final report labels it.
pub(super) fn summary(prepared: &Prepared, change: &ManifestChange) -> String {
    let mut lines = Vec::new();
    if change.old != Some(change.new) {
        let label = if change.old.is_none() {
            "created"
        } else {
            "updated"
        };
        lines.push(report::label_line(label, manifest::FILE_NAME));
    }
    for c in &prepared.changes {
        if c.new_content.is_none() && c.sidecar.is_none() && c.status != Status::Removed {
            continue;
        }
        lines.push(report::file_line(c));
    }
    format!(
        "berth will write {}:\n{}",
        plural(lines.len(), "file"),
        lines.join("\n")
    )
}
