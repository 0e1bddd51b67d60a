//! Resource claims. Every method resolves the subscription (given, else the customer's only
//! current one) and checks ownership before calling `/api/v1/resource-claims/{id}/...`.

use serde::{Deserialize, Serialize};

use super::{FlowgladServer, MULTIPLE_RESOURCES};
use crate::error::Result;
use crate::raw::types;
use crate::verbatim::Verbatim;

/// A resource, by slug or by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ResourceRef {
    /// `resourceSlug`.
    #[serde(rename = "resourceSlug")]
    Slug(String),
    /// `resourceId`.
    #[serde(rename = "resourceId")]
    Id(String),
}

/// How much to claim: exactly one of a quantity, one external id, or several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
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
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimResourceParams {
    /// The resource's slug.
    pub resource_slug: String,
    /// What to claim.
    pub amount: ClaimAmount,
    /// The subscription; `None` = the only current one.
    pub subscription_id: Option<String>,
    /// Metadata of the claims.
    pub metadata: Option<types::Metadata>,
}

/// Parameters of [`FlowgladServer::release_resource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseResourceParams {
    /// The resource's slug.
    pub resource_slug: String,
    /// What to release.
    pub amount: ReleaseAmount,
    /// The subscription; `None` = the only current one.
    pub subscription_id: Option<String>,
}

impl FlowgladServer {
    async fn resource_subscription(&self, subscription_id: Option<&str>) -> Result<String> {
        let id = self
            .resolve_subscription_id(subscription_id, MULTIPLE_RESOURCES)
            .await?;
        self.owned_subscription(&id).await?;
        Ok(id)
    }

    /// The usage of every resource of the subscription (the `usage` member of each item).
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
    pub async fn get_resource_usage(
        &self,
        resource: &ResourceRef,
        subscription_id: Option<&str>,
    ) -> Result<Verbatim<types::ResourceUsage>> {
        let id = self.resource_subscription(subscription_id).await?;
        let (resource_id, resource_slug) = match resource {
            ResourceRef::Id(v) => (Some(v.as_str()), None),
            ResourceRef::Slug(v) => (None, Some(v.as_str())),
        };
        let raw = self.raw();
        self.send(raw.resource_claims_get_usage(&id, resource_id, resource_slug))
            .await
    }

    /// Claims a resource (`POST /api/v1/resource-claims/{id}/claim`).
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
    pub async fn list_resource_claims(
        &self,
        subscription_id: Option<&str>,
        resource_slug: Option<&str>,
    ) -> Result<Verbatim<types::ResourceClaimsListClaimsResponse>> {
        let id = self.resource_subscription(subscription_id).await?;
        let slug = resource_slug.filter(|s| !s.is_empty());
        let raw = self.raw();
        self.send(raw.resource_claims_list_claims(&id, slug)).await
    }
}
