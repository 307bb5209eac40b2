//! BA-D004 (build tools in the runtime stage), BA-D005 (wheels installed offline),
//! BA-D006 (rm of copied files: a dead layer).

use crate::audit::dockerfile::{Kind, Run, Stage};
use crate::audit::project::DockerfileDoc;
use crate::audit::relpath::join;

use super::Sink;

/// Packages that are build tools (compilers, build systems, C headers of the C library and
/// of Python), by the names Debian, Alpine and Red Hat give them.
const BUILD_TOOLS: [&str; 22] = [
    "build-essential",
    "build-base",
    "gcc",
    "g++",
    "gcc-c++",
    "cc",
    "clang",
    "make",
    "cmake",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
    "linux-headers",
    "python3-dev",
    "python-dev",
    "gfortran",
    "rustc",
];

pub(super) fn check(sink: &mut Sink, doc: &DockerfileDoc) {
    let df = &doc.parsed;
    let Some(last) = doc.runtime() else { return };
    build_tools(sink, doc, last);
    if df.stages.len() > 1 {
        offline_wheels(sink, doc, last);
    }
    for stage in &df.stages {
        dead_layers(sink, doc, stage);
    }
}

/// The build tools a RUN leaves installed: installed by a package manager and not removed
/// again in the same RUN.
fn tools_left(run: &Run) -> Vec<String> {
    let mut installed: Vec<(String, Option<String>)> = Vec::new();
    for words in &run.commands {
        let Some(tool) = words.first().map(|w| w.rsplit('/').next().unwrap_or(w)) else {
            continue;
        };
        let sub = words
            .iter()
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .map(String::as_str);
        match (tool, sub) {
            ("apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper", Some("install"))
            | ("apk", Some("add")) => {
                let virtual_name =
                    flag_value(words, "--virtual").or_else(|| flag_value(words, "-t"));
                for package in packages(words) {
                    installed.push((package, virtual_name.clone()));
                }
            }
            (
                "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper",
                Some("remove" | "purge" | "autoremove" | "erase"),
            )
            | ("apk", Some("del")) => {
                let removed = packages(words);
                installed.retain(|(p, v)| {
                    !removed.contains(p) && !v.as_ref().is_some_and(|v| removed.contains(v))
                });
            }
            _ => {}
        }
    }
    installed
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| is_build_tool(p))
        .collect()
}

/// Commands that build or install a language's packages: what a builder stage is for.
const BUILD_COMMANDS: [(&str, &[&str]); 12] = [
    ("poetry", &["install"]),
    ("pipenv", &["install", "sync"]),
    ("npm", &["install", "ci"]),
    ("yarn", &["install", ""]),
    ("pnpm", &["install"]),
    ("go", &["build", "install"]),
    ("cargo", &["build", "install"]),
    ("mvn", &["package", "install"]),
    ("gradle", &["build", "installDist"]),
    ("./gradlew", &["build", "installDist"]),
    ("dotnet", &["build", "publish", "restore"]),
    ("make", &[""]),
];

/// The first command of a RUN that builds: installs build tools, installs Python packages
/// (`pip install`, `uv sync`, `uv pip install`) or another language's, or compiles.
pub(super) fn build_step(run: &Run) -> Option<String> {
    if !tools_left(run).is_empty() {
        return run
            .commands
            .iter()
            .find(|w| packages(w).iter().any(|p| is_build_tool(p)))
            .map(|w| w.join(" "));
    }
    run.commands
        .iter()
        .find(|words| {
            let Some(first) = words.first() else {
                return false;
            };
            let sub = words.get(1).map_or("", String::as_str);
            pip_install_args(words).is_some()
                || (first == "uv" && sub == "sync")
                || BUILD_COMMANDS.iter().any(|(tool, subs)| {
                    first == tool && subs.iter().any(|s| *s == sub || s.is_empty())
                })
        })
        .map(|w| w.join(" "))
}

fn flag_value(words: &[String], flag: &str) -> Option<String> {
    let at = words.iter().position(|w| w == flag)?;
    words.get(at + 1).cloned()
}

/// The package arguments of an install/remove command (flags, flag values, the subcommand
/// and shell substitutions left out).
fn packages(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = true; // the tool and the subcommand
    let mut seen_sub = false;
    let mut take_value = false;
    for word in &words[1..] {
        if take_value {
            take_value = false;
            continue;
        }
        if word.starts_with('-') {
            take_value = matches!(word.as_str(), "--virtual" | "-t" | "-o" | "--option" | "-c");
            continue;
        }
        if skip && !seen_sub {
            seen_sub = true;
            skip = false;
            continue;
        }
        if word.contains('`') || word.contains("$(") {
            continue;
        }
        out.push(word.clone());
    }
    out
}

fn is_build_tool(package: &str) -> bool {
    let name = package.split(['=', ':']).next().unwrap_or(package);
    BUILD_TOOLS.iter().any(|tool| {
        name == *tool
            || name
                .strip_prefix(tool)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

fn build_tools(sink: &mut Sink, doc: &DockerfileDoc, last: &Stage) {
    let file = &doc.source.display;
    for stage in doc.parsed.lineage(last) {
        for ins in &stage.instructions {
            let Kind::Run(run) = &ins.kind else { continue };
            let tools = tools_left(run);
            if tools.is_empty() {
                continue;
            }
            let (line, message) = if stage.index == last.index {
                (
                    ins.line,
                    format!(
                        "the runtime stage installs build tools: {}",
                        tools.join(", ")
                    ),
                )
            } else {
                (
                    last.line,
                    format!(
                        "the runtime stage is built FROM `{}`, which installs build tools: {}",
                        stage.name.as_deref().unwrap_or("?"),
                        tools.join(", ")
                    ),
                )
            };
            sink.push("BA-D004", file, doc.dev, line, message, None);
        }
    }
}

/// `pip install` (also `python -m pip`, `uv pip`) in the runtime stage without `--no-index`.
fn offline_wheels(sink: &mut Sink, doc: &DockerfileDoc, last: &Stage) {
    for ins in &last.instructions {
        let Kind::Run(run) = &ins.kind else { continue };
        for words in &run.commands {
            let Some(args) = pip_install_args(words) else {
                continue;
            };
            if args.iter().any(|a| a == "--no-index" || a == "--offline") {
                continue;
            }
            sink.push(
                "BA-D005",
                &doc.source.display,
                doc.dev,
                ins.line,
                format!(
                    "the runtime stage runs `{}`, which downloads from a package index",
                    words.join(" ")
                ),
                None,
            );
        }
    }
}

/// The arguments after `install` when `words` is a pip install.
fn pip_install_args(words: &[String]) -> Option<&[String]> {
    let base = |w: &String| w.rsplit('/').next().unwrap_or(w).to_string();
    let first = base(words.first()?);
    let is_pip = first == "pip"
        || first
            .strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let rest: &[String] = if is_pip {
        &words[1..]
    } else if first.starts_with("python")
        && words.get(1)? == "-m"
        && words.get(2)?.starts_with("pip")
    {
        &words[3..]
    } else if first == "uv" && words.get(1)? == "pip" {
        &words[2..]
    } else {
        return None;
    };
    match rest.split_first() {
        Some((sub, args)) if sub == "install" => Some(args),
        _ => None,
    }
}

/// `RUN rm ...` of a path a COPY or ADD of the same stage wrote.
fn dead_layers(sink: &mut Sink, doc: &DockerfileDoc, stage: &Stage) {
    let mut workdir = "/".to_string();
    let mut copied: Vec<(String, u32)> = Vec::new();
    for ins in &stage.instructions {
        match &ins.kind {
            Kind::Workdir(dir) => workdir = absolute(&workdir, &dir.text),
            Kind::Copy(copy) => {
                let dest = absolute(&workdir, &copy.dest.text);
                let into_dir = copy.dest.text.ends_with('/') || copy.sources.len() > 1;
                if into_dir {
                    for source in &copy.sources {
                        let name = source
                            .text
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or("");
                        if !name.is_empty() && !name.contains('*') && name != "." {
                            copied.push((join(&dest, name), ins.line));
                        }
                    }
                } else {
                    copied.push((dest, ins.line));
                }
            }
            Kind::Run(run) => {
                for words in &run.commands {
                    if words.first().map(String::as_str) != Some("rm") {
                        continue;
                    }
                    for path in words.iter().skip(1).filter(|w| !w.starts_with('-')) {
                        let target = absolute(&workdir, path);
                        if let Some((_, at)) = copied.iter().find(|(c, _)| *c == target) {
                            sink.push(
                                "BA-D006",
                                &doc.source.display,
                                doc.dev,
                                ins.line,
                                format!("`rm {path}` deletes what the COPY on line {at} added: it stays in that layer"),
                                None,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `path` resolved against the working directory, as `/`-rooted text.
fn absolute(workdir: &str, path: &str) -> String {
    format!("/{}", join(workdir, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_tool_names() {
        assert!(is_build_tool("gcc"));
        assert!(is_build_tool("gcc-12"));
        assert!(is_build_tool("build-essential=12.9"));
        assert!(!is_build_tool("libgcc-s1"));
        assert!(!is_build_tool("makedepend"));
        assert!(!is_build_tool("libpq5"));
    }

    #[test]
    fn installed_then_removed_in_the_same_run_is_gone() {
        let run = |s: &str| {
            Run::new(
                crate::audit::dockerfile::Command::Shell(s.into()),
                Vec::new(),
            )
        };
        assert_eq!(
            tools_left(&run("apt-get install -y --no-install-recommends gcc curl")),
            vec!["gcc"]
        );
        assert!(
            tools_left(&run(
                "apk add --virtual .b gcc musl-dev && pip install x && apk del .b"
            ))
            .is_empty()
        );
        assert!(tools_left(&run("apt-get install -y gcc && apt-get purge -y gcc")).is_empty());
    }

    #[test]
    fn pip_forms() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(pip_install_args(&w("pip install -r r.txt")).is_some());
        assert!(pip_install_args(&w("/usr/bin/python3 -m pip install x")).is_some());
        assert!(pip_install_args(&w("uv pip install x")).is_some());
        assert!(pip_install_args(&w("pip wheel x")).is_none());
        assert!(pip_install_args(&w("pipx install x")).is_none());
        assert!(pip_install_args(&w("pip3.12 install x")).is_some());
    }
}
