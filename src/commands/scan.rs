//! `berth scan`: dependencies against an offline advisory database (see `src/scan/`).
//!
//! This layer only turns the command line into `scan::Options` (the database, the accepted
//! age, the targets: from `--image`, or from berth.toml's services through the pipeline's
//! manifest and resolve steps), runs the scan and prints the report; the exit code is 1 when
//! there is a finding. A database that cannot be trusted is an error (exit 2), raised by the
//! scan before any target is read.

use std::time::{Duration, SystemTime};

use crate::cli::ScanArgs;
use crate::error::{Error, Origin, Problem, Refusal, Result};
use crate::exit::ExitStatus;
use crate::manifest::Manifest;
use crate::project_lock::Access;
use crate::scan::{self, db, plan, report};
use crate::session::Session;

use super::Globals;

pub(crate) fn run(globals: &Globals, args: &ScanArgs) -> Result<ExitStatus> {
    let max_age = max_age(&args.max_age)?;
    let db = args.db.clone().ok_or_else(|| Error::Usage {
        message: "no advisory database: berth scan never reports \"clean\" without one".into(),
        fix: format!(
            "pass --db PATH or set BERTH_ADVISORY_DB to a copy of one: {}",
            db::REFRESH
        ),
    })?;
    let targets = if args.image.is_empty() {
        let root = globals.root();
        let _lock = globals.lock(&root, Access::Read)?;
        let (manifest, _) = Manifest::load(&root)?;
        let session = Session::open(&root, Some(&manifest), globals.templates())?;
        let project = session.resolve(&manifest)?;
        if args.images {
            let env = |k| std::env::var(k).ok();
            plan::images(
                &project,
                env("IMAGE_PREFIX").as_deref(),
                env("IMAGE_TAG").as_deref(),
            )
        } else {
            plan::requirements(&project, &root)
        }
    } else {
        plan::named_images(&args.image)
    };
    let options = scan::Options {
        db,
        max_age,
        targets,
    };
    let report = scan::run(&options, SystemTime::now())?;
    crate::report::print(&report::render(&report, args.format.into()))?;
    Ok(ExitStatus::failure_if(!report.findings.is_empty()))
}

/// `--max-age`: a duration (`30d`, `12w`, `90days`), or a bare number of days.
fn max_age(value: &str) -> Result<Duration> {
    let parsed = match value.trim().parse::<u64>() {
        Ok(days) => Ok(Duration::from_secs(days * 86_400)),
        Err(_) => humantime::parse_duration(value.trim()),
    };
    parsed.map_err(|e| {
        Error::invalid(
            Origin::CommandLine,
            vec![Problem::new(
                "--max-age",
                value,
                Refusal::new(
                    format!("is not an age ({e})"),
                    "give days or a duration: --max-age 30, --max-age 30d, --max-age 12w",
                ),
            )],
        )
    })
}
