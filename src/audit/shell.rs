//! The simple commands of a `RUN` script, as a POSIX shell would split them.
//!
//! Rules look at what a `RUN` runs (`pip install --no-index ...`, `apt-get install gcc`,
//! `rm -rf /wheels`), so a script is split into commands at `&&`, `||`, `;`, `|`, `&`, newlines
//! and parentheses, and each command into words, honouring single and double quotes, backslash
//! escapes and `#` comments. Command substitutions (`$(...)`, backticks) stay inside their word
//! unexamined, redirections and their targets are dropped, and leading `NAME=value`
//! assignments are removed. It is a lexer, not a shell: nothing is expanded or run.

/// The commands of `script`, each as its words.
pub(crate) fn commands(script: &str) -> Vec<Vec<String>> {
    let mut lexer = Lexer {
        chars: script.chars().collect(),
        pos: 0,
        commands: Vec::new(),
        words: Vec::new(),
        word: None,
        redirect_target: false,
    };
    lexer.run();
    lexer
        .commands
        .into_iter()
        .map(strip_assignments)
        .filter(|c| !c.is_empty())
        .collect()
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    commands: Vec<Vec<String>>,
    words: Vec<String>,
    word: Option<String>,
    /// The next word is a redirection's target (dropped).
    redirect_target: bool,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn push_char(&mut self, c: char) {
        self.word.get_or_insert_with(String::new).push(c);
    }

    fn end_word(&mut self) {
        if let Some(word) = self.word.take() {
            if std::mem::take(&mut self.redirect_target) {
                return;
            }
            self.words.push(word);
        }
    }

    /// `>`, `>>`, `2>&1`, `<`, `&>`: the operator and its file descriptor are dropped, and so is
    /// the target word unless the operator duplicates a descriptor (`>&2`).
    fn redirection(&mut self) {
        if self
            .word
            .as_deref()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
        {
            self.word = None;
        } else {
            self.end_word();
        }
        while matches!(self.peek(0), Some('>' | '<' | '|')) {
            self.pos += 1;
        }
        if self.peek(0) == Some('&') {
            self.pos += 1;
            while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                self.pos += 1;
            }
            return;
        }
        self.redirect_target = true;
    }

    fn end_command(&mut self) {
        self.end_word();
        self.redirect_target = false;
        let words = std::mem::take(&mut self.words);
        self.commands.push(words);
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => match self.peek(0) {
                    Some('\n') => self.pos += 1,
                    Some(next) => {
                        self.pos += 1;
                        self.push_char(next);
                    }
                    None => {}
                },
                '\'' => self.single_quoted(),
                '"' => self.double_quoted(),
                '`' => self.until('`', c),
                '$' if self.peek(0) == Some('(') => {
                    self.push_char('$');
                    self.pos += 1;
                    self.nested('(', ')');
                }
                '>' | '<' => self.redirection(),
                '#' if self.word.is_none() => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                ';' | '&' | '|' | '\n' | '(' | ')' => {
                    self.end_command();
                    if matches!(self.peek(0), Some('&' | '|')) && c != '\n' {
                        self.pos += 1;
                    }
                }
                c if c.is_whitespace() => self.end_word(),
                c => self.push_char(c),
            }
        }
        self.end_command();
    }

    fn single_quoted(&mut self) {
        self.word.get_or_insert_with(String::new);
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == '\'' {
                return;
            }
            self.push_char(c);
        }
    }

    fn double_quoted(&mut self) {
        self.word.get_or_insert_with(String::new);
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '"' => return,
                '\\' if matches!(self.peek(0), Some('"' | '\\' | '$' | '`')) => {
                    let next = self.peek(0).unwrap_or('\\');
                    self.pos += 1;
                    self.push_char(next);
                }
                '\\' if self.peek(0) == Some('\n') => self.pos += 1,
                c => self.push_char(c),
            }
        }
    }

    /// Copies everything up to the closing `close` into the word (a backtick substitution).
    fn until(&mut self, close: char, open: char) {
        self.push_char(open);
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            self.push_char(c);
            if c == close {
                return;
            }
        }
    }

    /// Copies a balanced `(...)` into the word.
    fn nested(&mut self, open: char, close: char) {
        self.push_char(open);
        let mut depth = 1;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            self.push_char(c);
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
        }
    }
}

fn strip_assignments(words: Vec<String>) -> Vec<String> {
    let first = words
        .iter()
        .position(|w| !is_assignment(w))
        .unwrap_or(words.len());
    words.into_iter().skip(first).collect()
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(cmds: &[&[&str]]) -> Vec<Vec<String>> {
        cmds.iter()
            .map(|c| c.iter().map(std::string::ToString::to_string).collect())
            .collect()
    }

    #[test]
    fn splits_commands_and_words() {
        let got = commands(
            "apt-get update \\\n  && apt-get install -y 'build essential' \"g\\\"cc\" # tools\n\
             DEBIAN_FRONTEND=x pip install -r r.txt > /dev/null 2>&1; rm -rf /wheels|| true",
        );
        assert_eq!(
            got,
            words(&[
                &["apt-get", "update"],
                &["apt-get", "install", "-y", "build essential", "g\"cc"],
                &["pip", "install", "-r", "r.txt"],
                &["rm", "-rf", "/wheels"],
                &["true"],
            ])
        );
    }

    #[test]
    fn substitutions_stay_in_their_word() {
        let got = commands("rm -rf $(poetry config cache-dir) `echo a; b` x");
        assert_eq!(
            got,
            words(&[&[
                "rm",
                "-rf",
                "$(poetry config cache-dir)",
                "`echo a; b`",
                "x"
            ]])
        );
    }
}
