//! The Flowglad fake as a standalone server: `flowglad-mock` (testing/src/mock.rs) run as an
//! example of this crate, e.g. by `cargo xtask bench`:
//!
//! ```sh
//! cargo run --example fake_server -- --port 4010 --admin-port 4011 [--seed pricing.json] [--latency-ms 20]
//! ```
//!
//! The same as `cargo run -p flowglad-testing --bin flowglad-mock -- ...`; `--help` lists
//! every option and the crate's README the admin API (clock, plans, faults, stats).

fn main() -> std::process::ExitCode {
    flowglad_testing::mock::main()
}
