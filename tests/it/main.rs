//! berth's integration tests: one test binary (DESIGN.md), one module per concern. They drive
//! the real `berth` binary and check what it writes with the real consumers where one exists
//! (python3 for the scripts, Docker Compose for .env quoting); snapshots live in `snapshots/`.

// Test helpers take owned values that they move into threads or keep for the test's length.
#![allow(clippy::needless_pass_by_value)]

mod audit;
mod build_settings;
mod cli_errors;
mod common;
mod doc_links;
mod docs;
mod e2e_harness;
mod edges;
mod env_merge;
mod env_roundtrip;
mod fleet;
mod gateway_start;
mod kubernetes_env;
mod kubernetes_regenerate;
mod kubernetes_tree;
mod merge_props;
mod module_graph;
mod regenerate;
mod repository;
mod safety;
mod scan;
mod scripts;
mod secret_guard;
mod support;
mod tree_snapshots;
mod upgrade;
mod verify_stack;
mod wizard;
mod workflow;
