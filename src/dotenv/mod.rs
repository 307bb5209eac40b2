//! The `.env` format, read two ways, with no knowledge of berth's pipeline: `document` keeps a
//! file's raw bytes entry by entry (what the three-way merge in `apply::envfile` needs to write
//! back a line it did not change byte for byte), and `decode` gives each value as Docker Compose
//! reads it (what the plan needs for the Kubernetes overlays' `ConfigMaps`). Both the plan and
//! apply use them, so they live below both as a format library.

pub mod decode;
pub mod document;

pub use document::Document;
