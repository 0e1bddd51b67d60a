//! Customer methods: find-or-create, get, create, update, archive.

use super::FlowgladServer;
use crate::client::encode_segment;
use crate::error::{Error, Result};
use crate::raw::types;
use crate::verbatim::Verbatim;

/// The customer record of a `GET /api/v1/customers/{externalId}` answer (`customer`).
fn found(
    response: Verbatim<types::CustomersGetResponse>,
) -> Result<Verbatim<types::CustomerClientSelectSchema>> {
    response.project(&["customer"], |r| r.customer)
}

/// The customer record of a `POST /api/v1/customers` answer (`data.customer`).
fn created(
    response: Verbatim<types::CustomersCreateResponse>,
) -> Result<Verbatim<types::CustomerClientSelectSchema>> {
    response.project(&["data", "customer"], |r| r.data.customer)
}

impl FlowgladServer {
    /// `GET /api/v1/customers/{externalId}`. A missing customer is an API error with
    /// [`Error::is_not_found`].
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// match server.get_customer().await {
    ///     Ok(response) => println!("Flowglad id {}", response.customer.id),
    ///     Err(e) if e.is_not_found() => println!("not a Flowglad customer yet"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_customer(&self) -> Result<Verbatim<types::CustomersGetResponse>> {
        let raw = self.raw();
        let id = &*self.external_id;
        self.send(raw.customers_get(id)).await
    }

    /// The customer record, created when missing.
    ///
    /// Gets the customer; when the API answers `code == "NOT_FOUND"` (and only then), calls
    /// `get_customer_details` once with the external id and creates the customer with
    /// `POST /api/v1/customers` `{customer: {email, name, externalId}}`, returning
    /// `data.customer` of the response. Any other error is returned unchanged; a callback
    /// error is [`Error::Callback`].
    ///
    /// Safe under concurrency: when another request created the same customer between the
    /// read and the create (a browser's first page load fires several billing calls at
    /// once), the API answers the create `409 CONFLICT`; the customer is then read once more
    /// and returned, instead of failing.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let customer = server.find_or_create_customer().await?;
    /// println!("{} is {}", customer.external_id, customer.id);
    /// # Ok(()) }
    /// ```
    pub async fn find_or_create_customer(
        &self,
    ) -> Result<Verbatim<types::CustomerClientSelectSchema>> {
        match self.get_customer().await {
            Ok(response) => found(response),
            Err(error) if error.is_not_found() && self.create_missing => {
                match self.create_missing_customer().await? {
                    Some(customer) => Ok(customer),
                    // Another request created it since our read: read it again (once; a
                    // second failure is returned as it is).
                    None => found(self.get_customer().await?),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Calls `get_customer_details` and creates the customer. `None`: the API answered
    /// `409 CONFLICT`, i.e. another request created the same external id meanwhile, so the
    /// customer exists now.
    pub(super) async fn create_missing_customer(
        &self,
    ) -> Result<Option<Verbatim<types::CustomerClientSelectSchema>>> {
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
        match self.create_customer(&body).await {
            Ok(response) => created(response).map(Some),
            Err(error) if error.is_conflict() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST /api/v1/customers` with `body` as given (the response is wrapped in `data`).
    /// Not retried on 5xx/timeouts unless the client opted in (see [`crate::transport`]).
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// use flowglad::raw::types::{CustomerClientInsertSchema, CustomersCreateBody};
    ///
    /// let body = CustomersCreateBody {
    ///     customer: CustomerClientInsertSchema {
    ///         archived: None, domain: None, icon_url: None, logo_url: None, user_id: None,
    ///         email: "ada@example.com".into(),
    ///         external_id: server.customer_external_id().into(),
    ///         name: "Ada".into(),
    ///     },
    /// };
    /// let created = server.create_customer(&body).await?;
    /// println!("{}", created.data.customer.id);
    /// # Ok(()) }
    /// ```
    pub async fn create_customer(
        &self,
        body: &types::CustomersCreateBody,
    ) -> Result<Verbatim<types::CustomersCreateResponse>> {
        let raw = self.raw();
        self.send(raw.customers_create(body)).await
    }

    /// `PUT /api/v1/customers/{externalId}` with `body` verbatim.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// use flowglad::raw::types::{CustomersUpdateBody, CustomersUpdateBodyCustomer};
    ///
    /// let body = CustomersUpdateBody {
    ///     customer: CustomersUpdateBodyCustomer { name: Some("Ada L.".into()), ..Default::default() },
    /// };
    /// server.update_customer(&body).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_customer(
        &self,
        body: &types::CustomersUpdateBody,
    ) -> Result<Verbatim<types::CustomersUpdateResponse>> {
        let raw = self.raw();
        let id = &*self.external_id;
        self.send_mutation(raw.customers_update(id, body)).await
    }

    /// `POST /api/v1/customers/{externalId}/archive` with body `{}` for **any** external id
    /// (no scoping or ownership check, like the TypeScript SDK); returns the archived
    /// customer. The API makes archiving idempotent, so it is retried like a GET.
    ///
    /// ```no_run
    /// # async fn run(server: flowglad::FlowgladServer) -> flowglad::Result<()> {
    /// let archived = server.archive_customer("user_123").await?;
    /// assert!(archived.archived);
    /// # Ok(()) }
    /// ```
    pub async fn archive_customer(
        &self,
        customer_external_id: &str,
    ) -> Result<types::CustomerClientSelectSchema> {
        crate::ids::check_path_id("customerExternalId", customer_external_id)?;
        let path = format!(
            "/api/v1/customers/{}/archive",
            encode_segment(customer_external_id)
        );
        let client = &self.client;
        let response: Result<types::CustomersArchiveResponse> = client
            .send(client.post_empty_object("customers_archive", &path))
            .await;
        #[cfg(feature = "cache")]
        if let Some(cache) = client.billing_cache() {
            cache.invalidate(customer_external_id);
        }
        Ok(response?.customer)
    }
}
