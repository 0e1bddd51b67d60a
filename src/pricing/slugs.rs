//! Typed slugs: the constants [`flowglad_pricing::generate`] writes are of these types, so a
//! slug of one kind cannot be passed where another kind is expected, and the facade takes
//! them directly.
//!
//! ```
//! use flowglad::pricing::{PriceSlug, UsageMeterSlug};
//! use flowglad::{PriceRef, UsageTarget};
//!
//! const PRO_MONTHLY: PriceSlug = PriceSlug::new("pro_monthly");
//! const API_CALLS: UsageMeterSlug = UsageMeterSlug::new("api_calls");
//!
//! assert_eq!(PriceRef::from(PRO_MONTHLY), PriceRef::slug("pro_monthly"));
//! assert_eq!(UsageTarget::from(API_CALLS), UsageTarget::usage_meter_slug("api_calls"));
//! ```

use crate::ids::{PriceRef, ResourceRef, UsageMeterRef, UsageTarget};

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(&'static str);

        impl $name {
            /// The slug `slug` (generated code calls this; prefer the generated constants).
            pub const fn new(slug: &'static str) -> Self {
                Self(slug)
            }

            /// The slug's text.
            pub const fn as_str(self) -> &'static str {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }

        impl From<$name> for String {
            fn from(slug: $name) -> String {
                slug.0.to_owned()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

slug_type!(
    /// A feature's slug (`check_feature_access`).
    FeatureSlug
);
slug_type!(
    /// A price's slug (`PriceRef`, checkout, subscriptions, usage events by price).
    PriceSlug
);
slug_type!(
    /// A usage meter's slug (`UsageTarget`, `check_usage_balance`).
    UsageMeterSlug
);
slug_type!(
    /// A resource's slug (`ResourceRef`, claims).
    ResourceSlug
);
slug_type!(
    /// A product's slug (`get_product`, `has_purchased`).
    ProductSlug
);

impl From<PriceSlug> for PriceRef {
    fn from(slug: PriceSlug) -> Self {
        PriceRef::slug(slug.0)
    }
}

impl From<PriceSlug> for UsageTarget {
    fn from(slug: PriceSlug) -> Self {
        UsageTarget::price_slug(slug.0)
    }
}

impl From<UsageMeterSlug> for UsageMeterRef {
    fn from(slug: UsageMeterSlug) -> Self {
        UsageMeterRef::slug(slug.0)
    }
}

impl From<UsageMeterSlug> for UsageTarget {
    fn from(slug: UsageMeterSlug) -> Self {
        UsageTarget::usage_meter_slug(slug.0)
    }
}

impl From<ResourceSlug> for ResourceRef {
    fn from(slug: ResourceSlug) -> Self {
        ResourceRef::Slug(slug.0.to_owned())
    }
}
