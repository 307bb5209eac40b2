//! The `berth` binary: everything is in the library (`lib.rs`).

fn main() -> std::process::ExitCode {
    berth::run(std::env::args_os()).into()
}
