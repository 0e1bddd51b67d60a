//! The `object` noun of a webhook event: which kind of record changed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One table for the nouns: the enum, its wire strings and [`EventObject::KNOWN`] come from
/// it, so a new noun is one line.
macro_rules! nouns {
    ($($(#[$doc:meta])* $variant:ident => $noun:literal,)*) => {
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
            $($(#[$doc])* $variant,)*
            /// Any other noun, as sent.
            Unknown(String),
        }

        impl EventObject {
            /// Every noun this version knows, as sent on the wire.
            pub const KNOWN: &'static [&'static str] = &[$($noun),*];

            /// The noun as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventObject::$variant => $noun,)*
                    EventObject::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for EventObject {
            fn from(noun: &str) -> Self {
                match noun {
                    $($noun => EventObject::$variant,)*
                    other => EventObject::Unknown(other.to_owned()),
                }
            }
        }
    };
}

nouns! {
    /// `customer`: the record id is Flowglad's customer id.
    Customer => "customer",
    /// `user`: a Flowglad dashboard user (no public API to read it).
    User => "user",
    /// `purchase`
    Purchase => "purchase",
    /// `invoice`
    Invoice => "invoice",
    /// `payment`
    Payment => "payment",
    /// `product`
    Product => "product",
    /// `subscription`
    Subscription => "subscription",
    /// `sync_stream`: new sync events are available (no record to read).
    SyncStream => "sync_stream",
}

impl EventObject {
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
        // A new noun is kept as `Unknown`; no noun at all is not a record a receiver can act on.
        if noun.trim().is_empty() {
            return Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&noun),
                &"a record noun (customer, subscription, ...)",
            ));
        }
        Ok(EventObject::from(noun.as_str()))
    }
}
