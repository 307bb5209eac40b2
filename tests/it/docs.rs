//! The docs' transcripts are run, not trusted: each `console` code block after a
//! `<!-- transcript: NAME -->` line (in the guide under `docs/` that holds it) is replayed here and
//! compared with what berth prints, so the docs cannot drift from berth. A line `  ...` in a
//! transcript stands for any number of lines (the docs elide long lists). The README's
//! quickstart block and its ten-line berth.toml are checked the same way.
//!
//! The wizard session is replayed in a pseudo-terminal of 100 columns with the colourful theme,
//! and the screen is read back through a terminal emulator (vt100): what docs/wizard.md shows is
//! what a user's terminal shows at the end of the session.

use std::path::Path;

use crate::common::{berth_in, edit, init_mvp, stderr, stdout, tempdir, write};
use crate::wizard::{DOWN, ENTER, Wizard};

/// The text of `rel` (a path in the repository).
pub(crate) fn repo_file(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The command and the expected output lines of the transcript `name` in the doc `rel`.
fn transcript(rel: &str, name: &str) -> (String, Vec<String>) {
    let doc = repo_file(rel);
    let marker = format!("<!-- transcript: {name} -->\n```console\n");
    let start = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("{rel} has no transcript {name}"))
        + marker.len();
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    let mut lines = block.lines();
    let command = lines
        .next()
        .unwrap()
        .strip_prefix("$ ")
        .unwrap()
        .to_string();
    (command, lines.map(str::to_string).collect())
}

/// The body of the one fenced block of `lang` right after the line `marker` in the doc `rel`.
fn block_after(rel: &str, marker: &str, lang: &str) -> String {
    let doc = repo_file(rel);
    let open = format!("{marker}\n```{lang}\n");
    let start = doc
        .find(&open)
        .unwrap_or_else(|| panic!("{rel} has no {lang} block after {marker}"))
        + open.len();
    doc[start..start + doc[start..].find("```\n").unwrap()].to_string()
}

/// `actual` line for line against `expected`, where an expected `  ...` matches any lines.
fn assert_matches(name: &str, expected: &[String], actual: &str) {
    let actual: Vec<&str> = actual.lines().map(str::trim_end).collect();
    fn fits(expected: &[String], actual: &[&str]) -> bool {
        match expected.split_first() {
            None => actual.is_empty(),
            Some((e, rest)) if e.trim() == "..." => {
                (0..=actual.len()).any(|skip| fits(rest, &actual[skip..]))
            }
            Some((e, rest)) => actual
                .split_first()
                .is_some_and(|(a, more)| a == e && fits(rest, more)),
        }
    }
    assert!(
        fits(expected, &actual),
        "transcript {name} differs from berth's output:\n--- the doc\n{}\n--- berth\n{}",
        expected.join("\n"),
        actual.join("\n")
    );
}

/// Runs the transcript's `berth ...` command in `dir`.
fn run(dir: &Path, command: &str) -> std::process::Output {
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(
        command.split_whitespace().next(),
        Some("berth"),
        "{command}"
    );
    berth_in(dir, &args)
}

#[test]
fn the_bad_input_transcript_is_what_berth_prints() {
    let (command, expected) = transcript("docs/manifest.md", "bad-input");
    let dir = tempdir();
    init_mvp(dir.path());
    let out = run(dir.path(), &command);
    assert_eq!(out.status.code(), Some(2));
    assert_matches("bad-input", &expected, &stderr(&out));
}

#[test]
fn the_check_json_transcript_is_what_berth_prints() {
    let (command, expected) = transcript("docs/env.md", "check-json");
    let dir = tempdir();
    init_mvp(dir.path());
    edit(
        dir.path(),
        ".env.prod",
        "\nLOG_LEVEL=warning\n",
        "\nLOG_LEVEL=error\n",
    );
    let out = run(dir.path(), &command);
    assert_eq!(out.status.code(), Some(0));
    assert_matches("check-json", &expected, &stdout(&out));
}

#[test]
fn the_wizard_session_transcript_is_what_the_terminal_shows() {
    let (command, expected) = transcript("docs/wizard.md", "wizard-session");
    assert_eq!(command, "berth new");
    let dir = tempdir();
    init_mvp(dir.path());
    let (cols, rows) = (100, 200);
    let mut w = Wizard::spawn_colourful(dir.path(), &["new"], cols, rows);
    w.answer("Service name", "live-feed\r");
    w.answer("Background / AI worker", &format!("{DOWN}{ENTER}"));
    w.answer("Port (the next free one)", "8010\r");
    w.answer("Uvicorn workers", ENTER);
    w.answer("creator-hub", &format!("{DOWN} {ENTER}"));
    w.answer("Seconds to wait for auth-service at start", "90\r");
    w.answer("Gateway route prefix", ENTER);
    w.answer("Show the diff?", "n");
    w.answer("Write these files?", "y");
    assert_eq!(w.exit_code(), 0, "{}", w.transcript());
    let mut screen = vt100::Parser::new(rows, cols, 0);
    screen.process(w.output());
    assert_matches("wizard-session", &expected, &screen.screen().contents());
}

/// The commands of the README's quickstart block (between `<!-- quickstart:begin -->` and
/// `<!-- quickstart:end -->`), without the `berth init` line that starts it.
fn quickstart_block() -> (String, Vec<String>) {
    let readme = repo_file("README.md");
    let start = readme
        .find("<!-- quickstart:begin -->\n```sh\n")
        .expect("README has no quickstart block")
        + "<!-- quickstart:begin -->\n```sh\n".len();
    let end = start
        + readme[start..]
            .find("```\n<!-- quickstart:end -->")
            .unwrap();
    let mut lines = readme[start..end].lines().map(str::to_string);
    let init = lines.next().expect("the quickstart block is empty");
    (init, lines.collect())
}

/// `berth init` ends by printing the next commands (build, up, health, gateway, down); the
/// README's quickstart block is that `berth init` line followed by exactly those commands, so a
/// change to either shows here. The e2e (tests/e2e/steps/quickstart.sh) runs the block.
#[test]
fn the_quickstart_block_is_what_berth_init_prints_next() {
    let (init, expected) = quickstart_block();
    let dir = tempdir();
    let out = run(dir.path(), &init);
    assert!(out.status.success(), "{init}: {}", stderr(&out));
    let printed = stdout(&out);
    let next: Vec<String> = printed
        .lines()
        .skip_while(|l| !l.starts_with("Next: "))
        .skip(1)
        .map(|l| l.trim().to_string())
        .collect();
    assert!(!next.is_empty(), "{init} printed no next steps:\n{printed}");
    assert_eq!(
        expected, next,
        "README quickstart block (left) differs from what `{init}` prints next (right)"
    );
}

/// The README's short berth.toml is a whole project: `berth generate` renders it into an empty
/// folder, `berth check` then finds it up to date, and it has the gateway the quickstart uses.
#[test]
fn the_readme_berth_toml_renders_a_project() {
    let manifest = block_after("README.md", "## berth.toml\n", "toml");
    let lines = manifest.lines().count();
    assert!(lines <= 12, "the README's berth.toml has {lines} lines");
    let dir = tempdir();
    write(dir.path(), "berth.toml", &manifest);
    let out = berth_in(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("services/billing/Dockerfile").is_file());
    assert!(dir.path().join("gateway/nginx.conf.template").is_file());
    let out = berth_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
