//! `--format github`: one GitHub Actions annotation per finding (`::error file=F,line=N,
//! title=ID::message`), escaped as the runner expects (`%`, CR, LF; also `:` and `,` in
//! properties), written by `berth audit`'s annotation writer (its escaping test is there).

use crate::audit::report::github::annotation;
use crate::scan::{Kind, Report};

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let level = match f.kind {
            Kind::Vulnerable => "error",
            Kind::Unpinned => "warning",
        };
        annotation(
            &mut out,
            level,
            &f.file,
            f.line,
            &f.id,
            &super::message(f),
            &f.fix(),
        );
    }
    out
}
