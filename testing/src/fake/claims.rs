//! Resource claims: capacity comes from the `resource` features of a subscription's product.

use serde_json::{Value, json};

use super::records::{merge, shape};
use super::state::{Claim, Failure, State};

impl State {
    fn resource_of(&self, v: &Value) -> Result<(String, String), Failure> {
        let r = if let Some(slug) = v["resourceSlug"].as_str() {
            self.catalog.resources.iter().find(|r| r.slug == slug)
        } else if let Some(id) = v["resourceId"].as_str() {
            self.catalog.resources.iter().find(|r| r.id == id)
        } else {
            return Err(Failure::bad_request(
                "resourceSlug or resourceId is required",
            ));
        };
        r.map(|r| (r.id.clone(), r.slug.clone()))
            .ok_or_else(|| Failure::not_found("Resource"))
    }

    /// The sum of the amounts of the subscription's resource item features for the resource
    /// that have not expired (Flowglad's aggregated capacity).
    fn capacity(&self, sub_id: &str, resource_id: &str) -> Result<i64, Failure> {
        let s = self.sub(sub_id)?;
        let now = self.clock();
        Ok(self
            .feature_items(s)
            .iter()
            .filter(|f| {
                f["type"] == "resource"
                    && f["resourceId"].as_str() == Some(resource_id)
                    && f["expiredAt"].as_i64().is_none_or(|at| at > now)
            })
            .filter_map(|f| f["amount"].as_i64())
            .sum())
    }

    fn active_claims(&self, sub_id: &str, resource_id: Option<&str>) -> Vec<&Claim> {
        self.claims
            .iter()
            .filter(|c| {
                c.subscription_id == sub_id
                    && c.released_at.is_none()
                    && resource_id.is_none_or(|r| c.resource_id == r)
            })
            .collect()
    }

    fn claim_record(&self, c: &Claim) -> Value {
        let fields = merge(
            json!({"id": c.id, "createdAt": c.claimed_at, "updatedAt": c.released_at.unwrap_or(c.claimed_at),
                   "livemode": false, "organizationId": super::catalog::ORG,
                   "pricingModelId": self.catalog.pm_id}),
            json!({"subscriptionId": c.subscription_id, "resourceId": c.resource_id,
                   "externalId": c.external_id, "metadata": c.metadata, "claimedAt": c.claimed_at,
                   "releasedAt": c.released_at,
                   "releaseReason": c.released_at.map(|_| "released"), "expiredAt": null}),
        );
        shape("ResourceClaimClientSelectSchema", &fields)
    }

    fn claim_records<'a>(&self, claims: impl IntoIterator<Item = &'a Claim>) -> Vec<Value> {
        claims.into_iter().map(|c| self.claim_record(c)).collect()
    }

    fn usage(&self, sub_id: &str, resource_id: &str, slug: &str) -> Result<Value, Failure> {
        let capacity = self.capacity(sub_id, resource_id)?;
        let claimed = self.active_claims(sub_id, Some(resource_id)).len() as i64;
        Ok(
            json!({"resourceSlug": slug, "resourceId": resource_id, "capacity": capacity,
                  "claimed": claimed, "available": capacity - claimed}),
        )
    }

    pub(crate) fn claim(&mut self, sub_id: &str, body: &Value) -> Result<Value, Failure> {
        let (rid, slug) = self.resource_of(body)?;
        let s = self.sub(sub_id)?;
        if s.status == "canceled" {
            return Err(Failure::bad_request(
                "Cannot claim resources on a canceled subscription",
            ));
        }
        let external: Vec<Option<String>> = if let Some(ids) = body["externalIds"].as_array() {
            ids.iter().map(|v| v.as_str().map(str::to_owned)).collect()
        } else if let Some(id) = body["externalId"].as_str() {
            vec![Some(id.to_owned())]
        } else {
            vec![None; body["quantity"].as_u64().unwrap_or(1) as usize]
        };
        let mut result = Vec::new();
        let mut new = Vec::new();
        for ext in external {
            let existing = ext.as_ref().and_then(|e| {
                self.active_claims(sub_id, Some(&rid))
                    .into_iter()
                    .find(|c| c.external_id.as_ref() == Some(e))
                    .cloned()
            });
            match existing {
                Some(c) => result.push(c),
                None => new.push(ext),
            }
        }
        let capacity = self.capacity(sub_id, &rid)?;
        let claimed = self.active_claims(sub_id, Some(&rid)).len();
        if claimed + new.len() > usize::try_from(capacity).unwrap_or(0) {
            return Err(Failure::bad_request(format!(
                "No available capacity. Requested: {}, Available: {}, Total capacity: {capacity}",
                new.len(),
                capacity - claimed as i64
            )));
        }
        for ext in new {
            let now = self.now();
            let id = self.next_id("claim");
            let c = Claim {
                id,
                subscription_id: sub_id.to_owned(),
                resource_id: rid.clone(),
                external_id: ext,
                metadata: body.get("metadata").cloned().unwrap_or(Value::Null),
                claimed_at: now,
                released_at: None,
            };
            self.claims.push(c.clone());
            result.push(c);
        }
        Ok(json!({"claims": self.claim_records(&result),
                  "usage": self.usage(sub_id, &rid, &slug)?}))
    }

    pub(crate) fn release(&mut self, sub_id: &str, body: &Value) -> Result<Value, Failure> {
        let (rid, slug) = self.resource_of(body)?;
        self.sub(sub_id)?;
        let strings = |key: &str| -> Option<Vec<String>> {
            body[key].as_array().map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
        };
        let active: Vec<Claim> = self
            .active_claims(sub_id, Some(&rid))
            .into_iter()
            .cloned()
            .collect();
        let chosen: Vec<String> = if let Some(ids) = strings("claimIds") {
            active
                .iter()
                .filter(|c| ids.contains(&c.id))
                .map(|c| c.id.clone())
                .collect()
        } else if let Some(ext) = strings("externalIds")
            .or_else(|| body["externalId"].as_str().map(|e| vec![e.to_owned()]))
        {
            active
                .iter()
                .filter(|c| c.external_id.as_ref().is_some_and(|e| ext.contains(e)))
                .map(|c| c.id.clone())
                .collect()
        } else {
            let n = body["quantity"].as_u64().unwrap_or(1) as usize;
            active
                .iter()
                .filter(|c| c.external_id.is_none())
                .take(n)
                .map(|c| c.id.clone())
                .collect()
        };
        let now = self.now();
        let mut released = Vec::new();
        for c in self.claims.iter_mut().filter(|c| chosen.contains(&c.id)) {
            c.released_at = Some(now);
            released.push(c.clone());
        }
        Ok(json!({"releasedClaims": self.claim_records(&released),
                  "usage": self.usage(sub_id, &rid, &slug)?}))
    }

    pub(crate) fn resource_usage(&self, sub_id: &str, query: &Value) -> Result<Value, Failure> {
        let (rid, slug) = self.resource_of(query)?;
        Ok(json!({"usage": self.usage(sub_id, &rid, &slug)?,
                  "claims": self.claim_records(self.active_claims(sub_id, Some(&rid)))}))
    }

    pub(crate) fn resource_usages(&self, sub_id: &str) -> Result<Value, Failure> {
        self.sub(sub_id)?;
        let mut out = Vec::new();
        for r in &self.catalog.resources {
            if self.capacity(sub_id, &r.id)? > 0
                || !self.active_claims(sub_id, Some(&r.id)).is_empty()
            {
                out.push(self.resource_usage(sub_id, &json!({"resourceSlug": r.slug}))?);
            }
        }
        Ok(Value::Array(out))
    }

    pub(crate) fn list_claims(&self, sub_id: &str, slug: Option<&str>) -> Result<Value, Failure> {
        self.sub(sub_id)?;
        let rid = match slug {
            Some(s) => Some(self.resource_of(&json!({"resourceSlug": s}))?.0),
            None => None,
        };
        Ok(json!({"claims": self.claim_records(self.active_claims(sub_id, rid.as_deref()))}))
    }
}
