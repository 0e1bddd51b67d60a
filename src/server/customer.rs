//! Customer methods: find-or-create, get, create, update, archive.

use super::FlowgladServer;
use crate::client::encode_segment;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::retry::Safety;

impl FlowgladServer {
    /// `GET /api/v1/customers/{externalId}`. A missing customer is an API error with
    /// [`Error::is_not_found`].
    pub async fn get_customer(&self) -> Result<types::CustomersGetResponse> {
        let raw = self.raw();
        let id = &*self.external_id;
        self.send(Safety::Idempotent, || raw.customers_get(id))
            .await
    }

    /// The customer record, created when missing.
    ///
    /// Gets the customer; when the API answers `code == "NOT_FOUND"` (and only then), calls
    /// `get_customer_details` once with the external id and creates the customer with
    /// `POST /api/v1/customers` `{customer: {email, name, externalId}}`, returning
    /// `data.customer` of the response. Any other error is returned unchanged; a callback
    /// error is [`Error::Callback`].
    pub async fn find_or_create_customer(&self) -> Result<types::CustomerClientSelectSchema> {
        match self.get_customer().await {
            Ok(found) => Ok(found.customer),
            Err(error) if error.is_not_found() => {
                let details = (self.details)(self.external_id.to_string())
                    .await
                    .map_err(Error::Callback)?;
                let body = types::CustomersCreateBody {
                    customer: types::CustomerClientInsertSchema {
                        archived: None,
                        domain: None,
                        email: details.email,
                        external_id: self.external_id.to_string(),
                        icon_url: None,
                        logo_url: None,
                        name: details.name,
                        user_id: None,
                    },
                };
                Ok(self.create_customer(&body).await?.data.customer)
            }
            Err(error) => Err(error),
        }
    }

    /// `POST /api/v1/customers` with `body` as given (the response is wrapped in `data`).
    /// Not retried on 5xx/timeouts unless the client opted in (see [`crate::retry`]).
    pub async fn create_customer(
        &self,
        body: &types::CustomersCreateBody,
    ) -> Result<types::CustomersCreateResponse> {
        let raw = self.raw();
        self.send(Safety::NonIdempotent, || raw.customers_create(body))
            .await
    }

    /// `PUT /api/v1/customers/{externalId}` with `body` verbatim.
    pub async fn update_customer(
        &self,
        body: &types::CustomersUpdateBody,
    ) -> Result<types::CustomersUpdateResponse> {
        let raw = self.raw();
        let id = &*self.external_id;
        self.send(Safety::Idempotent, || raw.customers_update(id, body))
            .await
    }

    /// `POST /api/v1/customers/{externalId}/archive` with body `{}` for **any** external id
    /// (no scoping or ownership check, like the TypeScript SDK); returns the archived
    /// customer. The API makes archiving idempotent, so it is retried like a GET.
    pub async fn archive_customer(
        &self,
        customer_external_id: &str,
    ) -> Result<types::CustomerClientSelectSchema> {
        let path = format!(
            "/api/v1/customers/{}/archive",
            encode_segment(customer_external_id)
        );
        let client = &self.client;
        let response: types::CustomersArchiveResponse = client
            .send(Safety::Idempotent, || {
                client.post_empty_object("customers_archive", &path)
            })
            .await?;
        Ok(response.customer)
    }
}
