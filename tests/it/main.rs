//! berth's integration tests: one test binary (DESIGN.md), one module per concern. They drive
//! the real `berth` binary and check what it writes with the real consumers where one exists
//! (python3 for the scripts, Docker Compose for .env quoting); snapshots live in `snapshots/`.

mod audit;
mod cli_errors;
mod common;
mod env_roundtrip;
mod regenerate;
mod scripts;
mod tree_snapshots;
mod wizard;
mod workflow;
