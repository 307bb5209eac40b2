//! `.env.<env>` files belong to the user once written: regenerating only appends the keys that a
//! new manifest or standard adds, with their default values and comments, and never changes,
//! reorders or removes an existing line.

use std::collections::BTreeSet;

/// The keys assigned in a .env text (`KEY=...` or `export KEY=...`).
pub fn keys(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(key_of)
        .map(str::to_string)
        .collect()
}

fn key_of(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, _) = line.split_once('=')?;
    let key = key.trim_end();
    let valid = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    valid.then_some(key)
}

/// `existing` with every key of `planned` that it lacks appended (each with the comment lines
/// that precede it in `planned`). Returns `existing` unchanged when nothing is missing.
pub fn append_missing(existing: &str, planned: &str, standard_version: &str) -> String {
    let have = keys(existing);
    let mut block = String::new();
    let mut pending_comments: Vec<&str> = Vec::new();
    for line in planned.lines() {
        if line.trim_start().starts_with('#') {
            pending_comments.push(line);
            continue;
        }
        match key_of(line) {
            Some(key) if !have.contains(key) => {
                for c in pending_comments.drain(..) {
                    block.push_str(c);
                    block.push('\n');
                }
                block.push_str(line);
                block.push('\n');
            }
            _ => pending_comments.clear(),
        }
    }
    if block.is_empty() {
        return existing.to_string();
    }
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!(
        "\n# Added by `berth generate` (container standard {standard_version}):\n"
    ));
    // The header lines of the planned file are comments before the first key; they never end
    // up in the block because the first key is present in any file berth wrote.
    out.push_str(&block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_only_missing_keys_and_keeps_values() {
        let existing = "# mine\nA=1\nB='edited value'\n";
        let planned = "# header\n\n# about A\nA=0\n# about B\nB=0\n# about C\nC=3\n";
        let out = append_missing(existing, planned, "2026.12");
        assert_eq!(
            out,
            "# mine\nA=1\nB='edited value'\n\n# Added by `berth generate` (container standard 2026.12):\n# about C\nC=3\n"
        );
        assert_eq!(append_missing(&out, planned, "2026.12"), out, "idempotent");
    }

    #[test]
    fn reads_export_and_spaced_keys() {
        assert_eq!(
            keys("export A=1\nB =2\n# C=3\n=4\n1X=5\n"),
            ["A", "B"].iter().map(|s| s.to_string()).collect()
        );
    }
}
