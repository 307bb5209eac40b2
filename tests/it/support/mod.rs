//! Test machinery shared by the integration tests that run scripts: a watchdog process runner
//! and a small HTTP server.

pub(crate) mod http;
pub(crate) mod process;
