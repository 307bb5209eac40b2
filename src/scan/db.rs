//! The advisory database: every OSV advisory of a folder or a zip, read into memory and indexed
//! by PyPI distribution, and the checks that make the scan fail closed.
//!
//! Two layouts are read, told apart by what is on disk rather than by a flag: a folder (the PyPA
//! advisory database, `vulns/<package>/<ID>.yaml`, or any folder of OSV `.yaml`/`.json` files)
//! and a zip (osv-scanner's offline `PyPI/all.zip`, `<ID>.json` entries). YAML is read by saphyr
//! with every scalar kept as written (so `1.10` stays the version `1.10`, not the number 1.1),
//! then deserialised like the JSON. A database that does not exist, holds a file that is not an
//! advisory, holds no PyPI advisory, or whose newest `modified` date is older than the accepted
//! age is an error (exit 2), never an empty result: a scanner that could not look must not
//! report "clean".

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use saphyr::{ScalarStyle, Yaml, YamlLoader};

use super::osv::Advisory;
use crate::error::{Error, Result};

/// Where to get a database, for the messages that say how to refresh one.
pub(crate) const REFRESH: &str = "`git clone --depth 1 https://github.com/pypa/advisory-database` \
(then `git -C advisory-database pull` to refresh it), or download \
https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

/// The advisories of a database, withdrawn ones left out.
#[derive(Debug)]
pub(crate) struct Database {
    /// As given (`--db` or `BERTH_ADVISORY_DB`).
    pub path: PathBuf,
    pub advisories: Vec<Advisory>,
    /// Advisory indexes per normalised PyPI name.
    pub by_package: BTreeMap<String, Vec<usize>>,
    /// Files (or zip entries) read.
    pub files: usize,
    /// Withdrawn advisories skipped.
    pub withdrawn: usize,
    /// The newest `modified` date of any advisory, as written, and as a time.
    pub newest: Option<(String, SystemTime)>,
}

fn db_error(message: String, fix: impl Into<String>) -> Error {
    Error::Usage {
        message,
        fix: fix.into(),
    }
}

/// Reads the database at `path` (a folder or a `.zip`).
pub(crate) fn load(path: &Path) -> Result<Database> {
    let meta = std::fs::metadata(path).map_err(|e| {
        db_error(
            format!("advisory database {}: {e}", path.display()),
            format!("point --db (or BERTH_ADVISORY_DB) at an OSV database: {REFRESH}"),
        )
    })?;
    let mut texts: Vec<(String, String)> = Vec::new();
    if meta.is_dir() {
        let vulns = path.join("vulns");
        let top = if vulns.is_dir() {
            vulns
        } else {
            path.to_path_buf()
        };
        walk(&top, &mut texts)?;
    } else {
        read_zip(path, &mut texts)?;
    }
    let mut db = Database {
        path: path.to_path_buf(),
        advisories: Vec::new(),
        by_package: BTreeMap::new(),
        files: texts.len(),
        withdrawn: 0,
        newest: None,
    };
    for (name, text) in texts {
        let advisory = parse(&name, &text)?;
        if let Some(m) = advisory.modified.as_deref()
            && let Some(time) = modified(&name, m)?
            && db.newest.as_ref().is_none_or(|(_, t)| time > *t)
        {
            db.newest = Some((m.to_string(), time));
        }
        if advisory.withdrawn.is_some() {
            db.withdrawn += 1;
            continue;
        }
        let index = db.advisories.len();
        let mut packages: Vec<String> = advisory.pypi_packages().collect();
        packages.sort();
        packages.dedup();
        for p in packages {
            db.by_package.entry(p).or_default().push(index);
        }
        db.advisories.push(advisory);
    }
    if db.by_package.is_empty() {
        return Err(db_error(
            format!(
                "advisory database {} holds no PyPI advisory ({} files read)",
                path.display(),
                db.files
            ),
            format!("point --db at a PyPI advisory database: {REFRESH}"),
        ));
    }
    Ok(db)
}

/// A `modified` date as a time; `None` for a date before 1970 (the PyPA database has
/// `0001-01-01T00:00:00Z` placeholders), which can never be the newest.
fn modified(name: &str, text: &str) -> Result<Option<SystemTime>> {
    match humantime::parse_rfc3339_weak(text.trim_end_matches('Z')) {
        Ok(time) => Ok(Some(time)),
        Err(_)
            if text
                .get(..4)
                .and_then(|y| y.parse::<u32>().ok())
                .is_some_and(|y| y < 1970) =>
        {
            Ok(None)
        }
        Err(e) => Err(unreadable(
            name,
            &format!("`modified: {text}` is not an RFC 3339 date: {e}"),
        )),
    }
}

fn unreadable(name: &str, why: &str) -> Error {
    db_error(
        format!("advisory database: {name} is not an OSV advisory: {why}"),
        format!("refresh the database ({REFRESH}), or remove {name} from it"),
    )
}

/// Every `.yaml`, `.yml` and `.json` file under `dir`, in path order; hidden folders (`.git`)
/// are skipped.
fn walk(dir: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_dir() {
            if !hidden {
                walk(&path, out)?;
            }
        } else if is_advisory_name(&path.to_string_lossy()) {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            out.push((path.display().to_string(), text));
        }
    }
    Ok(())
}

fn is_advisory_name(name: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e))
}

fn read_zip(path: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let not_zip = |e: &dyn std::fmt::Display| {
        db_error(
            format!(
                "advisory database {} is neither a folder nor a readable zip: {e}",
                path.display()
            ),
            format!("point --db at a folder or at osv-scanner's PyPI/all.zip: {REFRESH}"),
        )
    };
    let mut zip = zip::ZipArchive::new(file).map_err(|e| not_zip(&e))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| not_zip(&e))?;
        let inner = entry.name().map_err(|e| not_zip(&e))?.into_owned();
        let name = format!("{}:{inner}", path.display());
        if entry.is_dir() || !is_advisory_name(&inner) {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| unreadable(&name, &e.to_string()))?;
        out.push((name, text));
    }
    out.sort();
    Ok(())
}

/// One file's advisory, from JSON or YAML.
fn parse(name: &str, text: &str) -> Result<Advisory> {
    let value = if name.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| unreadable(name, &e.to_string()))?
    } else {
        yaml_value(text).map_err(|e| unreadable(name, &e))?
    };
    serde_json::from_value(value).map_err(|e| unreadable(name, &e.to_string()))
}

/// A YAML document as JSON, every scalar a string as written (a plain `null`, `~` or nothing
/// is null).
fn yaml_value(text: &str) -> std::result::Result<serde_json::Value, String> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut loader: YamlLoader<'_, Yaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    parser.load(&mut loader, true).map_err(|e| e.to_string())?;
    if let Some(e) = loader.error() {
        return Err(e.to_string());
    }
    let docs = loader.into_documents();
    let doc = docs.first().ok_or("an empty document")?;
    Ok(to_json(doc))
}

fn to_json(node: &Yaml<'_>) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Yaml::Representation(text, style, _) => {
            let plain = *style == ScalarStyle::Plain;
            if plain && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                Value::Null
            } else {
                Value::String(text.to_string())
            }
        }
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            Value::Object(map.iter().map(|(k, v)| (key_text(k), to_json(v))).collect())
        }
        Yaml::Tagged(_, inner) => to_json(inner),
        _ => Value::Null,
    }
}

fn key_text(node: &Yaml<'_>) -> String {
    match node {
        Yaml::Representation(text, _, _) => text.to_string(),
        other => to_json(other).to_string(),
    }
}

/// How old the database is at `now`: from its newest `modified` date.
pub(crate) fn age(db: &Database, now: SystemTime) -> Option<Duration> {
    db.newest
        .as_ref()
        .map(|(_, t)| now.duration_since(*t).unwrap_or_default())
}

/// Refuses a database older than `max_age` (or with no `modified` date at all).
pub(crate) fn check_fresh(db: &Database, max_age: Duration, now: SystemTime) -> Result<()> {
    let accept = format!("refresh it ({REFRESH}), or accept its age explicitly with --max-age");
    let Some((newest, _)) = &db.newest else {
        return Err(db_error(
            format!(
                "advisory database {} has no `modified` date, so its age is unknown",
                db.path.display()
            ),
            accept,
        ));
    };
    let age = age(db, now).unwrap_or_default();
    if age > max_age {
        let days = age.as_secs() / 86_400;
        return Err(db_error(
            format!(
                "advisory database {} is {days} days old (its newest advisory was modified {newest}), older than --max-age {}",
                db.path.display(),
                humantime::format_duration(max_age)
            ),
            format!(
                "refresh it ({REFRESH}), or accept its age explicitly with --max-age {}d",
                days + 1
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_stay_as_written() {
        let v = yaml_value("id: X\nversions:\n- 1.10\n- '2.0'\n- 3\naliases:\n").unwrap();
        assert_eq!(v["versions"][0], "1.10");
        assert_eq!(v["versions"][1], "2.0");
        assert_eq!(v["versions"][2], "3");
        assert!(v["aliases"].is_null());
    }
}
