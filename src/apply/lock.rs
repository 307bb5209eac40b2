//! `.berth/lock.toml` and `.berth/base/`: what berth last wrote, so that the next run can tell
//! an edited file from an outdated one and merge instead of overwrite.
//!
//! The lock records, for every file berth wrote, the ownership class, the standard and berth
//! versions it was rendered with, and a BLAKE3 hash of the text berth wrote. That text itself,
//! the base of the next three-way merge of a managed or `.env` file, is kept once per distinct
//! text under `.berth/base/<hash>` (every build context's copy of a script shares one), and is
//! read only when a file on disk differs from the new render. So a regenerate that changes
//! nothing reads one small TOML file and writes nothing.
//!
//! Order of writes (`apply::execute`): new bases first, the lock last, then bases no entry
//! refers to any more are removed; a run killed at any point leaves a lock whose bases exist.
//! A lock written by berth 0.1 (format 1: SHA-256 and the text inline) is read as well, and
//! written in the new format by the next run that writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::plan::Ownership;

pub const FILE: &str = ".berth/lock.toml";
/// The folder of base texts, one file per distinct text, named by its hash.
pub const BASES: &str = ".berth/base";
/// The lock format this berth writes.
const FORMAT: u32 = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// 2; absent in the locks berth 0.1 wrote.
    #[serde(default = "format_one")]
    pub format: u32,
    pub berth_version: String,
    pub standard_version: String,
    #[serde(default)]
    pub files: BTreeMap<String, LockedFile>,
    /// Base texts held in memory (hash -> text) until they are written out: those a format-1
    /// lock kept inline, or those of a lock built in memory (`record`).
    #[serde(skip)]
    held_bases: BTreeMap<String, String>,
}

fn format_one() -> u32 {
    1
}

/// Two locks are the same when they record the same files (how they were read aside).
impl PartialEq for Lock {
    fn eq(&self, other: &Self) -> bool {
        (
            self.format,
            &self.berth_version,
            &self.standard_version,
            &self.files,
        ) == (
            other.format,
            &other.berth_version,
            &other.standard_version,
            &other.files,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    pub ownership: Ownership,
    pub standard_version: String,
    pub berth_version: String,
    /// BLAKE3 (hex) of the text berth wrote; for a managed or `.env` file also the name of its
    /// base under `.berth/base/`. Empty when unknown (a seeded file of a format-1 lock).
    #[serde(default)]
    pub blake3: String,
    /// Format 1 only: read, never written.
    #[serde(default, skip_serializing)]
    sha256: Option<String>,
    #[serde(default, skip_serializing)]
    rendered: Option<String>,
}

impl LockedFile {
    /// The entry for `text`, written now by this berth.
    pub fn new(ownership: Ownership, standard_version: &str, text: &str) -> Self {
        Self {
            ownership,
            standard_version: standard_version.to_string(),
            berth_version: env!("CARGO_PKG_VERSION").to_string(),
            blake3: hash(text.as_bytes()),
            sha256: None,
            rendered: None,
        }
    }

    /// Whether `bytes` (a file on disk) is exactly the text this entry records.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        !self.blake3.is_empty() && hash(bytes) == self.blake3
    }

    /// Whether berth keeps a base text for this entry (managed and `.env` files).
    pub fn has_base(&self) -> bool {
        self.ownership != Ownership::Seeded && !self.blake3.is_empty()
    }
}

/// BLAKE3 of `bytes`, hex.
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl Lock {
    /// An empty lock of this berth's format.
    pub fn new(standard_version: &str) -> Self {
        Self {
            format: FORMAT,
            berth_version: env!("CARGO_PKG_VERSION").to_string(),
            standard_version: standard_version.to_string(),
            ..Self::default()
        }
    }

    /// Reads the lock of the project at `root`; a missing lock is an empty one.
    pub fn load(root: &Path) -> Result<Self> {
        let path = root.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let damaged = |message: String| Error::LockDamaged {
            path: path.clone(),
            message,
        };
        // The format first, read leniently: a newer berth's lock may hold keys this one does
        // not know, and deserves "too new" rather than "damaged".
        #[derive(Deserialize)]
        struct Header {
            #[serde(default = "format_one")]
            format: u32,
            #[serde(default)]
            berth_version: String,
        }
        if let Ok(header) = toml::from_str::<Header>(&text)
            && header.format > FORMAT
        {
            return Err(Error::LockTooNew {
                path,
                format: header.format,
                berth_version: header.berth_version,
                known: FORMAT,
            });
        }
        let mut lock: Self =
            toml::from_str(&text).map_err(|e| damaged(e.to_string().trim_end().into()))?;
        lock.upgrade_format_one();
        Ok(lock)
    }

    /// A format-1 entry kept its text inline: hash it the new way and hold the text as a base
    /// until the next write puts it under `.berth/base/`. A seeded entry's SHA-256 cannot be
    /// turned into a BLAKE3 hash; it was only ever compared, and seeded files never merge.
    fn upgrade_format_one(&mut self) {
        for entry in self.files.values_mut() {
            entry.sha256 = None;
            if let Some(text) = entry.rendered.take() {
                entry.blake3 = hash(text.as_bytes());
                self.held_bases.insert(entry.blake3.clone(), text);
            }
        }
    }

    /// The base text of `entry` (what berth last wrote), read from `.berth/base/` unless this
    /// lock holds it already.
    pub fn base(&self, root: &Path, entry: &LockedFile) -> Result<Option<String>> {
        if !entry.has_base() {
            return Ok(None);
        }
        if let Some(text) = self.held_bases.get(&entry.blake3) {
            return Ok(Some(text.clone()));
        }
        let path = root.join(BASES).join(&entry.blake3);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::LockDamaged {
                path: root.join(FILE),
                message: format!("its base {} is missing", path.display()),
            }),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Records that berth wrote `text` at `path` (for locks built in memory, as the tests do).
    pub fn record(&mut self, path: &str, ownership: Ownership, standard_version: &str, text: &str) {
        let entry = LockedFile::new(ownership, standard_version, text);
        if entry.has_base() {
            self.held_bases
                .insert(entry.blake3.clone(), text.to_string());
        }
        self.files.insert(path.to_string(), entry);
    }

    /// Whether this lock holds bases in memory that may not be on disk yet.
    pub fn holds_bases(&self) -> bool {
        !self.held_bases.is_empty()
    }

    /// The hashes of the bases this lock refers to.
    pub fn referenced_bases(&self) -> BTreeSet<&str> {
        self.files
            .values()
            .filter(|e| e.has_base())
            .map(|e| e.blake3.as_str())
            .collect()
    }

    pub fn to_text(&self) -> String {
        let body = toml::to_string(self).expect("the lock always serialises");
        format!(
            "# berth lock: for each file berth writes, its owner and a hash of what berth last\n\
             # wrote; the texts themselves (the bases of its merges) are in .berth/base/.\n\
             # Commit .berth/; never edit it by hand.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_one_lock_is_read_with_its_held_bases() {
        let v1 = "berth_version = \"0.1.0\"\nstandard_version = \"2026.11\"\n\n\
                  [files.\"a.yml\"]\nownership = \"managed\"\nstandard_version = \"2026.11\"\n\
                  berth_version = \"0.1.0\"\nsha256 = \"00\"\nrendered = \"x: 1\\n\"\n\n\
                  [files.\"app.py\"]\nownership = \"seeded\"\nstandard_version = \"2026.11\"\n\
                  berth_version = \"0.1.0\"\nsha256 = \"11\"\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".berth")).unwrap();
        std::fs::write(dir.path().join(FILE), v1).unwrap();
        let lock = Lock::load(dir.path()).unwrap();
        assert_eq!(lock.format, 1);
        let a = &lock.files["a.yml"];
        assert!(a.matches(b"x: 1\n") && !a.matches(b"x: 2\n"));
        assert_eq!(lock.base(dir.path(), a).unwrap().as_deref(), Some("x: 1\n"));
        assert!(lock.holds_bases());
        assert_eq!(lock.base(dir.path(), &lock.files["app.py"]).unwrap(), None);
        let text = lock.to_text();
        assert!(
            !text.contains("rendered") && !text.contains("sha256"),
            "{text}"
        );
    }

    #[test]
    fn a_lock_from_a_newer_berth_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".berth")).unwrap();
        let newer =
            "format = 3\nberth_version = \"9.0.0\"\nstandard_version = \"x\"\nnew_key = 1\n";
        std::fs::write(dir.path().join(FILE), newer).unwrap();
        assert!(matches!(
            Lock::load(dir.path()),
            Err(Error::LockTooNew { format: 3, .. })
        ));
    }
}
