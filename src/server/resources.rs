//! Resource claims. Every method resolves the subscription (given, else the customer's only
//! current one) and checks ownership before calling `/api/v1/resource-claims/{id}/...`.

use serde::{Deserialize, Serialize};

use super::FlowgladServer;
use crate::error::{Error, Result};
use crate::ids::{exactly_one, field};
use crate::raw::types;
use crate::subscription_choice::MULTIPLE;
use crate::verbatim::Verbatim;

use crate::ids::ResourceRef;

/// How much to claim: exactly one of a quantity, one external id, or several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ClaimAmount {
    /// Anonymous claims (> 0).
    Quantity(i64),
    /// One claim keyed by your id.
    ExternalId(String),
    /// Several claims keyed by your ids.
    ExternalIds(Vec<String>),
}

/// What to release: exactly one of a quantity, external id(s), or claim ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ReleaseAmount {
    /// Anonymous claims (> 0).
    Quantity(i64),
    /// The claim with this external id.
    ExternalId(String),
    /// The claims with these external ids.
    ExternalIds(Vec<String>),
    /// These claims.
    ClaimIds(Vec<String>),
}

/// Parameters of [`FlowgladServer::claim_resource`].
///
/// From JSON (the request handler's `resources/claim`), exactly one of `quantity` (> 0),
/// `externalId`, `externalIds` (not empty) is accepted.
///
/// ```
/// use flowglad::{ClaimAmount, ClaimResourceParams};
///
/// let params = ClaimResourceParams::new("seats", ClaimAmount::ExternalId("user_7".into()))
///     .subscription_id("sub_123");
/// let parsed: ClaimResourceParams = serde_json::from_value(serde_json::json!({
///     "resourceSlug": "seats", "externalId": "user_7", "subscriptionId": "sub_123"
/// })).unwrap();
/// assert_eq!(parsed, params);
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(extend("oneOf" = [{"required": ["quantity"]}, {"required": ["externalId"]}, {"required": ["externalIds"]}])))]
#[serde(try_from = "ClaimFields")]
pub struct ClaimResourceParams {
    pub(crate) resource_slug: String,
    pub(crate) amount: ClaimAmount,
    pub(crate) subscription_id: Option<String>,
    pub(crate) metadata: Option<types::Metadata>,
}

impl ClaimResourceParams {
    /// Claims `amount` of the resource with this slug, on the customer's only current
    /// subscription unless [`subscription_id`](Self::subscription_id) names one.
    pub fn new(resource_slug: impl Into<String>, amount: ClaimAmount) -> Self {
        ClaimResourceParams {
            resource_slug: resource_slug.into(),
            amount,
            subscription_id: None,
            metadata: None,
        }
    }

    /// Claims on this subscription.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }

    /// Metadata of the claims (string, number or boolean values).
    pub fn metadata(mut self, metadata: types::Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// The JSON form of [`ClaimResourceParams`].
#[derive(Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClaimFields {
    resource_slug: String,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    metadata: Option<types::Metadata>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    external_ids: Option<Vec<String>>,
}

impl TryFrom<ClaimFields> for ClaimResourceParams {
    type Error = Error;

    fn try_from(f: ClaimFields) -> Result<Self> {
        let amount = exactly_one(vec![
            field(
                "quantity",
                f.quantity.map(positive).transpose()?,
                ClaimAmount::Quantity,
            ),
            field("externalId", f.external_id, ClaimAmount::ExternalId),
            field(
                "externalIds",
                f.external_ids
                    .map(|ids| non_empty("externalIds", ids))
                    .transpose()?,
                ClaimAmount::ExternalIds,
            ),
        ])?;
        Ok(ClaimResourceParams {
            resource_slug: f.resource_slug,
            amount,
            subscription_id: f.subscription_id,
            metadata: f.metadata,
        })
    }
}

/// Parameters of [`FlowgladServer::release_resource`].
///
/// From JSON (the request handler's `resources/release`), exactly one of `quantity` (> 0),
/// `externalId`, `externalIds`, `claimIds` (lists not empty) is accepted.
///
/// ```
/// use flowglad::{ReleaseAmount, ReleaseResourceParams};
///
/// let params = ReleaseResourceParams::new("seats", ReleaseAmount::Quantity(2));
/// let parsed: ReleaseResourceParams =
///     serde_json::from_value(serde_json::json!({"resourceSlug": "seats", "quantity": 2})).unwrap();
/// assert_eq!(parsed, params);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(extend("oneOf" = [{"required": ["quantity"]}, {"required": ["externalId"]}, {"required": ["externalIds"]}, {"required": ["claimIds"]}])))]
#[serde(try_from = "ReleaseFields")]
pub struct ReleaseResourceParams {
    pub(crate) resource_slug: String,
    pub(crate) amount: ReleaseAmount,
    pub(crate) subscription_id: Option<String>,
}

impl ReleaseResourceParams {
    /// Releases `amount` of the resource with this slug, on the customer's only current
    /// subscription unless [`subscription_id`](Self::subscription_id) names one.
    pub fn new(resource_slug: impl Into<String>, amount: ReleaseAmount) -> Self {
        ReleaseResourceParams {
            resource_slug: resource_slug.into(),
            amount,
            subscription_id: None,
        }
    }

    /// Releases on this subscription.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }
}

/// The JSON form of [`ReleaseResourceParams`].
#[derive(Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleaseFields {
    resource_slug: String,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    external_ids: Option<Vec<String>>,
    #[serde(default)]
    claim_ids: Option<Vec<String>>,
}

impl TryFrom<ReleaseFields> for ReleaseResourceParams {
    type Error = Error;

    fn try_from(f: ReleaseFields) -> Result<Self> {
        let ids = |name, ids: Option<Vec<String>>| ids.map(|ids| non_empty(name, ids)).transpose();
        let amount = exactly_one(vec![
            field(
                "quantity",
                f.quantity.map(positive).transpose()?,
                ReleaseAmount::Quantity,
            ),
            field("externalId", f.external_id, ReleaseAmount::ExternalId),
            field(
                "externalIds",
                ids("externalIds", f.external_ids)?,
                ReleaseAmount::ExternalIds,
            ),
            field(
                "claimIds",
                ids("claimIds", f.claim_ids)?,
                ReleaseAmount::ClaimIds,
            ),
        ])?;
        Ok(ReleaseResourceParams {
            resource_slug: f.resource_slug,
            amount,
            subscription_id: f.subscription_id,
        })
    }
}

/// Parameters of [`FlowgladServer::list_resource_claims`]: which subscription, and
/// optionally one resource.
///
/// ```
/// use flowglad::server::resources::ListResourceClaimsParams;
///
/// let params = ListResourceClaimsParams::new().resource_slug("seats");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListResourceClaimsParams {
    #[serde(default)]
    pub(crate) subscription_id: Option<String>,
    #[serde(default)]
    pub(crate) resource_slug: Option<String>,
}

impl ListResourceClaimsParams {
    /// The claims of every resource on the customer's only current subscription.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists the claims of this subscription.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }

    /// Lists only the claims of this resource.
    pub fn resource_slug(mut self, slug: impl Into<String>) -> Self {
        self.resource_slug = Some(slug.into());
        self
    }
}

fn positive(quantity: i64) -> Result<i64> {
    if quantity > 0 {
        Ok(quantity)
    } else {
        Err(Error::validation("quantity", "must be an integer > 0"))
    }
}

fn non_empty(field: &'static str, ids: Vec<String>) -> Result<Vec<String>> {
    if ids.is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(ids)
    }
}

impl FlowgladServer {
    async fn resource_subscription(&self, subscription_id: Option<&str>) -> Result<String> {
        let id = self
            .resolve_subscription_id(subscription_id, MULTIPLE)
            .await?;
        self.owned_subscription(&id).await?;
        Ok(id)
    }

    /// The usage of every resource of the subscription (the `usage` member of each item).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let usages = server.get_resource_usages(None).await?;
    /// for usage in usages.iter() {
    ///     println!("{}: {} of {} claimed", usage.resource_slug, usage.claimed, usage.capacity);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_resource_usages(
        &self,
        subscription_id: Option<&str>,
    ) -> Result<Vec<Verbatim<types::ResourceUsageData>>> {
        let id = self.resource_subscription(subscription_id).await?;
        let raw = self.raw();
        let list = self
            .send(raw.resource_claims_list_resource_usages(&id, None, None))
            .await?;
        list.project(&[], |list| list.0)?
            .into_items()?
            .into_iter()
            .map(|item| item.project(&["usage"], |item| item.usage))
            .collect()
    }

    /// One resource's usage and claims.
    ///
    /// ```no_run
    /// use flowglad::ResourceRef;
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let seats = server.get_resource_usage(&ResourceRef::slug("seats"), None).await?;
    /// println!("{} claims", seats.claims.len());
    /// # Ok(()) }
    /// ```
    pub async fn get_resource_usage(
        &self,
        resource: &ResourceRef,
        subscription_id: Option<&str>,
    ) -> Result<Verbatim<types::ResourceUsage>> {
        let id = self.resource_subscription(subscription_id).await?;
        let mut query = vec![match resource {
            ResourceRef::Slug(slug) => ("resourceSlug", slug.as_str()),
            ResourceRef::Id(id) => ("resourceId", id.as_str()),
        }];
        // As the TypeScript SDK: the query is the whole params object, so a given
        // `subscriptionId` is sent too (the spec does not list it; the API reads it).
        if let Some(given) = subscription_id {
            query.push(("subscriptionId", given));
        }
        let path = format!(
            "/api/v1/resource-claims/{}/usage",
            crate::client::encode_segment(&id)
        );
        self.send(
            self.client
                .get_with_query("resource_claims_get_usage", &path, &query),
        )
        .await
    }

    /// Claims a resource (`POST /api/v1/resource-claims/{id}/claim`).
    ///
    /// ```no_run
    /// use flowglad::{ClaimAmount, ClaimResourceParams};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let claimed = server
    ///     .claim_resource(ClaimResourceParams::new("seats", ClaimAmount::ExternalId("user_7".into())))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn claim_resource(
        &self,
        params: ClaimResourceParams,
    ) -> Result<Verbatim<types::ResourceClaimsClaimResponse>> {
        let id = self
            .resource_subscription(params.subscription_id.as_deref())
            .await?;
        let (quantity, external_id, external_ids) = match params.amount {
            ClaimAmount::Quantity(q) => (Some(q), None, Vec::new()),
            ClaimAmount::ExternalId(e) => (None, Some(e), Vec::new()),
            ClaimAmount::ExternalIds(e) => (None, None, e),
        };
        let body = types::ResourceClaimsClaimBody {
            external_id,
            external_ids,
            metadata: params.metadata,
            quantity,
            resource_slug: params.resource_slug,
        };
        let raw = self.raw();
        self.send_mutation(raw.resource_claims_claim(&id, &body))
            .await
    }

    /// Releases claims (`POST /api/v1/resource-claims/{id}/release`).
    ///
    /// ```no_run
    /// use flowglad::{ReleaseAmount, ReleaseResourceParams};
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// server
    ///     .release_resource(ReleaseResourceParams::new("seats", ReleaseAmount::ExternalId("user_7".into())))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn release_resource(
        &self,
        params: ReleaseResourceParams,
    ) -> Result<Verbatim<types::ResourceClaimsReleaseResponse>> {
        let id = self
            .resource_subscription(params.subscription_id.as_deref())
            .await?;
        let mut body = types::ResourceClaimsReleaseBody {
            claim_ids: Vec::new(),
            external_id: None,
            external_ids: Vec::new(),
            quantity: None,
            resource_slug: params.resource_slug,
        };
        match params.amount {
            ReleaseAmount::Quantity(q) => body.quantity = Some(q),
            ReleaseAmount::ExternalId(e) => body.external_id = Some(e),
            ReleaseAmount::ExternalIds(e) => body.external_ids = e,
            ReleaseAmount::ClaimIds(c) => body.claim_ids = c,
        }
        let raw = self.raw();
        self.send_mutation(raw.resource_claims_release(&id, &body))
            .await
    }

    /// Active claims of the subscription, optionally for one resource slug.
    ///
    /// ```no_run
    /// use flowglad::ListResourceClaimsParams;
    ///
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let claims = server
    ///     .list_resource_claims(&ListResourceClaimsParams::new().resource_slug("seats"))
    ///     .await?;
    /// println!("{} seats taken", claims.claims.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_resource_claims(
        &self,
        params: &ListResourceClaimsParams,
    ) -> Result<Verbatim<types::ResourceClaimsListClaimsResponse>> {
        let id = self
            .resource_subscription(params.subscription_id.as_deref())
            .await?;
        let slug = params.resource_slug.as_deref().filter(|s| !s.is_empty());
        let raw = self.raw();
        self.send(raw.resource_claims_list_claims(&id, slug)).await
    }
}
