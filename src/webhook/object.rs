//! The `object` noun of a webhook event: which kind of record changed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of record a webhook event is about (the body's `object` field).
///
/// Flowglad sends one of the nouns below; a noun this version does not know is kept in
/// [`EventObject::Unknown`], so decoding never fails on a new noun.
///
/// ```
/// use flowglad::webhook::EventObject;
///
/// assert_eq!(EventObject::from("subscription"), EventObject::Subscription);
/// assert_eq!(EventObject::SyncStream.as_str(), "sync_stream");
/// let new = EventObject::from("refund");
/// assert_eq!(new, EventObject::Unknown("refund".into()));
/// assert!(!new.is_known());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventObject {
    /// `customer`: the record id is Flowglad's customer id.
    Customer,
    /// `user`: a Flowglad dashboard user (no public API to read it).
    User,
    /// `purchase`
    Purchase,
    /// `invoice`
    Invoice,
    /// `payment`
    Payment,
    /// `product`
    Product,
    /// `subscription`
    Subscription,
    /// `sync_stream`: new sync events are available (no record to read).
    SyncStream,
    /// Any other noun, as sent.
    Unknown(String),
}

impl EventObject {
    /// Every noun this version knows, as sent on the wire.
    pub const KNOWN: &'static [&'static str] = &[
        "customer",
        "user",
        "purchase",
        "invoice",
        "payment",
        "product",
        "subscription",
        "sync_stream",
    ];

    /// The noun as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EventObject::Customer => "customer",
            EventObject::User => "user",
            EventObject::Purchase => "purchase",
            EventObject::Invoice => "invoice",
            EventObject::Payment => "payment",
            EventObject::Product => "product",
            EventObject::Subscription => "subscription",
            EventObject::SyncStream => "sync_stream",
            EventObject::Unknown(other) => other,
        }
    }

    /// `false` for [`EventObject::Unknown`].
    pub fn is_known(&self) -> bool {
        !matches!(self, EventObject::Unknown(_))
    }

    /// The noun an event type is about, for envelope-style bodies that name a type but no
    /// `object` (`subscription.created` -> `Subscription`, `sync.events_available` ->
    /// `SyncStream`; `None` for a type without a `.`).
    pub(crate) fn from_event_type(event_type: &str) -> Option<Self> {
        let (prefix, _) = event_type.split_once('.')?;
        Some(match prefix {
            "sync" => EventObject::SyncStream,
            other => EventObject::from(other),
        })
    }
}

impl From<&str> for EventObject {
    fn from(noun: &str) -> Self {
        match noun {
            "customer" => EventObject::Customer,
            "user" => EventObject::User,
            "purchase" => EventObject::Purchase,
            "invoice" => EventObject::Invoice,
            "payment" => EventObject::Payment,
            "product" => EventObject::Product,
            "subscription" => EventObject::Subscription,
            "sync_stream" => EventObject::SyncStream,
            other => EventObject::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for EventObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let noun = String::deserialize(d)?;
        Ok(EventObject::from(noun.as_str()))
    }
}
