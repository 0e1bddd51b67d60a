//! Rust server SDK for [Flowglad](https://flowglad.com).

pub mod raw;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;
