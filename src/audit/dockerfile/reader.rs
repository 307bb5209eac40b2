//! The walk from tree-sitter's Containerfile tree to the `Dockerfile` model: instructions,
//! flags, exec or shell form, heredocs, and `ARG`/`ENV` substitution applied as Docker does.

use tree_sitter::{Node, Parser};

use super::{Command, Copy, Dockerfile, Flag, Healthcheck, Instruction, Kind, Run, Stage};
use crate::audit::expand::{Scope, Value};
use crate::audit::source::Source;

/// Parses a Dockerfile (see `Dockerfile::parse`).
pub(super) fn parse(source: &Source) -> Dockerfile {
    thread_local! {
        // One parser per thread: creating one allocates its stacks.
        static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(new_parser());
    }
    let tree = PARSER.with(|p| p.borrow_mut().parse(&source.text, None));
    let Some(tree) = tree else {
        return Dockerfile {
            errors: vec![1],
            ..Dockerfile::default()
        };
    };
    let mut reader = Reader {
        source,
        file: Dockerfile::default(),
        scope: Scope::default(),
        env_names: Vec::new(),
        stage_env: Vec::new(),
    };
    reader.file.errors = error_lines(tree.root_node(), source);
    reader.read(tree.root_node());
    reader.file
}

/// A node's kind. `Node::kind` converts the grammar's C string on every call (a third of the
/// time spent walking a tree); the names are looked up once per kind id here instead.
fn kind_of(node: &Node) -> &'static str {
    static KINDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let kinds = KINDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_containerfile::LANGUAGE.into();
        (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect()
    });
    kinds
        .get(usize::from(node.kind_id()))
        .copied()
        .unwrap_or("")
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_containerfile::LANGUAGE.into())
        .expect("the Containerfile grammar matches the tree-sitter version");
    parser
}

/// Lines of `ERROR` and missing nodes.
fn error_lines(root: Node, source: &Source) -> Vec<u32> {
    let mut lines = Vec::new();
    if !root.has_error() {
        return lines;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            lines.push(source.line_of(node.start_byte()));
            continue;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

struct Reader<'s> {
    source: &'s Source,
    file: Dockerfile,
    /// Bindings of the current stage (or the global ARGs before the first FROM).
    scope: Scope,
    /// Names bound by ENV in the current stage (inherited by child stages).
    env_names: Vec<String>,
    /// The ENV bindings each finished stage hands to a stage built from it.
    stage_env: Vec<Scope>,
}

impl Reader<'_> {
    fn text(&self, node: Node) -> &str {
        &self.source.text[node.byte_range()]
    }

    fn line(&self, node: Node) -> u32 {
        self.source.line_of(node.start_byte())
    }

    fn read(&mut self, root: Node) {
        let mut cursor = root.walk();
        for node in root.children(&mut cursor) {
            self.collect_comments(node);
            match kind_of(&node) {
                "from_instruction" => self.from(node),
                "arg_instruction" => {
                    self.arg(node);
                    let line = self.line(node);
                    if let Some(stage) = self.file.stages.last_mut() {
                        stage.instructions.push(Instruction {
                            line,
                            kind: Kind::Other,
                        });
                    }
                }
                kind if kind.ends_with("_instruction") => {
                    let kind = self.instruction(node);
                    let line = self.line(node);
                    if let Some(stage) = self.file.stages.last_mut() {
                        stage.instructions.push(Instruction { line, kind });
                    }
                }
                _ => {}
            }
        }
    }

    /// Records a top-level comment. Comments inside a continued instruction are not
    /// suppressions: a finding is reported on the instruction's first line, above them.
    fn collect_comments(&mut self, node: Node) {
        if kind_of(&node) == "comment" {
            let text = self.text(node).trim_start_matches('#').trim().to_string();
            self.file.comments.push((self.line(node), text));
        }
    }

    fn from(&mut self, node: Node) {
        if self.file.stages.is_empty() {
            self.file.global_args = self.scope.clone();
        } else {
            self.stage_env.push(self.scope.only(&self.env_names));
        }
        let base = child_of_kind(node, "image_spec")
            .map(|n| self.value(n, &self.file.global_args))
            .unwrap_or_default();
        let name = node
            .child_by_field_name("as")
            .map(|n| self.text(n).to_string());
        let base_stage = self.file.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&base.text))
        });
        // A stage sees no ARG until it re-declares one; it inherits its parent stage's ENV.
        self.scope = base_stage
            .and_then(|i| self.stage_env.get(i))
            .cloned()
            .unwrap_or_default();
        self.env_names = self.scope.names();
        let index = self.file.stages.len();
        let line = self.line(node);
        self.file.stages.push(Stage {
            index,
            name,
            base,
            base_stage,
            line,
            instructions: Vec::new(),
        });
    }

    fn arg(&mut self, node: Node) {
        let in_stage = !self.file.stages.is_empty();
        let mut cursor = node.walk();
        for pair in node
            .children(&mut cursor)
            .filter(|c| kind_of(c) == "arg_pair")
        {
            let Some(name) = pair
                .child_by_field_name("name")
                .map(|n| self.text(n).to_string())
            else {
                continue;
            };
            let value = match pair.child_by_field_name("default") {
                Some(default) => self.value(default, &self.scope).known().map(str::to_string),
                None if pair_has_equals(pair) => Some(String::new()),
                // `ARG NAME` in a stage takes the global ARG's default.
                None if in_stage => self.file.global_args.get(&name).cloned().flatten(),
                None => None,
            };
            self.scope.bind(&name, value);
        }
    }

    fn instruction(&mut self, node: Node) -> Kind {
        if kind_of(&node) == "env_instruction" {
            return Kind::Env(self.env(node));
        }
        let scope = &self.scope;
        match kind_of(&node) {
            "run_instruction" => Kind::Run(self.run(node)),
            "copy_instruction" | "add_instruction" => Kind::Copy(self.copy(node, scope)),
            "user_instruction" => Kind::User(self.user(node, scope)),
            "healthcheck_instruction" => Kind::Healthcheck(self.healthcheck(node, scope)),
            "cmd_instruction" => Kind::Cmd(self.command(node)),
            "entrypoint_instruction" => Kind::Entrypoint(self.command(node)),
            "expose_instruction" => Kind::Expose(self.children_values(node, "expose_port", scope)),
            "workdir_instruction" => Kind::Workdir(
                child_of_kind(node, "path")
                    .map(|n| self.value(n, scope))
                    .unwrap_or_default(),
            ),
            _ => Kind::Other,
        }
    }

    fn children_values(&self, node: Node, wanted: &str, scope: &Scope) -> Vec<Value> {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .filter(|c| kind_of(c) == wanted)
            .map(|c| self.value(c, scope))
            .collect()
    }

    fn flags(&self, node: Node, scope: &Scope) -> Vec<Flag> {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .filter(|c| matches!(kind_of(c), "param" | "mount_param"))
            .map(|c| {
                let raw = self.value(c, scope);
                let body = raw.text.trim_start_matches('-');
                let (name, value) = body.split_once('=').unwrap_or((body, ""));
                Flag {
                    name: name.to_ascii_lowercase(),
                    value: Value {
                        text: value.to_string(),
                        exact: raw.exact,
                    },
                }
            })
            .collect()
    }

    fn run(&self, node: Node) -> Run {
        Run::new(self.command(node), self.heredocs(node))
    }

    fn heredocs(&self, node: Node) -> Vec<String> {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .filter(|c| kind_of(c) == "heredoc_block")
            .map(|block| {
                child_of_kind(block, "heredoc_content")
                    .map(|c| self.text(c).to_string())
                    .unwrap_or_default()
            })
            .collect()
    }

    fn copy(&self, node: Node, scope: &Scope) -> Copy {
        let mut paths = match child_of_kind(node, "json_string_array") {
            Some(array) => json_array(&self.plain(array))
                .unwrap_or_default()
                .into_iter()
                .map(Value::exact)
                .collect(),
            None => self.children_values(node, "path", scope),
        };
        let dest = paths.pop().unwrap_or_default();
        Copy {
            add: kind_of(&node) == "add_instruction",
            flags: self.flags(node, scope),
            sources: paths,
            dest,
        }
    }

    fn user(&self, node: Node, scope: &Scope) -> Value {
        let mut cursor = node.walk();
        let mut value = Value::exact("");
        for child in node.children(&mut cursor).skip(1) {
            if kind_of(&child) == ":" {
                value.text.push(':');
            } else {
                let part = self.value(child, scope);
                value.text.push_str(&part.text);
                value.exact &= part.exact;
            }
        }
        value
    }

    fn healthcheck(&self, node: Node, scope: &Scope) -> Healthcheck {
        Healthcheck {
            options: self.flags(node, scope),
            test: child_of_kind(node, "cmd_instruction").map(|cmd| self.command(cmd)),
        }
    }

    /// Exec form when the array is valid JSON, else shell form (Docker's rule).
    fn command(&self, node: Node) -> Command {
        if let Some(array) = child_of_kind(node, "json_string_array") {
            let text = self.plain(array);
            return match json_array(&text) {
                Some(words) => Command::Exec(words),
                None => Command::Shell(text),
            };
        }
        let text = child_of_kind(node, "shell_command")
            .map(|n| self.plain(n))
            .unwrap_or_default();
        Command::Shell(text)
    }

    fn env(&mut self, node: Node) -> Vec<(String, Value)> {
        let mut pairs = Vec::new();
        let mut cursor = node.walk();
        for pair in node
            .children(&mut cursor)
            .filter(|c| kind_of(c) == "env_pair")
        {
            let Some(name) = pair
                .child_by_field_name("name")
                .map(|n| self.text(n).to_string())
            else {
                continue;
            };
            // Legacy `ENV NAME value words`: the value is the rest of the pair.
            let scope = &self.scope;
            let value = if let Some(v) = pair.child_by_field_name("value") {
                self.value(v, scope)
            } else {
                let mut cursor = pair.walk();
                let rest = pair
                    .children(&mut cursor)
                    .filter(tree_sitter::Node::is_named)
                    .nth(1);
                rest.map(|n| self.value(n, scope)).unwrap_or_default()
            };
            self.scope.bind(&name, value.known().map(str::to_string));
            if !self.env_names.contains(&name) {
                self.env_names.push(name.clone());
            }
            pairs.push((name, value));
        }
        pairs
    }

    /// The node's text without line continuations (Docker joins continued lines).
    fn plain(&self, node: Node) -> String {
        let mut out = String::new();
        let mut pos = node.start_byte();
        let mut stack = Vec::new();
        collect_kind(node, "line_continuation", &mut stack);
        collect_kind(node, "comment", &mut stack);
        stack.sort_by_key(tree_sitter::Node::start_byte);
        for skip in stack {
            if skip.start_byte() >= pos {
                out.push_str(&self.source.text[pos..skip.start_byte()]);
                pos = skip.end_byte();
            }
        }
        out.push_str(&self.source.text[pos..node.end_byte()]);
        out
    }

    /// The node's text with quotes removed, escapes resolved and expansions substituted.
    fn value(&self, node: Node, scope: &Scope) -> Value {
        let mut out = Value::exact("");
        self.render(node, scope, &mut out);
        out
    }

    fn render(&self, node: Node, scope: &Scope, out: &mut Value) {
        match kind_of(&node) {
            "expansion" => self.expansion(node, scope, out),
            "line_continuation" | "comment" => {}
            "escape_sequence" => {
                let text = self.text(node);
                out.text.push_str(text.strip_prefix('\\').unwrap_or(text));
            }
            _ if node.child_count() == 0 => out.text.push_str(self.text(node)),
            kind => {
                let quoted = matches!(kind, "double_quoted_string" | "single_quoted_string");
                let mut pos = node.start_byte();
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    out.text
                        .push_str(&self.source.text[pos..child.start_byte()]);
                    let quote =
                        quoted && !child.is_named() && matches!(kind_of(&child), "\"" | "'");
                    if !quote {
                        self.render(child, scope, out);
                    }
                    pos = child.end_byte();
                }
                out.text.push_str(&self.source.text[pos..node.end_byte()]);
            }
        }
    }

    fn expansion(&self, node: Node, scope: &Scope, out: &mut Value) {
        let name = child_of_kind(node, "variable")
            .map(|n| self.text(n))
            .unwrap_or_default();
        let (operator, word) = match child_of_kind(node, "expansion_modifier") {
            Some(modifier) => {
                let op = child_of_kind(modifier, "expansion_operator")
                    .map(|n| self.text(n))
                    .unwrap_or_default();
                let text = self.text(modifier);
                (Some(op), text.strip_prefix(op).unwrap_or(text))
            }
            None => (None, ""),
        };
        if let Some(v) = scope.expand(name, operator, word) {
            out.text.push_str(&v);
        } else {
            out.text.push_str(self.text(node));
            out.exact = false;
        }
    }
}

fn pair_has_equals(pair: Node) -> bool {
    let mut cursor = pair.walk();
    pair.children(&mut cursor).any(|c| kind_of(&c) == "=")
}

fn child_of_kind<'t>(node: Node<'t>, wanted: &str) -> Option<Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| u32::try_from(i).ok().and_then(|i| node.child(i)))
        .find(|c| kind_of(c) == wanted)
}

fn collect_kind<'t>(node: Node<'t>, wanted: &str, out: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if kind_of(&child) == wanted {
            out.push(child);
        } else if child.child_count() > 0 {
            collect_kind(child, wanted, out);
        }
    }
}

/// A JSON array of strings, as Docker reads the exec form.
fn json_array(text: &str) -> Option<Vec<String>> {
    serde_json::from_str(text).ok()
}
