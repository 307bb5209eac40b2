//! What a repository's `berth.toml` tells the auditor: its environments, its organisation
//! templates (`project.templates`) and the rules it switches off (`[audit.ignore]`), with the
//! command line's `--ignore` added.
//!
//! `berth audit` works in any folder: without a `berth.toml` it uses the standard's
//! environments and no rule is switched off. A `berth.toml` that does not parse is bad input
//! (exit 2), as for every other command, and so is a switched-off rule id that does not exist.

use std::path::Path;

use crate::error::{Error, Origin, Problem, Refusal, Result};
use crate::manifest::{FILE_NAME, Manifest};

use super::catalog;
use super::source::Source;

/// A rule switched off for a whole repository.
#[derive(Debug, Clone)]
pub(crate) struct Ignored {
    pub rule: String,
    pub reason: String,
    /// Where it was written: `berth.toml` and its line, or `None` for `--ignore`.
    pub at: Option<(String, u32)>,
}

/// The repository's audit settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// `project.environments` of `berth.toml`, when it has one.
    pub environments: Option<Vec<String>>,
    /// `project.templates` of `berth.toml`: the organisation's templates, whose standard the
    /// audit judges against (as `generate` renders it).
    pub templates: Option<String>,
    pub ignored: Vec<Ignored>,
}

impl Settings {
    /// Reads `ROOT/berth.toml` (when `root` is a folder that has one) and adds `--ignore`.
    pub(crate) fn load(
        root: &Path,
        display: &str,
        cli_ignore: &[(String, String)],
    ) -> Result<Self> {
        let mut settings = Self::default();
        let path = root.join(FILE_NAME);
        if root.is_dir() && path.is_file() {
            let shown = super::discover::display(Path::new(display), FILE_NAME);
            let source = Source::read(&path, shown.clone()).map_err(|e| Error::io(&path, e))?;
            let manifest = Manifest::parse(&source.text, &path)?;
            settings
                .environments
                .clone_from(&manifest.project.environments);
            settings.templates.clone_from(&manifest.project.templates);
            for (rule, reason) in &manifest.audit.ignore {
                settings.ignored.push(Ignored {
                    rule: rule.clone(),
                    reason: reason.get_ref().trim().to_string(),
                    at: Some((shown.clone(), source.line_of(reason.span().start))),
                });
            }
            check_ids(&settings.ignored)?;
        }
        for (rule, reason) in cli_ignore {
            settings.ignored.push(Ignored {
                rule: rule.clone(),
                reason: reason.clone(),
                at: None,
            });
        }
        Ok(settings)
    }
}

fn check_ids(ignored: &[Ignored]) -> Result<()> {
    let problems: Vec<Problem> = ignored
        .iter()
        .filter(|i| catalog::find(&i.rule).is_none())
        .map(|i| {
            Problem::new(
                format!("audit.ignore.{}", i.rule),
                &i.rule,
                Refusal::new(
                    "no audit rule has this id",
                    "use an id from `berth audit --list-rules`, e.g. BA-C005",
                ),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(Origin::Manifest, problems))
    }
}
