//! Typed Flowglad webhook events.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::WebhookError;

/// The `type` of a Flowglad webhook event: the API description's own list of event types
/// (generated, so a new type from the spec becomes a variant on regeneration). Unknown type
/// strings are kept in [`EventType::Unknown`], so parsing a type never fails.
///
/// ```
/// use flowglad::webhook::EventType;
///
/// let t: EventType = "payment.failed".parse().unwrap();
/// assert_eq!(t, EventType::PaymentFailed);
/// assert_eq!(t.as_str(), "payment.failed");
/// assert_eq!(EventType::from("invoice.paid"), EventType::Unknown("invoice.paid".into()));
/// ```
pub use crate::raw::types::EventType;

/// The customer an event is about, as far as the payload says.
///
/// At least one of the two fields is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerRef {
    /// Flowglad's customer id (`cus_…`).
    pub id: Option<String>,
    /// Your own id for the customer (`externalId`).
    pub external_id: Option<String>,
}

/// The JSON of one event: the whole envelope (`type`, `data`, and whatever
/// else Flowglad sends), kept as a [`serde_json::Value`], with accessors.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    raw: Value,
}

impl EventData {
    /// The event's `type` string.
    pub fn type_str(&self) -> &str {
        self.raw.get("type").and_then(Value::as_str).unwrap_or("")
    }

    /// The `data` object (`Value::Null` when absent).
    pub fn data(&self) -> &Value {
        self.raw.get("data").unwrap_or(&Value::Null)
    }

    /// The whole envelope as received.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Takes the whole envelope.
    pub fn into_raw(self) -> Value {
        self.raw
    }

    /// A field of `data`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.data().get(key)
    }

    /// A string field of `data`, if present and a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// `data.id`: the id of the object the event is about.
    pub fn object_id(&self) -> Option<&str> {
        self.get_str("id")
    }

    /// The customer the event concerns.
    ///
    /// Looked up in this order: `data.customer.{id, externalId}` when
    /// `data.customer` is an object; for `customer.*` events, `data.id` and
    /// `data.externalId` (the object is the customer); otherwise
    /// `data.customerId` and `data.externalId` (or
    /// `data.customerExternalId`). `None` when no id is found.
    pub fn customer(&self) -> Option<CustomerRef> {
        let data = self.data();
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let found = if let Some(customer) = data.get("customer").filter(|c| c.is_object()) {
            CustomerRef {
                id: text(customer, "id"),
                external_id: text(customer, "externalId"),
            }
        } else if self.type_str().starts_with("customer.") {
            CustomerRef {
                id: text(data, "id"),
                external_id: text(data, "externalId"),
            }
        } else {
            CustomerRef {
                id: text(data, "customerId"),
                external_id: text(data, "externalId").or_else(|| text(data, "customerExternalId")),
            }
        };
        (found.id.is_some() || found.external_id.is_some()).then_some(found)
    }

    /// Deserializes `data` into a type of your own.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidJson`] when `data` does not fit `T`.
    pub fn deserialize_data<T: DeserializeOwned>(&self) -> Result<T, WebhookError> {
        T::deserialize(self.data()).map_err(WebhookError::InvalidJson)
    }
}

/// A parsed Flowglad webhook event.
///
/// Each known type has its own variant; anything else lands in
/// [`WebhookEvent::Unknown`] with its JSON intact. Every variant holds an
/// [`EventData`], so [`object_id`](Self::object_id),
/// [`customer`](Self::customer) and [`data`](Self::data) work without
/// matching.
///
/// Parsing is lenient: unknown fields are kept in the raw JSON and otherwise
/// ignored. The only requirement is a JSON object with a string `type`.
///
/// ```
/// use flowglad::webhook::{EventType, WebhookEvent};
///
/// let event = WebhookEvent::from_json(
///     br#"{"type":"purchase.completed","data":{"id":"pur_1","customer":{"id":"cus_1","externalId":"u_1"}}}"#,
/// )?;
/// match &event {
///     WebhookEvent::PurchaseCompleted(data) => assert_eq!(data.object_id(), Some("pur_1")),
///     _ => unreachable!(),
/// }
/// assert_eq!(event.event_type(), EventType::PurchaseCompleted);
/// assert_eq!(event.customer().unwrap().external_id.as_deref(), Some("u_1"));
///
/// let other = WebhookEvent::from_json(br#"{"type":"invoice.paid","data":{"id":"inv_1"}}"#)?;
/// assert!(matches!(other, WebhookEvent::Unknown(_)));
/// assert_eq!(other.type_str(), "invoice.paid");
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `customer.created`
    CustomerCreated(EventData),
    /// `customer.updated`
    CustomerUpdated(EventData),
    /// `purchase.completed`
    PurchaseCompleted(EventData),
    /// `payment.failed`
    PaymentFailed(EventData),
    /// `payment.succeeded`
    PaymentSucceeded(EventData),
    /// `subscription.created`
    SubscriptionCreated(EventData),
    /// `subscription.updated`
    SubscriptionUpdated(EventData),
    /// `subscription.canceled`
    SubscriptionCanceled(EventData),
    /// `sync.events_available`
    SyncEventsAvailable(EventData),
    /// Any other event type; the raw JSON is in the [`EventData`].
    Unknown(EventData),
}

impl WebhookEvent {
    /// Parses a JSON body.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidJson`] when `json` is not JSON, or not an
    /// object with a string `type`.
    pub fn from_json(json: &[u8]) -> Result<Self, WebhookError> {
        let value: Value = serde_json::from_slice(json).map_err(WebhookError::InvalidJson)?;
        Self::from_value(value).map_err(WebhookError::InvalidJson)
    }

    /// Classifies an already parsed JSON value.
    ///
    /// # Errors
    ///
    /// When `value` is not an object with a string `type`.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        let Some(kind) = value.get("type").and_then(Value::as_str) else {
            return Err(serde::de::Error::custom(
                "webhook payload must be a JSON object with a string `type` field",
            ));
        };
        let kind = EventType::from(kind);
        let data = EventData { raw: value };
        Ok(match kind {
            EventType::CustomerCreated => WebhookEvent::CustomerCreated(data),
            EventType::CustomerUpdated => WebhookEvent::CustomerUpdated(data),
            EventType::PurchaseCompleted => WebhookEvent::PurchaseCompleted(data),
            EventType::PaymentFailed => WebhookEvent::PaymentFailed(data),
            EventType::PaymentSucceeded => WebhookEvent::PaymentSucceeded(data),
            EventType::SubscriptionCreated => WebhookEvent::SubscriptionCreated(data),
            EventType::SubscriptionUpdated => WebhookEvent::SubscriptionUpdated(data),
            EventType::SubscriptionCanceled => WebhookEvent::SubscriptionCanceled(data),
            EventType::SyncEventsAvailable => WebhookEvent::SyncEventsAvailable(data),
            EventType::Unknown(_) => WebhookEvent::Unknown(data),
        })
    }

    /// The event's data, whatever the variant.
    pub fn data(&self) -> &EventData {
        match self {
            WebhookEvent::CustomerCreated(d)
            | WebhookEvent::CustomerUpdated(d)
            | WebhookEvent::PurchaseCompleted(d)
            | WebhookEvent::PaymentFailed(d)
            | WebhookEvent::PaymentSucceeded(d)
            | WebhookEvent::SubscriptionCreated(d)
            | WebhookEvent::SubscriptionUpdated(d)
            | WebhookEvent::SubscriptionCanceled(d)
            | WebhookEvent::SyncEventsAvailable(d)
            | WebhookEvent::Unknown(d) => d,
        }
    }

    /// Takes the event's data.
    pub fn into_data(self) -> EventData {
        match self {
            WebhookEvent::CustomerCreated(d)
            | WebhookEvent::CustomerUpdated(d)
            | WebhookEvent::PurchaseCompleted(d)
            | WebhookEvent::PaymentFailed(d)
            | WebhookEvent::PaymentSucceeded(d)
            | WebhookEvent::SubscriptionCreated(d)
            | WebhookEvent::SubscriptionUpdated(d)
            | WebhookEvent::SubscriptionCanceled(d)
            | WebhookEvent::SyncEventsAvailable(d)
            | WebhookEvent::Unknown(d) => d,
        }
    }

    /// The event type; [`EventType::Unknown`] for [`WebhookEvent::Unknown`].
    pub fn event_type(&self) -> EventType {
        EventType::from(self.type_str())
    }

    /// The `type` string as sent.
    pub fn type_str(&self) -> &str {
        self.data().type_str()
    }

    /// `data.id`: the id of the object the event is about.
    pub fn object_id(&self) -> Option<&str> {
        self.data().object_id()
    }

    /// The customer the event concerns; see [`EventData::customer`].
    pub fn customer(&self) -> Option<CustomerRef> {
        self.data().customer()
    }

    /// The whole JSON envelope.
    pub fn raw(&self) -> &Value {
        self.data().raw()
    }
}

impl Serialize for WebhookEvent {
    /// Serializes back to the JSON envelope as received.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw().serialize(s)
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        WebhookEvent::from_value(value).map_err(serde::de::Error::custom)
    }
}
