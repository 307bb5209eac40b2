//! A file read for the audit: its text, the path shown to the user, and line numbers.
//!
//! Every parser reports positions as byte offsets or 0-based rows; findings carry 1-based
//! lines. This type is the one place that converts, so every rule reports lines the same way.

use std::path::Path;

/// One audited file, read once.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// Path as shown in findings: `/`-separated, as given on the command line joined with the
    /// path inside it, without a leading `./`.
    pub display: String,
    /// The file's text (invalid UTF-8 replaced, so a binary file is a parse finding, not a
    /// crash).
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl Source {
    pub(crate) fn new(display: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            display,
            text,
            line_starts,
        }
    }

    /// Reads `path`; `display` names it in findings.
    pub(crate) fn read(path: &Path, display: String) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Ok(Self::new(display, text))
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        let index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    /// The text of a 1-based line, without its line break.
    pub(crate) fn line_text(&self, line: u32) -> &str {
        let Some(&start) = self.line_starts.get(line as usize - 1) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Number of lines.
    pub(crate) fn lines(&self) -> u32 {
        u32::try_from(self.line_starts.len()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets() {
        let s = Source::new("x".into(), "ab\ncd\n\nef".into());
        assert_eq!(s.line_of(0), 1);
        assert_eq!(s.line_of(2), 1);
        assert_eq!(s.line_of(3), 2);
        assert_eq!(s.line_of(6), 3);
        assert_eq!(s.line_of(7), 4);
        assert_eq!(s.line_text(2), "cd");
        assert_eq!(s.line_text(4), "ef");
        assert_eq!(s.lines(), 4);
    }
}
