//! Testing support (feature `testing`): an OpenAPI conformance validator.

pub mod conformance;
