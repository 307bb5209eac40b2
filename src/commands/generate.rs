//! `berth generate`: re-render every file from berth.toml, keeping local edits.

use crate::apply::Options;
use crate::cli::GenerateArgs;
use crate::error::Result;
use crate::exit::ExitStatus;
use crate::manifest::Manifest;
use crate::project_lock::Access;
use crate::report::{self, Listing};
use crate::session::Session;

use super::Globals;

pub(crate) fn run(globals: &Globals, args: &GenerateArgs) -> Result<ExitStatus> {
    let root = globals.root();
    let access = if args.output.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let _lock = globals.lock(&root, access)?;
    let (manifest, _) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), globals.templates())?;
    let (_, prepared) = session.prepare_manifest(
        &manifest,
        Options {
            force: args.output.force,
            prune: args.prune,
            conflict: args.output.conflict.into(),
            ..Options::default()
        },
    )?;
    let listing = if args.output.verbose {
        Listing::All
    } else {
        Listing::Changed
    };
    report::finish(&session, &prepared, None, args.output.dry_run, listing)
}
