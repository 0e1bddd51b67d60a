//! Subscription item features: `subscriptionItemFeatures-get`, `-create`, `-update`,
//! `-deactivate` (no procedure upstream) and `subscriptions-addFeatureToSubscription`.

use serde_json::{Value, json};

use super::records::merge;
use super::state::{Failure, State};

/// Upstream's terminal subscription statuses (no mutation allowed).
const TERMINAL: &[&str] = &["canceled", "incomplete_expired"];

/// The members of an item feature a create or update may set.
const SETTABLE: &[&str] = &[
    "subscriptionItemId",
    "featureId",
    "productFeatureId",
    "type",
    "amount",
    "usageMeterId",
    "renewalFrequency",
    "resourceId",
    "expiredAt",
    "detachedAt",
    "detachedReason",
    "manuallyCreated",
];

/// `POST /subscription-item-features/{id}/expire`: the route names a procedure
/// (`subscriptionItemFeatures.expire`) that upstream's router does not have (it is called
/// `deactivate`), so every request is a 404, whatever the id or body.
pub(crate) fn expire_has_no_procedure() -> Failure {
    Failure {
        status: 404,
        code: "NOT_FOUND",
        error: json!("No procedure found on path \"subscriptionItemFeatures.expire\""),
    }
}

impl State {
    /// Every item feature of every subscription (product-granted and added ones, expired
    /// ones included).
    fn all_item_features(&self) -> impl Iterator<Item = Value> + '_ {
        self.subscriptions
            .iter()
            .flat_map(|s| self.product_feature_items(s))
            .chain(self.manual_item_features.iter().cloned())
    }

    fn item_feature(&self, id: &str) -> Option<Value> {
        self.all_item_features().find(|f| f["id"] == json!(id))
    }

    /// `subscriptionItemFeatures-get`: an unknown id is a 404 (this procedure checks).
    pub(crate) fn get_item_feature(&self, id: &str) -> Result<Value, Failure> {
        self.item_feature(id)
            .map(|f| json!({"subscriptionItemFeature": f}))
            .ok_or_else(|| Failure {
                status: 404,
                code: "NOT_FOUND",
                error: json!(format!("subscriptionItemFeature with id {id} not found.")),
            })
    }

    /// A subscription has an item with this id (its price item or its manual item).
    fn item_exists(&self, item_id: &str) -> bool {
        self.subscriptions.iter().any(|s| {
            s.item_id == item_id || self.manual_items.get(&s.id).is_some_and(|m| m == item_id)
        })
    }

    /// `subscriptionItemFeatures-create`: inserts the row as given; `name` and `slug` come from
    /// the feature. An unknown item is an unwrapped `NotFoundError`; an unknown feature, a
    /// second row for the same item and feature (expired or not), or an unknown meter or
    /// resource is the database's insert failure (500), as upstream.
    pub(crate) fn create_item_feature(&mut self, input: &Value) -> Result<Value, Failure> {
        let item = input["subscriptionItemId"].as_str().unwrap_or_default();
        if !self.item_exists(item) {
            return Err(Failure::unwrapped_not_found(format!(
                "No subscription items found with id: {item}"
            )));
        }
        let feature = input["featureId"].as_str().unwrap_or_default();
        // Upstream's unique index on (featureId, subscriptionItemId), expired rows included.
        let duplicate = self
            .all_item_features()
            .any(|f| f["subscriptionItemId"] == json!(item) && f["featureId"] == json!(feature));
        if self.catalog.feature(feature).is_none() || duplicate || !self.references_exist(input) {
            return Err(Failure::internal(
                "Failed to insert item into subscription_features: Failed to insert items into \
                 subscription_features: Failed query: insert into \"subscription_item_features\"",
            ));
        }
        let now = self.now();
        let id = self.next_id("sub_feature");
        let mut fields = merge(
            self.base(&id, now, now),
            json!({"productFeatureId": null, "amount": null, "usageMeterId": null,
                   "renewalFrequency": null, "resourceId": null, "expiredAt": null,
                   "detachedAt": null, "detachedReason": null, "manuallyCreated": false}),
        );
        for key in SETTABLE {
            if let Some(v) = input.get(*key) {
                fields[*key] = v.clone();
            }
        }
        let record = self.item_feature_record(&fields);
        self.manual_item_features.push(record.clone());
        Ok(json!({"subscriptionItemFeature": record}))
    }

    /// The usage meter and resource an item feature names exist (foreign keys).
    fn references_exist(&self, input: &Value) -> bool {
        let meter_ok = input["usageMeterId"]
            .as_str()
            .is_none_or(|id| self.catalog.meters.iter().any(|m| m.id == id));
        let resource_ok = input["resourceId"]
            .as_str()
            .is_none_or(|id| self.catalog.resources.iter().any(|r| r.id == id));
        meter_ok && resource_ok
    }

    /// `subscriptionItemFeatures-update` of the item feature at the path's id: the members
    /// given replace the row's. An unknown id is an unwrapped `NotFoundError`; an unknown
    /// meter or resource fails the update query; a row left inconsistent with its `type`
    /// (e.g. a toggle with an amount) fails parsing the updated row (all 500s, as upstream).
    pub(crate) fn update_item_feature(
        &mut self,
        id: &str,
        input: &Value,
    ) -> Result<Value, Failure> {
        let mut fields = self.item_feature(id).ok_or_else(|| {
            Failure::unwrapped_not_found(format!("No subscription features found with id: {id}"))
        })?;
        if !self.references_exist(input) {
            return Err(Failure::internal(format!(
                "Failed to update subscription_features with id {id}: Failed query: update \
                 \"subscription_item_features\""
            )));
        }
        for key in SETTABLE {
            if let Some(v) = input.get(*key) {
                fields[*key] = v.clone();
            }
        }
        let consistent = match fields["type"].as_str() {
            Some("toggle") => ["amount", "usageMeterId", "renewalFrequency", "resourceId"]
                .iter()
                .all(|k| fields[*k].is_null()),
            Some("resource") => fields["amount"].is_i64() && fields["resourceId"].is_string(),
            Some("usage_credit_grant") => {
                fields["amount"].is_i64()
                    && fields["usageMeterId"].is_string()
                    && fields["renewalFrequency"].is_string()
                    && fields["resourceId"].is_null()
            }
            _ => false,
        };
        if !consistent {
            return Err(Failure::internal(format!(
                "Failed to update subscription_features with id {id}: createUpdateFunction: \
                 Error parsing result"
            )));
        }
        fields["updatedAt"] = json!(self.now());
        let record = self.item_feature_record(&fields);
        if let Some(i) = self
            .manual_item_features
            .iter()
            .position(|f| f["id"] == json!(id))
        {
            self.manual_item_features[i] = record.clone();
        } else {
            self.item_feature_patches
                .insert(id.to_owned(), record.clone());
        }
        Ok(json!({"subscriptionItemFeature": record}))
    }

    /// `subscriptions-addFeatureToSubscription`: adds the feature (by id or slug) to the
    /// subscription's "Manual Features" item, made on first use. A toggle already there is
    /// answered as is; a credit grant already there has its amount increased; with
    /// `grantCreditsImmediately` the credits are granted at once.
    pub(crate) fn add_feature_to_subscription(
        &mut self,
        sub_id: &str,
        input: &Value,
    ) -> Result<Value, Failure> {
        let by_id = input["featureId"].as_str();
        let by_slug = input["featureSlug"].as_str();
        if by_id.is_some() == by_slug.is_some() {
            return Err(Failure::invalid(
                json!([]),
                "custom",
                "Either featureId or featureSlug must be provided, but not both",
                json!({}),
            ));
        }
        let s = self
            .subscriptions
            .iter()
            .find(|s| s.id == sub_id)
            .ok_or_else(|| {
                Failure::internal(format!(
                    "Unwrap called on Err: Panic: Unwrap called on Err: NotFoundError: No \
                     subscriptions found with id: {sub_id}"
                ))
            })?
            .clone();
        if TERMINAL.contains(&s.status.as_str()) {
            return Err(Failure::internal(format!(
                "Unwrap called on Err: SubscriptionTerminalStateError: Cannot mutate \
                 subscription {sub_id} in terminal state: {}",
                s.status
            )));
        }
        let feature = match (by_id, by_slug) {
            (Some(id), _) => self.catalog.feature(id).cloned().ok_or_else(|| {
                Failure::internal(format!(
                    "Unwrap called on Err: Panic: Unwrap called on Err: NotFoundError: No \
                     features found with id: {id}"
                ))
            })?,
            (_, Some(slug)) => self
                .catalog
                .features
                .iter()
                .find(|f| f.slug == slug)
                .cloned()
                .ok_or_else(|| {
                    Failure::internal(format!(
                        "Unwrap called on Err: Error: No feature found with slug \"{slug}\" in \
                         the subscription's pricing model"
                    ))
                })?,
            _ => unreachable!("exactly one of featureId and featureSlug"),
        };
        let grant_now = input["grantCreditsImmediately"] == json!(true);
        if grant_now && feature.kind != "usage_credit_grant" {
            return Err(Failure::internal(
                "Unwrap called on Err: Error: grantCreditsImmediately is only supported for \
                 usage credit features.",
            ));
        }
        let item = match self.manual_items.get(sub_id) {
            Some(item) => item.clone(),
            None => {
                let item = self.next_id("si");
                self.manual_items.insert(sub_id.to_owned(), item.clone());
                item
            }
        };
        let existing = self.manual_item_features.iter().position(|f| {
            f["subscriptionItemId"] == json!(item)
                && f["featureId"] == json!(feature.id)
                && f["expiredAt"].is_null()
        });
        let record = match (existing, feature.kind.as_str()) {
            (Some(i), "toggle") => self.manual_item_features[i].clone(),
            (Some(i), "usage_credit_grant") => {
                let now = self.now();
                let f = &mut self.manual_item_features[i];
                f["amount"] = json!(f["amount"].as_i64().unwrap_or(0) + feature.amount);
                f["updatedAt"] = json!(now);
                f.clone()
            }
            (Some(i), _) => {
                return Err(Failure::internal(format!(
                    "Unwrap called on Err: Error: Existing feature {} is not a usage credit \
                     grant.",
                    self.manual_item_features[i]["id"]
                        .as_str()
                        .unwrap_or_default()
                )));
            }
            (None, kind) => {
                let now = self.now();
                let id = self.next_id("sub_feature");
                let amount = if kind == "toggle" {
                    json!(null)
                } else {
                    json!(feature.amount)
                };
                let record = self.item_feature_record(&merge(
                    self.base(&id, now, now),
                    json!({"subscriptionItemId": item, "featureId": feature.id, "type": kind,
                           "productFeatureId": null, "amount": amount,
                           "usageMeterId": feature.meter_id,
                           "renewalFrequency": feature.renewal,
                           "resourceId": feature.resource_id, "expiredAt": null,
                           "detachedAt": null, "detachedReason": null,
                           "manuallyCreated": true}),
                ));
                self.manual_item_features.push(record.clone());
                record
            }
        };
        if grant_now && let Some(meter) = feature.meter_id {
            *self
                .granted_credits
                .entry((sub_id.to_owned(), meter))
                .or_default() += feature.amount;
        }
        Ok(json!({"subscriptionItemFeature": record}))
    }
}
