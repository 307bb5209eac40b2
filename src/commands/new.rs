//! `berth new`: add a service to berth.toml (through `toml_edit`) and render its files.
//!
//! The answers come from the flags (`--yes`, or no terminal) or from the wizard (a terminal and
//! no `--yes`), which asks only what the flags left open. Both are checked by the same
//! `answers::NewServiceRules` into one `NewService`, and from there take the same manifest edit,
//! validation, plan and write.

use crate::answers::{NewServiceRules, ServiceFlags};
use crate::cli::NewArgs;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::manifest::{self, Manifest};
use crate::manifest_edit;
use crate::project_lock::Access;
use crate::report::Listing;
use crate::session::{ManifestChange, Session};
use crate::wizard::{self, Terminal};

use super::Globals;

impl From<&NewArgs> for ServiceFlags {
    fn from(args: &NewArgs) -> Self {
        Self {
            name: args.name.clone(),
            kind: args.kind.map(Into::into),
            port: args.port,
            workers: args.workers,
            depends_on: args.depends_on.clone(),
            wait_timeout: args.wait_timeout.clone().unwrap_or_default(),
            route: args.route.clone(),
        }
    }
}

pub(crate) fn run(globals: &Globals, args: &NewArgs) -> Result<ExitStatus> {
    let root = globals.root();
    let access = if args.write.output.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    // Held through the wizard's questions too: the answers are checked against the manifest
    // read here, so no other run may change it before they are written.
    let _lock = if root.join(manifest::FILE_NAME).is_file() {
        Some(globals.lock(&root, access)?)
    } else {
        None
    };
    let (manifest, text) = Manifest::load(&root)?;
    let session = Session::open(&root, Some(&manifest), globals.templates())?;
    let current = session.resolve(&manifest)?;
    let rules = NewServiceRules::new(&current, &session.standard);
    let flags = ServiceFlags::from(args);
    let mut terminal = None;
    let service = if args.write.yes {
        if flags.name.is_none() {
            return Err(Error::Usage {
                message: "`berth new --yes` needs NAME, the one answer without a default".into(),
                fix: "pass NAME (`berth new billing --yes`), or leave out --yes to be asked".into(),
            });
        }
        rules.service(&rules.check_flags(&flags)?)
    } else {
        if !super::interactive() {
            return Err(super::needs_flags(
                "new",
                "NAME (and --kind, --port, --workers, --depends-on, --wait-timeout, --route as needed)",
            ));
        }
        // A bad flag is an error before the first question, exactly as without the wizard.
        let given = rules.check_flags(&flags)?;
        let prompter = terminal.insert(Terminal::new());
        wizard::new_service(prompter, given, &rules)?
    };
    let path = root.join(manifest::FILE_NAME);
    let new_text = manifest_edit::add_service(&text, &service, &path)?;
    let new_manifest = Manifest::parse(&new_text, &path)?;
    let project = session.resolve(&new_manifest)?;
    let plan = session.plan(&project)?;
    let change = ManifestChange {
        old: Some(&text),
        new: &new_text,
    };
    super::write_manifest_change(
        &session,
        &plan,
        change,
        &args.write,
        terminal.as_mut(),
        Listing::Changed,
    )
}
