//! Managed files as text: berth merges them line by line, so they must be UTF-8, and a file the
//! user's editor saved with CRLF line endings is compared and merged as LF, then written back
//! with CRLF. (`.env` files are read as bytes instead: see `envfile`.)

use crate::error::{Error, Result};

/// A file's text with LF line endings, and whether it used CRLF.
pub struct Decoded {
    pub lf: String,
    pub crlf: bool,
}

/// Decodes a managed file; a file that is not UTF-8 is refused, naming the first bad line.
pub fn decode(path: &str, bytes: &[u8]) -> Result<Decoded> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        // The line of the first bad byte: one more than the line breaks before it.
        let line = bytes[..e.valid_up_to()].split(|&b| b == b'\n').count();
        Error::NotUtf8 {
            path: path.to_string(),
            line,
        }
    })?;
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    let lf = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_string()
    };
    Ok(Decoded { lf, crlf })
}

/// `text` (LF line endings) as the bytes to write: with CRLF when `crlf`.
pub fn encode(text: &str, crlf: bool) -> Vec<u8> {
    if crlf {
        text.replace('\n', "\r\n").into_bytes()
    } else {
        text.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_round_trips_and_non_utf8_names_the_line() {
        let d = decode("f", b"a\r\nb\r\n").unwrap();
        assert_eq!((d.lf.as_str(), d.crlf), ("a\nb\n", true));
        assert_eq!(encode(&d.lf, d.crlf), b"a\r\nb\r\n");
        let d = decode("f", b"a\nb\n").unwrap();
        assert!(!d.crlf);
        match decode("f", b"ok\nok\nbad \xff\n") {
            Err(Error::NotUtf8 { line, .. }) => assert_eq!(line, 3),
            _ => panic!("not refused"),
        }
    }
}
