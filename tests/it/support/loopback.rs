//! A reqwest client for the tests' own servers on 127.0.0.1.
//!
//! A plain `reqwest::Client`, as an application builds its own: flowglad must not change how
//! it behaves (see tests/reqwest_compat).

#![allow(dead_code)] // each test binary uses what it needs

pub fn client() -> reqwest::Client {
    builder().build().expect("a reqwest client")
}

pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
}
