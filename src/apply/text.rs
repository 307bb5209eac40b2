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
    let text = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_string(),
        line: bad_line(bytes, &e),
    })?;
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    let lf = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_string()
    };
    Ok(Decoded { lf, crlf })
}

/// The line (from 1) of the first byte that is not UTF-8: one more than the line breaks before it.
pub fn bad_line(bytes: &[u8], error: &std::str::Utf8Error) -> usize {
    bytes[..error.valid_up_to()].split(|&b| b == b'\n').count()
}

/// `bytes` with CRLF line endings turned into LF (bytes that are not UTF-8 replaced), for
/// telling a file that differs only in its line endings from an edited one.
pub fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .into_bytes()
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
