//! One error type for the whole program, each variant carrying what a user needs to fix it.
//!
//! berth's promise on bad input is: exit code 2, a message naming the field, the value and the
//! fix, and nothing written. Every check runs before the apply step, so an `Error` returned from
//! anywhere before `apply` is, by construction, a run that wrote nothing. Exit codes follow
//! DESIGN.md: 0 ok, 1 drift / conflicts / findings (never an error), 2 bad input, usage or an
//! I/O failure, 130 interrupted or declined by the user.

use std::fmt;
use std::path::PathBuf;

use crate::exit::ExitStatus;

/// Why a rule said no to a value: what is wrong with it (a predicate of the value, "is
/// already used by ai-engine") and what to do about it. The flag error, the manifest error and
/// the wizard's re-ask all show these same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub fix: String,
}

impl Refusal {
    pub fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// One problem found in the manifest or in the flags that feed it: a field, the value as the
/// user wrote it, and the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the field (`services.auth-service.port`) or the flag (`--port`).
    pub field: String,
    /// The offending value as the user wrote it.
    pub value: String,
    pub refusal: Refusal,
}

impl Problem {
    pub fn new(field: impl Into<String>, value: impl fmt::Display, refusal: Refusal) -> Self {
        Self {
            field: field.into(),
            value: value.to_string(),
            refusal,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {}: {}\n  fix: {}",
            self.field, self.value, self.refusal.message, self.refusal.fix
        )
    }
}

/// Where invalid values came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The flags (and arguments) of this run.
    CommandLine,
    /// berth.toml.
    Manifest,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::CommandLine => "the command line",
            Origin::Manifest => crate::MANIFEST_FILE,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest or the flags hold invalid values (all of them are listed).
    #[error("{} in {origin}:\n{}", plural(.problems.len(), "invalid value"), list(.problems))]
    Invalid {
        origin: Origin,
        problems: Vec<Problem>,
    },

    /// `berth.toml` is not well-formed TOML or has unknown keys / wrong types.
    #[error("{path} is not a valid manifest: {message}\n  fix: {fix}")]
    ManifestSyntax {
        path: PathBuf,
        message: String,
        fix: String,
    },

    /// No `berth.toml` where one is needed.
    #[error(
        "no berth.toml in {dir}\n  fix: run `berth init {dir}` first, or pass -C DIR to point at the project"
    )]
    NotInitialised { dir: PathBuf },

    /// `berth init` on a folder that already has a manifest.
    #[error(
        "{path} already exists\n  fix: run `berth generate` to re-render it, or `berth new NAME` to add a service"
    )]
    AlreadyInitialised { path: PathBuf },

    /// Files on disk that berth did not write and would have to overwrite.
    #[error("{} would be overwritten but berth does not manage {them}:\n{}\n  fix: move {them} away, or rerun with --force to overwrite {them} (.env files: adopt, keeping every value)",
        plural(.paths.len(), "file"),
        .paths.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"),
        them = if .paths.len() == 1 { "it" } else { "them" })]
    Unmanaged { paths: Vec<String> },

    /// `.berth/lock.toml` cannot be read as a lock.
    #[error(
        "{path} is damaged: {message}\n  fix: restore it from version control (git checkout .berth), or delete it and run `berth generate --force` to adopt the files as they are"
    )]
    LockDamaged { path: PathBuf, message: String },

    /// `.berth/lock.toml` was written by a newer berth, in a format this one does not know.
    #[error(
        "{path} has lock format {format}, written by berth {berth_version}; this berth reads up to format {known}\n  fix: use berth {berth_version} or newer in this project (cargo install --path . --locked from a newer checkout)"
    )]
    LockTooNew {
        path: PathBuf,
        format: u32,
        berth_version: String,
        known: u32,
    },

    /// The standard's data (embedded or from the organisation's folder) is not valid.
    #[error(
        "the standard's data {path} is not valid: {message}\n  fix: correct {path} in the template folder (see templates/standard.toml)"
    )]
    StandardInvalid { path: String, message: String },

    /// Values of a `.env.<env>` file that a file derived from it (a Kubernetes overlay) cannot
    /// carry as they are (all of them are listed).
    #[error("{path}: {} the Kubernetes overlay cannot carry:\n{}", plural(.problems.len(), "value"), list(.problems))]
    EnvValues {
        path: String,
        problems: Vec<Problem>,
    },

    /// A `.env.<env>` file that Docker Compose itself cannot read, needed for a derived file.
    #[error(
        "{path}: line {line}: {message}; Docker Compose cannot read this file either\n  fix: {fix}"
    )]
    EnvSyntax {
        path: String,
        line: usize,
        message: String,
        fix: String,
    },

    /// A managed file berth must merge is not UTF-8 text.
    #[error(
        "{path}: line {line} is not UTF-8, and berth merges managed files as text\n  fix: save {path} as UTF-8 (or move it away and run `berth generate` to get a fresh copy)"
    )]
    NotUtf8 { path: String, line: usize },

    /// A template (embedded or from the organisation's folder) failed to load or render.
    #[error(
        "template {path}: {message}\n  fix: correct the template (its variables and filters: docs/templates.md)"
    )]
    Template { path: String, message: String },

    /// A usage problem that clap cannot see (e.g. a prompt needed but no terminal).
    #[error("{message}\n  fix: {fix}")]
    Usage { message: String, fix: String },

    /// Another berth holds the project lock and `--no-wait` was given.
    #[error(
        "the project {dir} is locked by {holder}\n  fix: wait for that run to finish, or run again without --no-wait to wait for it"
    )]
    Locked { dir: PathBuf, holder: String },

    /// A path berth would write or remove resolves, through a symbolic link, outside the
    /// project.
    #[error(
        "{path}: {link} is a symbolic link to {target}, outside the project; berth never writes outside the project folder or through a dangling link\n  fix: replace {link} with a real folder or file inside the project (or remove it), then run berth again"
    )]
    OutsideProject {
        path: String,
        link: String,
        target: String,
    },

    /// Ctrl-C or Esc at a prompt of the wizard: nothing was written.
    #[error("interrupted: nothing was written")]
    Interrupted,

    /// "no" at the wizard's final confirmation: nothing was written.
    #[error("cancelled: nothing was written")]
    Declined,

    #[error("{path}: {source}\n  fix: {}", io_fix(.source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            // The user stopped the run (Esc, Ctrl-C, or "no" at the confirmation).
            Error::Interrupted | Error::Declined => ExitStatus::Interrupted,
            // Everything else is "berth could not run": bad input, usage, I/O. Exit 1 is kept
            // for drift, conflicts and findings, so CI can tell the two apart.
            _ => ExitStatus::Error,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn invalid(origin: Origin, problems: Vec<Problem>) -> Self {
        Error::Invalid { origin, problems }
    }
}

/// The fix of an I/O failure, by its kind.
fn io_fix(error: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "check the path: it, or a folder on the way to it, does not exist",
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "give the user running berth access to it (its permissions or those of its folder)"
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            "free some disk space and run berth again"
        }
        _ => {
            "check that the path is a file or folder berth may read and write, then run berth again"
        }
    }
}

/// `n what`, with an `s` when `n` is not 1.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("- {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
