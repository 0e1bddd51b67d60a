//! Typed Flowglad webhook events: the thin payload Flowglad sends.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::WebhookError;
use super::object::EventObject;

/// The type of a Flowglad event: the API description's own list of event types
/// (generated, so a new type from the spec becomes a variant on regeneration). Unknown type
/// strings are kept in [`EventType::Unknown`], so parsing a type never fails.
///
/// Flowglad's deliveries do not carry the type in the body (see [`WebhookEvent`]); it is
/// known only for envelope-style bodies and for deliveries recorded by the fake.
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

/// The customer an event concerns: Flowglad's id and your own (`externalId`).
///
/// Flowglad sends both; each is optional here because older events lack the `customer`
/// object and envelope-style bodies may name only one of them. At least one is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerRef {
    /// Flowglad's customer id (`cust_…`).
    pub id: Option<String>,
    /// Your app's id for the customer (`externalId`), the key of
    /// `GET /api/v1/customers/{externalId}/billing`.
    pub external_id: Option<String>,
}

/// A Flowglad webhook event, as Flowglad really sends it: a *thin* event naming the record
/// that changed and the customer it belongs to. Read the record's current state through the
/// API ([`fetch`](Self::fetch), [`fetch_customer_billing`](Self::fetch_customer_billing)).
///
/// The body Flowglad delivers is the event's payload object alone:
///
/// ```json
/// {"id": "sub_1", "object": "subscription",
///  "customer": {"id": "cust_1", "externalId": "user_42"}, "pricingModelId": "pricing_model_1"}
/// ```
///
/// `customer` is absent on older events and `pricingModelId` may be absent or `null`; neither
/// is required. There is no event type in such a body: [`event_type`](Self::event_type) is
/// `None`. Envelope-style bodies (`{"eventType", "eventId", "data": {…}}`, as shown in
/// Flowglad's docs, or `{"type", "data"}`) are accepted too: the thin fields are read from
/// `data`, and the type and event id from the envelope.
///
/// The JSON is kept as received ([`raw`](Self::raw)), unknown fields included.
///
/// ```
/// use flowglad::webhook::{EventObject, WebhookEvent};
///
/// let event = WebhookEvent::from_json(
///     br#"{"id":"sub_1","object":"subscription","customer":{"id":"cust_1","externalId":"user_42"},"pricingModelId":null}"#,
/// )?;
/// assert_eq!(event.id(), "sub_1");
/// assert_eq!(event.object(), &EventObject::Subscription);
/// assert_eq!(event.customer_external_id(), Some("user_42"));
/// assert_eq!(event.pricing_model_id(), None);
/// assert_eq!(event.event_type(), None);
///
/// let old = WebhookEvent::from_json(br#"{"id":"pay_1","object":"payment"}"#)?;
/// assert!(old.customer().is_none());
/// # Ok::<(), flowglad::webhook::WebhookError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    id: String,
    object: EventObject,
    customer: Option<CustomerRef>,
    pricing_model_id: Option<String>,
    event_type: Option<EventType>,
    event_id: Option<String>,
    envelope: bool,
    raw: Value,
}

impl WebhookEvent {
    /// Parses a JSON body.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidJson`] when `json` is not JSON at all;
    /// [`WebhookError::InvalidEvent`] when it is JSON but not an event (not an object, no
    /// string `id`, no `object` noun, a field of the wrong type), saying which.
    pub fn from_json(json: &[u8]) -> Result<Self, WebhookError> {
        let value: Value = serde_json::from_slice(json).map_err(WebhookError::InvalidJson)?;
        Self::from_value(value)
    }

    /// Decodes an already parsed JSON value.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidEvent`], as for [`from_json`](Self::from_json).
    pub fn from_value(raw: Value) -> Result<Self, WebhookError> {
        let Value::Object(top) = &raw else {
            return Err(invalid(format!(
                "the body is {}, expected a JSON object",
                kind(&raw)
            )));
        };
        // A thin body names its `object`; an envelope wraps the thin payload in `data`.
        let envelope = !top.contains_key("object") && top.get("data").is_some_and(Value::is_object);
        let payload = if envelope {
            top["data"].as_object().expect("checked above")
        } else {
            top
        };
        let at = if envelope { "data." } else { "" };

        let event_type = match opt_str(top, "eventType", "")? {
            Some(t) => Some(t),
            None => opt_str(top, "type", "")?,
        }
        .map(EventType::from);
        let event_id = opt_str(top, "eventId", "")?.map(str::to_owned);

        let id = opt_str(payload, "id", at)?
            .ok_or_else(|| {
                invalid(format!(
                    "no `{at}id`: expected the id of the record the event is about"
                ))
            })?
            .to_owned();
        if id.trim().is_empty() {
            return Err(invalid(format!(
                "`{at}id` is empty: expected the id of the record the event is about"
            )));
        }
        let object = match opt_str(payload, "object", at)? {
            Some(noun) if noun.trim().is_empty() => {
                return Err(invalid(format!(
                    "`{at}object` is empty: expected the kind of record, such as \"subscription\""
                )));
            }
            Some(noun) => EventObject::from(noun),
            None => event_type
                .as_ref()
                .and_then(|t| EventObject::from_event_type(t.as_str()))
                .ok_or_else(|| {
                    invalid(format!(
                        "no `{at}object`: expected the kind of record, such as \"subscription\""
                    ))
                })?,
        };
        let pricing_model_id = match opt_str(payload, "pricingModelId", at)? {
            Some(pm) => Some(pm.to_owned()),
            None if envelope => opt_str(top, "pricingModelId", "")?.map(str::to_owned),
            None => None,
        };
        let customer = customer_ref(payload, at, &object, &id)?;
        Ok(WebhookEvent {
            id,
            object,
            customer,
            pricing_model_id,
            event_type,
            event_id,
            envelope,
            raw,
        })
    }

    /// The id of the record the event is about (`id`, or `data.id` in an envelope).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The kind of record the event is about (`object`).
    pub fn object(&self) -> &EventObject {
        &self.object
    }

    /// The customer the event concerns, when the body names one.
    ///
    /// Read from the `customer` object; for an event about a customer whose body has no
    /// `customer`, from the record itself (`id`, `externalId`); for envelope bodies carrying a
    /// whole record, from `customerId` and `externalId` / `customerExternalId`.
    pub fn customer(&self) -> Option<&CustomerRef> {
        self.customer.as_ref()
    }

    /// The customer's external id (your app's id for it), when the body names it.
    pub fn customer_external_id(&self) -> Option<&str> {
        self.customer.as_ref()?.external_id.as_deref()
    }

    /// Forgets the affected customer's billing in `cache` (the event's
    /// `customer.externalId`), so the next read on this replica sees the change. Returns
    /// `false` when the event names no customer. Other replicas keep their entry until its
    /// TTL ends (see [`crate::cache`]).
    ///
    /// ```no_run
    /// # fn run(event: flowglad::webhook::WebhookEvent, cache: flowglad::cache::BillingCache) {
    /// event.invalidate_billing(&cache);
    /// # }
    /// ```
    #[cfg(feature = "cache")]
    pub fn invalidate_billing(&self, cache: &crate::cache::BillingCache) -> bool {
        cache.invalidate_from_webhook(self.customer_external_id())
    }

    /// `pricingModelId`; `None` when absent or `null`.
    pub fn pricing_model_id(&self) -> Option<&str> {
        self.pricing_model_id.as_deref()
    }

    /// The event type, when the body carries one (envelope-style bodies only: Flowglad's
    /// deliveries do not).
    pub fn event_type(&self) -> Option<&EventType> {
        self.event_type.as_ref()
    }

    /// The envelope's `eventId`, when present. For de-duplication prefer the delivery's
    /// message id ([`VerifiedPayload::message_id`](super::VerifiedPayload::message_id)),
    /// which every delivery has.
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// Whether the body was envelope-style (thin fields under `data`).
    pub fn is_envelope(&self) -> bool {
        self.envelope
    }

    /// The thin payload object: the body itself, or its `data` for an envelope.
    pub fn payload(&self) -> &Value {
        if self.envelope {
            &self.raw["data"]
        } else {
            &self.raw
        }
    }

    /// The whole body as received.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Takes the whole body.
    pub fn into_raw(self) -> Value {
        self.raw
    }
}

impl Serialize for WebhookEvent {
    /// Serializes back to the JSON body as received.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        WebhookEvent::from_value(value).map_err(serde::de::Error::custom)
    }
}

fn invalid(reason: String) -> WebhookError {
    WebhookError::InvalidEvent { reason }
}

/// A JSON value's kind, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `obj[key]` as a string: `None` when absent or null, an error for another kind.
fn opt_str<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'v str>, WebhookError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(format!(
            "`{at}{key}` is {}, expected a string",
            kind(other)
        ))),
    }
}

fn customer_ref(
    payload: &Map<String, Value>,
    at: &str,
    object: &EventObject,
    id: &str,
) -> Result<Option<CustomerRef>, WebhookError> {
    let found = match payload.get("customer") {
        Some(Value::Object(c)) => CustomerRef {
            id: opt_str(c, "id", &format!("{at}customer."))?.map(str::to_owned),
            external_id: opt_str(c, "externalId", &format!("{at}customer."))?.map(str::to_owned),
        },
        None | Some(Value::Null) if *object == EventObject::Customer => CustomerRef {
            id: Some(id.to_owned()),
            external_id: opt_str(payload, "externalId", at)?.map(str::to_owned),
        },
        None | Some(Value::Null) => CustomerRef {
            id: opt_str(payload, "customerId", at)?.map(str::to_owned),
            external_id: match opt_str(payload, "customerExternalId", at)? {
                Some(ext) => Some(ext.to_owned()),
                None => opt_str(payload, "externalId", at)?.map(str::to_owned),
            },
        },
        Some(other) => {
            return Err(invalid(format!(
                "`{at}customer` is {}, expected an object with `id` and `externalId`",
                kind(other)
            )));
        }
    };
    Ok((found.id.is_some() || found.external_id.is_some()).then_some(found))
}
