//! The `berth` binary: everything is in the library (`lib.rs`).

fn main() {
    std::process::exit(berth::run());
}
