//! A service's `requirements.txt` as a list of pins, and of the requirements that are not pins.
//!
//! Each requirement line is read by `pep508_rs` (names, extras, specifiers, markers, as pip
//! reads them). Only `NAME==VERSION` (or `===`) names one version that an advisory can be held
//! against; anything else (`>=`, `~=`, `==1.*`, no specifier, a URL, `-e`) is returned as
//! unpinned, so that the scan reports it instead of calling it clean. pip's option syntax is
//! followed where it changes what is installed: `\` continues a line, ` #` starts a comment,
//! `-r FILE` includes another file (relative to this one), `-c FILE` only constrains and is
//! skipped, per-requirement options such as `--hash=...` are cut off.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::pep440_rs::Operator;
use pep508_rs::{Requirement, VersionOrUrl};

use crate::error::{Error, Result};

/// One requirement line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `name==version`: the normalised name, the version as written, the line.
    Pinned {
        name: String,
        version: String,
        file: String,
        line: u32,
    },
    /// Anything that does not name one version: the requirement as written and why.
    Unpinned {
        name: String,
        text: String,
        why: String,
        file: String,
        line: u32,
    },
}

/// The entries of `path` (shown as `display`), `-r` includes followed.
pub(crate) fn read(path: &Path, display: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    read_into(path, display, &mut out, &mut seen)?;
    Ok(out)
}

fn read_into(
    path: &Path,
    display: &str,
    out: &mut Vec<Entry>,
    seen: &mut Vec<PathBuf>,
) -> Result<()> {
    if seen.iter().any(|p| p == path) {
        return Ok(());
    }
    seen.push(path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    for (line, stmt) in statements(&text) {
        if let Some(rest) = option(&stmt, &["-r", "--requirement"]) {
            let file = path.parent().unwrap_or(Path::new(".")).join(rest);
            let shown = Path::new(display)
                .parent()
                .unwrap_or(Path::new(""))
                .join(rest)
                .display()
                .to_string();
            read_into(&file, &shown, out, seen)?;
        } else if stmt.starts_with('-') && option(&stmt, &["-e", "--editable"]).is_none() {
            // -c constraints, --index-url and other options install nothing by themselves.
        } else {
            out.push(entry(&stmt, display, line));
        }
    }
    Ok(())
}

/// `-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE`: the value.
fn option<'a>(stmt: &'a str, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        let rest = stmt.strip_prefix(n)?;
        let rest = if n.starts_with("--") {
            rest.strip_prefix('=').or_else(|| rest.strip_prefix(' '))?
        } else {
            rest
        };
        Some(rest.trim())
    })
}

/// The logical lines (continuations joined, comments and per-requirement options cut), each
/// with the number of the line it starts on.
fn statements(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = cut_comment(raw);
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let entry = current.get_or_insert_with(|| (number, String::new()));
        entry.1.push_str(body);
        entry.1.push(' ');
        if !continues {
            let (n, s) = current.take().expect("set above");
            let s = cut_options(s.trim());
            if !s.is_empty() {
                out.push((n, s));
            }
        }
    }
    if let Some((n, s)) = current {
        let s = cut_options(s.trim());
        if !s.is_empty() {
            out.push((n, s));
        }
    }
    out
}

fn cut_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// `pkg==1.0 --hash=sha256:...` -> `pkg==1.0` (an option line itself is kept whole).
fn cut_options(stmt: &str) -> String {
    if stmt.starts_with('-') {
        return stmt.to_string();
    }
    match stmt.find(" --") {
        Some(i) => stmt[..i].trim().to_string(),
        None => stmt.to_string(),
    }
}

fn entry(stmt: &str, file: &str, line: u32) -> Entry {
    let unpinned = |name: &str, why: &str| Entry::Unpinned {
        name: name.to_string(),
        text: stmt.to_string(),
        why: why.to_string(),
        file: file.to_string(),
        line,
    };
    if option(stmt, &["-e", "--editable"]).is_some() {
        return unpinned(stmt, "an editable install names no version");
    }
    let requirement = match Requirement::<pep508_rs::VerbatimUrl>::from_str(stmt) {
        Ok(r) => r,
        Err(e) => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("").to_string();
            return unpinned(stmt, &format!("not a requirement pip reads: {first}"));
        }
    };
    let name = requirement.name.to_string();
    let specifiers = match &requirement.version_or_url {
        None => return unpinned(&name, "no version is given"),
        Some(VersionOrUrl::Url(_)) => return unpinned(&name, "a URL names no version"),
        Some(VersionOrUrl::VersionSpecifier(s)) => s,
    };
    let pins: Vec<_> = specifiers
        .iter()
        .filter(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        .collect();
    match pins.as_slice() {
        [pin] => Entry::Pinned {
            name: crate::scan::osv::normalize(&name),
            version: pin.version().to_string(),
            file: file.to_string(),
            line,
        },
        _ if specifiers.iter().next().is_none() => unpinned(&name, "no version is given"),
        _ => unpinned(
            &name,
            &format!("`{specifiers}` allows more than one version"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Entry> {
        statements(text)
            .into_iter()
            .map(|(n, s)| entry(&s, "r.txt", n))
            .collect()
    }

    #[test]
    fn pins_and_the_rest() {
        let got = entries(
            "# c\nFastAPI==0.65.1  # pinned\njinja2 == 2.11.2 ; python_version > \"3\"\n\
             uvicorn>=0.30\nrequests\nhttpx==0.27.*\nsix==1.16 \\\n  --hash=sha256:abc\n",
        );
        let pinned: Vec<_> = got
            .iter()
            .filter_map(|e| match e {
                Entry::Pinned {
                    name,
                    version,
                    line,
                    ..
                } => Some((name.as_str(), version.as_str(), *line)),
                Entry::Unpinned { .. } => None,
            })
            .collect();
        assert_eq!(
            pinned,
            [
                ("fastapi", "0.65.1", 2),
                ("jinja2", "2.11.2", 3),
                ("six", "1.16", 7)
            ]
        );
        let unpinned: Vec<_> = got
            .iter()
            .filter_map(|e| match e {
                Entry::Unpinned { name, .. } => Some(name.as_str()),
                Entry::Pinned { .. } => None,
            })
            .collect();
        assert_eq!(unpinned, ["uvicorn", "requests", "httpx"]);
    }
}
