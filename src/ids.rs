//! Slug-or-id references. A price or a usage meter is addressed by its slug or by its id,
//! never both and never neither: these enums make other states unrepresentable.
//!
//! From JSON (e.g. a request body) they are read from the flat fields the API uses
//! (`priceId` / `priceSlug`, `usageMeterId` / `usageMeterSlug`) through `from_fields`, whose
//! error names the missing or conflicting fields.
//!
//! ```
//! use flowglad::{PriceRef, UsageTarget};
//!
//! let price = PriceRef::slug("pro_monthly");
//! assert_eq!(price.as_slug(), Some("pro_monthly"));
//!
//! let err = PriceRef::from_fields(Some("price_1".into()), Some("pro".into())).unwrap_err();
//! assert!(err.to_string().contains("priceId/priceSlug"));
//!
//! let target = UsageTarget::usage_meter_slug("api_calls");
//! assert_eq!(target, UsageTarget::UsageMeterSlug("api_calls".into()));
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Checks an id that becomes a URL path segment: not empty or whitespace, and not `.` or
/// `..` (which URL normalisation would turn into another path).
///
/// ```
/// use flowglad::ids::check_path_id;
///
/// assert!(check_path_id("id", "sub_123").is_ok());
/// for bad in ["", "  ", ".", ".."] {
///     assert!(check_path_id("id", bad).unwrap_err().to_string().contains("invalid id"));
/// }
/// ```
pub fn check_path_id(field: &'static str, id: &str) -> Result<(), Error> {
    match path_id_problem(id) {
        Some(problem) => Err(Error::validation(field, format!("{field} {problem}"))),
        None => Ok(()),
    }
}

/// Why `id` cannot be an id (blank, `.` or `..`), if it cannot.
pub(crate) fn path_id_problem(id: &str) -> Option<&'static str> {
    if id.trim().is_empty() {
        Some("cannot be empty")
    } else if id == "." || id == ".." {
        Some("cannot be \".\" or \"..\"")
    } else {
        None
    }
}

/// A named optional input: its JSON name and its value, already turned into the result type.
pub(crate) type Field<T> = (&'static str, Option<T>);

/// `(name, value.map(make))`: one candidate of [`exactly_one`].
pub(crate) fn field<V, T>(name: &'static str, value: Option<V>, make: fn(V) -> T) -> Field<T> {
    (name, value.map(make))
}

/// The one given value among `fields`; the error names the missing or conflicting fields.
pub(crate) fn exactly_one<T>(fields: Vec<Field<T>>) -> Result<T, Error> {
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    let mut given: Vec<(&'static str, T)> = fields
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
    match given.len() {
        1 => Ok(given.pop().expect("one element").1),
        0 => Err(Error::validation(
            names.join("/"),
            format!(
                "exactly one of {} is required; none was given",
                names.join(", ")
            ),
        )),
        _ => {
            let conflicting: Vec<&str> = given.iter().map(|(name, _)| *name).collect();
            Err(Error::validation(
                conflicting.join("/"),
                format!(
                    "exactly one of {} may be given; got {}",
                    names.join(", "),
                    conflicting.join(" and ")
                ),
            ))
        }
    }
}

/// A price, by slug or by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PriceRef {
    /// The price's slug (`priceSlug`).
    Slug(String),
    /// The price's id (`priceId`).
    Id(String),
}

impl PriceRef {
    /// By slug.
    pub fn slug(slug: impl Into<String>) -> Self {
        PriceRef::Slug(slug.into())
    }

    /// By id.
    pub fn id(id: impl Into<String>) -> Self {
        PriceRef::Id(id.into())
    }

    /// From the API's flat fields; exactly one must be `Some`.
    pub fn from_fields(
        price_id: Option<String>,
        price_slug: Option<String>,
    ) -> Result<Self, Error> {
        exactly_one(vec![
            field("priceId", price_id, PriceRef::Id),
            field("priceSlug", price_slug, PriceRef::Slug),
        ])
    }

    /// The slug, if addressed by slug.
    pub fn as_slug(&self) -> Option<&str> {
        match self {
            PriceRef::Slug(s) => Some(s),
            PriceRef::Id(_) => None,
        }
    }

    /// The id, if addressed by id.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            PriceRef::Id(s) => Some(s),
            PriceRef::Slug(_) => None,
        }
    }

    /// `(priceId, priceSlug)` as the API's optional fields.
    pub fn into_fields(self) -> (Option<String>, Option<String>) {
        match self {
            PriceRef::Id(id) => (Some(id), None),
            PriceRef::Slug(slug) => (None, Some(slug)),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PriceFields {
    #[serde(rename = "priceId", default, skip_serializing_if = "Option::is_none")]
    price_id: Option<String>,
    #[serde(rename = "priceSlug", default, skip_serializing_if = "Option::is_none")]
    price_slug: Option<String>,
}

impl Serialize for PriceRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (price_id, price_slug) = self.clone().into_fields();
        PriceFields {
            price_id,
            price_slug,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PriceRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = PriceFields::deserialize(deserializer)?;
        PriceRef::from_fields(fields.price_id, fields.price_slug).map_err(serde::de::Error::custom)
    }
}

/// `{"priceId": ...}` or `{"priceSlug": ...}`, exactly one (flattened into the params that
/// take a price).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for PriceRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PriceRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        exactly_one_schema(&["priceId", "priceSlug"])
    }
}

/// An object of optional string properties `names` of which exactly one must be present.
#[cfg(feature = "schemars")]
pub(crate) fn exactly_one_schema(names: &[&str]) -> schemars::Schema {
    let properties: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), serde_json::json!({"type": "string"})))
        .collect();
    let one_of: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"required": [name]}))
        .collect();
    schemars::json_schema!({
        "type": "object",
        "properties": properties,
        "oneOf": one_of,
    })
}

/// A usage meter, by slug or by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UsageMeterRef {
    /// `usageMeterSlug`.
    Slug(String),
    /// `usageMeterId`.
    Id(String),
}

impl UsageMeterRef {
    /// By slug.
    pub fn slug(slug: impl Into<String>) -> Self {
        UsageMeterRef::Slug(slug.into())
    }

    /// By id.
    pub fn id(id: impl Into<String>) -> Self {
        UsageMeterRef::Id(id.into())
    }

    /// From the API's flat fields; exactly one must be `Some`.
    pub fn from_fields(
        usage_meter_id: Option<String>,
        usage_meter_slug: Option<String>,
    ) -> Result<Self, Error> {
        exactly_one(vec![
            field("usageMeterId", usage_meter_id, UsageMeterRef::Id),
            field("usageMeterSlug", usage_meter_slug, UsageMeterRef::Slug),
        ])
    }
}

/// What a usage event is recorded against: exactly one of a price (slug or id) or a usage
/// meter (slug or id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UsageTarget {
    /// `priceSlug`.
    PriceSlug(String),
    /// `priceId`.
    PriceId(String),
    /// `usageMeterSlug`.
    UsageMeterSlug(String),
    /// `usageMeterId`.
    UsageMeterId(String),
}

impl UsageTarget {
    /// By price slug.
    pub fn price_slug(slug: impl Into<String>) -> Self {
        UsageTarget::PriceSlug(slug.into())
    }

    /// By price id.
    pub fn price_id(id: impl Into<String>) -> Self {
        UsageTarget::PriceId(id.into())
    }

    /// By usage meter slug.
    pub fn usage_meter_slug(slug: impl Into<String>) -> Self {
        UsageTarget::UsageMeterSlug(slug.into())
    }

    /// By usage meter id.
    pub fn usage_meter_id(id: impl Into<String>) -> Self {
        UsageTarget::UsageMeterId(id.into())
    }

    /// From the API's four flat fields; exactly one must be `Some`.
    pub fn from_fields(
        price_id: Option<String>,
        price_slug: Option<String>,
        usage_meter_id: Option<String>,
        usage_meter_slug: Option<String>,
    ) -> Result<Self, Error> {
        exactly_one(vec![
            field("priceId", price_id, UsageTarget::PriceId),
            field("priceSlug", price_slug, UsageTarget::PriceSlug),
            field("usageMeterId", usage_meter_id, UsageTarget::UsageMeterId),
            field(
                "usageMeterSlug",
                usage_meter_slug,
                UsageTarget::UsageMeterSlug,
            ),
        ])
    }

    /// `(priceId, priceSlug, usageMeterId, usageMeterSlug)`.
    pub fn into_fields(
        self,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        match self {
            UsageTarget::PriceId(v) => (Some(v), None, None, None),
            UsageTarget::PriceSlug(v) => (None, Some(v), None, None),
            UsageTarget::UsageMeterId(v) => (None, None, Some(v), None),
            UsageTarget::UsageMeterSlug(v) => (None, None, None, Some(v)),
        }
    }
}

impl From<PriceRef> for UsageTarget {
    fn from(price: PriceRef) -> Self {
        match price {
            PriceRef::Slug(s) => UsageTarget::PriceSlug(s),
            PriceRef::Id(s) => UsageTarget::PriceId(s),
        }
    }
}

impl From<UsageMeterRef> for UsageTarget {
    fn from(meter: UsageMeterRef) -> Self {
        match meter {
            UsageMeterRef::Slug(s) => UsageTarget::UsageMeterSlug(s),
            UsageMeterRef::Id(s) => UsageTarget::UsageMeterId(s),
        }
    }
}

/// Exactly one of `priceId`, `priceSlug`, `usageMeterId`, `usageMeterSlug` (flattened into
/// the params of a usage event).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for UsageTarget {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UsageTarget".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        exactly_one_schema(&["priceId", "priceSlug", "usageMeterId", "usageMeterSlug"])
    }
}

#[derive(Serialize, Deserialize)]
struct TargetFields {
    #[serde(rename = "priceId", default, skip_serializing_if = "Option::is_none")]
    price_id: Option<String>,
    #[serde(rename = "priceSlug", default, skip_serializing_if = "Option::is_none")]
    price_slug: Option<String>,
    #[serde(
        rename = "usageMeterId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    usage_meter_id: Option<String>,
    #[serde(
        rename = "usageMeterSlug",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    usage_meter_slug: Option<String>,
}

impl Serialize for UsageTarget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (price_id, price_slug, usage_meter_id, usage_meter_slug) = self.clone().into_fields();
        TargetFields {
            price_id,
            price_slug,
            usage_meter_id,
            usage_meter_slug,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UsageTarget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = TargetFields::deserialize(deserializer)?;
        UsageTarget::from_fields(
            f.price_id,
            f.price_slug,
            f.usage_meter_id,
            f.usage_meter_slug,
        )
        .map_err(serde::de::Error::custom)
    }
}

/// A resource, by slug (`resourceSlug`) or by id (`resourceId`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResourceRef {
    /// `resourceSlug`.
    Slug(String),
    /// `resourceId`.
    Id(String),
}

impl ResourceRef {
    /// By slug.
    pub fn slug(slug: impl Into<String>) -> Self {
        ResourceRef::Slug(slug.into())
    }

    /// By id.
    pub fn id(id: impl Into<String>) -> Self {
        ResourceRef::Id(id.into())
    }

    /// From the API's flat fields; exactly one must be `Some`.
    pub fn from_fields(
        resource_slug: Option<String>,
        resource_id: Option<String>,
    ) -> Result<Self, Error> {
        exactly_one(vec![
            field("resourceSlug", resource_slug, ResourceRef::Slug),
            field("resourceId", resource_id, ResourceRef::Id),
        ])
    }
}

#[derive(Serialize, Deserialize)]
struct ResourceFields {
    #[serde(
        rename = "resourceSlug",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    resource_slug: Option<String>,
    #[serde(
        rename = "resourceId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    resource_id: Option<String>,
}

impl Serialize for ResourceRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (resource_slug, resource_id) = match self.clone() {
            ResourceRef::Slug(slug) => (Some(slug), None),
            ResourceRef::Id(id) => (None, Some(id)),
        };
        ResourceFields {
            resource_slug,
            resource_id,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ResourceRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = ResourceFields::deserialize(deserializer)?;
        ResourceRef::from_fields(f.resource_slug, f.resource_id).map_err(serde::de::Error::custom)
    }
}

/// `{"resourceSlug": ...}` or `{"resourceId": ...}`, exactly one.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ResourceRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ResourceRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        exactly_one_schema(&["resourceSlug", "resourceId"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn price_ref_from_fields() {
        assert_eq!(
            PriceRef::from_fields(None, Some("pro".into())).unwrap(),
            PriceRef::slug("pro")
        );
        assert_eq!(
            PriceRef::from_fields(Some("price_1".into()), None).unwrap(),
            PriceRef::id("price_1")
        );
        let both = PriceRef::from_fields(Some("a".into()), Some("b".into())).unwrap_err();
        assert!(
            matches!(&both, Error::Validation { field, .. } if field == "priceId/priceSlug"),
            "{both:?}"
        );
        let neither = PriceRef::from_fields(None, None).unwrap_err();
        assert!(neither.to_string().contains("none was given"), "{neither}");
        assert!(
            neither.to_string().contains("priceId, priceSlug"),
            "{neither}"
        );
    }

    #[test]
    fn price_ref_serde_flat_fields() {
        assert_eq!(
            serde_json::to_value(PriceRef::slug("pro")).unwrap(),
            json!({"priceSlug": "pro"})
        );
        let parsed: PriceRef = serde_json::from_value(json!({"priceId": "p"})).unwrap();
        assert_eq!(parsed, PriceRef::id("p"));
        let err = serde_json::from_value::<PriceRef>(json!({"priceId": "p", "priceSlug": "s"}))
            .unwrap_err();
        assert!(err.to_string().contains("priceId and priceSlug"), "{err}");
    }

    #[test]
    fn usage_target_from_fields() {
        let t = UsageTarget::from_fields(None, None, None, Some("calls".into())).unwrap();
        assert_eq!(t, UsageTarget::usage_meter_slug("calls"));
        let err =
            UsageTarget::from_fields(Some("a".into()), None, Some("b".into()), None).unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field, .. } if field == "priceId/usageMeterId"),
            "{err:?}"
        );
        let err = UsageTarget::from_fields(None, None, None, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("priceId, priceSlug, usageMeterId, usageMeterSlug")
        );
        assert_eq!(
            serde_json::to_value(UsageTarget::price_id("p")).unwrap(),
            json!({"priceId": "p"})
        );
        assert_eq!(
            UsageTarget::from(UsageMeterRef::id("m")),
            UsageTarget::UsageMeterId("m".into())
        );
        assert_eq!(
            UsageMeterRef::from_fields(Some("m".into()), None).unwrap(),
            UsageMeterRef::id("m")
        );
    }
}
