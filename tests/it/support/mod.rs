//! Test machinery shared by the integration tests that run scripts: a watchdog process runner
//! and a small HTTP server.

pub mod http;
pub mod process;
