//! The contract suite (tests/contract/): every test runs against the fake Flowglad API and
//! against a real Flowglad server (`FLOWGLAD_REAL_ENV`); see tests/contract/mod.rs.

#![cfg(feature = "testing")]

// `tests/contract/` is also the module's directory, so the path is named explicitly (in a
// single test binary `tests/it/main.rs` this becomes a plain `mod contract;`).
#[path = "contract/mod.rs"]
mod contract;
