//! The four kinds of question the wizard asks, as a trait, so that the questions can be tested
//! without a terminal.
//!
//! `Terminal` (terminal.rs) is the real implementation on dialoguer; `Scripted` (tests only)
//! replays prepared answers and records what was asked, with which default, and which answers
//! were refused with which reason. Every method returns `Error::Interrupted` when the user
//! presses Esc or Ctrl-C, so a question function only has to pass errors on with `?`.

use crate::error::Result;

/// Checks a typed answer; `Err` holds the reason shown before the question is asked again.
pub(super) type Check<'a> = &'a dyn Fn(&str) -> std::result::Result<(), String>;

pub(crate) trait Prompter {
    /// A line of text, asked until `check` accepts it. Enter on an empty line takes `default`
    /// (which is checked too).
    fn input(&mut self, prompt: &str, default: Option<&str>, check: Check<'_>) -> Result<String>;

    /// One of `items`, starting on `default`; returns its index. Each item is one line, a label
    /// and, two spaces on, what it means; once chosen, only the label is repeated.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;

    /// Any of `items` (as for `select`), starting with `checked` ticked; returns the ticked
    /// indices in order.
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>>;

    /// Yes or no.
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;

    /// Information between questions: the reason behind a default, the summary, a diff.
    fn note(&mut self, text: &str);
}

#[cfg(test)]
pub(super) use scripted::{Reply, Scripted, text};

#[cfg(test)]
mod scripted {
    use std::collections::VecDeque;

    use super::{Check, Prompter};
    use crate::error::{Error, Result};

    /// One prepared answer.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Reply {
        /// Type this text and press Enter (input questions).
        Text(String),
        /// Press Enter: take the default (every kind of question).
        Enter,
        /// Choose this index (select).
        Pick(usize),
        /// Tick exactly these indices (multi-select).
        Ticks(Vec<usize>),
        /// y / n (confirm).
        Yes,
        No,
        /// Esc or Ctrl-C.
        Cancel,
    }

    pub(crate) fn text(s: &str) -> Reply {
        Reply::Text(s.to_string())
    }

    /// What one question looked like.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Asked {
        pub prompt: String,
        /// The default as shown (input: the text; select: the item; multi-select: the ticked
        /// items joined by ", "; confirm: "yes" / "no").
        pub default: Option<String>,
        /// The items offered (select, multi-select).
        pub items: Vec<String>,
        /// The reasons given for refused answers, in order.
        pub refused: Vec<String>,
    }

    /// A prompter that replays `replies` and records every question in `asked`.
    #[derive(Debug, Default)]
    pub(crate) struct Scripted {
        replies: VecDeque<Reply>,
        pub asked: Vec<Asked>,
        pub notes: Vec<String>,
    }

    impl Scripted {
        pub(crate) fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
            Self {
                replies: replies.into_iter().collect(),
                ..Self::default()
            }
        }

        /// The question whose prompt contains `needle`.
        pub(crate) fn question(&self, needle: &str) -> &Asked {
            self.asked
                .iter()
                .find(|a| a.prompt.contains(needle))
                .unwrap_or_else(|| panic!("no question {needle:?} in {:#?}", self.asked))
        }

        pub(crate) fn prompts(&self) -> Vec<&str> {
            self.asked.iter().map(|a| a.prompt.as_str()).collect()
        }

        pub(crate) fn finished(&self) -> bool {
            self.replies.is_empty()
        }

        fn next(&mut self, prompt: &str) -> Reply {
            self.replies
                .pop_front()
                .unwrap_or_else(|| panic!("the script has no reply left for {prompt:?}"))
        }

        fn record(&mut self, prompt: &str, default: Option<String>, items: &[String]) {
            self.asked.push(Asked {
                prompt: prompt.to_string(),
                default,
                items: items.to_vec(),
                refused: Vec::new(),
            });
        }

        fn unexpected(prompt: &str, reply: &Reply) -> ! {
            panic!("reply {reply:?} does not fit the question {prompt:?}")
        }
    }

    impl Prompter for Scripted {
        fn input(
            &mut self,
            prompt: &str,
            default: Option<&str>,
            check: Check<'_>,
        ) -> Result<String> {
            self.record(prompt, default.map(str::to_string), &[]);
            loop {
                let value = match self.next(prompt) {
                    Reply::Text(t) => t,
                    Reply::Enter => default
                        .unwrap_or_else(|| panic!("{prompt:?} has no default"))
                        .to_string(),
                    Reply::Cancel => return Err(Error::Interrupted),
                    other => Self::unexpected(prompt, &other),
                };
                match check(&value) {
                    Ok(()) => return Ok(value),
                    Err(reason) => self.asked.last_mut().unwrap().refused.push(reason),
                }
            }
        }

        fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
            self.record(prompt, items.get(default).cloned(), items);
            match self.next(prompt) {
                Reply::Pick(i) if i < items.len() => Ok(i),
                Reply::Enter => Ok(default),
                Reply::Cancel => Err(Error::Interrupted),
                other => Self::unexpected(prompt, &other),
            }
        }

        fn multi_select(
            &mut self,
            prompt: &str,
            items: &[String],
            checked: &[bool],
        ) -> Result<Vec<usize>> {
            let ticked: Vec<usize> = (0..items.len())
                .filter(|&i| checked.get(i).copied().unwrap_or(false))
                .collect();
            let shown = ticked
                .iter()
                .map(|&i| items[i].as_str())
                .collect::<Vec<_>>()
                .join(", ");
            self.record(prompt, Some(shown), items);
            match self.next(prompt) {
                Reply::Ticks(t) if t.iter().all(|&i| i < items.len()) => Ok(t),
                Reply::Enter => Ok(ticked),
                Reply::Cancel => Err(Error::Interrupted),
                other => Self::unexpected(prompt, &other),
            }
        }

        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
            let shown = if default { "yes" } else { "no" };
            self.record(prompt, Some(shown.to_string()), &[]);
            match self.next(prompt) {
                Reply::Yes => Ok(true),
                Reply::No => Ok(false),
                Reply::Enter => Ok(default),
                Reply::Cancel => Err(Error::Interrupted),
                other => Self::unexpected(prompt, &other),
            }
        }

        fn note(&mut self, text: &str) {
            self.notes.push(text.to_string());
        }
    }
}
