//! The dry run's unified diff of what `execute` would write, from the same `Prepared` value.

use crate::plan::Ownership;

use super::{ManifestWrite, Prepared, Status, envfile};

/// A unified diff of everything `execute` would write. Secret values in `.env` files are
/// masked (`********`), on both sides and in the context lines.
pub fn diff(prepared: &Prepared, first: Option<ManifestWrite<'_>>) -> String {
    let mut out = String::new();
    if let Some(m) = first {
        out.push_str(&unified(m.path, m.old, m.new));
    }
    // A `.env` file is told by its ownership, which the lock entries record (a sidecar is its
    // file's); its secrets are masked.
    let shown = |path: &str, bytes: &[u8]| -> String {
        let ownership = [&prepared.new_lock, &prepared.old_lock]
            .iter()
            .find_map(|lock| lock.files.get(path).map(|l| l.ownership));
        if ownership == Some(Ownership::Env) {
            String::from_utf8_lossy(&envfile::mask_secrets(bytes, &prepared.secrets)).into_owned()
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    for change in &prepared.changes {
        let old = change.old.as_deref().map(|o| shown(&change.path, o));
        if let Some(new) = &change.new_content {
            out.push_str(&unified(
                &change.path,
                old.as_deref(),
                &shown(&change.path, new),
            ));
        }
        if let Some((path, new)) = &change.sidecar {
            out.push_str(&unified(path, None, &shown(&change.path, new)));
        }
        if change.status == Status::Removed {
            let old = old.as_deref().unwrap_or("");
            out.push_str(&patch(&format!("a/{}", change.path), "/dev/null", old, ""));
        }
    }
    out
}

/// The diff from `old` (`None`: the file is new) to `new` at `path`, `a/` and `b/` prefixed as
/// git writes them.
fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    let from = old.map_or_else(|| "/dev/null".to_string(), |_| format!("a/{path}"));
    patch(&from, &format!("b/{path}"), old.unwrap_or(""), new)
}

/// A unified diff with three lines of context; nothing when the texts are the same.
fn patch(from: &str, to: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    diffy::DiffOptions::new()
        .set_context_len(3)
        .set_original_filename(from.to_string())
        .set_modified_filename(to.to_string())
        .create_patch(old, new)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unified_diff_names_both_sides_and_marks_a_new_file() {
        assert_eq!(
            unified("x.txt", Some("a\nb\nc\n"), "a\nB\nc\n"),
            "--- a/x.txt\n+++ b/x.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
        assert_eq!(
            unified("new.txt", None, "one\n"),
            "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+one\n"
        );
        assert_eq!(unified("same", Some("x\n"), "x\n"), "");
    }
}
