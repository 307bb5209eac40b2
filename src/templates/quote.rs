//! Quoting for each language a value crosses into: YAML (and Compose, whose `$` interpolates),
//! `.env` files as Docker Compose reads them, nginx strings and Python literals. Pure functions,
//! unit-tested here and round-tripped through the real consumers (Docker Compose, python3) in
//! the integration tests; the Tera filters in `filters.rs` call them.

/// A YAML double-quoted scalar that any YAML 1.1 or 1.2 reader reads back exactly: `"` and `\\`
/// escaped, and every character such a reader would not take literally (control and C1
/// characters, U+2028/U+2029, a BOM) written as an escape.
pub fn yaml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20
                || (0x7f..=0x9f).contains(&(c as u32))
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML scalar whose `$` Compose must not interpolate.
pub fn compose(s: &str) -> String {
    yaml(&s.replace('$', "$$"))
}

/// A .env value that Docker Compose's dotenv parser reads back exactly.
///
/// Plain values stay bare (dotenv linters flag needless quotes); anything else is single
/// quoted (literal in Compose: no escapes, no interpolation) unless it holds a single quote, a
/// backslash or a line break, in which case it is double quoted with `\`, `"`, `$` and newlines
/// escaped.
pub fn env_value(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.,/:@+%".contains(c));
    if plain {
        return s.to_string();
    }
    // Compose's reader lets a backslash escape the closing single quote, so a value holding a
    // backslash is double quoted (where `\\` is a backslash) like one holding a quote.
    if !s.contains(['\'', '\\', '\n', '\r']) {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `literals:` item of a Kustomize `configMapGenerator` that gives `key` exactly `value`.
///
/// Kustomize splits `KEY=VALUE` at the first `=` (so `=` in a value needs nothing), then removes
/// one pair of quotes when the value starts and ends with the same quote character: such a value
/// is wrapped in one more pair of double quotes, which is what gets removed. The item itself is a
/// YAML double-quoted scalar (`yaml`).
pub fn kustomize_literal(key: &str, value: &str) -> String {
    let first = value.chars().next();
    if matches!(first, Some('"' | '\'')) && value.chars().last() == first {
        yaml(&format!("{key}=\"{value}\""))
    } else {
        yaml(&format!("{key}={value}"))
    }
}

/// An nginx double-quoted string. `$` would be read as a variable and has no escape in
/// nginx strings, so it is refused rather than silently changed.
pub fn nginx(s: &str) -> Result<String, String> {
    if s.contains('$') {
        return Err(format!(
            "{s:?} contains '$', which nginx would read as a variable"
        ));
    }
    Ok(format!(
        "\"{}\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// A Python string literal (JSON string syntax is valid Python).
pub fn python(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values() {
        assert_eq!(env_value("8001"), "8001");
        assert_eq!(env_value("http://a-b:80/x"), "http://a-b:80/x");
        assert_eq!(env_value(""), "");
        assert_eq!(env_value("a b"), "'a b'");
        assert_eq!(env_value("p$ss#1"), "'p$ss#1'");
        assert_eq!(env_value("it's \"$x\""), "\"it's \\\"\\$x\\\"\"");
    }

    #[test]
    fn yaml_and_compose() {
        assert_eq!(yaml("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(compose("$HOME"), "\"$$HOME\"");
    }

    /// What a YAML reader (saphyr, YAML 1.2) reads from `text` as a mapping's value.
    fn read_back(text: &str) -> String {
        use saphyr::{LoadableYamlNode, Yaml};
        let docs = Yaml::load_from_str(&format!("k: {text}\n")).expect("valid YAML");
        docs[0]["k"].as_str().expect("a string").to_string()
    }

    #[test]
    fn yaml_reads_back_exactly_with_every_character_a_reader_would_not_take_literally() {
        for s in [
            "plain",
            "a\"b\\c",
            "line\nbreak\ttab\rreturn",
            "\u{0}\u{1b}\u{7f}\u{85}\u{9f}",
            "\u{2028}\u{2029}\u{feff}",
            "$HOME # not a comment: colon",
            "ünïcødé ✓",
        ] {
            let quoted = yaml(s);
            assert_eq!(read_back(&quoted), s, "{quoted}");
            // Nothing a YAML 1.1 reader would fold or drop is left unescaped.
            assert!(
                !quoted.chars().any(|c| (c as u32) < 0x20
                    || (0x7f..=0x9f).contains(&(c as u32))
                    || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')),
                "{quoted:?}"
            );
        }
    }

    #[test]
    fn kustomize_literals() {
        assert_eq!(kustomize_literal("A", "1"), "\"A=1\"");
        assert_eq!(kustomize_literal("A", "x=y"), "\"A=x=y\"");
        // Kustomize removes one pair of matching outer quotes: one more pair is added.
        assert_eq!(kustomize_literal("A", "'q'"), "\"A=\\\"'q'\\\"\"");
        assert_eq!(kustomize_literal("A", "\"q\""), "\"A=\\\"\\\"q\\\"\\\"\"");
        assert_eq!(kustomize_literal("A", "'q\""), "\"A='q\\\"\"");
        assert_eq!(
            kustomize_literal("A", "a\\b\n\u{85}"),
            "\"A=a\\\\b\\n\\u0085\""
        );
    }

    #[test]
    fn nginx_and_python() {
        assert_eq!(nginx("/a\"b").unwrap(), "\"/a\\\"b\"");
        assert!(nginx("/$x").is_err());
        assert_eq!(python("it's \"x\"\n"), "\"it's \\\"x\\\"\\n\"");
    }
}
