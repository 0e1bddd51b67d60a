//! Reading the current state of the record a thin event names, through the API.

use crate::billing::Billing;
use crate::client::FlowgladClient;
use crate::error::Result;
use crate::models;
use crate::raw::types;
use crate::verbatim::Verbatim;

use super::event::WebhookEvent;
use super::object::EventObject;

/// The current state of the record a [`WebhookEvent`] is about, as the API returns it now
/// (not as it was when the event happened: deliveries arrive late, repeated and out of
/// order, so the current state is what a handler should act on). Each record keeps the JSON
/// the API sent ([`Verbatim`]), so fields this SDK does not know yet are not lost.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CurrentRecord {
    /// `GET /api/v1/subscriptions/{id}`.
    Subscription(Box<Verbatim<models::SubscriptionRecord>>),
    /// `GET /api/v1/payments/{id}`.
    Payment(Box<Verbatim<models::Payment>>),
    /// `GET /api/v1/invoices/{id}`: the invoice and its line items.
    Invoice(Box<Verbatim<types::InvoicesGetResponse>>),
    /// `GET /api/v1/purchases/{id}`.
    Purchase(Box<Verbatim<models::Purchase>>),
    /// `GET /api/v1/products/{id}`.
    Product(Box<Verbatim<models::Product>>),
    /// `GET /api/v1/customers/{externalId}`.
    Customer(Box<Verbatim<models::Customer>>),
    /// The event names a record the API cannot read (see [`NotFetchable`]).
    NotFetchable(NotFetchable),
}

/// Why [`WebhookEvent::fetch`] read nothing: the noun has no read endpoint (`user`,
/// `sync_stream`, a noun this version does not know), or the event lacks what the endpoint
/// needs (a customer event without the customer's external id).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotFetchable {
    /// The event's noun.
    pub object: EventObject,
    /// The event's record id.
    pub id: String,
    /// Why, in words.
    pub reason: &'static str,
}

impl WebhookEvent {
    /// Reads the current state of the record this event is about.
    ///
    /// Subscriptions, payments, invoices, purchases and products are read by id; a customer
    /// by its external id (from the event's `customer`). Other nouns answer
    /// `Ok(CurrentRecord::NotFetchable(_))`, without a request.
    ///
    /// ```no_run
    /// use flowglad::webhook::{CurrentRecord, WebhookEvent};
    ///
    /// # async fn handle(client: &flowglad::FlowgladClient, event: WebhookEvent) -> flowglad::Result<()> {
    /// match event.fetch(client).await? {
    ///     CurrentRecord::Subscription(subscription) => { /* act on its current status */ }
    ///     CurrentRecord::NotFetchable(why) => eprintln!("nothing to read: {}", why.reason),
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The API call's [`crate::Error`]; a record that no longer exists is
    /// [`crate::Error::is_not_found`].
    pub async fn fetch(&self, client: &FlowgladClient) -> Result<CurrentRecord> {
        let raw = client.raw();
        let id = self.id();
        Ok(match self.object() {
            EventObject::Subscription => {
                let r = client.send_verbatim(raw.subscriptions_get(id)).await?;
                CurrentRecord::Subscription(Box::new(
                    r.project(&["subscription"], |r| r.subscription)?,
                ))
            }
            EventObject::Payment => {
                let r = client.send_verbatim(raw.payments_get(id)).await?;
                CurrentRecord::Payment(Box::new(r.project(&["payment"], |r| r.payment)?))
            }
            EventObject::Invoice => {
                let r = client.send_verbatim(raw.invoices_get(id)).await?;
                CurrentRecord::Invoice(Box::new(r))
            }
            EventObject::Purchase => {
                let r = client.send_verbatim(raw.purchases_get(id)).await?;
                CurrentRecord::Purchase(Box::new(r.project(&["purchase"], |r| r.purchase)?))
            }
            EventObject::Product => {
                let r = client.send_verbatim(raw.products_get(id)).await?;
                CurrentRecord::Product(Box::new(r))
            }
            EventObject::Customer => match self.customer_external_id() {
                Some(external_id) => {
                    let r = client.send_verbatim(raw.customers_get(external_id)).await?;
                    CurrentRecord::Customer(Box::new(r.project(&["customer"], |r| r.customer)?))
                }
                None => self.not_fetchable(
                    "the event does not name the customer's external id, and the API reads \
                     customers by external id",
                ),
            },
            EventObject::User => self.not_fetchable("the API has no endpoint to read a user"),
            EventObject::SyncStream => {
                self.not_fetchable("a sync stream event names no record the API can read")
            }
            EventObject::Unknown(_) => {
                self.not_fetchable("this version of the SDK does not know how to read this noun")
            }
        })
    }

    /// Reads the billing of the customer this event concerns
    /// (`GET /api/v1/customers/{externalId}/billing`), or `None` when the event does not
    /// name the customer's external id (older events lack `customer`).
    ///
    /// ```no_run
    /// # async fn handle(client: &flowglad::FlowgladClient, event: flowglad::webhook::WebhookEvent) -> flowglad::Result<()> {
    /// if let Some(billing) = event.fetch_customer_billing(client).await? {
    ///     let pro = billing.check_feature_access("pro", None);
    ///     // store `pro` for the user, or start / stop what it pays for
    /// #   let _ = pro;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The API call's [`crate::Error`].
    pub async fn fetch_customer_billing(&self, client: &FlowgladClient) -> Result<Option<Billing>> {
        let Some(external_id) = self.customer_external_id() else {
            return Ok(None);
        };
        let raw = client.raw();
        // Billing keeps the JSON the API sent (not a re-encoding of the typed value).
        let billing = client
            .send_verbatim(raw.customers_get_billing(external_id))
            .await?;
        Ok(Some(Billing::from(billing)))
    }

    fn not_fetchable(&self, reason: &'static str) -> CurrentRecord {
        CurrentRecord::NotFetchable(NotFetchable {
            object: self.object().clone(),
            id: self.id().to_owned(),
            reason,
        })
    }
}
