//! Resources (claimable capacity) as records: `resources-list`, `-get`, `-create` and
//! `-update`, on the seeded pricing model (the one the key sees, as on the real server).

use serde_json::{Value, json};

use super::catalog::{ORG, Resource};
use super::records::shape;
use super::state::{Failure, State};

impl State {
    /// `ResourceClientSelectSchema`.
    pub(crate) fn resource_record(&self, r: &Resource) -> Value {
        shape(
            "ResourceClientSelectSchema",
            &json!({"id": r.id, "createdAt": r.created_at, "updatedAt": r.updated_at,
                    "livemode": false, "organizationId": ORG,
                    "pricingModelId": self.catalog.pm_id, "slug": r.slug, "name": r.name,
                    "active": r.active}),
        )
    }

    /// `resources-list`: every resource of the key's pricing model (no paging, as upstream).
    pub(crate) fn list_resources(&self) -> Value {
        let resources: Vec<Value> = self
            .catalog
            .resources
            .iter()
            .map(|r| self.resource_record(r))
            .collect();
        json!({ "resources": resources })
    }

    /// `resources-get`; an unknown id is Flowglad's unwrapped `NotFoundError` (a 500).
    pub(crate) fn get_resource(&self, id: &str) -> Result<Value, Failure> {
        let r = self
            .catalog
            .resources
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                Failure::unwrapped_not_found(format!("No resources found with id: {id}"))
            })?;
        Ok(json!({"resource": self.resource_record(r)}))
    }

    /// `resources-create`, always in the key's pricing model (the body's `pricingModelId` is
    /// ignored, as upstream does). A slug already used is the database's unique-index failure,
    /// which Flowglad answers as a 500.
    pub(crate) fn create_resource(&mut self, input: &Value) -> Result<Value, Failure> {
        let slug = input["slug"].as_str().unwrap_or_default().to_owned();
        if self.catalog.resources.iter().any(|r| r.slug == slug) {
            return Err(Failure::internal(format!(
                "Failed to insert item into resources: Failed to insert items into resources: \
                 Failed query: insert into \"resources\" (slug {slug:?} is already used in \
                 this pricing model)"
            )));
        }
        let now = self.now();
        // A prefix of its own: the seeded ones are `resource_1`, ...
        let id = self.next_id("resource_api");
        self.catalog.resources.push(Resource {
            id,
            slug,
            name: input["name"].as_str().unwrap_or_default().to_owned(),
            active: input["active"].as_bool().unwrap_or(true),
            created_at: now,
            updated_at: now,
        });
        let r = self.catalog.resources.last().expect("pushed");
        Ok(json!({"resource": self.resource_record(r)}))
    }

    /// `resources-update` of the resource at the path's id (the body's `id` is not used). An
    /// unknown id is a 500 whose message has no `Unwrap` prefix (upstream throws it).
    pub(crate) fn update_resource(&mut self, id: &str, input: &Value) -> Result<Value, Failure> {
        let now = self.now();
        let i = self
            .catalog
            .resources
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| Failure::internal(format!("No resources found with id: {id}")))?;
        if let Some(slug) = input["slug"].as_str()
            && self
                .catalog
                .resources
                .iter()
                .any(|r| r.slug == slug && r.id != id)
        {
            return Err(Failure::internal(format!(
                "Failed to update resources with id {id}: Failed query: update \"resources\" \
                 (slug {slug:?} is already used in this pricing model)"
            )));
        }
        let r = &mut self.catalog.resources[i];
        if let Some(slug) = input["slug"].as_str() {
            r.slug = slug.to_owned();
        }
        if let Some(name) = input["name"].as_str() {
            r.name = name.to_owned();
        }
        if let Some(active) = input["active"].as_bool() {
            r.active = active;
        }
        r.updated_at = now;
        let r = self.catalog.resources[i].clone();
        Ok(json!({"resource": self.resource_record(&r)}))
    }
}
