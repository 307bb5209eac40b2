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
        annotation(&mut out, level, &f.file, f.line, f.rule, &f.message, &f.fix);
    }
    out
}

/// One workflow-command annotation, escaped: `::LEVEL file=F,line=N,title=T::MESSAGE\nfix: FIX`
/// (also `berth scan`'s).
pub(crate) fn annotation(
    out: &mut String,
    level: &str,
    file: &str,
    line: impl std::fmt::Display,
    title: &str,
    message: &str,
    fix: &str,
) {
    let _ = writeln!(
        out,
        "::{level} file={},line={line},title={}::{}",
        property(file),
        property(title),
        data(&format!("{message}\nfix: {fix}"))
    );
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
