//! Testing support (feature `testing`): a stateful fake of the Flowglad API for offline use and
//! tests ([`FakeFlowglad`]), and the OpenAPI conformance validator it checks requests with.

pub mod conformance;
pub mod fake;

pub use fake::FakeFlowglad;
