//! Writing what `prepare` decided (`execute`): every write atomic, the manifest first, the lock
//! last, so that a run killed at any point leaves a project the next run completes.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Error, Result};

use super::{ManifestWrite, Prepared, Status, fsio, lock};

/// Writes everything: `first` (the manifest, when the command changed it), then each file,
/// then the lock. Each write is atomic.
pub fn execute(root: &Path, prepared: &Prepared, first: Option<ManifestWrite<'_>>) -> Result<()> {
    // A run killed between creating a temp file and renaming it leaves that temp file behind;
    // clear such leftovers from every folder this run writes to.
    let folders: BTreeSet<&Path> = prepared
        .changes
        .iter()
        .filter(|c| c.new_content.is_some() || c.sidecar.is_some())
        .filter_map(|c| Path::new(&c.path).parent())
        .chain([
            Path::new(""),
            Path::new(lock::FILE).parent().unwrap_or(Path::new("")),
            Path::new(lock::BASES),
        ])
        .collect();
    for folder in folders {
        fsio::remove_stale_temp_files(&root.join(folder))?;
    }
    if let Some(manifest) = first {
        fsio::write_atomic(&root.join(manifest.path), manifest.new.as_bytes())?;
    }
    for change in &prepared.changes {
        if let Some(content) = &change.new_content {
            fsio::write_atomic(&root.join(&change.path), content)?;
        }
        if let Some((path, content)) = &change.sidecar {
            fsio::write_atomic(&root.join(path), content)?;
        }
        if change.status == Status::Removed {
            let path = root.join(&change.path);
            std::fs::remove_file(&path).map_err(|e| Error::io(path, e))?;
        }
    }
    if prepared.old_lock != prepared.new_lock || !root.join(lock::FILE).exists() {
        write_lock(root, prepared)?;
    }
    Ok(())
}

/// The new bases, then the lock, then away with the bases no entry refers to any more: a run
/// killed at any point leaves a lock whose bases all exist.
fn write_lock(root: &Path, prepared: &Prepared) -> Result<()> {
    let folder = root.join(lock::BASES);
    for (hash, text) in &prepared.bases {
        let path = folder.join(hash);
        if !path.exists() {
            fsio::write_atomic(&path, text.as_bytes())?;
        }
    }
    fsio::write_atomic(
        &root.join(lock::FILE),
        prepared.new_lock.to_text().as_bytes(),
    )?;
    let referenced = prepared.new_lock.referenced_bases();
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(folder, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&folder, e))?;
        let name = entry.file_name();
        if !referenced.contains(name.to_string_lossy().as_ref()) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(path, e))?;
        }
    }
    Ok(())
}
