//! `berth generate`: re-render every file from berth.toml, keeping local edits.

use std::path::Path;

use crate::apply::Options;
use crate::cli::GenerateArgs;
use crate::error::Result;
use crate::manifest::Manifest;
use crate::pipeline::{self, Session};

pub fn run(dir: Option<&Path>, templates: Option<&Path>, args: &GenerateArgs) -> Result<i32> {
    let root = super::root(dir);
    let (manifest, _) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), templates)?;
    let project = session.resolve(&manifest)?;
    let plan = session.plan(&project)?;
    let prepared = session.prepare(
        &plan,
        Options {
            force: args.force,
            prune: args.prune,
            conflict: args.conflict,
        },
    )?;
    pipeline::finish(&session, &prepared, None, args.dry_run, args.verbose)
}
