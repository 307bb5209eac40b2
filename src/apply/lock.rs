//! `.berth/lock.toml`: what berth last wrote, so that the next run can tell an edited file from
//! an outdated one and merge instead of overwrite.
//!
//! For every file berth wrote it records the ownership class, the standard and berth versions it
//! was rendered with, a SHA-256 of the rendered text and (for managed and env files) the rendered
//! text itself, the base of the next three-way merge. One plain-text TOML file with keys in
//! sorted order: it diffs well in review and is written atomically as a whole, last of all, so a
//! run that dies half-way leaves the previous lock in force and a re-run completes the job.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const FILE: &str = ".berth/lock.toml";

/// Who owns a file, which decides what regenerating does to it (DESIGN.md, "Ownership").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// berth's: replaced when unedited, merged three ways when edited.
    Managed,
    /// `.env.<env>`: keys are appended, values are never changed.
    Env,
    /// Written once when missing, never touched again.
    Seeded,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub berth_version: String,
    pub standard_version: String,
    #[serde(default)]
    pub files: BTreeMap<String, LockedFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    pub ownership: Ownership,
    pub standard_version: String,
    pub berth_version: String,
    /// SHA-256 (hex) of the text berth rendered.
    pub sha256: String,
    /// The rendered text: the merge base. Absent for seeded files, which are never merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
}

impl LockedFile {
    pub fn new(ownership: Ownership, standard_version: &str, rendered: &str) -> Self {
        Self {
            ownership,
            standard_version: standard_version.to_string(),
            berth_version: env!("CARGO_PKG_VERSION").to_string(),
            sha256: sha256_hex(rendered),
            rendered: (ownership != Ownership::Seeded).then(|| rendered.to_string()),
        }
    }
}

pub fn sha256_hex(text: &str) -> String {
    sha256_hex_bytes(text.as_bytes())
}

pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        use std::fmt::Write;
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

impl Lock {
    /// Reads the lock of the project at `root`; a missing lock is an empty one.
    pub fn load(root: &Path) -> Result<Self> {
        let path = root.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::LockDamaged {
                path: path.clone(),
                message: e.to_string().trim_end().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    pub fn to_text(&self) -> String {
        let body = toml::to_string(self).expect("the lock always serialises");
        format!(
            "# berth lock: what berth last rendered for each file it writes (the base of its\n\
             # three-way merges). Commit it; never edit it by hand.\n\n{body}"
        )
    }
}
