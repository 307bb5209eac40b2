//! The secret guard of `berth check`: no secret committed in a tracked environment file.
//!
//! `.env.<env>` files are tracked, and berth leaves their secret keys empty, to be set "in this
//! file or in the deployment's environment". Setting one in the file commits the secret. This
//! module finds every secret key (the keys berth marks as secrets, and any key named like
//! `*_PASSWORD`, `*_TOKEN`, `*SECRET*`, `*_KEY`) with a non-empty value in a non-dev `.env.<env>`
//! file that git tracks (or, where git is absent or the project is no repository, that
//! `.gitignore` does not ignore). `.env.dev` is exempt: its dev-only values are generated on
//! purpose. A value that only refers to the deployment's environment (`${NAME}`, `$NAME`) is no
//! secret. Findings name the file, the key and the line, never the value.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::dotenv::document::Document;
use crate::plan::{Ownership, Plan};

/// A secret value committed (or about to be) in a tracked environment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exposed {
    pub file: String,
    pub key: String,
    pub line: usize,
    /// How the file was found to be shared: "tracked by git" or "not ignored by .gitignore".
    pub how: &'static str,
}

/// The fix every finding names.
pub(crate) const FIX: &str = "empty the value in this file (`KEY=`) and set it in the \
deployment's environment or secret store instead (docs/secrets.md); rotate the secret, it is \
in the repository's history";

/// Every exposed secret of the plan's non-dev `.env.<env>` files under `root`.
pub(crate) fn exposed(root: &Path, plan: &Plan) -> Vec<Exposed> {
    let mut out = Vec::new();
    for (path, file) in &plan.files {
        if file.ownership != Ownership::Env || path == ".env.dev" {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(path)) else {
            continue;
        };
        let Some(how) = shared(root, path) else {
            continue;
        };
        let doc = Document::parse(&bytes);
        let mut line = 0;
        for entry in &doc.entries {
            line += entry.pre.len() + 1;
            if is_secret(entry.key, &plan.secrets) && has_value(entry.value) {
                out.push(Exposed {
                    file: path.clone(),
                    key: entry.key.to_string(),
                    line,
                    how,
                });
            }
        }
    }
    out
}

/// A key that holds a secret: one berth marks, or one named like a secret.
fn is_secret(key: &str, marked: &BTreeSet<String>) -> bool {
    let k = key.to_ascii_uppercase();
    marked.contains(key)
        || k.ends_with("_PASSWORD")
        || k.ends_with("_TOKEN")
        || k.ends_with("_KEY")
        || k.contains("SECRET")
}

/// Whether a raw value (after `=`) sets something: not empty, not `""`/`''`, not a comment,
/// not only a reference to the deployment's environment.
fn has_value(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return false;
    }
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
        .unwrap_or(text);
    if unquoted.is_empty() {
        return false;
    }
    let name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let reference = unquoted
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .or_else(|| unquoted.strip_prefix('$'));
    !reference.is_some_and(name)
}

/// How `path` is shared with others: tracked by git, or (no git, no repository) not ignored.
fn shared(root: &Path, path: &str) -> Option<&'static str> {
    let git = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "--error-unmatch", "--", path])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match git {
        Ok(out) if out.status.success() => Some("tracked by git"),
        Ok(out) if !String::from_utf8_lossy(&out.stderr).contains("not a git repository") => None,
        _ => {
            let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
            builder.add(root.join(".gitignore"));
            let ignored = builder
                .build()
                .is_ok_and(|g| g.matched(root.join(path), false).is_ignore());
            (!ignored).then_some("not ignored by .gitignore (no git repository here)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_references() {
        for set in ["s3cret", "\"s3cret\"", "'x'", "${A:-fallback}"] {
            assert!(has_value(set.as_bytes()), "{set}");
        }
        for unset in [
            "",
            "  ",
            "\"\"",
            "''",
            "# later",
            "${AUTH_SECRET_KEY}",
            "$DB_PASSWORD",
        ] {
            assert!(!has_value(unset.as_bytes()), "{unset}");
        }
    }

    #[test]
    fn secret_names() {
        let marked: BTreeSet<String> = ["AUTH_SERVICE_SECRET_KEY".to_string()].into();
        for key in [
            "AUTH_SERVICE_SECRET_KEY",
            "DB_PASSWORD",
            "GH_TOKEN",
            "API_KEY",
            "MY_SECRET_X",
        ] {
            assert!(is_secret(key, &marked), "{key}");
        }
        for key in ["LOG_LEVEL", "KEYCLOAK_URL", "AUTH_SERVICE_PORT"] {
            assert!(!is_secret(key, &marked), "{key}");
        }
    }
}
