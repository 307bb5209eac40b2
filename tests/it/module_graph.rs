//! The house's shape, derived from the source: the module graph drawn from the `use` lines and
//! `crate::` / `super::` paths of `src/`, with no import circle at any level of the tree and no
//! arrow from a lower layer of the pipeline up to a higher one; and no file longer than 500 lines
//! before its tests. CONTRIBUTING's "layers import downward only" is this test, not a promise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules, lowest layer first. A module may import from its own layer's
/// neighbours (if that draws no circle) and from any layer below, never from one above. A new
/// top-level module must be placed here: the test names it otherwise.
const LAYERS: &[&[&str]] = &[
    // Small libraries that know nothing of berth's pipeline. (The crate root's constants,
    // `VERSION` and `MANIFEST_FILE`, are below everything: the root is no sibling, so an arrow
    // to it is never drawn.)
    &["exit", "quantity", "parallel", "dotenv"],
    &["error"],
    &["standard", "templates", "project_lock"],
    &["manifest", "model"],
    // The pipeline, in its order.
    &["rules"],
    &["resolve"],
    &["plan"],
    &["apply"],
    &["session", "manifest_edit"],
    &["report", "answers"],
    // The second product and the features beside the pipeline.
    &["audit", "scan", "fleet", "secret_guard"],
    &["wizard"],
    // The thin command-line layer.
    &["cli"],
    &["commands"],
];

/// Known circles the rule tolerates for now, each of which must still be a circle (the test
/// fails once one is gone, so that it is struck from this list). None left: issue 22's split of
/// `src/audit/` removed the last one.
const PENDING_CIRCLES: &[&str] = &[];

/// Files over the size bar, under the same terms as `PENDING_CIRCLES`. None left.
const PENDING_LONG_FILES: &[&str] = &[];

/// The most lines a file may hold before its tests.
const MAX_LINES: usize = 500;

/// One source file: its module path (`apply::lock`) and its text.
struct File {
    module: Vec<String>,
    rel: String,
    text: String,
}

fn files() -> Vec<File> {
    let mut out = Vec::new();
    walk(&src(), &mut out);
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn walk(dir: &Path, out: &mut Vec<File>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(src())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == "main.rs" {
                continue; // the binary: a second crate that calls the library.
            }
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(File { module, rel, text });
        }
    }
}

/// The text with comments, string and character literals blanked out, so that a `crate::` in
/// a doc comment or a message draws no arrow.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): only the former is skipped.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Other(char),
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(Token::PathSep);
            i += 2;
            continue;
        }
        match c {
            '{' => out.push(Token::Open),
            '}' => out.push(Token::Close),
            c if c.is_whitespace() => {}
            c => out.push(Token::Other(c)),
        }
        i += 1;
    }
    out
}

/// Every module path a file reaches through `crate::`, `super::` or `self::` (inline `mod x {`
/// blocks, such as the tests, are followed so that their `super` is resolved right).
fn references(file: &File) -> Vec<Vec<String>> {
    let toks = tokens(&code_only(&file.text));
    let mut out = Vec::new();
    // The stack of inline modules: (name, brace depth at which it opened).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Ident(word) if word == "mod" => {
                if let (Some(Token::Ident(name)), Some(Token::Open)) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                    continue;
                }
            }
            Token::Open => depth += 1,
            Token::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Ident(word)
                if (word == "crate" || word == "super" || word == "self")
                    && toks.get(i + 1) == Some(&Token::PathSep)
                    && !matches!(i.checked_sub(1).map(|p| &toks[p]), Some(Token::PathSep)) =>
            {
                let mut here = file.module.clone();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let (paths, end) = path_tree(&toks, i, &here);
                out.extend(paths);
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads one path starting at `toks[start]` (`crate::a::{b, c::d}`), returns every path it
/// names, resolved against the module `here`, and the index after it.
fn path_tree(toks: &[Token], start: usize, here: &[String]) -> (Vec<Vec<String>>, usize) {
    let mut prefix: Vec<String> = Vec::new();
    let mut i = start;
    let mut resolved_base = false;
    loop {
        match toks.get(i) {
            Some(Token::Ident(word)) => {
                if !resolved_base || word == "super" {
                    match word.as_str() {
                        "crate" => prefix.clear(),
                        "self" if !resolved_base => prefix = here.to_vec(),
                        "super" => {
                            if !resolved_base {
                                prefix = here.to_vec();
                            }
                            prefix.pop();
                        }
                        _ => prefix.push(word.clone()),
                    }
                    resolved_base = true;
                } else if word != "self" {
                    prefix.push(word.clone());
                }
                i += 1;
                if toks.get(i) == Some(&Token::PathSep) {
                    i += 1;
                } else {
                    return (vec![prefix], i);
                }
            }
            Some(Token::Open) => {
                i += 1;
                let mut paths = Vec::new();
                loop {
                    match toks.get(i) {
                        Some(Token::Close) => {
                            i += 1;
                            break;
                        }
                        Some(Token::Other(',')) => i += 1,
                        Some(Token::Ident(_) | Token::Open) => {
                            let (inner, end) = group_member(toks, i);
                            for mut tail in inner {
                                let mut full = prefix.clone();
                                full.append(&mut tail);
                                paths.push(full);
                            }
                            i = end;
                        }
                        Some(_) => i += 1,
                        None => break,
                    }
                }
                if paths.is_empty() {
                    paths.push(prefix);
                }
                return (paths, i);
            }
            _ => return (vec![prefix], i),
        }
    }
}

/// One member of a `{...}` group, relative to the group's prefix (`self` names the prefix).
fn group_member(toks: &[Token], start: usize) -> (Vec<Vec<String>>, usize) {
    path_tree(toks, start, &[])
}

/// The graph: for every file, the known modules it reaches.
fn graph(files: &[File]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let known: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in files {
        let entry = edges.entry(file.module.clone()).or_default();
        for path in references(file) {
            // The longest prefix that is a module file.
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| known.contains(p))
                .unwrap_or_default();
            if target != file.module {
                entry.insert(target);
            }
        }
    }
    edges
}

/// At every level of the tree, the arrows between sibling modules (an arrow from anywhere
/// inside `a` to anywhere inside `b`), keyed by the parent. The parent's own file is not a
/// sibling: `mod.rs` declaring its children draws no arrow.
fn sibling_arrows(
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> BTreeMap<Vec<String>, BTreeSet<(String, String)>> {
    let mut out: BTreeMap<Vec<String>, BTreeSet<(String, String)>> = BTreeMap::new();
    for (from, targets) in edges {
        for to in targets {
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            if common < from.len() && common < to.len() {
                out.entry(from[..common].to_vec())
                    .or_default()
                    .insert((from[common].clone(), to[common].clone()));
            }
        }
    }
    out
}

/// The circles among one parent's children: each strongly connected group of two or more,
/// written `a <-> b <-> c` in name order.
fn circles(arrows: &BTreeSet<(String, String)>) -> Vec<String> {
    let nodes: BTreeSet<&String> = arrows.iter().flat_map(|(a, b)| [a, b]).collect();
    let reach = |start: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(n) = todo.pop() {
            for (a, b) in arrows {
                if *a == n && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut groups = BTreeSet::new();
    for n in &nodes {
        let group: Vec<&str> = nodes
            .iter()
            .filter(|m| reaches[*n].contains(**m) && reaches[*m].contains(*n))
            .map(|m| m.as_str())
            .collect();
        if group.len() > 1 {
            groups.insert(group.join(" <-> "));
        }
    }
    groups.into_iter().collect()
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn no_import_circle_at_any_level() {
    let arrows = sibling_arrows(&graph(&files()));
    let mut found = Vec::new();
    for (parent, pairs) in &arrows {
        let at = if parent.is_empty() {
            "src/".to_string()
        } else {
            format!("src/{}/", parent.join("/"))
        };
        for circle in circles(pairs) {
            found.push(format!("{at}: {circle}"));
        }
    }
    let unexpected: Vec<&String> = found
        .iter()
        .filter(|c| !PENDING_CIRCLES.contains(&c.as_str()))
        .collect();
    let gone: Vec<&&str> = PENDING_CIRCLES
        .iter()
        .filter(|p| !found.iter().any(|c| c == **p))
        .collect();
    assert!(
        unexpected.is_empty(),
        "import circles (module <-> module, from their `use` lines):\n{}",
        unexpected
            .iter()
            .map(|c| format!("  {c}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        gone.is_empty(),
        "no longer circles, strike them from PENDING_CIRCLES: {gone:?}"
    );
}

#[test]
fn no_top_level_module_imports_a_layer_above_it() {
    let files = files();
    let arrows = sibling_arrows(&graph(&files));
    let mut problems = Vec::new();
    for file in files.iter().filter(|f| f.module.len() == 1) {
        if layer_of(&file.module[0]).is_none() {
            problems.push(format!("src/{}: not placed in LAYERS", file.rel));
        }
    }
    for (from, to) in arrows.get(&Vec::new()).into_iter().flatten() {
        if let (Some(a), Some(b)) = (layer_of(from), layer_of(to))
            && b > a
        {
            problems.push(format!(
                "{from} (layer {a}) imports {to} (layer {b}), a layer above"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "upward arrows:\n{}",
        problems.join("\n")
    );
}

/// The lines of a file before its first `#[cfg(test)]` (all of them for a file that is itself a
/// test module, declared under `#[cfg(test)]` by its parent: it counts as tests).
fn lines_before_tests(text: &str) -> usize {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .count()
}

/// Files that their parent declares under `#[cfg(test)]`.
fn test_only(files: &[File]) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for file in files {
        let lines: Vec<&str> = file.text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            if pair[0] == "#[cfg(test)]"
                && let Some(name) = pair[1]
                    .strip_prefix("mod ")
                    .and_then(|rest| rest.strip_suffix(';'))
            {
                let mut module = file.module.clone();
                module.push(name.to_string());
                out.insert(module);
            }
        }
    }
    out
}

#[test]
fn no_file_is_longer_than_the_bar_before_its_tests() {
    let files = files();
    let tests = test_only(&files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| !tests.contains(&f.module))
        .filter(|f| lines_before_tests(&f.text) > MAX_LINES)
        .map(|f| format!("src/{} ({} lines)", f.rel, lines_before_tests(&f.text)))
        .collect();
    let unexpected: Vec<&String> = long
        .iter()
        .filter(|l| {
            !PENDING_LONG_FILES
                .iter()
                .any(|p| l.starts_with(&format!("src/{p} ")))
        })
        .collect();
    let gone: Vec<&&str> = PENDING_LONG_FILES
        .iter()
        .filter(|p| !long.iter().any(|l| l.starts_with(&format!("src/{p} "))))
        .collect();
    assert!(
        unexpected.is_empty(),
        "over {MAX_LINES} lines before their tests: {unexpected:#?}"
    );
    assert!(
        gone.is_empty(),
        "now short enough, strike from PENDING_LONG_FILES: {gone:?}"
    );
}

/// The reader itself, on a file written for it: it must see every form of path the source uses,
/// or the graph above would be missing arrows and pass for the wrong reason.
#[test]
fn the_reader_sees_every_form_of_path() {
    let text = r#"
//! Docs mention crate::docs_only, which is no arrow.
use crate::a::{b, c::{d, self}, e::*};
use super::sibling;
use self::child::Thing;
fn f() { let _ = "crate::in_a_string"; crate::inline::call(); let c = '"'; super::super::up(); }
#[cfg(test)]
mod tests {
    use super::*;
    use crate::z;
}
"#;
    let file = File {
        module: vec!["top".into(), "here".into()],
        rel: String::new(),
        text: text.to_string(),
    };
    let got: BTreeSet<String> = references(&file).iter().map(|p| p.join("::")).collect();
    let want: BTreeSet<String> = [
        "a::b",
        "a::c::d",
        "a::c",
        "a::e",
        "top::sibling",
        "top::here::child::Thing",
        "inline::call",
        "up",
        "top::here",
        "z",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(got, want);
}
