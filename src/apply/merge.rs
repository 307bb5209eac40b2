//! Three-way merge of a managed file: base = what berth rendered last time (from the lock),
//! ours = the file on disk with the user's edits, theirs = the new render.
//!
//! The merge itself is `diffy`'s; this module only fixes the conflict style (git's two-sided
//! markers, labelled so a reader knows which side is which).

/// The merged text, or `Err` with the text carrying git-style conflict markers.
pub fn three_way(base: &str, ours: &str, theirs: &str) -> Result<String, String> {
    diffy::MergeOptions::new()
        .set_conflict_style(diffy::ConflictStyle::Merge)
        .merge(base, ours, theirs)
}

/// True when `text` holds a conflict marker line left by a merge.
pub fn has_conflict_markers(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("<<<<<<< ") || l == "=======" || l.starts_with(">>>>>>> "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_merge_keeps_both_sides() {
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\nB-user\nc\nd\ne\n";
        let theirs = "a\nb\nc\nd\nE-standard\n";
        assert_eq!(
            three_way(base, ours, theirs).unwrap(),
            "a\nB-user\nc\nd\nE-standard\n"
        );
    }

    #[test]
    fn clash_gives_markers() {
        let err = three_way("a\nb\nc\n", "a\nmine\nc\n", "a\ntheirs\nc\n").unwrap_err();
        assert!(has_conflict_markers(&err), "{err}");
        assert!(err.contains("mine") && err.contains("theirs"));
    }
}
