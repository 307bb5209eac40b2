//! One OSV advisory (<https://ossf.github.io/osv-schema/>) and the question berth asks it:
//! does it affect this version of this PyPI distribution, and which version fixes it?
//!
//! Only what that question needs is read: the id, `aliases`, `modified`, `withdrawn`, the
//! summary, and per `affected` entry the package, its `ECOSYSTEM` ranges (`introduced`, `fixed`,
//! `last_affected` events, evaluated in version order as the OSV specification says) and its
//! `versions` list. Versions are PEP 440 versions compared by `pep440_rs`, so pre-releases,
//! post-releases, epochs and `1.0 == 1.0.0` follow the packaging specification, not string
//! order. `GIT` and `SEMVER` ranges are not PyPI versions and are left to the `versions` list.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;
use serde::{Deserialize, Deserializer};

/// An advisory as stored in the database (YAML or JSON, the same fields).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Advisory {
    pub id: String,
    #[serde(default)]
    pub modified: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub affected: Vec<Affected>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "nullable")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "nullable")]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Package {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Range {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Event {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

/// A list that a database may also write as `null` (or, in YAML, leave empty).
fn nullable<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// What reports show for an advisory with neither summary nor details.
pub(crate) const NO_SUMMARY: &str = "(no summary)";

/// The PyPI ecosystem's name in OSV.
pub(crate) const PYPI: &str = "PyPI";

/// A distribution name as PEP 503 compares them: lower case, runs of `-`, `_`, `.` as one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// What an advisory says about one installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// The lowest `fixed` version above the installed one, if the advisory names one.
    pub fixed: Option<String>,
}

impl Advisory {
    /// The PyPI packages (normalised names) this advisory is about.
    pub(crate) fn pypi_packages(&self) -> impl Iterator<Item = String> + '_ {
        self.affected
            .iter()
            .filter_map(|a| a.package.as_ref())
            .filter(|p| p.ecosystem == PYPI)
            .map(|p| normalize(&p.name))
    }

    /// Whether `version` of the distribution `name` (normalised) is affected.
    pub(crate) fn affects(&self, name: &str, version: &Version) -> Option<Hit> {
        let mut hit = false;
        let mut fixes: Vec<Version> = Vec::new();
        for entry in &self.affected {
            let Some(package) = &entry.package else {
                continue;
            };
            if package.ecosystem != PYPI || normalize(&package.name) != name {
                continue;
            }
            if entry
                .versions
                .iter()
                .any(|v| Version::from_str(v).is_ok_and(|v| &v == version))
            {
                hit = true;
            }
            for range in entry.ranges.iter().filter(|r| r.kind == "ECOSYSTEM") {
                if in_range(&range.events, version) {
                    hit = true;
                }
                fixes.extend(
                    range
                        .events
                        .iter()
                        .filter_map(|e| e.fixed.as_deref())
                        .filter_map(|f| Version::from_str(f).ok())
                        .filter(|f| f > version),
                );
            }
        }
        hit.then(|| Hit {
            fixed: fixes.into_iter().min().map(|v| v.to_string()),
        })
    }

    /// One line for reports: the summary, else the details' first paragraph, cut at 120 characters.
    pub(crate) fn summary_line(&self) -> String {
        let text = self
            .summary
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or(self.details.as_deref())
            .unwrap_or("");
        // The first paragraph, its line breaks and runs of blanks folded into single spaces.
        let paragraph = text
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let line = if paragraph.is_empty() {
            NO_SUMMARY
        } else {
            paragraph.as_str()
        };
        if line.chars().count() > 120 {
            let cut: String = line.chars().take(117).collect();
            format!("{cut}...")
        } else {
            line.to_string()
        }
    }
}

/// One event with its version parsed; `None` is the `introduced: "0"` that opens a range
/// below every version (pre-releases of 0 included).
#[derive(Debug)]
enum Step {
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
}

impl Step {
    fn version(&self) -> Option<&Version> {
        match self {
            Step::Introduced(v) => v.as_ref(),
            Step::Fixed(v) | Step::LastAffected(v) => Some(v),
        }
    }
}

/// The OSV evaluation of one `ECOSYSTEM` range: events sorted by version, `introduced` opens,
/// `fixed` closes (the fixed version itself is not affected), `last_affected` closes after
/// itself. An event whose version is not PEP 440 is skipped (the `versions` list still
/// counts), since guessing its place would be worse than the list the database also gives.
fn in_range(events: &[Event], version: &Version) -> bool {
    let mut steps: Vec<Step> = Vec::new();
    for e in events {
        if let Some(v) = &e.introduced {
            if v == "0" {
                steps.push(Step::Introduced(None));
            } else if let Ok(v) = Version::from_str(v) {
                steps.push(Step::Introduced(Some(v)));
            }
        }
        if let Some(Ok(v)) = e.fixed.as_deref().map(Version::from_str) {
            steps.push(Step::Fixed(v));
        }
        if let Some(Ok(v)) = e.last_affected.as_deref().map(Version::from_str) {
            steps.push(Step::LastAffected(v));
        }
    }
    steps.sort_by(|a, b| match (a.version(), b.version()) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    let mut affected = false;
    for step in &steps {
        match step {
            Step::Introduced(None) => affected = true,
            Step::Introduced(Some(v)) if version >= v => affected = true,
            Step::Fixed(v) if version >= v => affected = false,
            Step::LastAffected(v) if version > v => affected = false,
            _ => {}
        }
    }
    affected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    fn events(list: &[(&str, &str)]) -> Vec<Event> {
        list.iter()
            .map(|(kind, ver)| {
                let s = Some((*ver).to_string());
                match *kind {
                    "introduced" => Event {
                        introduced: s,
                        ..Event::default()
                    },
                    "fixed" => Event {
                        fixed: s,
                        ..Event::default()
                    },
                    _ => Event {
                        last_affected: s,
                        ..Event::default()
                    },
                }
            })
            .collect()
    }

    #[test]
    fn names_compare_as_pep_503_says() {
        assert_eq!(normalize("Jinja2"), "jinja2");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("Foo__Bar-.baz"), "foo-bar-baz");
    }

    #[test]
    fn fixed_is_exclusive_and_last_affected_inclusive() {
        let fixed = events(&[("introduced", "1.0"), ("fixed", "1.5")]);
        assert!(!in_range(&fixed, &v("0.9")));
        assert!(in_range(&fixed, &v("1.0")));
        assert!(in_range(&fixed, &v("1.5rc1")), "a pre-release of the fix");
        assert!(!in_range(&fixed, &v("1.5")));
        assert!(!in_range(&fixed, &v("1.5.0")), "1.5.0 is 1.5");
        let last = events(&[("introduced", "0"), ("last_affected", "2.0")]);
        assert!(
            in_range(&last, &v("0.1a1")),
            "introduced 0 opens below pre-releases"
        );
        assert!(in_range(&last, &v("2.0")));
        assert!(!in_range(&last, &v("2.0.post1")), "a post-release is after");
    }

    #[test]
    fn several_intervals_and_epochs() {
        let two = events(&[
            ("introduced", "2.0"),
            ("fixed", "2.5"),
            ("introduced", "1.0"),
            ("fixed", "1.5"),
        ]);
        assert!(in_range(&two, &v("1.2")));
        assert!(!in_range(&two, &v("1.7")));
        assert!(in_range(&two, &v("2.4.9")));
        assert!(!in_range(&two, &v("3")));
        let epoch = events(&[("introduced", "0"), ("fixed", "5.0")]);
        assert!(
            !in_range(&epoch, &v("1!1.0")),
            "epoch 1 sorts after every epoch 0"
        );
    }
}
