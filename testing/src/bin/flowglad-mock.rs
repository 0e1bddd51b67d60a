//! `flowglad-mock`: the fake Flowglad API as a standalone server (see
//! `flowglad_testing::mock` for the command line and the admin API).

fn main() -> std::process::ExitCode {
    flowglad_testing::mock::main()
}
