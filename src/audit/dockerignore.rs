//! Docker ignore files (`.dockerignore`, `<Dockerfile>.dockerignore`), read and matched the
//! way the Docker engine and `BuildKit` do.
//!
//! Docker's format (moby `patternmatcher`): one pattern a line, `#` comment lines, `!`
//! re-includes, each pattern cleaned (`./a/` is `a`) and anchored at the context root with the
//! leading `/` dropped; a path is excluded when the last pattern matching it, or one of its
//! parent folders, is not a `!` pattern; `*` stops at `/`, `**` spans folders. Patterns are
//! compiled with the `glob` crate (rust-lang's: no regular expressions to build, which keeps
//! the audit quick). Whether a required exclusion is present is decided by matching, not by
//! comparing text: `.git`, `/.git/` and `**/.git` all exclude `.git/`, and a later `!.git`
//! takes it back.

use glob::{MatchOptions, Pattern};

use super::source::Source;

/// One pattern line.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// A `!` line: re-includes what earlier lines excluded.
    pub include: bool,
    /// The pattern when it has no wildcard: matched by comparing text (most lines are
    /// plain names, and this keeps the audit quick).
    literal: Option<String>,
    /// The cleaned pattern, compiled (`None` when it is not a valid glob: it matches nothing,
    /// as in Docker, which rejects the build instead).
    compiled: Option<Pattern>,
}

/// A parsed ignore file.
#[derive(Debug, Clone, Default)]
pub(crate) struct IgnoreFile {
    pub rules: Vec<Rule>,
    /// Comment lines: (line, text after `#`).
    pub comments: Vec<(u32, String)>,
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl IgnoreFile {
    pub(crate) fn parse(source: &Source) -> Self {
        let mut file = Self::default();
        for (index, raw) in source.text.lines().enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let text = raw.trim();
            if let Some(comment) = text.strip_prefix('#') {
                file.comments.push((line, comment.trim().to_string()));
                continue;
            }
            if text.is_empty() {
                continue;
            }
            let (include, body) = match text.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, text),
            };
            let pattern = clean(body);
            if pattern.is_empty() {
                continue;
            }
            let plain = !pattern.contains(['*', '?', '[', '\\']);
            file.rules.push(Rule {
                include,
                compiled: if plain {
                    None
                } else {
                    Pattern::new(&pattern).ok()
                },
                literal: plain.then_some(pattern),
            });
        }
        file
    }

    /// Whether Docker leaves `path` (relative to the context, `/`-separated) out of the
    /// context.
    pub(crate) fn excludes(&self, path: &str) -> bool {
        // The last matching line decides, so look from the end.
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.matches_or_parent(path))
            .is_some_and(|rule| !rule.include)
    }

    /// Whether the file excludes what the standard's `required` pattern names: every example
    /// path the pattern stands for (see `examples`) is excluded.
    pub(crate) fn covers(&self, required: &str) -> bool {
        examples(required).iter().all(|p| self.excludes(p))
    }
}

impl Rule {
    fn matches_or_parent(&self, path: &str) -> bool {
        let mut prefix = path;
        loop {
            let hit = match (&self.literal, &self.compiled) {
                (Some(literal), _) => literal == prefix,
                (None, Some(pattern)) => pattern.matches_with(prefix, OPTIONS),
                (None, None) => false,
            };
            if hit {
                return true;
            }
            match prefix.rsplit_once('/') {
                Some((parent, _)) => prefix = parent,
                None => return false,
            }
        }
    }
}

/// Docker's cleaning of a pattern: `filepath.Clean`, then the leading `/` dropped (the same
/// normalisation as a path joined to the root).
fn clean(pattern: &str) -> String {
    super::relpath::join("", pattern.trim_start_matches('/'))
}

/// Paths at the context root that a required pattern must exclude: each `*` taken as empty
/// and as `.x` (`*.md` -> `.md`, `.x.md`; `.env*` -> `.env`, `.env.x`), and for a folder
/// pattern (`tmp/`) the folder and a file in it. So `.env` plus `.env.*` covers `.env*`.
pub(crate) fn examples(required: &str) -> Vec<String> {
    let folder = required.ends_with('/');
    let base = clean(required);
    let mut out = Vec::new();
    for fill in ["", ".x"] {
        let path = base.replace("**/", "").replace('*', fill);
        if path.is_empty() {
            continue;
        }
        if folder {
            out.push(format!("{path}/x"));
        }
        out.push(path);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IgnoreFile {
        IgnoreFile::parse(&Source::new("i".into(), text.into()))
    }

    #[test]
    fn docker_matching() {
        let f = parse("# c\n/.git/\n*.md\n!README.md\n**/__pycache__\nsub/*.log\n");
        assert!(f.excludes(".git"));
        assert!(f.excludes(".git/HEAD"));
        assert!(f.excludes("notes.md"));
        assert!(!f.excludes("README.md"));
        assert!(!f.excludes("docs/notes.md"), "*.md is anchored at the root");
        assert!(f.excludes("__pycache__/a.pyc"));
        assert!(f.excludes("a/b/__pycache__/a.pyc"));
        assert!(f.excludes("sub/x.log"));
        assert!(!f.excludes("x.log"));
        assert_eq!(f.comments, vec![(1, "c".to_string())]);
    }

    #[test]
    fn required_entries_by_meaning() {
        assert_eq!(examples(".env*"), vec![".env", ".env.x"]);
        assert!(parse(".env\n.env.*\n").covers(".env*"));
        assert_eq!(examples("tmp/"), vec!["tmp", "tmp/x"]);
        let f = parse(".git\n**/*.md\n.env\n");
        assert!(f.covers(".git/"));
        assert!(f.covers("*.md"));
        assert!(!f.covers(".env*"), ".env leaves .env.prod in the context");
        let all = parse("*\n!app/\n");
        assert!(all.covers(".vscode/") && all.covers("*.pyc"));
        let taken_back = parse(".git/\n!.git/\n");
        assert!(!taken_back.covers(".git/"));
    }
}
