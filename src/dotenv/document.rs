//! A `.env` file as a sequence of entries: each key assignment with the comment and blank lines
//! just before it (the comments berth writes for a key sit there), then the lines after the last
//! key. Everything is kept as raw bytes, line endings included, so that a line berth does not
//! change is written back exactly as it was read, whatever its encoding.

/// One line: its bytes without the line ending, and the line ending (`\n`, `\r\n`, or nothing
/// on a last line without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    pub text: &'a [u8],
    pub eol: &'a [u8],
}

/// A key assignment and the lines before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Comment, blank and other non-assignment lines since the previous assignment.
    pub pre: Vec<Line<'a>>,
    pub line: Line<'a>,
    pub key: &'a str,
    /// The line up to and including `=` (`KEY=`, `export KEY = `).
    pub prefix: &'a [u8],
    /// The bytes after `=`: the value as written, quotes and all.
    pub value: &'a [u8],
    /// The value opens a quote it does not close on this line (a multi-line value): berth never
    /// rewrites such a key.
    pub multiline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    pub entries: Vec<Entry<'a>>,
    /// Lines after the last assignment.
    pub tail: Vec<Line<'a>>,
    /// The file's line ending: `\r\n` when its first line ends so, else `\n`.
    pub eol: &'static [u8],
}

impl<'a> Document<'a> {
    pub fn parse(bytes: &'a [u8]) -> Self {
        let mut entries = Vec::new();
        let mut pending = Vec::new();
        for line in lines(bytes) {
            match assignment(line.text) {
                Some((key, prefix, value)) => entries.push(Entry {
                    pre: std::mem::take(&mut pending),
                    line,
                    key,
                    prefix,
                    value,
                    multiline: opens_quote(value),
                }),
                None => pending.push(line),
            }
        }
        let crlf = bytes
            .iter()
            .position(|&b| b == b'\n')
            .is_some_and(|i| i > 0 && bytes[i - 1] == b'\r');
        Self {
            entries,
            tail: pending,
            eol: if crlf { b"\r\n" } else { b"\n" },
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry<'a>> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The keys assigned, in file order.
    #[cfg(test)]
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries.iter().map(|e| e.key)
    }
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, eol_len) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) if i > 0 && rest[i - 1] == b'\r' => (&rest[..i - 1], 2),
            Some(i) => (&rest[..i], 1),
            None => (rest, 0),
        };
        let eol = &rest[line.len()..line.len() + eol_len];
        rest = &rest[line.len() + eol_len..];
        Some(Line { text: line, eol })
    })
}

/// `(key, prefix, value)` when `line` assigns a variable (`KEY=...`, `export KEY=...`, spaces
/// around the key allowed), as Docker Compose's dotenv reader accepts it.
fn assignment(line: &[u8]) -> Option<(&str, &[u8], &[u8])> {
    let eq = line.iter().position(|&b| b == b'=')?;
    let head = std::str::from_utf8(&line[..eq]).ok()?;
    let name = head.trim_start();
    let name = name.strip_prefix("export ").unwrap_or(name).trim();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (name, &line[..=eq], &line[eq + 1..]))
}

/// True when `value` opens a single or double quote that the line does not close.
fn opens_quote(value: &[u8]) -> bool {
    let value = value.trim_ascii_start();
    let Some((&quote, rest)) = value.split_first() else {
        return false;
    };
    if quote != b'"' && quote != b'\'' {
        return false;
    }
    let mut escaped = false;
    for &b in rest {
        match b {
            // Compose's reader honours a backslash before the closing quote in both kinds.
            b'\\' if !escaped => escaped = true,
            b if b == quote && !escaped => return false,
            _ => escaped = false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_their_comments_and_raw_bytes() {
        let text = b"# head\r\n\r\n# port\r\nA_PORT=80\r\nexport B = 'x y'\r\nNOT A KEY\r\nC=\xff\xfe\r\n# end";
        let doc = Document::parse(text);
        assert_eq!(doc.eol, b"\r\n");
        assert_eq!(doc.keys().collect::<Vec<_>>(), ["A_PORT", "B", "C"]);
        let a = doc.get("A_PORT").unwrap();
        assert_eq!(a.pre.len(), 3);
        assert_eq!(a.pre[2].text, b"# port");
        assert_eq!((a.prefix, a.value), (&b"A_PORT="[..], &b"80"[..]));
        assert_eq!(doc.get("B").unwrap().prefix, b"export B =");
        let c = doc.get("C").unwrap();
        assert_eq!(c.value, b"\xff\xfe");
        assert_eq!(c.pre[0].text, b"NOT A KEY");
        assert_eq!(
            doc.tail,
            vec![Line {
                text: b"# end",
                eol: b""
            }]
        );
    }

    #[test]
    fn joined_lines_give_back_the_input() {
        let text: &[u8] = b"A=1\n\n# c\nB=\"two\nlines\"\nC=3";
        let doc = Document::parse(text);
        let mut out = Vec::new();
        for e in &doc.entries {
            for l in e.pre.iter().chain([&e.line]) {
                out.extend_from_slice(l.text);
                out.extend_from_slice(l.eol);
            }
        }
        for l in &doc.tail {
            out.extend_from_slice(l.text);
            out.extend_from_slice(l.eol);
        }
        assert_eq!(out, text);
        assert!(doc.get("B").unwrap().multiline);
        assert!(!doc.get("A").unwrap().multiline);
    }

    #[test]
    fn quotes_closed_on_the_line_are_not_multiline() {
        for v in [&b"'a b'"[..], b"\"a \\\" b\"", b"plain", b"", b"'x' # c"] {
            assert!(!opens_quote(v), "{}", String::from_utf8_lossy(v));
        }
        for v in [&b"'a"[..], b"\"a \\\"", b"  \"open", b"'a\\'"] {
            assert!(opens_quote(v), "{}", String::from_utf8_lossy(v));
        }
    }
}
