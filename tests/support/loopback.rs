//! A reqwest client for the tests' own servers on 127.0.0.1.
//!
//! flowglad builds reqwest with `rustls-no-provider` and hands its own clients rustls'
//! `ring` provider; a reqwest client made elsewhere in the process needs a process-wide
//! provider, as in any application that leaves reqwest's own TLS features off. Installing
//! it twice is harmless (the second install reports the first and changes nothing).

#![allow(dead_code)] // each test binary uses what it needs

pub fn client() -> reqwest::Client {
    builder().build().expect("a reqwest client")
}

pub fn builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
