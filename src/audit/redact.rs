//! Credentials kept out of the audit's output: what a secret looks like in a value, and the
//! text of a finding with every secret replaced by `***`.
//!
//! A report goes to CI logs and to code scanning; it must never repeat the credential it
//! complains about. Four shapes are recognised: a password in a URL's user-info
//! (`postgresql://admin:***@db/app`), the value of a secret-named key (`SECRET_KEY=***`,
//! `DB_PASSWORD: ***`, `?token=***`), a PEM private-key block, and the password of a
//! `-u`/`--user user:password` flag (curl, wget). A value that only refers to
//! a variable (`${DB_PASSWORD}`, `$TOKEN`) is not a secret and is left as written. Every
//! finding's message and fix pass through `redact` when they are made (`rules::Sink`), so each
//! output format prints the same redacted text.

use std::borrow::Cow;

/// Parts of a key name that mark a secret.
const SECRET_WORDS: [&str; 10] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
];

const HIDDEN: &str = "***";

/// Whether a key (`DB_PASSWORD`, `api-token`, `password`) names a secret. A `*_FILE` key
/// names the file that holds it (the Docker secrets convention), not the secret.
pub(crate) fn is_secret_name(key: &str) -> bool {
    let key = key.to_ascii_uppercase().replace('-', "_");
    SECRET_WORDS.iter().any(|w| key.contains(w)) && !key.ends_with("_FILE")
}

/// Whether `value` is only a reference to a variable (or several): nothing literal is secret.
pub(crate) fn only_interpolates(value: &str) -> bool {
    let value = value.trim();
    value.starts_with('$')
}

/// The password of a URL's user-info, when written literally:
/// `postgresql://admin:hunter2@db/app` -> `hunter2`.
pub(crate) fn url_password(value: &str) -> Option<&str> {
    let start = value.find("://")? + 3;
    let rest = &value[start..];
    let end = rest
        .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || "`'\"".contains(c))
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty() && !only_interpolates(password)).then_some(password)
}

/// Whether `value` holds a PEM private key.
pub(crate) fn is_private_key(value: &str) -> bool {
    value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----")
}

/// `text` with every credential replaced by `***`.
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if out.contains("-----BEGIN") {
        out = Cow::Owned(private_keys(&out));
    }
    if out.contains("://") {
        out = Cow::Owned(url_passwords(&out));
    }
    if let Some(changed) = secret_assignments(&out) {
        out = Cow::Owned(changed);
    }
    if out.contains("-u ") || out.contains("--user") {
        out = Cow::Owned(user_flags(&out));
    }
    out
}

/// `curl -u user:password`, `--user user:password`, `--user=user:password`: the password.
fn user_flags(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let found = ["-u ", "--user ", "--user="]
            .iter()
            .filter_map(|flag| {
                let at = rest.find(flag)?;
                let word_start = at == 0 || rest[..at].ends_with([' ', '"', '\'', '`']);
                word_start.then_some((at, flag.len()))
            })
            .min();
        let Some((at, len)) = found else { break };
        let value_start = at + len;
        out.push_str(&rest[..value_start]);
        let tail = &rest[value_start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || "`'\"".contains(c))
            .unwrap_or(tail.len());
        match tail[..end].split_once(':') {
            Some((user, password)) if !password.is_empty() && !only_interpolates(password) => {
                out.push_str(user);
                out.push(':');
                out.push_str(HIDDEN);
            }
            _ => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `redact` for an owned text: the same text back when it holds no credential.
pub(crate) fn redact_owned(text: String) -> String {
    let hidden = match redact(&text) {
        Cow::Owned(hidden) => Some(hidden),
        Cow::Borrowed(_) => None,
    };
    hidden.unwrap_or(text)
}

/// PEM blocks (`-----BEGIN ... PRIVATE KEY-----` up to the matching END line, or to the end of
/// the quoted value when the END is cut off) become `-----BEGIN ... PRIVATE KEY-----***`.
fn private_keys(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("-----BEGIN") {
        out.push_str(&rest[..at]);
        let block = &rest[at..];
        let Some(header_end) = block[10..].find("-----").map(|i| i + 15) else {
            out.push_str(block);
            return out;
        };
        let header = &block[..header_end];
        if !header.contains("PRIVATE KEY") {
            out.push_str(header);
            rest = &block[header_end..];
            continue;
        }
        out.push_str(header);
        out.push_str(HIDDEN);
        let body = &block[header_end..];
        let end = match body.find("-----END") {
            Some(e) => body[e + 8..]
                .find("-----")
                .map_or(body.len(), |i| e + 8 + i + 5),
            None => body.find(['`', '"', '\'']).unwrap_or(body.len()),
        };
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// `scheme://user:password@host` -> `scheme://user:***@host`, for every URL in `text`.
fn url_passwords(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        rest = tail;
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || "`'\"".contains(c))
            .unwrap_or(tail.len());
        let Some((userinfo, _)) = tail[..end].rsplit_once('@') else {
            continue;
        };
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        if password.is_empty() || only_interpolates(password) {
            continue;
        }
        out.push_str(user);
        out.push(':');
        out.push_str(HIDDEN);
        rest = &tail[userinfo.len()..];
    }
    out.push_str(rest);
    out
}

/// `KEY=value`, `KEY: value`, `KEY = value` with a secret-named key: the value (up to a space,
/// a quote, a backtick, `,`, `&` or `;`) becomes `***`, unless it only refers to a variable.
fn secret_assignments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if !is_word(bytes[i]) || (i > 0 && is_word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) {
            i += 1;
        }
        let key = &text[start..i];
        // `${DB_PASSWORD:?set it}`, `$TOKEN`: a reference to a variable, not an assignment.
        if text[..start].ends_with('$') || text[..start].ends_with("${") {
            continue;
        }
        let mut j = i;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        let Some(&sep) = bytes.get(j) else { break };
        if !(sep == b'=' || sep == b':') || !is_secret_name(key) {
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        let quote = bytes.get(j).copied().filter(|b| *b == b'"' || *b == b'\'');
        if quote.is_some() {
            j += 1;
        }
        let value_start = j;
        while j < bytes.len() {
            let b = bytes[j];
            let stop = match quote {
                Some(q) => b == q,
                None => b.is_ascii_whitespace() || b"`\"',&;".contains(&b),
            };
            if stop {
                break;
            }
            j += 1;
        }
        let value = &text[value_start..j];
        if value.is_empty() || only_interpolates(value) || value == HIDDEN {
            i = j;
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(HIDDEN);
        copied = j;
        i = j;
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        assert!(is_secret_name("DB_PASSWORD") && is_secret_name("api-token"));
        assert!(!is_secret_name("DB_PASSWORD_FILE") && !is_secret_name("DATABASE_URL"));
        assert_eq!(
            url_password("postgresql://admin:hunter2@db:5432/app"),
            Some("hunter2")
        );
        assert_eq!(
            url_password("postgresql://admin:${DB_PASSWORD}@db/app"),
            None
        );
        assert_eq!(url_password("https://git@example.com/x"), None);
        assert_eq!(url_password("http://db:5432/a@b"), None);
        assert!(
            only_interpolates("${DB_PASSWORD:?set it}")
                && only_interpolates("$$(cat /run/secrets/pw)")
        );
        assert!(!only_interpolates("p$ss"));
    }

    #[test]
    fn every_shape_is_hidden() {
        let cases = [
            (
                "DATABASE_URL = `postgresql://admin:hunter2@localhost:5432/app` is a URL",
                "DATABASE_URL = `postgresql://admin:***@localhost:5432/app` is a URL",
            ),
            ("`SECRET_KEY=abc123`", "`SECRET_KEY=***`"),
            (
                "DB_PASSWORD: \"p w\" and more",
                "DB_PASSWORD: \"***\" and more",
            ),
            (
                "curl https://x/y?token=t0k&a=1",
                "curl https://x/y?token=***&a=1",
            ),
            (
                "KEY=`-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----` x",
                "KEY=`-----BEGIN RSA PRIVATE KEY-----***` x",
            ),
            (
                "`-----BEGIN OPENSSH PRIVATE KEY-----b3Bl…`",
                "`-----BEGIN OPENSSH PRIVATE KEY-----***`",
            ),
            (
                "SECRET_KEY: ${API_SECRET_KEY:?set}",
                "SECRET_KEY: ${API_SECRET_KEY:?set}",
            ),
            (
                "postgres://u:${PW}@db/x and $$",
                "postgres://u:${PW}@db/x and $$",
            ),
            ("no secret here: PORT=8000", "no secret here: PORT=8000"),
            ("curl -u admin:pw http://x", "curl -u admin:*** http://x"),
            ("curl --user=admin:pw x", "curl --user=admin:*** x"),
            ("pip -u ${USER}:${PW} x", "pip -u ${USER}:${PW} x"),
        ];
        for (text, want) in cases {
            assert_eq!(redact(text), want, "{text}");
        }
    }
}
