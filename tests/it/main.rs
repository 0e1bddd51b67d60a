//! The integration tests: one binary, a module per concern, one shared `support`.
//!
//! One binary links the crate once (27 binaries each linked it before). Modules that need a
//! cargo feature say so with `#![cfg(...)]` at their top; `cargo test --all-features` runs
//! them all. Separate binaries remain only where they must: the `tests/pricing_app` and
//! `tests/reqwest_compat` crates (a build script, and Cargo's feature unification, are what
//! they test). The browser end-to-end test is a module too (`browser_e2e`): it includes
//! `examples/react_app.rs` and runs beside the others instead of before them.

mod handler_support;
mod support;

// The facade and its client.
mod facade_admin;
mod facade_billing;
mod facade_client;
mod facade_on_fake;
mod facade_server;
// The generated client, its wire format and its public surface.
mod generated;
mod public_api;
mod raw_decode;
mod raw_wire;
mod transport;
// The request handler, and @flowglad/react in Chromium over it.
mod browser_e2e;
mod handler_actix;
mod handler_axum;
mod handler_contract;
mod handler_hyper;
mod handler_openapi;
mod handler_props;
mod hardening;
// Webhooks.
mod webhook;
mod webhook_delivery;
// Usage, caching, feature gates.
mod billing_cache;
mod gate_axum;
mod outbox_crash;
mod outbox_postgres;
mod outbox_sqlite;
mod outbox_support;
mod usage_batcher;
// The contract suite: the same tests against the fake and a real Flowglad server.
mod contract;
// The fake Flowglad, its conformance checks, its clock; pricing as code; tracing.
mod conformance;
mod fake;
mod fake_paid_paths;
mod pricing;
mod test_clock;
mod tracing_spans;
