//! Suppressions: `# berth-audit: ignore RULE-ID[,RULE-ID] reason` on or above a line, and
//! whole rules switched off in `berth.toml` (`[audit.ignore]`) or with `--ignore`.
//!
//! A comment suppresses the findings of the named rules on its own line (a trailing YAML
//! comment) and on the next line that is not a comment. A suppression must give a reason: one
//! without is reported (BA-X002) and suppresses nothing; one naming an unknown rule is reported
//! too (BA-X003). Comments are the parsers' own (tree-sitter's comment nodes in Dockerfiles,
//! `#` lines in ignore files); YAML parsers drop comments, so Compose comments are found by a
//! small scanner: a `#` at the start of a line or after a space, outside quotes on that line.

use super::catalog;
use super::findings::Finding;
use super::project::Project;
use super::rules::Sink;
use super::source::Source;

const MARKER: &str = "berth-audit:";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comment {
    line: u32,
    rules: Vec<String>,
    reason: String,
}

/// Findings left after suppression, and how many were suppressed.
pub(crate) struct Kept {
    pub findings: Vec<Finding>,
    pub suppressed: usize,
}

/// Parses `berth-audit: ignore A,B reason` from a comment's text (after `#`).
fn parse_comment(line: u32, text: &str) -> Option<Comment> {
    let rest = text.trim().strip_prefix(MARKER)?.trim_start();
    let rest = rest.strip_prefix("ignore").unwrap_or(rest).trim_start();
    let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(Comment {
        line,
        rules: ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_uppercase)
            .collect(),
        reason: reason.trim().to_string(),
    })
}

/// The text after `#` of a YAML line's comment, if it has one.
fn yaml_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'')
                if prev.is_whitespace()
                    || prev == ':'
                    || prev == '['
                    || prev == ','
                    || prev == '-' =>
            {
                quote = Some(c);
            }
            (None, '#') if prev.is_whitespace() => return Some(&line[i + 1..]),
            _ => {}
        }
        prev = c;
    }
    None
}

fn compose_comments(source: &Source) -> Vec<(u32, String)> {
    (1..=source.lines())
        .filter_map(|n| yaml_comment(source.line_text(n)).map(|c| (n, c.trim().to_string())))
        .collect()
}

/// Every suppression comment of the project: (file, comment lines, suppressions).
fn comments(project: &Project) -> Vec<(String, Vec<u32>, Vec<Comment>)> {
    let mut out = Vec::new();
    let mut add = |file: &str, all: Vec<(u32, String)>| {
        let lines = all.iter().map(|(l, _)| *l).collect();
        let parsed = all
            .iter()
            .filter_map(|(l, t)| parse_comment(*l, t))
            .collect();
        out.push((file.to_string(), lines, parsed));
    };
    for doc in &project.dockerfiles {
        add(&doc.source.display, doc.parsed.comments.clone());
    }
    for doc in &project.composes {
        add(&doc.source.display, compose_comments(&doc.source));
    }
    for doc in &project.ignores {
        add(&doc.source.display, doc.parsed.comments.clone());
    }
    out
}

/// The lines a comment on `line` covers: its own and the next line that is not a comment.
fn covered(line: u32, comment_lines: &[u32]) -> [u32; 2] {
    let mut next = line + 1;
    while comment_lines.contains(&next) {
        next += 1;
    }
    [line, next]
}

/// Drops suppressed findings and adds the findings about suppressions themselves.
pub(crate) fn apply(
    project: &Project,
    standard: &crate::standard::Standard,
    findings: Vec<Finding>,
) -> Kept {
    let mut sink = Sink {
        project,
        standard,
        findings: Vec::new(),
    };
    let active = comment_suppressions(&mut sink);
    unexplained_config(&mut sink);
    let whole: Vec<&str> = project
        .settings
        .ignored
        .iter()
        .filter(|i| !i.reason.is_empty())
        .map(|i| i.rule.as_str())
        .collect();
    let before = findings.len();
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            let by_config = whole.iter().any(|r| r.eq_ignore_ascii_case(f.rule));
            let by_comment = active.iter().any(|(file, id, lines)| {
                *file == f.file && id == f.rule && lines.contains(&f.line)
            });
            !(by_config || by_comment)
        })
        .collect();
    let suppressed = before - kept.len();
    kept.extend(sink.findings);
    Kept {
        findings: kept,
        suppressed,
    }
}

/// The valid suppression comments as (file, rule, lines covered); reports the others
/// (BA-X002, BA-X003).
fn comment_suppressions(sink: &mut Sink) -> Vec<(String, String, [u32; 2])> {
    let mut active = Vec::new();
    for (file, lines, parsed) in comments(sink.project) {
        for comment in parsed {
            let mut valid = true;
            for id in comment
                .rules
                .iter()
                .filter(|id| catalog::find(id).is_none())
            {
                valid = false;
                let message = format!("`{id}` is not an audit rule");
                sink.push("BA-X003", &file, false, comment.line, message, None);
            }
            if comment.rules.is_empty() || comment.reason.is_empty() {
                valid = false;
                let what = if comment.rules.is_empty() {
                    "names no rule and gives no reason"
                } else {
                    "gives no reason"
                };
                let message = format!("the suppression of {} {what}", comment.rules.join(","));
                sink.push("BA-X002", &file, false, comment.line, message, None);
            }
            if valid {
                for id in comment.rules {
                    active.push((file.clone(), id, covered(comment.line, &lines)));
                }
            }
        }
    }
    active
}

/// BA-X002 for `[audit.ignore]` entries of `berth.toml` without a reason.
fn unexplained_config(sink: &mut Sink) {
    for ignored in &sink.project.settings.ignored {
        if let (Some((file, line)), true) = (&ignored.at, ignored.reason.is_empty()) {
            sink.push(
                "BA-X002",
                file,
                false,
                *line,
                format!("[audit.ignore] {} gives no reason", ignored.rule),
                Some("write the reason as the value: `BA-C005 = \"why\"`".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_syntax() {
        assert_eq!(
            parse_comment(3, " berth-audit: ignore BA-D001,ba-d003 vendor image"),
            Some(Comment {
                line: 3,
                rules: vec!["BA-D001".into(), "BA-D003".into()],
                reason: "vendor image".into()
            })
        );
        assert_eq!(
            parse_comment(1, "berth-audit: ignore BA-D001")
                .unwrap()
                .reason,
            ""
        );
        assert_eq!(parse_comment(1, "a normal comment"), None);
    }

    #[test]
    fn yaml_comments() {
        assert_eq!(yaml_comment("  # berth-audit: x"), Some(" berth-audit: x"));
        assert_eq!(yaml_comment("a: b # c"), Some(" c"));
        assert_eq!(yaml_comment("a: \"b # c\""), None);
        assert_eq!(yaml_comment("url: http://x/#frag"), None);
        assert_eq!(covered(4, &[4, 5]), [4, 6]);
    }
}
