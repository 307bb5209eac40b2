//! A `.env` file's values as Docker Compose v2 reads them (compose-go's dotenv parser, Compose
//! v2.40.3), for the Kubernetes overlays: a container must get the same bytes from a `ConfigMap` as
//! from `docker compose --env-file .env.<env>`.
//!
//! `document.rs` keeps each value's raw bytes for the three-way merge; this module turns them
//! into the value the container sees. It is the Rust port of `tools/dotenv_compose.py` (phase 1's
//! reference, checked against the real Compose binary case by case), and `tests/it/kubernetes_env.rs`
//! proves it against that binary again. The dialect:
//!
//! - a statement is `[export ]KEY=VALUE` or `KEY: VALUE`; blank and `#` lines are skipped; spaces
//!   around the key and after `=` are dropped;
//! - unquoted: the rest of the line, cut at the first ` #`, right-trimmed, then interpolated;
//! - single quotes: verbatim up to the closing quote (one not escaped by an odd number of
//!   backslashes), line breaks included, except that `\'` stands for `'`;
//! - double quotes: the same span, then the escapes `\a \b \f \n \r \t \v \" \\ \$ \0ooo`, then
//!   interpolation; any other backslash stays;
//! - interpolation: `$$` gives `$`; `$NAME`, `${NAME...}` take a value from the shell running
//!   Compose (then from earlier lines); a `$` before anything else stays.
//!
//! What berth cannot reproduce outside Compose is not decoded but `Unreproducible`, with the
//! reason and the fix: a value that interpolates a variable (a cluster has no such shell), a key
//! with no value (taken from that shell), text after a closing quote (Compose reads it as another
//! statement). A file Compose cannot read at all is a `SyntaxError`.

use std::collections::BTreeMap;

/// Blanks that separate tokens (compose-go's `isSpace`): never a line break.
const SPACE: &[char] = &['\t', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}'];

/// Compose cannot read the file at all (it refuses to start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// A value Compose reads but berth cannot reproduce outside Compose: why, and what to write
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreproducible {
    pub reason: String,
    pub fix: String,
}

/// One key's value (or why berth will not reproduce it), the line its statement starts on and
/// the value as written (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub line: usize,
    pub raw: String,
    pub value: Result<String, Unreproducible>,
}

/// Every key of a `.env` text with the value Compose gives it; a key set twice has its last
/// value, as in Compose.
pub fn decode(text: &str) -> Result<BTreeMap<String, Decoded>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut reader = Reader {
        chars: &chars,
        pos: 0,
    };
    let mut out = BTreeMap::new();
    while let Some(line) = reader.next_statement() {
        let key = reader.key(line)?;
        let start = reader.pos + 1;
        let value = reader.value(&key, line)?;
        let raw: String = reader.chars[start.min(reader.pos)..reader.pos]
            .iter()
            .collect();
        let raw = raw.trim_matches(|c| SPACE.contains(&c)).to_string();
        out.insert(key, Decoded { line, raw, value });
    }
    Ok(out)
}

struct Reader<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Reader<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Skips blanks, line breaks and comment lines; the line number of the next statement.
    fn next_statement(&mut self) -> Option<usize> {
        loop {
            while self
                .at(self.pos)
                .is_some_and(|c| SPACE.contains(&c) || c == '\n')
            {
                self.pos += 1;
            }
            if self.at(self.pos)? == '#' {
                self.pos = self.line_end(self.pos);
            } else {
                let breaks = self.chars[..self.pos].iter().filter(|&&c| c == '\n');
                return Some(breaks.count() + 1);
            }
        }
    }

    /// Index of the line break ending the line that holds `from`, or the end of the text.
    fn line_end(&self, from: usize) -> usize {
        (from..self.chars.len())
            .find(|&i| self.chars[i] == '\n')
            .unwrap_or(self.chars.len())
    }

    /// `[export ]KEY`, up to (not including) `=`, `:` or the end of the line.
    fn key(&mut self, line: usize) -> Result<String, SyntaxError> {
        let export: Vec<char> = "export".chars().collect();
        let after = self.pos + export.len();
        if self.chars[self.pos..].starts_with(&export)
            && self.at(after).is_some_and(char::is_whitespace)
        {
            self.pos = after;
            while self.at(self.pos).is_some_and(char::is_whitespace) {
                self.pos += 1;
            }
        }
        let start = self.pos;
        while let Some(c) = self.at(self.pos).filter(|c| !"=:\n".contains(*c)) {
            let key_char = c.is_alphanumeric() || "_.-[]".contains(c);
            if !SPACE.contains(&c) && !key_char {
                return Err(SyntaxError {
                    line,
                    message: format!("unexpected character {c:?} in a variable name"),
                });
            }
            self.pos += 1;
        }
        let key: String = self.chars[start..self.pos].iter().collect();
        let key = key.trim_end_matches(|c| SPACE.contains(&c)).to_string();
        if key.contains(SPACE) {
            return Err(SyntaxError {
                line,
                message: format!("variable name {key:?} contains a space"),
            });
        }
        Ok(key)
    }

    /// The value after `=` (the reader stands on `=`, `:` or the end of the line).
    fn value(
        &mut self,
        key: &str,
        line: usize,
    ) -> Result<Result<String, Unreproducible>, SyntaxError> {
        if !self.at(self.pos).is_some_and(|c| c == '=' || c == ':') {
            return Ok(Err(Unreproducible {
                reason: format!(
                    "{key} has no value: Docker Compose takes it from the shell that runs it, which a cluster does not have"
                ),
                fix: format!("write {key}=VALUE"),
            }));
        }
        self.pos += 1;
        while self.at(self.pos).is_some_and(|c| SPACE.contains(&c)) {
            self.pos += 1;
        }
        if let Some(quote @ ('\'' | '"')) = self.at(self.pos) {
            return self.quoted(quote, key, line);
        }
        let end = self.line_end(self.pos);
        let raw: String = self.chars[self.pos..end].iter().collect();
        self.pos = end;
        let raw = raw.split(" #").next().unwrap_or("");
        Ok(interpolate(raw.trim_end_matches(char::is_whitespace)))
    }

    fn quoted(
        &mut self,
        quote: char,
        key: &str,
        line: usize,
    ) -> Result<Result<String, Unreproducible>, SyntaxError> {
        let open = self.pos;
        let Some(close) = self.closing_quote(open, quote) else {
            return Err(SyntaxError {
                line,
                message: format!("the quoted value of {key} is never closed"),
            });
        };
        let raw: String = self.chars[open + 1..close].iter().collect();
        let value = if quote == '\'' {
            Ok(raw.replace("\\'", "'"))
        } else {
            interpolate(&unescape_double(&raw))
        };
        // Compose goes on reading right after the quote: what follows on the line is another
        // statement, unless it is a comment.
        self.pos = close + 1;
        let end = self.line_end(self.pos);
        let rest: String = self.chars[self.pos..end].iter().collect();
        let rest = rest.trim_matches(|c| SPACE.contains(&c));
        if !rest.is_empty() && !rest.starts_with('#') {
            let shown: String = rest.chars().take(20).collect();
            return Ok(Err(Unreproducible {
                reason: format!(
                    "text after the closing quote of {key} ({shown:?}): Docker Compose reads it as another variable"
                ),
                fix: "quote the whole value, or put a `#` before a comment".to_string(),
            }));
        }
        Ok(value)
    }

    /// Index of the quote closing the value opened at `open`: the first `quote` after it that is
    /// not escaped by an odd number of backslashes.
    fn closing_quote(&self, open: usize, quote: char) -> Option<usize> {
        (open + 1..self.chars.len()).find(|&i| {
            self.chars[i] == quote
                && self.chars[open + 1..i]
                    .iter()
                    .rev()
                    .take_while(|&&c| c == '\\')
                    .count()
                    % 2
                    == 0
        })
    }
}

/// compose-go's escapes of a double-quoted value (Go's rune escapes); `\$` stays `$$` for the
/// interpolation, which makes it `$`.
fn unescape_double(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = next else {
            out.push('\\');
            continue;
        };
        i += 1;
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '$' => out.push_str("$$"),
            '"' | '\\' => out.push(e),
            '0' => {
                let digits: String = chars[i..]
                    .iter()
                    .take(3)
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                i += digits.chars().count();
                match u32::from_str_radix(&digits, 8) {
                    Ok(code) if digits.len() == 3 && code <= 0o377 => {
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    // Not three octal digits: Compose keeps a backslash and the digits.
                    _ => {
                        out.push('\\');
                        out.push_str(&digits);
                    }
                }
            }
            _ => {
                // Not an escape: the backslash stays, the next character is read normally.
                out.push('\\');
                i -= 1;
            }
        }
    }
    out
}

/// `$$` -> `$`; a reference to a variable is unreproducible; any other `$` stays.
fn interpolate(value: &str) -> Result<String, Unreproducible> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&(_, n)| n) {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some(n) if n == '{' || n == '_' || n.is_ascii_alphabetic() => {
                let shown: String = value[i..].chars().take(40).collect();
                return Err(Unreproducible {
                    reason: format!(
                        "{shown:?} interpolates a variable, which Docker Compose takes from the shell that runs it (before earlier lines of the file); a cluster has no such shell"
                    ),
                    fix: "write the value itself, or single-quote it for a literal $ (or write $$)"
                        .to_string(),
                });
            }
            _ => out.push('$'),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, key: &str) -> Result<String, Unreproducible> {
        decode(text).unwrap()[key].value.clone()
    }

    fn ok(text: &str, key: &str) -> String {
        value(text, key).unwrap_or_else(|u| panic!("{text:?}: {u:?}"))
    }

    #[test]
    fn quoting_styles() {
        let cases = [
            ("A=http://x-y:80/a", "http://x-y:80/a"),
            ("A=\"two words\"", "two words"),
            ("A='  lead and trail  '", "  lead and trail  "),
            ("A=   trimmed unquoted   ", "trimmed unquoted"),
            ("A=x=y==z", "x=y==z"),
            ("A=a#b", "a#b"),
            ("A=value # a comment", "value"),
            ("A='a #not-a-comment'", "a #not-a-comment"),
            ("A=\"b #not\" # but this is", "b #not"),
            ("A='pa$$word$HOME${X}'", "pa$$word$HOME${X}"),
            ("A=\"cost \\$5 and $$\"", "cost $5 and $"),
            ("A=\"\\$HOME\"", "$HOME"),
            ("A=a$$b", "a$b"),
            ("A=5$ and $1 and $-", "5$ and $1 and $-"),
            ("A='it\\'s'", "it's"),
            ("A=\"say \\\"hi\\\" \\\\ back\"", "say \"hi\" \\ back"),
            ("A=\"line1\\nline2\\tx\\ry\"", "line1\nline2\tx\ry"),
            ("A=\"\\0101BC\"", "ABC"),
            ("A=\"\\012\"", "\\12"),
            ("A=\"\\x41 \\u00e9 \\c\"", "\\x41 \\u00e9 \\c"),
            ("A='first\nsecond line'", "first\nsecond line"),
            ("A=C:\\dir\\file", "C:\\dir\\file"),
            ("A=", ""),
            ("A=\"\"", ""),
            ("export A=yes", "yes"),
            ("A = spaced", "spaced"),
            ("A: colon", "colon"),
            ("A='a\u{a0}b'", "a\u{a0}b"),
        ];
        for (text, want) in cases {
            assert_eq!(ok(text, "A"), want, "{text:?}");
        }
    }

    #[test]
    fn statements_lines_and_last_value() {
        let text = "# c\n\nA=1\nB='x\ny'\n  C=3 # c\nA=2\n";
        let all = decode(text).unwrap();
        assert_eq!(all["A"].value, Ok("2".into()));
        assert_eq!(all["A"].line, 7);
        assert_eq!(all["B"].line, 4);
        assert_eq!(all["C"].value, Ok("3".into()));
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn unreproducible_values_name_the_reason() {
        for text in ["A=${HOME}-x", "A=\"$USER\"", "A=x$_Y", "A=\"a\" b", "A"] {
            assert!(value(text, "A").is_err(), "{text:?} must be refused");
        }
        let refused = value("A=$HOME", "A").unwrap_err();
        assert!(refused.reason.contains("interpolates"), "{refused:?}");
    }

    #[test]
    fn unreadable_files_are_syntax_errors() {
        assert_eq!(decode("A='open\nB=1\n").unwrap_err().line, 1);
        assert_eq!(decode("X=1\nA=\"a\\\"\n").unwrap_err().line, 2);
        assert!(decode("A B=1\n").is_err());
        assert!(decode("A!=1\n").is_err());
        assert!(
            decode("A='a\\'").is_err(),
            "a backslash escapes the closing quote"
        );
    }
}
