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
//!
//! The model the rules read is here; `reader.rs` walks tree-sitter's tree into it.

mod reader;

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
            Command::Shell(text) => crate::audit::shell::commands(text)
                .into_iter()
                .flatten()
                .collect(),
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
        run.commands = run
            .script()
            .map(crate::audit::shell::commands)
            .unwrap_or_default();
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
        reader::parse(source)
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
