//! Every rendered file's text made deterministic before it is compared or written: the same
//! input gives the same bytes whatever the templates' tags left behind.

/// Deterministic text: LF line endings, no trailing spaces, at most two blank lines in a row
/// (template tags leave runs of them; two is what Python's style needs), no blank lines at the
/// start, exactly one trailing newline.
pub(super) fn normalise(content: &mut String) {
    if is_normal(content.as_bytes()) {
        return;
    }
    let mut out = String::with_capacity(content.len());
    let mut blank_run = 0;
    // `lines` already drops the \r of a \r\n line ending.
    for line in content.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 2 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if out.is_empty() {
        out.push('\n');
    }
    *content = out;
}

/// Whether `normalise` would leave `text` as it is: checked in one pass without allocating,
/// since nearly every render already is (a line ending in a non-ASCII byte takes the slow path,
/// which knows every kind of Unicode white space).
fn is_normal(text: &[u8]) -> bool {
    if text.is_empty() || text[0] == b'\n' || !text.ends_with(b"\n") || text.ends_with(b"\n\n") {
        return false;
    }
    let mut blank_run = 0;
    let mut line_start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b != b'\n' {
            continue;
        }
        let line = &text[line_start..i];
        line_start = i + 1;
        match line.last() {
            None => {
                blank_run += 1;
                if blank_run > 2 {
                    return false;
                }
            }
            Some(&last) if last.is_ascii_whitespace() || !last.is_ascii() => return false,
            Some(_) => blank_run = 0,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_check_agrees_with_normalise() {
        for text in [
            "a\n",
            "a\n\nb\n",
            "a\n\n\nb\n",
            "a\n\n\n\nb\n",
            "a \n",
            "a\t\n",
            "\na\n",
            "a\n\n",
            "a",
            "",
            "a\r\nb\n",
            "caf\u{e9}\n",
            "x\u{a0}\n",
            "#!/bin/sh\n\n\n# c\n",
        ] {
            let mut normalised = text.to_string();
            normalise(&mut normalised);
            let fast = is_normal(text.as_bytes());
            // Sound always (a "normal" text is one normalise keeps); exact for ASCII text.
            assert!(!fast || normalised == text, "{text:?}");
            if text.is_ascii() {
                assert_eq!(fast, normalised == text, "{text:?}");
            }
        }
    }

    #[test]
    fn normalise_is_idempotent_and_ends_in_one_newline() {
        let mut s = "\na  \r\n\n\n\n\nb\n\n\n".to_string();
        normalise(&mut s);
        assert_eq!(s, "a\n\n\nb\n");
        let again = s.clone();
        normalise(&mut s);
        assert_eq!(s, again);
    }
}
