//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::warning file=F,line=N,title=ID::message`), so findings appear on the pull request's
//! lines. Data and property values are escaped as the runner expects (`%`, CR, LF; also `:`
//! and `,` in properties).

use std::fmt::Write;

use crate::audit::findings::{Report, Severity};

fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            property(&f.file),
            f.line,
            property(f.rule),
            data(&format!("{}\nfix: {}", f.message, f.fix))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\na"), "50%25%0Aa");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
