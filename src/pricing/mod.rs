//! Pricing as code: the pricing model as a file in your repository.
//!
//! - [`PricingModel`]: the document Flowglad's `POST /api/v1/pricing-models/setup` takes and
//!   `GET /api/v1/pricing-models/{id}/export` answers (products, prices, features, usage
//!   meters, resources), read and written as JSON, or YAML with the `yaml` feature. Members
//!   this SDK does not know are kept. The document types are those of the
//!   [`flowglad_pricing`] crate, re-exported here.
//! - [`FlowgladAdmin::export_pricing_model`](crate::FlowgladAdmin::export_pricing_model) and
//!   [`FlowgladAdmin::setup_pricing_model`](crate::FlowgladAdmin::setup_pricing_model): fetch
//!   the document from a live account, push one.
//! - Typed slugs ([`FeatureSlug`], [`PriceSlug`], [`UsageMeterSlug`], [`ResourceSlug`],
//!   [`ProductSlug`]) and [`flowglad_pricing::generate`]: called from your `build.rs` (with
//!   `flowglad-pricing` as a build-dependency, so the build script does not compile this
//!   SDK), it writes constants of those types for every slug of the file, so a misspelt slug
//!   is a compile error instead of a silent `false`.
//! - In tests, the `flowglad-testing` crate's
//!   `FakeFlowglad::builder().pricing_model_file(...)` seeds the fake API with the same file.
//!
//! ```no_run
//! # fn main() -> Result<(), flowglad::pricing::PricingError> {
//! use flowglad::pricing::PricingModel;
//!
//! let model = PricingModel::load("pricing.json")?;
//! for feature in &model.features {
//!     println!("{} ({})", feature.slug, feature.kind);
//! }
//! # Ok(()) }
//! ```

mod remote;
mod slugs;

pub use flowglad_pricing::{
    Feature, Format, Price, PricingError, PricingModel, Product, ProductEntry, Resource,
    UsageMeter, UsageMeterEntry,
};
pub use slugs::{FeatureSlug, PriceSlug, ProductSlug, ResourceSlug, UsageMeterSlug};
