//! `berth scan`: the standard's image analysis ("scan for vulnerabilities") without a SaaS
//! login or the network, from an OSV advisory database the team controls, failing closed.
//!
//! The pipeline is the project's: the manifest says which services there are, `plan` turns them
//! (or `--image` names) into targets, and `run` applies the database to them: load and check it
//! (`db`: missing, unreadable, empty for PyPI or stale is an error, exit 2, never "clean"), read
//! each target's distributions (`requirements`: the `==` pins of `services/<name>/requirements.txt`,
//! anything else reported as unpinned; `image`: what is installed in a built image, read from
//! `docker image save`), hold every distribution against the advisories naming it (`osv`: PEP 440
//! versions, `ECOSYSTEM` ranges, `versions` lists), merge advisories that are aliases of each
//! other into one finding, and hand the sorted `Report` to `report` for text, JSON, SARIF or
//! GitHub annotations. Nothing here writes a file.

pub(crate) mod db;
pub(crate) mod image;
pub(crate) mod osv;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod requirements;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use pep440_rs::Version;
use serde::Serialize;

use crate::error::Result;

/// Where a target's distributions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A requirements file: on disk, and as shown to the user.
    Requirements { path: PathBuf, display: String },
    /// A built image, by reference; `file` is where findings point (its Dockerfile, if known).
    Image { image: String, file: String },
}

/// One thing to scan: a service's requirements or an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The service's name, or the image reference for `--image`.
    pub name: String,
    pub source: Source,
}

/// What to scan and against what.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub db: PathBuf,
    pub max_age: Duration,
    pub targets: Vec<Target>,
}

/// A finding's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// An installed or pinned version an advisory affects.
    Vulnerable,
    /// A requirement that names no single version, so no advisory can be held against it.
    Unpinned,
}

/// The rule id of an unpinned requirement (advisory findings carry the advisory's id).
pub(crate) const UNPINNED: &str = "BS-UNPINNED";

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct Finding {
    pub target: String,
    /// The requirements file, or for an image its Dockerfile (or the image reference).
    pub file: String,
    pub line: u32,
    pub package: String,
    /// The version checked; `None` for an unpinned requirement.
    pub version: Option<String>,
    pub kind: Kind,
    /// The advisory id (the group's first when aliases were merged), or `BS-UNPINNED`.
    pub id: String,
    /// Every other id of the same vulnerability (CVE, GHSA, the other databases' ids).
    pub aliases: Vec<String>,
    pub summary: String,
    /// The lowest version that fixes it, when the advisory names one.
    pub fixed: Option<String>,
    /// For an image: the METADATA file inside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_at: Option<String>,
}

impl Finding {
    /// What to do about it.
    pub(crate) fn fix(&self) -> String {
        match (self.kind, &self.fixed) {
            (Kind::Unpinned, _) => format!(
                "pin one version (`{}==X.Y.Z`, e.g. from `pip freeze`) so that it can be scanned",
                self.package
            ),
            (Kind::Vulnerable, Some(v)) => format!("upgrade {} to {v} or later", self.package),
            (Kind::Vulnerable, None) => format!(
                "no fixed version is known: replace {} or accept the risk knowingly",
                self.package
            ),
        }
    }
}

/// One distribution checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct Checked {
    pub name: String,
    pub version: String,
}

/// One target and what was checked in it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Scanned {
    pub name: String,
    /// The requirements file or the image reference.
    pub source: String,
    pub checked: Vec<Checked>,
}

/// The database as used, for the report's header.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DbInfo {
    pub path: String,
    pub files: usize,
    pub advisories: usize,
    pub packages: usize,
    pub withdrawn: usize,
    pub newest_modified: String,
    pub age_days: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub database: DbInfo,
    pub targets: Vec<Scanned>,
    pub findings: Vec<Finding>,
}

/// Loads and checks the database, then scans every target.
pub(crate) fn run(options: &Options, now: SystemTime) -> Result<Report> {
    let db = db::load(&options.db)?;
    db::check_fresh(&db, options.max_age, now)?;
    let mut targets = Vec::new();
    let mut findings = Vec::new();
    for target in &options.targets {
        let (scanned, found) = scan_target(&db, target)?;
        targets.push(scanned);
        findings.extend(found);
    }
    findings.sort();
    findings.dedup();
    let database = DbInfo {
        path: options.db.display().to_string(),
        files: db.files,
        advisories: db.advisories.len(),
        packages: db.by_package.len(),
        withdrawn: db.withdrawn,
        newest_modified: db
            .newest
            .as_ref()
            .map(|(m, _)| m.clone())
            .unwrap_or_default(),
        age_days: db::age(&db, now).unwrap_or_default().as_secs() / 86_400,
    };
    Ok(Report {
        database,
        targets,
        findings,
    })
}

/// A distribution to check, with where it was found.
struct Candidate {
    name: String,
    version: String,
    file: String,
    line: u32,
    installed_at: Option<String>,
}

fn scan_target(db: &db::Database, target: &Target) -> Result<(Scanned, Vec<Finding>)> {
    let mut findings = Vec::new();
    let mut candidates = Vec::new();
    let source = match &target.source {
        Source::Requirements { path, display } => {
            for entry in requirements::read(path, display)? {
                match entry {
                    requirements::Entry::Pinned {
                        name,
                        version,
                        file,
                        line,
                    } => candidates.push(Candidate {
                        name,
                        version,
                        file,
                        line,
                        installed_at: None,
                    }),
                    requirements::Entry::Unpinned {
                        name,
                        text,
                        why,
                        file,
                        line,
                    } => findings.push(Finding {
                        target: target.name.clone(),
                        file,
                        line,
                        package: name,
                        version: None,
                        kind: Kind::Unpinned,
                        id: UNPINNED.to_string(),
                        aliases: Vec::new(),
                        summary: format!("`{text}` cannot be scanned: {why}"),
                        fixed: None,
                        installed_at: None,
                    }),
                }
            }
            display.clone()
        }
        Source::Image { image, file } => {
            for dist in image::installed(image)? {
                candidates.push(Candidate {
                    name: dist.name,
                    version: dist.version,
                    file: file.clone(),
                    line: 1,
                    installed_at: Some(dist.path),
                });
            }
            image.clone()
        }
    };
    let mut checked: Vec<Checked> = candidates
        .iter()
        .map(|c| Checked {
            name: c.name.clone(),
            version: c.version.clone(),
        })
        .collect();
    checked.sort();
    checked.dedup();
    for c in &candidates {
        findings.extend(check(db, &target.name, c));
    }
    Ok((
        Scanned {
            name: target.name.clone(),
            source,
            checked,
        },
        findings,
    ))
}

/// The findings of one distribution: one per vulnerability, aliases merged.
fn check(db: &db::Database, target: &str, c: &Candidate) -> Vec<Finding> {
    let name = osv::normalize(&c.name);
    let Ok(version) = Version::from_str(&c.version) else {
        return vec![Finding {
            target: target.to_string(),
            file: c.file.clone(),
            line: c.line,
            package: c.name.clone(),
            version: Some(c.version.clone()),
            kind: Kind::Unpinned,
            id: UNPINNED.to_string(),
            aliases: Vec::new(),
            summary: format!(
                "`{}` is not a PEP 440 version, so it cannot be compared",
                c.version
            ),
            fixed: None,
            installed_at: c.installed_at.clone(),
        }];
    };
    let hits: Hits<'_> = db
        .by_package
        .get(&name)
        .into_iter()
        .flatten()
        .filter_map(|&i| {
            let a = &db.advisories[i];
            a.affects(&name, &version).map(|h| (a, h))
        })
        .collect();
    merge_aliases(hits)
        .into_iter()
        .map(|group| {
            let mut own: Vec<&str> = group.iter().map(|(a, _)| a.id.as_str()).collect();
            own.sort_unstable();
            let id = own[0].to_string();
            let mut aliases: Vec<String> = group
                .iter()
                .flat_map(|(a, _)| std::iter::once(a.id.clone()).chain(a.aliases.clone()))
                .filter(|x| *x != id)
                .collect();
            aliases.sort();
            aliases.dedup();
            // The summary of the first advisory (in id order) that has one.
            let mut members: Vec<&osv::Advisory> = group.iter().map(|(a, _)| *a).collect();
            members.sort_by(|x, y| x.id.cmp(&y.id));
            let summary = members
                .iter()
                .map(|a| a.summary_line())
                .find(|s| s != osv::NO_SUMMARY)
                .unwrap_or_else(|| osv::NO_SUMMARY.to_string());
            let fixed = group
                .iter()
                .filter_map(|(_, h)| h.fixed.as_deref())
                .filter_map(|f| Version::from_str(f).ok())
                .max()
                .map(|v| v.to_string());
            Finding {
                target: target.to_string(),
                file: c.file.clone(),
                line: c.line,
                package: c.name.clone(),
                version: Some(c.version.clone()),
                kind: Kind::Vulnerable,
                id,
                aliases,
                summary,
                fixed,
                installed_at: c.installed_at.clone(),
            }
        })
        .collect()
}

/// Advisories that affect one version, each with what it says about it.
type Hits<'a> = Vec<(&'a osv::Advisory, osv::Hit)>;

/// Groups advisories that name each other (by id or through a shared alias).
fn merge_aliases(hits: Hits<'_>) -> Vec<Hits<'_>> {
    let ids = |a: &osv::Advisory| -> Vec<String> {
        std::iter::once(a.id.clone())
            .chain(a.aliases.iter().cloned())
            .collect()
    };
    let mut groups: Vec<(Vec<String>, Hits<'_>)> = Vec::new();
    for (advisory, hit) in hits {
        let mine = ids(advisory);
        let mut merged = (mine.clone(), vec![(advisory, hit)]);
        let mut rest = Vec::new();
        for group in groups {
            if group
                .0
                .iter()
                .any(|x| mine.contains(x) || merged.0.contains(x))
            {
                merged.0.extend(group.0);
                merged.1.extend(group.1);
            } else {
                rest.push(group);
            }
        }
        rest.push(merged);
        groups = rest;
    }
    groups.into_iter().map(|(_, g)| g).collect()
}
