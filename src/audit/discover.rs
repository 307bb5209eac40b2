//! Finding the files to audit by the standard's file patterns, skipping what `.gitignore`
//! ignores.
//!
//! The standard applies to `**/Dockerfile`, `**/docker-compose*.yml`, `**/.dockerignore`,
//! `scripts/docker-*.ps1` and `scripts/test-*.ps1` (its `fileMatchPattern`). The auditor also
//! takes the names the same files go by in practice: `Dockerfile.*`, `*.Dockerfile`,
//! `docker-compose*.yaml`, `compose*.yml|yaml` and `<Dockerfile>.dockerignore` (`BuildKit`'s
//! per-Dockerfile ignore file). The walk is the `ignore` crate's (ripgrep's): `.gitignore`,
//! `.git/info/exclude` and parent `.gitignore` files are honoured even outside a Git checkout;
//! hidden folders are walked (`.devcontainer/`), but `.git/` and berth's own state (`.berth/`,
//! which holds copies of rendered files) are not.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileKind {
    Dockerfile,
    Compose,
    Dockerignore,
    /// The standard's PowerShell scripts: found and listed; no rule reads them (see
    /// `docs/audit.md`, "Scripts").
    Script,
}

/// A file found under one audited root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Found {
    pub path: PathBuf,
    /// Path relative to the root, `/`-separated (empty when the root is the file itself).
    pub relative: String,
    /// Path shown in findings.
    pub display: String,
    pub kind: FileKind,
}

/// The kind of a file from its path relative to the audited root, if it is one the standard
/// covers.
pub(crate) fn kind_of(relative: &str) -> Option<FileKind> {
    let (dir, name) = relative.rsplit_once('/').unwrap_or(("", relative));
    if name == ".dockerignore" || name.ends_with(".dockerignore") {
        return Some(FileKind::Dockerignore);
    }
    if name == "Dockerfile" || name.starts_with("Dockerfile.") || name.ends_with(".Dockerfile") {
        return Some(FileKind::Dockerfile);
    }
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if yaml && (name.starts_with("docker-compose") || name.starts_with("compose")) {
        return Some(FileKind::Compose);
    }
    let in_scripts = dir == "scripts" || dir.ends_with("/scripts");
    let script =
        name.ends_with(".ps1") && (name.starts_with("docker-") || name.starts_with("test-"));
    if in_scripts && script {
        return Some(FileKind::Script);
    }
    None
}

/// The kind of a file named explicitly on the command line: its pattern kind, or by a looser
/// reading of its name (`bin/Dockerfile-template`, `stack.yml`).
fn explicit_kind(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy();
    kind_of(&name).or_else(|| {
        let lower = name.to_ascii_lowercase();
        if lower.contains("dockerfile") || lower.contains("containerfile") {
            Some(FileKind::Dockerfile)
        } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            Some(FileKind::Compose)
        } else {
            None
        }
    })
}

/// The path shown to the user for `relative` under `root`.
pub(crate) fn display(root: &Path, relative: &str) -> String {
    let root = root.to_string_lossy().replace('\\', "/");
    let root = root.trim_end_matches('/');
    let root = root.strip_prefix("./").unwrap_or(root);
    match (root, relative) {
        ("." | "", rel) => rel.to_string(),
        (root, "") => root.to_string(),
        (root, rel) => format!("{root}/{rel}"),
    }
}

/// What one audited path holds: each file found, with what `load` made of it.
pub(crate) struct Discovered<T> {
    /// The folder the files are relative to (the parent folder when a file was given).
    pub root: PathBuf,
    /// That folder as shown to the user.
    pub display: String,
    /// Sorted by path.
    pub files: Vec<(Found, T)>,
}

/// Every file under `path` that the standard covers, each passed to `load`, sorted by path.
/// The walk itself is serial (on a repository's few hundred entries the `ignore` crate's
/// parallel walker spends more time waking its idle threads than walking); the loads, which
/// read and parse, are spread over the cores. `path` may be a file. `load` returning `None` drops the file (it
/// vanished or could not be read between the listing and the read).
pub(crate) fn discover<T: Send>(
    path: &Path,
    load: impl Fn(&Found) -> Option<T> + Sync,
) -> Result<Discovered<T>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Usage {
        message: format!("cannot audit {}: {e}", path.display()),
        fix: "pass an existing folder or file (default: the current folder)".into(),
    })?;
    if meta.is_file() {
        let kind = explicit_kind(path).ok_or_else(|| Error::Usage {
            message: format!(
                "{} is not a Dockerfile, Compose file or Docker ignore file",
                path.display()
            ),
            fix: "name a Dockerfile (Dockerfile, Dockerfile.*, *.Dockerfile), a Compose file \
                  (*.yml, *.yaml) or a .dockerignore, or a folder holding them"
                .into(),
        })?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let found = Found {
            path: path.to_path_buf(),
            relative: name,
            display: display(path, ""),
            kind,
        };
        let files = load(&found).map(|t| (found, t)).into_iter().collect();
        return Ok(Discovered {
            display: display(&parent, ""),
            root: parent,
            files,
        });
    }
    Ok(Discovered {
        root: path.to_path_buf(),
        display: display(path, ""),
        files: walk(path, &load)?,
    })
}

fn walk<T: Send>(
    root: &Path,
    load: &(impl Fn(&Found) -> Option<T> + Sync),
) -> Result<Vec<(Found, T)>> {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(false)
        .git_global(false)
        .require_git(false)
        .filter_entry(|e| {
            let skip = e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && matches!(e.file_name().to_str(), Some(".git" | ".berth"));
            !skip
        })
        .build();
    let mut found = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| Error::Usage {
            message: format!("cannot read {}: {e}", root.display()),
            fix: "check the folder's permissions".into(),
        })?;
        found.extend(classify(root, entry.path(), entry.file_type()));
    }
    found.sort();
    let loaded = crate::parallel::map(&found, load);
    Ok(found
        .into_iter()
        .zip(loaded)
        .filter_map(|(file, loaded)| Some((file, loaded?)))
        .collect())
}

/// A file the standard covers, if `path` (under `root`) is one.
fn classify(root: &Path, path: &Path, file_type: Option<std::fs::FileType>) -> Option<Found> {
    if !file_type.is_some_and(|t| t.is_file()) {
        return None;
    }
    let relative = path
        .strip_prefix(root)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    let kind = kind_of(&relative)?;
    Some(Found {
        path: path.to_path_buf(),
        display: display(root, &relative),
        relative,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        let cases = [
            ("Dockerfile", Some(FileKind::Dockerfile)),
            ("a/b/Dockerfile.prod", Some(FileKind::Dockerfile)),
            ("api.Dockerfile", Some(FileKind::Dockerfile)),
            ("Dockerfile.dockerignore", Some(FileKind::Dockerignore)),
            ("x/.dockerignore", Some(FileKind::Dockerignore)),
            ("docker-compose.yml", Some(FileKind::Compose)),
            ("docker-compose.prod.yaml", Some(FileKind::Compose)),
            ("compose.yaml", Some(FileKind::Compose)),
            ("compose.override.yml", Some(FileKind::Compose)),
            ("scripts/docker-build.ps1", Some(FileKind::Script)),
            ("scripts/test-api.ps1", Some(FileKind::Script)),
            ("scripts/other.ps1", None),
            ("bin/Dockerfile-template", None),
            ("mkdocs.yml", None),
            ("Dockerfile.md", Some(FileKind::Dockerfile)),
        ];
        for (path, kind) in cases {
            assert_eq!(kind_of(path), kind, "{path}");
        }
    }

    #[test]
    fn display_paths() {
        assert_eq!(display(Path::new("."), "a/Dockerfile"), "a/Dockerfile");
        assert_eq!(
            display(Path::new("./repo/"), "Dockerfile"),
            "repo/Dockerfile"
        );
        assert_eq!(display(Path::new("/x/y"), "z"), "/x/y/z");
        assert_eq!(display(Path::new("f/Dockerfile"), ""), "f/Dockerfile");
    }
}
