//! The docs point at things that exist. Every relative link in the README, CONTRIBUTING.md and
//! the guides under `docs/` names a file of the repository (and, with `#anchor`, one of its
//! headings); every `docs/...` path in berth's source (the fixes of its error messages, the help
//! text) names a file; the README stays a short page (at most 200 lines) and names no README
//! section the text has left; CONTRIBUTING.md's code layout names every module there is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::docs::repo_file;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files whose links are checked, relative to the repository.
fn markdown_files() -> Vec<String> {
    let mut files = vec!["README.md".to_string(), "CONTRIBUTING.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of the headings of a Markdown text (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of the inline links `[text](target)` of a Markdown text, outside code blocks.
fn link_targets(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// What is wrong with the link `target` written in the file `from` (relative to the
/// repository), if anything.
fn broken(from: &str, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let file: PathBuf = if path.is_empty() {
        root().join(from)
    } else {
        root().join(from).parent().unwrap().join(path)
    };
    if !file.exists() {
        return Some(format!(
            "{from}: link {target}: {} does not exist",
            file.display()
        ));
    }
    if let Some(anchor) = anchor
        && file.extension().is_some_and(|e| e == "md")
    {
        let text = std::fs::read_to_string(&file).unwrap();
        if !anchors(&text).contains(anchor) {
            return Some(format!("{from}: link {target}: no heading #{anchor} there"));
        }
    }
    None
}

#[test]
fn every_link_of_the_docs_points_at_something() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        for target in link_targets(&repo_file(&file)) {
            checked += 1;
            problems.extend(broken(&file, &target));
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser still reading them?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `docs/...` paths written in `text` (a path starts where `docs/` follows no letter,
/// digit, `_`, `-`, `.` or `/`, and runs over path characters; a final `.` ends a sentence).
fn docs_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("docs/") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || "_-./".contains(c)) {
            continue;
        }
        let path: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || "_-./#".contains(*c))
            .collect();
        out.push(path.trim_end_matches('.').to_string());
    }
    out
}

/// `docs/` paths in the source that name a user's file, not berth's docs.
const NOT_OURS: &[&str] = &[
    "docs/notes.md", // src/audit/dockerignore.rs: a test of `*.md` matching in an audited tree
];

#[test]
fn every_docs_path_in_the_source_exists() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for path in docs_paths(&text) {
            checked += 1;
            let rel = file.strip_prefix(root()).unwrap().display().to_string();
            if path == "docs/" {
                continue;
            }
            let (file_part, anchor) = match path.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (path.clone(), None),
            };
            if !root().join(&file_part).exists() && !NOT_OURS.contains(&path.as_str()) {
                problems.push(format!("{rel}: names {path}, which does not exist"));
            } else if let Some(anchor) = anchor {
                let doc = std::fs::read_to_string(root().join(&file_part)).unwrap();
                if !anchors(&doc).contains(&anchor) {
                    problems.push(format!("{rel}: names {path}: no such heading"));
                }
            }
        }
    }
    assert!(checked > 3, "only {checked} docs/ paths found in src/");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Error messages send the user to the guide that now holds the text, not to a README section.
#[test]
fn no_message_sends_the_user_to_a_readme_section() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let stale: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let rel = file.strip_prefix(root()).unwrap().display().to_string();
            text.lines()
                .filter(|l| {
                    l.contains("README,") || l.contains("README:") || l.contains("in the README")
                })
                .map(|l| format!("{rel}: {}", l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn the_readme_is_a_short_page() {
    let lines = repo_file("README.md").lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines (at most 200: move text to docs/)"
    );
}

/// The code layout in CONTRIBUTING.md names every file and folder directly under `src/`, and
/// every `src/` path it names exists.
#[test]
fn the_code_layout_names_every_module() {
    let text = repo_file("CONTRIBUTING.md");
    let start = text.find("<!-- layout:begin -->").expect("no layout block");
    let layout = &text[start..text.find("<!-- layout:end -->").expect("no layout end")];
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(root().join("src")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let named = if entry.path().is_dir() {
            layout.contains(&format!("src/{name}/"))
                || layout.contains(&format!("src/{name}.rs"))
                || layout.contains(&format!("{name}/"))
        } else {
            layout.contains(&name)
        };
        if !named {
            problems.push(format!("src/{name} is not in CONTRIBUTING.md's layout"));
        }
    }
    for word in layout.split_whitespace() {
        let path = word.trim_end_matches([',', ';', ':', ')']);
        if path.starts_with("src/") && !root().join(path).exists() {
            problems.push(format!(
                "CONTRIBUTING.md's layout names {path}, which does not exist"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
