//! Webhook endpoints as records: `webhooks-create`, `-get` and `-update`.
//!
//! The fake keeps what was created and answers it back; it does not deliver to these URLs
//! (deliveries go only to endpoints given to [`FakeFlowglad::register_webhook`], so a test
//! never calls out beyond 127.0.0.1).
//!
//! [`FakeFlowglad::register_webhook`]: super::FakeFlowglad::register_webhook

use serde_json::{Value, json};

use super::catalog::ORG;
use super::records::shape;
use super::state::{Failure, State, WebhookEndpointRecord};

impl State {
    /// `WebhookRecord`.
    fn webhook_record(&self, w: &WebhookEndpointRecord) -> Value {
        shape(
            "WebhookRecord",
            &json!({"id": w.id, "createdAt": w.created_at, "updatedAt": w.updated_at,
                    "livemode": false, "filterTypes": w.filter_types, "organizationId": ORG,
                    "url": w.url, "name": w.name, "active": w.active,
                    "pricingModelId": w.pricing_model_id}),
        )
    }

    /// `webhooks-create`: the record and its signing secret. The pricing model must exist
    /// (else Flowglad's unwrapped `NotFoundError`, a 500).
    pub(crate) fn create_webhook(&mut self, input: &Value) -> Result<Value, Failure> {
        let pm = input["pricingModelId"].as_str().unwrap_or_default();
        let known = std::iter::once(&self.catalog)
            .chain(&self.other_models)
            .any(|c| c.pm_id == pm);
        if !known {
            return Err(Failure::unwrapped_not_found(format!(
                "No pricing models found with id: {pm}"
            )));
        }
        let now = self.now();
        let id = self.next_id("webhook");
        let w = WebhookEndpointRecord {
            id,
            pricing_model_id: pm.to_owned(),
            url: input["url"].as_str().unwrap_or_default().to_owned(),
            name: input["name"].as_str().unwrap_or_default().to_owned(),
            filter_types: input["filterTypes"].clone(),
            active: input["active"].as_bool().unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        let record = self.webhook_record(&w);
        self.webhook_endpoints.push(w);
        let secret: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        Ok(json!({"webhook": record, "secret": format!("whsec_{secret}")}))
    }

    /// `webhooks-get`; an unknown id is Flowglad's unwrapped `NotFoundError` (a 500).
    pub(crate) fn get_webhook(&self, id: &str) -> Result<Value, Failure> {
        let w = self
            .webhook_endpoints
            .iter()
            .find(|w| w.id == id)
            .ok_or_else(|| {
                Failure::unwrapped_not_found(format!("No webhooks found with id: {id}"))
            })?;
        Ok(json!({"webhook": self.webhook_record(w)}))
    }

    /// `webhooks-update` of the endpoint at the path's id: the members given replace the
    /// stored ones. An unknown id is a 500 whose message has no `Unwrap` prefix.
    pub(crate) fn update_webhook(&mut self, id: &str, input: &Value) -> Result<Value, Failure> {
        let now = self.now();
        let w = self
            .webhook_endpoints
            .iter_mut()
            .find(|w| w.id == id)
            .ok_or_else(|| Failure::internal(format!("No webhooks found with id: {id}")))?;
        if let Some(url) = input["url"].as_str() {
            w.url = url.to_owned();
        }
        if let Some(name) = input["name"].as_str() {
            w.name = name.to_owned();
        }
        if input["filterTypes"].is_array() {
            w.filter_types = input["filterTypes"].clone();
        }
        if let Some(active) = input["active"].as_bool() {
            w.active = active;
        }
        w.updated_at = now;
        let w = w.clone();
        Ok(json!({"webhook": self.webhook_record(&w)}))
    }
}
