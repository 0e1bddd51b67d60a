//! Flowglad pricing models as code, for build scripts: the pricing model document and the
//! generator of typed slug constants.
//!
//! Keep your Flowglad pricing model in a file of your repository (JSON, or YAML with the
//! `yaml` feature) and call [`generate`] from your `build.rs`: it writes a module of
//! constants for every feature, price, usage meter, resource and product slug of the file,
//! so a misspelt slug is a compile error instead of a silent `false` from
//! `check_feature_access`. The constants are of the typed slug types of the
//! [`flowglad`](https://docs.rs/flowglad) SDK (`::flowglad::pricing::FeatureSlug`, ...),
//! which the SDK's methods take directly.
//!
//! This crate is small on purpose (serde, serde_json, thiserror, and serde_yaml_ng with
//! `yaml`): your build script depends on it, not on the SDK, so the SDK and its HTTP stack
//! are compiled once, for your app only. The SDK re-exports the document types as `flowglad::pricing`
//! (with `export_pricing_model` / `setup_pricing_model` to fetch and push the document, and
//! the test fake's `pricing_model_file` to seed a fake account with it).
//!
//! ```toml
//! [dependencies]
//! flowglad = "0.1"
//!
//! [build-dependencies]
//! flowglad-pricing = { version = "0.1", features = ["yaml"] }
//! ```
//!
//! ```no_run
//! // build.rs, in `fn main()`: writes $OUT_DIR/flowglad_pricing.rs, reruns when the file changes.
//! if let Err(error) = flowglad_pricing::generate("pricing.yaml") {
//!     panic!("pricing.yaml: {error}");
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs (or any module of the app)
//! mod pricing {
//!     include!(concat!(env!("OUT_DIR"), "/flowglad_pricing.rs"));
//! }
//! use pricing::{features, prices};
//!
//! let pro = billing.check_feature_access(features::PREMIUM_FEATURE, None);
//! let upgrade = flowglad::PriceRef::from(prices::PRO_MONTHLY);
//! ```
//!
//! The document itself ([`PricingModel`]) is the body of Flowglad's
//! `POST /api/v1/pricing-models/setup` and the answer of
//! `GET /api/v1/pricing-models/{id}/export`; members this crate does not name are kept, so a
//! document read and written again keeps everything it had:
//!
//! ```
//! # fn main() -> Result<(), flowglad_pricing::PricingError> {
//! use flowglad_pricing::PricingModel;
//!
//! let model = PricingModel::from_json(r#"{"name": "Acme", "x-owner": "billing",
//!     "features": [{"type": "toggle", "slug": "premium", "name": "Premium",
//!                   "description": "The premium feature"}],
//!     "products": [], "usageMeters": []}"#)?;
//! assert_eq!(model.features[0].slug, "premium");
//! assert_eq!(model.to_json_value()["x-owner"], "billing");
//! assert_eq!(model.features[0].extra["description"], "The premium feature");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, see Cargo.toml): rustdoc notes on every gated item the cargo
// features it needs ("Available on crate feature X only"). Since rustdoc 1.92, `doc_cfg` infers
// them from the `#[cfg(feature = ...)]` attributes (of the item, its impl, its modules, and a
// `pub use`), so items carry no `doc(cfg(...))` of their own that could drift from the `cfg`.
// `tests/public_api.rs` checks the built docs (`.ci/run`).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod codegen;
mod document;
mod format;
mod idents;

pub use codegen::{generate, generate_to_string};
pub use document::{
    Feature, Price, PricingModel, Product, ProductEntry, Resource, UsageMeter, UsageMeterEntry,
};
pub use format::{Format, PricingError};
