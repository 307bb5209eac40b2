//! `.env.<env>` files: read byte for byte, merged key by key.
//!
//! A `.env` file is the user's once written, but the values berth wrote stay berth's until the
//! user changes them: regenerating merges each key three ways, with what berth last wrote (the
//! lock's copy) as the base. `document` reads a file into entries without re-encoding a single
//! byte (`crate::dotenv::document`); `merge` decides each key's fate and writes the result in the
//! file's own line endings.

mod merge;
#[cfg(test)]
mod merge_proptest;

use crate::dotenv::document::{self, Document};
pub use merge::{KeyChange, KeyEvent, merge};

use std::collections::BTreeSet;

/// `bytes` with the value of every secret key replaced by `********` (empty values stay
/// empty), for showing a `.env` file in a diff.
pub fn mask_secrets(bytes: &[u8], secrets: &BTreeSet<String>) -> Vec<u8> {
    let doc = Document::parse(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let mut push = |line: &document::Line<'_>| {
        out.extend_from_slice(line.text);
        out.extend_from_slice(line.eol);
    };
    for entry in &doc.entries {
        entry.pre.iter().for_each(&mut push);
        if secrets.contains(entry.key) && !entry.value.is_empty() {
            push(&document::Line {
                text: &[entry.prefix, b"********"].concat(),
                eol: entry.line.eol,
            });
        } else {
            push(&entry.line);
        }
    }
    doc.tail.iter().for_each(&mut push);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_values_only() {
        let secrets = ["A_SECRET_KEY".to_string()].into_iter().collect();
        let out = mask_secrets(b"A_SECRET_KEY=hunter2\r\nB=1\nA_SECRET_KEY=\n", &secrets);
        assert_eq!(out, b"A_SECRET_KEY=********\r\nB=1\nA_SECRET_KEY=\n");
    }
}
