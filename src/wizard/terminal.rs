//! The real prompter: dialoguer questions on stderr in one theme, with Esc and Ctrl-C turned into
//! `Error::Interrupted` and the terminal left as it was found.
//!
//! Theme: dialoguer's `ColorfulTheme`, or its plain `SimpleTheme` when `NO_COLOR` is set to a
//! non-empty value or `TERM=dumb` (console, under dialoguer, then also drops every colour code).
//!
//! Ctrl-C: console reads keys in raw mode, where Ctrl-C arrives as the byte 0x03; it answers it
//! by raising SIGINT at its own process and returning an I/O error of kind `Interrupted`. At its
//! default action that signal would kill berth in the middle of a prompt: an exit by signal, no
//! message, and the cursor that select and confirm prompts hide left hidden. So `Terminal::new`
//! installs a SIGINT handler (the `ctrlc` crate) that only records the signal. The prompt's error
//! then arrives here and becomes `Error::Interrupted` (exit 130, one line) after the cursor is
//! shown again; `Drop` shows it too, whatever way the wizard ends. A Ctrl-C between two
//! questions (outside raw mode the terminal itself sends SIGINT) is recorded and answered at the
//! next question (or, in a text question, at the next key), so nothing is written after it. Once the final confirmation is given, the write
//! runs to its end: every file is written atomically and the lock last, and stopping half-way
//! would leave a half-updated tree.
//!
//! Esc: dialoguer's select, multi-select and confirm return `None` on Esc (or q). Its text input
//! ignores Esc, so text questions use the small line editor at the end of this file, which ends
//! on Esc as well (and otherwise edits like dialoguer's: arrows, Home/End, Backspace/Delete).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use dialoguer::console::{Key, Term, measure_text_width};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, MultiSelect, Select};

use super::prompter::{Check, Prompter};
use crate::error::{Error, Result};

/// Set by the SIGINT handler; read before every question.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The wizard's terminal (stderr, like every prompt of dialoguer).
pub(crate) struct Terminal {
    term: Term,
    theme: Box<dyn Theme>,
}

impl Terminal {
    pub(crate) fn new() -> Self {
        // A second installation fails; the handler would be the same, so that is fine.
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
        let no_color = std::env::var_os("NO_COLOR");
        let term_name = std::env::var("TERM").ok();
        let theme: Box<dyn Theme> = if plain(no_color.as_deref(), term_name.as_deref()) {
            Box::new(SimpleTheme)
        } else {
            Box::new(ColorfulTheme::default())
        };
        Self {
            term: Term::stderr(),
            theme,
        }
    }

    /// Refuses to ask anything after a Ctrl-C.
    fn ready(&self) -> Result<()> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(self.interrupted(false));
        }
        Ok(())
    }

    /// Leaves the terminal usable (cursor shown, on a fresh line) and returns the error.
    fn interrupted(&self, mid_line: bool) -> Error {
        let _ = self.term.show_cursor();
        if mid_line {
            let _ = self.term.write_line("");
        }
        Error::Interrupted
    }

    fn failed(&self, err: dialoguer::Error, mid_line: bool) -> Error {
        let dialoguer::Error::IO(err) = err;
        self.io_failed(err, mid_line)
    }

    fn io_failed(&self, err: io::Error, mid_line: bool) -> Error {
        if err.kind() == io::ErrorKind::Interrupted {
            return self.interrupted(mid_line);
        }
        let _ = self.term.show_cursor();
        Error::io("the terminal", err)
    }

    fn format(&self, f: impl FnOnce(&dyn Theme, &mut String) -> std::fmt::Result) -> String {
        let mut out = String::new();
        let _ = f(&*self.theme, &mut out);
        out
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.term.show_cursor();
    }
}

/// The plain theme for `NO_COLOR=<non-empty>` (no-color.org) or `TERM=dumb`.
fn plain(no_color: Option<&std::ffi::OsStr>, term: Option<&str>) -> bool {
    no_color.is_some_and(|v| !v.is_empty()) || term == Some("dumb")
}

impl Prompter for Terminal {
    fn input(&mut self, prompt: &str, default: Option<&str>, check: Check<'_>) -> Result<String> {
        self.ready()?;
        let head = self.format(|t, f| t.format_input_prompt(f, prompt, default));
        // Rows of the refusal printed above the prompt, erased with it.
        let mut above = 0;
        loop {
            let mut line = LineEditor::new(&self.term, &head);
            let typed = match line.read() {
                Ok(Some(typed)) => typed,
                Ok(None) => {
                    let _ = line.leave();
                    return Err(self.interrupted(false));
                }
                Err(err) => {
                    let _ = line.leave();
                    return Err(self.io_failed(err, false));
                }
            };
            let value = match (typed.is_empty(), default) {
                (true, Some(d)) => d.to_string(),
                (true, None) => {
                    line.erase(above).map_err(|e| self.io_failed(e, false))?;
                    above = 0;
                    continue;
                }
                (false, _) => typed,
            };
            line.erase(above).map_err(|e| self.io_failed(e, false))?;
            let shown = match check(&value) {
                Ok(()) => {
                    let done =
                        self.format(|t, f| t.format_input_prompt_selection(f, prompt, &value));
                    self.term
                        .write_line(&done)
                        .map_err(|e| self.io_failed(e, false))?;
                    return Ok(value);
                }
                Err(reason) => self.format(|t, f| t.format_error(f, &reason)),
            };
            self.term
                .write_line(&shown)
                .map_err(|e| self.io_failed(e, false))?;
            above = rows(measure_text_width(&shown), line.cols());
        }
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        self.ready()?;
        match Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .report(false)
            .interact_on_opt(&self.term)
        {
            Ok(Some(index)) => {
                let done = self.format(|t, f| {
                    t.format_select_prompt_selection(f, prompt, label(&items[index]))
                });
                let _ = self.term.write_line(&done);
                Ok(index)
            }
            Ok(None) => Err(self.interrupted(false)),
            Err(err) => Err(self.failed(err, false)),
        }
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        self.ready()?;
        match MultiSelect::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .defaults(checked)
            .report(false)
            .interact_on_opt(&self.term)
        {
            Ok(Some(indices)) => {
                let labels: Vec<&str> = indices.iter().map(|&i| label(&items[i])).collect();
                let done =
                    self.format(|t, f| t.format_multi_select_prompt_selection(f, prompt, &labels));
                let _ = self.term.write_line(&done);
                Ok(indices)
            }
            Ok(None) => Err(self.interrupted(false)),
            Err(err) => Err(self.failed(err, false)),
        }
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        self.ready()?;
        match Confirm::with_theme(&*self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&self.term)
        {
            Ok(Some(yes)) => Ok(yes),
            Ok(None) => Err(self.interrupted(false)),
            // Ctrl-C leaves the cursor behind the prompt.
            Err(err) => Err(self.failed(err, true)),
        }
    }

    fn note(&mut self, text: &str) {
        let _ = self.term.write_line(text.trim_end_matches('\n'));
    }
}

/// What is repeated of a chosen item: the part before a two-space gap ("websocket" of
/// "websocket  WebSocket service: ..."), or all of it.
fn label(item: &str) -> &str {
    item.split("  ").next().unwrap_or(item).trim_end()
}

/// Rows a text of `width` columns takes on a terminal `cols` wide (at least one).
fn rows(width: usize, cols: usize) -> usize {
    width.div_ceil(cols).max(1)
}

/// A one-line text editor that redraws the whole answer on every key, so that it stays right
/// when the answer wraps. The cursor's row is counted from the prompt's first row.
struct LineEditor<'a> {
    term: &'a Term,
    head: &'a str,
    head_width: usize,
    chars: Vec<char>,
    pos: usize,
    row: usize,
}

impl<'a> LineEditor<'a> {
    fn new(term: &'a Term, head: &'a str) -> Self {
        Self {
            term,
            head,
            head_width: measure_text_width(head),
            chars: Vec::new(),
            pos: 0,
            row: 0,
        }
    }

    fn cols(&self) -> usize {
        usize::from(self.term.size().1).max(1)
    }

    /// Reads keys until Enter (`Some(text)`) or Esc (`None`); Ctrl-C is an `Interrupted` error.
    fn read(&mut self) -> io::Result<Option<String>> {
        self.draw()?;
        loop {
            let key = self.term.read_key()?;
            if INTERRUPTED.load(Ordering::SeqCst) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            match key {
                Key::Enter => return Ok(Some(self.chars.iter().collect())),
                Key::Escape => return Ok(None),
                Key::CtrlC => return Err(io::ErrorKind::Interrupted.into()),
                Key::Char(c) if !c.is_control() => {
                    self.chars.insert(self.pos, c);
                    self.pos += 1;
                }
                Key::Backspace if self.pos > 0 => {
                    self.pos -= 1;
                    self.chars.remove(self.pos);
                }
                Key::Del if self.pos < self.chars.len() => {
                    self.chars.remove(self.pos);
                }
                Key::ArrowLeft if self.pos > 0 => self.pos -= 1,
                Key::ArrowRight if self.pos < self.chars.len() => self.pos += 1,
                Key::Home => self.pos = 0,
                Key::End => self.pos = self.chars.len(),
                _ => continue,
            }
            self.draw()?;
        }
    }

    /// Redraws prompt and answer from the prompt's first row and puts the cursor at `pos`.
    fn draw(&mut self) -> io::Result<()> {
        let cols = self.cols();
        self.term.move_cursor_up(self.row)?;
        self.term.clear_to_end_of_screen()?;
        let text: String = self.chars.iter().collect();
        self.term.write_str(&format!("{}{text}", self.head))?;
        let end = self.head_width + self.chars.len();
        if end > 0 && end.is_multiple_of(cols) {
            // The cursor waits beyond the last column; put it at the start of the next row so
            // that the arithmetic below holds on every terminal.
            self.term.write_str("\r\n")?;
        }
        let target = self.head_width + self.pos;
        let (row, col) = (target / cols, target % cols);
        self.term.move_cursor_up(end / cols - row)?;
        self.term.write_str("\r")?;
        self.term.move_cursor_right(col)?;
        self.row = row;
        self.term.flush()
    }

    /// Erases the prompt and the `above` rows printed over it; the cursor ends where they began.
    fn erase(&mut self, above: usize) -> io::Result<()> {
        self.term.move_cursor_up(self.row + above)?;
        self.row = 0;
        self.term.clear_to_end_of_screen()
    }

    /// Leaves the answer as typed and moves to a fresh line below it.
    fn leave(&mut self) -> io::Result<()> {
        self.pos = self.chars.len();
        self.draw()?;
        let end = self.head_width + self.chars.len();
        if end == 0 || !end.is_multiple_of(self.cols()) {
            self.term.write_str("\r\n")?;
        }
        self.term.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_theme_for_no_color_and_dumb_terminals() {
        use std::ffi::OsStr;
        assert!(plain(Some(OsStr::new("1")), Some("xterm-256color")));
        assert!(plain(None, Some("dumb")));
        // no-color.org: an empty NO_COLOR does not count.
        assert!(!plain(Some(OsStr::new("")), Some("xterm")));
        assert!(!plain(None, None));
    }

    #[test]
    fn chosen_items_are_repeated_by_their_label() {
        assert_eq!(
            label("websocket  WebSocket service: long-lived"),
            "websocket"
        );
        assert_eq!(
            label("auth-service         http, port 8001"),
            "auth-service"
        );
        assert_eq!(label("plain item"), "plain item");
    }

    #[test]
    fn rows_of_wrapped_text() {
        assert_eq!(rows(0, 80), 1);
        assert_eq!(rows(79, 80), 1);
        assert_eq!(rows(80, 80), 1);
        assert_eq!(rows(81, 80), 2);
    }
}
