//! berth's exit statuses, named: what a caller (a CI job, a script) can tell apart without
//! reading the output. Every command returns one; `run` hands it to the process.

use std::process::ExitCode;

/// How a run of berth ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing to report.
    Success,
    /// 1: drift, conflicts or findings (the run itself worked).
    Failure,
    /// 2: berth could not run: bad input, usage, an I/O failure.
    Error,
    /// 130: the user stopped the run (Ctrl-C, Esc, or "no" at the confirmation).
    Interrupted,
}

impl ExitStatus {
    /// `Failure` when `failed`, else `Success`.
    pub fn failure_if(failed: bool) -> Self {
        if failed {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        }
    }

    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
