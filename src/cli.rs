//! The command line, declared with clap's derive API; the doc comments are the help text.
//!
//! Nothing here does work: each subcommand's arguments are handed to its `commands::<name>::run`,
//! which turns them into the plain types below it. The enums here mirror domain enums
//! (`Kind`, `Preset`, `ConflictMode`) so that clap stays in this layer.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::answers::Preset;
use crate::apply::ConflictMode;
use crate::audit::Severity;
use crate::audit::report::Format as AuditFormat;
use crate::standard::Kind;

use crate::VERSION;

/// Scaffold and maintain the container setup of a Python microservice platform.
///
/// berth renders compliant multi-stage Dockerfiles, per-service Docker ignore files, Compose
/// files, per-environment .env files and the health / wait-for-dependency scripts from one
/// manifest, berth.toml, following the platform's container standard.
#[derive(Debug, Parser)]
#[command(name = "berth", version = VERSION, propagate_version = true, after_help = "\
Examples:
  berth init demo --preset mvp --yes          the standard's four services, non-interactive
  berth -C demo new billing --kind http --yes add a service (next free port, 2 workers)
  berth -C demo generate --dry-run            show what a regenerate would change
  berth -C demo check                         fail (exit 1) when the files drifted")]
pub(crate) struct Cli {
    /// Project folder holding berth.toml [default: the current folder]
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Template folder whose files replace the embedded templates of the same path
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Exit 2 instead of waiting when another berth run holds the project
    #[arg(long, global = true)]
    pub no_wait: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Init(InitArgs),
    New(NewArgs),
    Generate(GenerateArgs),
    Check(CheckArgs),
    Audit(AuditArgs),
    Scan(ScanArgs),
    #[command(subcommand)]
    Fleet(FleetCommand),
    Completions(CompletionsArgs),
}

/// Create berth.toml from a preset and render the whole tree.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth init demo --preset mvp --yes       auth-service, creator-hub, ai-engine, channel-service + gateway
  berth init . --preset minimal --yes      no services yet; add them with `berth new`
  berth init shop --env dev,prod --yes     only the dev and prod environments")]
pub(crate) struct InitArgs {
    /// Folder to initialise (created if missing) [default: -C DIR or the current folder]
    pub path: Option<PathBuf>,

    /// Starting point: `mvp` has the standard's four services and the gateway, `minimal` none
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,

    /// Project name (images are named NAME/SERVICE) [default: the folder's name]
    #[arg(long)]
    pub name: Option<String>,

    /// Environments to generate .env files and Compose overrides for
    #[arg(long = "env", value_delimiter = ',', value_name = "ENV,...")]
    pub environments: Option<Vec<String>>,

    /// Include the reverse-proxy gateway [default: on for mvp, off for minimal]
    #[arg(long, overrides_with = "no_gateway")]
    pub gateway: bool,

    /// Leave the gateway out
    #[arg(long)]
    pub no_gateway: bool,

    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PresetArg {
    /// the standard's four services and the gateway
    Mvp,
    /// no services
    Minimal,
}

impl From<PresetArg> for Preset {
    fn from(arg: PresetArg) -> Self {
        match arg {
            PresetArg::Mvp => Preset::Mvp,
            PresetArg::Minimal => Preset::Minimal,
        }
    }
}

/// The kinds of service the standard knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KindArg {
    /// HTTP API
    Http,
    /// WebSocket service
    Websocket,
    /// background / AI worker
    Worker,
}

impl From<KindArg> for Kind {
    fn from(arg: KindArg) -> Self {
        match arg {
            KindArg::Http => Kind::Http,
            KindArg::Websocket => Kind::Websocket,
            KindArg::Worker => Kind::Worker,
        }
    }
}

/// How conflicts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ConflictArg {
    /// git-style conflict markers in the file itself
    #[default]
    Markers,
    /// leave the file untouched and write the new render to `<file>.berth-new`
    Sidecar,
}

impl From<ConflictArg> for ConflictMode {
    fn from(arg: ConflictArg) -> Self {
        match arg {
            ConflictArg::Markers => ConflictMode::Markers,
            ConflictArg::Sidecar => ConflictMode::Sidecar,
        }
    }
}

/// Add a service to berth.toml and render its files.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth new creator-hub --yes                          a service from the standard's table: port 8002, 2 workers
  berth new billing --kind http --depends-on auth-service --yes
  berth new live-feed --kind websocket --port 8010 --wait-timeout 90 --yes
  berth new search --depends-on auth-service,postgres --wait-timeout postgres=120 --yes
  berth new                                            interactive wizard (needs a terminal)")]
pub(crate) struct NewArgs {
    /// Service name: lowercase kebab-case, 2-40 characters
    pub name: Option<String>,

    /// Kind of service [default: the standard's for a known name, else http]
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,

    /// Port [default: the standard's for a known name, else the next free one]
    #[arg(long)]
    pub port: Option<i64>,

    /// Uvicorn workers [default: the standard's for the name or the kind]
    #[arg(long)]
    pub workers: Option<i64>,

    /// Services this one waits for (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub depends_on: Option<Vec<String>>,

    /// Seconds to wait for each dependency [default: the standard's for the kind]; DEP=SECS
    /// sets one dependency apart, e.g. `90` or `60,postgres=120`
    #[arg(long, value_delimiter = ',', value_name = "SECS|DEP=SECS")]
    pub wait_timeout: Option<Vec<String>>,

    /// Gateway route prefix [default: /NAME]
    #[arg(long)]
    pub route: Option<String>,

    #[command(flatten)]
    pub write: WriteArgs,
}

/// Options shared by the commands that write.
#[derive(Debug, Args)]
pub(crate) struct WriteArgs {
    /// Take the default for everything not given; never prompt
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How a writing command writes: for real or as a diff, over files berth does not own or not,
/// with conflicts in the file or beside it, listing what.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Print the unified diff of what would change and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite files that exist but were not written by berth
    #[arg(long)]
    pub force: bool,

    /// How to write a conflict between local edits and the new render
    #[arg(long, value_enum, default_value_t = ConflictArg::Markers)]
    pub conflict: ConflictArg,

    /// List every file, unchanged ones too
    #[arg(short, long)]
    pub verbose: bool,
}

/// Re-render every file from berth.toml, keeping local edits.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth generate                     update the files after editing berth.toml or upgrading berth
  berth generate --dry-run           show the exact diff, write nothing
  berth generate --conflict sidecar  on a conflict keep the file and write FILE.berth-new
  berth generate --prune             remove unedited files of services no longer in berth.toml")]
pub(crate) struct GenerateArgs {
    #[command(flatten)]
    pub output: OutputArgs,

    /// Remove files berth wrote for services no longer in berth.toml (only if unedited)
    #[arg(long)]
    pub prune: bool,
}

/// Fail (exit 1) when the files are missing, conflicted or behind berth.toml or the standard.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth check                    in CI: exit 1 when `berth generate` would change something
  berth check --strict           also fail on managed files edited by hand
  berth check --format json      machine-readable findings")]
pub(crate) struct CheckArgs {
    /// Also fail on managed files edited by hand
    #[arg(long)]
    pub strict: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Many berth projects at once: which standard version each is on, and the rollout of an update.
#[derive(Debug, Subcommand)]
pub(crate) enum FleetCommand {
    Status(FleetStatusArgs),
    Update(FleetUpdateArgs),
}

/// The projects to work on: folders searched for berth.toml, or a list file.
#[derive(Debug, Args)]
pub(crate) struct FleetProjects {
    /// Folders to search for berth projects (a folder holding berth.toml)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Read the project folders from FILE, one a line (blank lines and `#` comments skipped)
    #[arg(long, value_name = "FILE")]
    pub list: Option<PathBuf>,
}

/// Show every project's standard version and state; writes nothing.
///
/// States: up-to-date, behind (generate would change files or .env values), conflicts
/// (generate would conflict), edited (up to date, with edits regenerate keeps), unresolved
/// (conflict markers or .berth-new files left), invalid (berth.toml does not load), busy
/// (another berth run holds the project). Exit 0 when every project is up to date or edited,
/// 1 otherwise, 2 for bad input.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth fleet status ~/src                       every berth project under ~/src, as a table
  berth fleet status --list repos.txt --format json   for a dashboard (docs/fleet-status.schema.json)
  berth fleet status ~/src --format markdown     a summary to paste in a tracking issue")]
pub(crate) struct FleetStatusArgs {
    #[command(flatten)]
    pub projects: FleetProjects,

    /// Output format
    #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
    pub format: FleetFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FleetFormat {
    Table,
    Json,
    Markdown,
}

/// Regenerate every project on a new git branch and commit the result; never pushes.
///
/// Per project inside a git work tree: refuses a dirty work tree, a detached HEAD or a branch
/// NAME that exists with other commits; otherwise creates NAME from HEAD, runs what `berth
/// generate` runs, commits with a message naming the standard versions, the files changed and
/// the conflicts left, and checks the branch it was on out again. Ends with the push commands.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth fleet update ~/src --branch berth/standard-2026.12 --dry-run   what each project would get
  berth fleet update ~/src --branch berth/standard-2026.12 --report prs   commit, and write PR bodies")]
pub(crate) struct FleetUpdateArgs {
    #[command(flatten)]
    pub projects: FleetProjects,

    /// Branch to create in every project's repository and commit the update on
    #[arg(long, value_name = "NAME")]
    pub branch: String,

    /// How to write a conflict between local edits and the new render
    #[arg(long, value_enum, default_value_t = ConflictArg::Markers)]
    pub conflict: ConflictArg,

    /// Write one markdown report per project into DIR (the pull request's body)
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Also update projects outside any git work tree, in place
    #[arg(long)]
    pub no_git: bool,

    /// List what each project would get; write nothing, create no branch
    #[arg(long)]
    pub dry_run: bool,
}

/// Audit container files against the container standard (any repository, berth-made or not).
///
/// Finds Dockerfiles (Dockerfile, Dockerfile.*, *.Dockerfile), Compose files
/// (docker-compose*.yml|yaml, compose*.yml|yaml) and Docker ignore files (.dockerignore,
/// <Dockerfile>.dockerignore) under each PATH, skipping what .gitignore ignores, and reports
/// where they break the standard's rules. Writes nothing. Exit code: 0 no finding at or above
/// --fail-on, 1 findings, 2 bad input. Suppress one finding with a comment on or above its line:
/// `# berth-audit: ignore RULE-ID reason`; a whole rule with `[audit.ignore] RULE-ID = "reason"`
/// in berth.toml or --ignore RULE-ID=REASON.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth audit                                  the current folder, as text
  berth audit services/api docker-compose.yml  some folders and files
  berth audit --format sarif > audit.sarif     for GitHub code scanning
  berth audit --format github                  annotations in a GitHub Actions job
  berth audit --fail-on error                  exit 1 only for errors
  berth audit --ignore 'BA-C005=one environment only: a demo'
  berth audit --explain BA-H004                the rule, the standard's sentence, an example
  berth audit --list-rules                     every rule with its id and severity")]
pub(crate) struct AuditArgs {
    /// Folders or files to audit [default: -C DIR or the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
    pub format: AuditFormatArg,

    /// Exit 1 when a finding has this severity or a higher one
    #[arg(long, value_enum, default_value_t = SeverityArg::Warning, value_name = "SEVERITY")]
    pub fail_on: SeverityArg,

    /// Switch a whole rule off, with the reason (repeatable)
    #[arg(long, value_name = "RULE-ID=REASON")]
    pub ignore: Vec<String>,

    /// Print a rule: the standard's sentence, the fix and a compliant example
    #[arg(long, value_name = "RULE-ID", conflicts_with_all = ["paths", "list_rules"])]
    pub explain: Option<String>,

    /// List every rule (a Markdown table): id, severity, the standard's sentence, equivalent
    /// checks of hadolint, checkov and trivy
    #[arg(long, conflicts_with = "paths")]
    pub list_rules: bool,
}

/// Scan the services' Python dependencies against an offline OSV advisory database.
///
/// Reads the database from a folder (the PyPA advisory database, vulns/<package>/<ID>.yaml) or
/// a zip (osv-scanner's PyPI/all.zip), then checks the `==` pins of every service's
/// requirements.txt, or with --images / --image the distributions installed in built images
/// (read from `docker image save`, the image is not run). A requirement that names no single
/// version is a finding of its own. Exit code: 0 no finding, 1 findings, 2 when the database is
/// missing, unreadable, holds no PyPI advisory or is older than --max-age (see docs/scan.md).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth scan --db ~/advisory-database                  every service's requirements.txt
  BERTH_ADVISORY_DB=~/all.zip berth scan --images      every service's built image
  berth scan --image demo/ai-engine:latest             one image, no project needed
  berth scan --max-age 90d --format sarif > scan.sarif accept a database up to 90 days old")]
pub(crate) struct ScanArgs {
    /// OSV advisory database: a folder or a zip
    #[arg(long, env = "BERTH_ADVISORY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Refuse a database whose newest advisory is older than this (e.g. 30d, 12w, 90days)
    #[arg(long, default_value = "30d", value_name = "AGE")]
    pub max_age: String,

    /// Scan this built image instead of the project's requirements (repeatable)
    #[arg(long, value_name = "IMAGE")]
    pub image: Vec<String>,

    /// Scan every service's built image, named as the Compose file names it (see docs/scan.md)
    #[arg(long, conflicts_with = "image")]
    pub images: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = AuditFormatArg::Text)]
    pub format: AuditFormatArg,
}

/// Print shell completions.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  berth completions bash > /etc/bash_completion.d/berth
  berth completions zsh > \"${fpath[1]}/_berth\"")]
pub(crate) struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// `berth audit --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuditFormatArg {
    /// Grouped by file: line, rule id, message and the fix
    Text,
    /// One JSON document (schema: docs/audit-report.schema.json)
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitHub workflow annotations (`::error file=...,line=...::`)
    Github,
}

impl From<AuditFormatArg> for AuditFormat {
    fn from(arg: AuditFormatArg) -> Self {
        match arg {
            AuditFormatArg::Text => AuditFormat::Text,
            AuditFormatArg::Json => AuditFormat::Json,
            AuditFormatArg::Sarif => AuditFormat::Sarif,
            AuditFormatArg::Github => AuditFormat::Github,
        }
    }
}

/// `berth audit --fail-on`: the least severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArg {
    /// advice: a recommendation of the standard
    Info,
    /// a rule of the standard is not followed
    Warning,
    /// a security or correctness problem
    Error,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Self {
        match arg {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks of the whole command line (conflicting flags, duplicate
    /// names, bad defaults), which otherwise only fire when a flag is used.
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
