//! `--format github`: one GitHub Actions annotation per finding (`::error file=F,line=N,
//! title=ID::message`), escaped as the runner expects (`%`, CR, LF; also `:` and `,` in
//! properties), as `berth audit` writes them.

use std::fmt::Write;

use crate::scan::{Kind, Report};

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
        let level = match f.kind {
            Kind::Vulnerable => "error",
            Kind::Unpinned => "warning",
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            property(&f.file),
            f.line,
            property(&f.id),
            data(&format!("{}\nfix: {}", super::message(f), f.fix()))
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
