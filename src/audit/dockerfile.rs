//! Dockerfiles as the auditor sees them: stages of instructions with their lines, values
//! after `ARG`/`ENV` substitution, flags, exec or shell form, and heredocs.
//!
//! Parsing is tree-sitter's, with the maintained Containerfile grammar
//! (`tree-sitter-containerfile`): it handles line continuations (also inside JSON arrays),
//! comment lines inside continued instructions, heredocs (`RUN <<EOF`, `COPY <<EOF`, several
//! per instruction) and marks every `$NAME` / `${NAME:-word}` expansion. What the grammar
//! leaves to its users is done here on top of its tree, as Docker does it: substitution
//! (`expand.rs`: which instructions substitute, and with which bindings), JSON arrays read
//! with `serde_json` (an array that is not valid JSON is shell form, as in Docker), and the
//! script of a `RUN <<EOF` heredoc taken as the command the shell runs.

use tree_sitter::{Node, Parser};

use super::expand::{Scope, Value};
use super::source::Source;

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dockerfile {
    pub stages: Vec<Stage>,
    /// `ARG`s before the first `FROM`.
    pub global_args: Scope,
    /// Lines the grammar could not parse (empty for a valid file).
    pub errors: Vec<u32>,
    /// Every comment: (1-based line, text after `#`).
    pub comments: Vec<(u32, String)>,
}

/// One build stage: a `FROM` and the instructions up to the next.
#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)] // `base` (the image) and `base_stage` (the stage) differ
pub(crate) struct Stage {
    pub index: usize,
    /// `AS name`, as written.
    pub name: Option<String>,
    /// The base image after substitution (or the name of an earlier stage).
    pub base: Value,
    /// Index of the earlier stage this one is built from, if any.
    pub base_stage: Option<usize>,
    pub line: u32,
    pub instructions: Vec<Instruction>,
}

/// One instruction with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct Instruction {
    pub line: u32,
    pub kind: Kind,
}

/// The instructions the rules read.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Run(Run),
    /// `COPY`, or `ADD` when `add` is set.
    Copy(Copy),
    User(Value),
    Healthcheck(Healthcheck),
    Cmd(Command),
    Entrypoint(Command),
    Env(Vec<(String, Value)>),
    Expose(Vec<Value>),
    Workdir(Value),
    /// Any other instruction (`LABEL`, `VOLUME`, `SHELL`, ...).
    Other,
}

/// Exec form (JSON array) or shell form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Exec(Vec<String>),
    Shell(String),
}

impl Command {
    /// The words of the command (shell form split like a shell would, roughly: see
    /// `shell.rs`).
    pub(crate) fn words(&self) -> Vec<String> {
        match self {
            Command::Exec(words) => words.clone(),
            Command::Shell(text) => super::shell::commands(text).into_iter().flatten().collect(),
        }
    }
}

/// A `--name=value` flag (value empty for a bare `--link`).
#[derive(Debug, Clone)]
pub(crate) struct Flag {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub command: Command,
    /// Bodies of the heredocs of this instruction.
    pub heredocs: Vec<String>,
    /// The simple commands of `script()`, split once (see `shell.rs`).
    pub commands: Vec<Vec<String>>,
}

impl Run {
    pub(crate) fn new(command: Command, heredocs: Vec<String>) -> Self {
        let mut run = Self {
            command,
            heredocs,
            commands: Vec::new(),
        };
        run.commands = run.script().map(super::shell::commands).unwrap_or_default();
        run
    }

    /// The script the shell runs: the command, or the heredoc when the command is only the
    /// heredoc's marker (`RUN <<EOF`).
    pub(crate) fn script(&self) -> Option<&str> {
        match &self.command {
            Command::Exec(_) => None,
            Command::Shell(text) => {
                let only_marker = text.trim().starts_with("<<") && !text.trim().contains(' ');
                match (only_marker, self.heredocs.first()) {
                    (true, Some(body)) => Some(body),
                    _ => Some(text),
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Copy {
    pub add: bool,
    pub flags: Vec<Flag>,
    pub sources: Vec<Value>,
    pub dest: Value,
}

impl Copy {
    pub(crate) fn flag(&self, name: &str) -> Option<&Value> {
        self.flags.iter().find(|f| f.name == name).map(|f| &f.value)
    }
}

/// `HEALTHCHECK [options] CMD ...`, or `HEALTHCHECK NONE` (`test` is `None`).
#[derive(Debug, Clone)]
pub(crate) struct Healthcheck {
    pub options: Vec<Flag>,
    pub test: Option<Command>,
}

impl Healthcheck {
    pub(crate) fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.text.as_str())
    }
}

impl Dockerfile {
    /// Parses a Dockerfile. Never fails: lines the grammar rejects are listed in `errors`.
    pub(crate) fn parse(source: &Source) -> Self {
        thread_local! {
            // One parser per thread: creating one allocates its stacks.
            static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(new_parser());
        }
        let tree = PARSER.with(|p| p.borrow_mut().parse(&source.text, None));
        let Some(tree) = tree else {
            return Self {
                errors: vec![1],
                ..Self::default()
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

    /// `stage` and the stages it is built from, nearest first.
    pub(crate) fn lineage<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(parent) = current.base_stage.and_then(|i| self.stages.get(i)) {
            if chain.iter().any(|s| s.index == parent.index) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        Dockerfile::parse(&Source::new("Dockerfile".into(), text.into()))
    }

    #[test]
    fn stages_args_and_substitution() {
        let df = parse(
            "ARG V=3.13\nARG UID\nFROM python:${V}-slim AS builder\nENV P=${PORT:-8000} \\\n  Q=$V\n\
             FROM builder AS runtime\nARG V\nUSER ${UID}:app\nWORKDIR /srv/$V\n",
        );
        assert!(df.errors.is_empty());
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].base, Value::exact("python:3.13-slim"));
        assert_eq!(df.stages[0].name.as_deref(), Some("builder"));
        let Kind::Env(env) = &df.stages[0].instructions[0].kind else {
            panic!("env")
        };
        assert_eq!(env[0].1, Value::exact("8000"));
        // V is not visible inside the stage until re-declared.
        assert!(!env[1].1.exact);
        assert_eq!(df.stages[1].base_stage, Some(0));
        let Kind::User(user) = &df.stages[1].instructions[1].kind else {
            panic!("user")
        };
        assert_eq!(user.text, "${UID}:app");
        assert!(!user.exact);
        let Kind::Workdir(dir) = &df.stages[1].instructions[2].kind else {
            panic!("workdir")
        };
        assert_eq!(dir, &Value::exact("/srv/3.13"));
    }

    #[test]
    fn forms_flags_and_heredocs() {
        let df = parse(
            "FROM x\nRUN --mount=type=cache,target=/root/.cache/pip \\\n    pip install -r r.txt\n\
             RUN <<EOF\napt-get install -y gcc\nEOF\nCMD [\"uvicorn\", \\\n  \"app:app\"]\n\
             CMD [not json]\nCOPY --chown=app:app --link [\"a b\", \"/c/\"]\n\
             HEALTHCHECK --interval=30s CMD python3 /h.py\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let ins = &df.stages[0].instructions;
        let Kind::Run(run) = &ins[0].kind else {
            panic!()
        };
        assert!(run.script().unwrap().contains("pip install -r r.txt"));
        assert!(!run.script().unwrap().contains('\\'));
        let Kind::Run(heredoc) = &ins[1].kind else {
            panic!()
        };
        assert_eq!(heredoc.script(), Some("apt-get install -y gcc\n"));
        assert_eq!(ins[1].line, 4);
        let Kind::Cmd(cmd) = &ins[2].kind else {
            panic!()
        };
        assert_eq!(
            cmd,
            &Command::Exec(vec!["uvicorn".into(), "app:app".into()])
        );
        let Kind::Cmd(Command::Shell(_)) = &ins[3].kind else {
            panic!("invalid JSON is shell form")
        };
        let Kind::Copy(copy) = &ins[4].kind else {
            panic!()
        };
        assert_eq!(copy.flag("chown").map(|v| v.text.as_str()), Some("app:app"));
        assert_eq!(copy.flag("link").map(|v| v.text.as_str()), Some(""));
        assert_eq!(copy.sources, vec![Value::exact("a b")]);
        assert_eq!(copy.dest, Value::exact("/c/"));
        let Kind::Healthcheck(hc) = &ins[5].kind else {
            panic!()
        };
        assert_eq!(hc.option("interval"), Some("30s"));
        assert!(matches!(hc.test, Some(Command::Shell(_))));
    }

    #[test]
    fn broken_input_is_reported_not_fatal() {
        let df = parse("FROM x\nRUN echo ok\n\u{0}\u{1}garbage ((\n");
        assert!(!df.errors.is_empty());
    }

    #[test]
    fn buildkit_syntax_parses() {
        let df = parse(
            "# syntax=docker/dockerfile:1\n\
ARG BASE=python:3.11-slim\n\
FROM --platform=$BUILDPLATFORM ${BASE} AS builder\n\
ONBUILD RUN echo hi\n\
RUN --network=none --security=sandbox echo ok\n\
RUN --mount=type=secret,id=tok,env=TOK \\\n\
    --mount=type=ssh \\\n\
    cat /run/secrets/tok\n\
COPY --chmod=0755 --link --parents a/b ./\n\
ADD --checksum=sha256:abc https://example.com/x.tar.gz /x\n\
ADD --keep-git-dir=true https://github.com/a/b.git /src\n\
SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
RUN <<EOT bash\n\
  set -e\n\
  echo \"a\" | grep a\n\
EOT\n\
RUN <<-EOF cat > /etc/x.conf\n\
\tline\n\
\tEOF\n\
COPY <<EOF /app/config.json\n\
{\"a\": 1}\n\
EOF\n\
ENV A=\"x y\" \\\n\
    B='z'\n\
LABEL org.opencontainers.image.title=\"x\" maintainer=me\n\
VOLUME [\"/data\"]\n\
STOPSIGNAL SIGTERM\n\
EXPOSE 8000/tcp 9000/udp\n\
WORKDIR /app\n\
USER 10001:10001\n\
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --start-interval=5s --retries=3 CMD [\"true\"]\n\
ENTRYPOINT [\"python3\"]\n\
CMD [\"-m\", \"http.server\"]\n\
",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.stages.len(), 1);
        // Heredoc bodies are not instructions: every line below starts one.
        let lines: Vec<u32> = df.stages[0].instructions.iter().map(|i| i.line).collect();
        let expected = [
            4, 5, 6, 9, 10, 11, 12, 13, 17, 20, 23, 25, 26, 27, 28, 29, 30, 31, 32, 33,
        ];
        assert_eq!(lines, expected);
        let Kind::Run(heredoc) = &df.stages[0].instructions[7].kind else {
            panic!("RUN <<EOT bash")
        };
        assert_eq!(heredoc.heredocs.len(), 1);
    }
}
