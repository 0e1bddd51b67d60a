//! Test support for the [`flowglad`] SDK: a stateful fake of the Flowglad API for offline use
//! and tests ([`FakeFlowglad`]), the OpenAPI conformance validator it checks requests with
//! ([`conformance`]), one-line helpers that hand a test a configured client, a customer-scoped
//! facade or a request handler over the fake ([`helpers`]), and `flowglad-mock`, the fake as a
//! standalone server for tests in any language ([`mock`], feature `mock`).
//!
//! Add it as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! flowglad-testing = "0.1"
//! ```
//!
//! ```no_run
//! # async fn run() -> Result<(), flowglad::Error> {
//! let fake = flowglad_testing::FakeFlowglad::start().await; // 127.0.0.1, free port
//! let server = fake.server("user_1"); // a FlowgladServer for customer `user_1`
//! let billing = server.get_billing().await?; // creates the customer on the free plan
//! assert!(!billing.check_feature_access("premium_feature", None));
//! # Ok(()) }
//! ```
//!
//! `cargo install flowglad-testing` installs `flowglad-mock` (see the crate's README).

#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`): rustdoc notes the features of gated items (see flowglad's lib.rs).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod conformance;
pub mod fake;
pub mod helpers;
#[cfg(feature = "mock")]
pub mod mock;

pub use fake::FakeFlowglad;
pub use helpers::{USER_ID_HEADER, customer_server, handler_builder};
