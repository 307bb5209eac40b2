//! The interactive wizard of `berth new` and `berth init`: questions in, answers out.
//!
//! The wizard only collects answers. It returns the structs the flags path builds
//! (`manifest_edit::NewService` for `new`, `answers::ProjectAnswers` for `init`), checked with
//! the flags' own rules (`answers`, `rules`; the wizard never imports a command), and the command then runs the same validation, plan and write as
//! without a terminal; the last step, `review`, shows what that write will do before it
//! happens. Questions talk to a `Prompter` (prompter.rs): dialoguer on a terminal
//! (terminal.rs, which also owns Esc / Ctrl-C handling), a scripted fake in unit tests. One
//! small function per question, in `new_service.rs` and init.rs.

mod init;
mod new_service;
mod prompter;
mod review;
mod terminal;

#[cfg(test)]
mod tests;

pub(crate) use init::init;
pub(crate) use new_service::new_service;
pub(crate) use review::review;
pub(crate) use terminal::Terminal;
