//! [`Verbatim`]: a typed API record together with the exact JSON the API sent for it.
//!
//! The typed value is what Rust code reads; the JSON is what a browser (or a log, or a
//! cache) should get: every key the API sent, `null` members and empty lists included, and
//! fields this SDK's types do not know yet. The request handler answers with the JSON, so
//! `@flowglad/react` sees the API's answer as the TypeScript handler would pass it on.
//!
//! Serializing a `Verbatim` with `serde_json` writes the JSON as received, without decoding
//! and encoding it again.
//!
//! ```
//! use flowglad::Verbatim;
//!
//! #[derive(serde::Deserialize)]
//! struct Customer { id: String }
//!
//! let v: Verbatim<Customer> = Verbatim::from_json(r#"{"id":"cust_1","name":null,"newField":[]}"#).unwrap();
//! assert_eq!(v.id, "cust_1");
//! assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"id":"cust_1","name":null,"newField":[]}"#);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A typed value and the JSON text it was decoded from. Derefs to the value.
#[derive(Clone)]
pub struct Verbatim<T> {
    value: T,
    /// Always one complete JSON value (checked when the value was decoded from it).
    json: Bytes,
}

/// The schema of `T`: a `Verbatim` serializes as the JSON `T` was decoded from.
#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Verbatim<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T> Verbatim<T> {
    /// The typed value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The typed value, by value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The JSON text as the API sent it.
    pub fn json(&self) -> &str {
        // Checked to be JSON, hence UTF-8, when the value was built.
        std::str::from_utf8(&self.json).unwrap_or_default()
    }

    /// The JSON text as bytes (cheap to clone: reference counted).
    pub fn json_bytes(&self) -> &Bytes {
        &self.json
    }

    /// The value and its JSON.
    pub fn into_parts(self) -> (T, Bytes) {
        (self.value, self.json)
    }
}

impl<T: DeserializeOwned> Verbatim<T> {
    /// Decodes `json` and keeps it.
    pub fn from_json(json: impl Into<Bytes>) -> serde_json::Result<Self> {
        let json = json.into();
        let value = serde_json::from_slice(&json)?;
        Ok(Verbatim { value, json })
    }
}

impl<T> Verbatim<T> {
    /// The member at `path` (object keys, outermost first): its typed value by `pick`, its
    /// JSON sliced out of this one (no copy).
    pub(crate) fn project<U>(
        self,
        path: &[&str],
        pick: impl FnOnce(T) -> U,
    ) -> crate::Result<Verbatim<U>> {
        let json = member_at(&self.json, path).ok_or_else(|| missing(path))?;
        Ok(Verbatim {
            value: pick(self.value),
            json,
        })
    }

    /// A value and the JSON it was successfully decoded from (so the JSON is known to be
    /// one complete value).
    pub(crate) fn decoded(value: T, json: Bytes) -> Self {
        Verbatim { value, json }
    }
}

impl<T> Verbatim<Vec<T>> {
    /// One `Verbatim` per element, each with its own slice of the array's JSON.
    /// Fails when the JSON is not an array of as many elements as the value.
    pub(crate) fn into_items(self) -> crate::Result<Vec<Verbatim<T>>> {
        let raws: Vec<&RawValue> = serde_json::from_slice(&self.json)
            .ok()
            .filter(|raws: &Vec<&RawValue>| raws.len() == self.value.len())
            .ok_or_else(|| missing(&[]))?;
        let slices: Vec<Bytes> = raws
            .iter()
            .map(|raw| self.json.slice_ref(raw.get().as_bytes()))
            .collect();
        Ok(self
            .value
            .into_iter()
            .zip(slices)
            .map(|(value, json)| Verbatim { value, json })
            .collect())
    }
}

fn missing(path: &[&str]) -> crate::Error {
    crate::Error::Decode {
        message: if path.is_empty() {
            "the answer's JSON does not match its decoded list".to_owned()
        } else {
            format!("the answer has no `{}` member", path.join("."))
        },
        excerpt: String::new(),
    }
}

/// The JSON of the member at `path` (object keys, outermost first) of the JSON in `json`,
/// sliced out of `json` (no copy). `None` when a member is missing or not an object.
pub(crate) fn member_at(json: &Bytes, path: &[&str]) -> Option<Bytes> {
    let mut current = json.clone();
    for key in path {
        let members: BTreeMap<Cow<'_, str>, &RawValue> = serde_json::from_slice(&current).ok()?;
        let raw = members.get(*key)?;
        current = current.slice_ref(raw.get().as_bytes());
    }
    Some(current)
}

impl<T> Deref for Verbatim<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Verbatim<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Verbatim<T> {
    /// Compares the typed values.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> Serialize for Verbatim<T> {
    /// Writes the JSON as received. With `serde_json` the text is copied as is; other
    /// serializers get the equivalent value.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue =
            serde_json::from_slice(&self.json).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        items: Vec<Inner>,
        one: Inner,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Inner {
        id: u32,
    }

    const JSON: &str =
        r#"{"items":[{"id":1,"x":null},{"id":2,"y":[]}],"one":{"id":3,"extra":{"a":1}},"z":null}"#;

    #[test]
    fn members_and_items_keep_their_text() {
        let v: Verbatim<Outer> = Verbatim::from_json(JSON).unwrap();
        let one = member_at(v.json_bytes(), &["one"]).unwrap();
        assert_eq!(one, r#"{"id":3,"extra":{"a":1}}"#);
        assert_eq!(
            member_at(v.json_bytes(), &["one", "extra", "a"]).unwrap(),
            "1"
        );
        assert!(member_at(v.json_bytes(), &["missing"]).is_none());
        assert!(member_at(v.json_bytes(), &["z", "a"]).is_none());
        let ids: Vec<u32> = v.items.iter().map(|i| i.id).collect();
        let items = Verbatim::decoded(ids, member_at(v.json_bytes(), &["items"]).unwrap())
            .into_items()
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].json(), r#"{"id":1,"x":null}"#);
        assert_eq!(*items[1], 2);
        assert_eq!(items[1].json(), r#"{"id":2,"y":[]}"#);
        assert_eq!(serde_json::to_string(&v).unwrap(), JSON);
        let composed = serde_json::to_string(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(composed, r#"{"a":1}"#);
    }

    #[test]
    fn escaped_keys_are_found() {
        let v: Verbatim<serde_json::Value> = Verbatim::from_json(r#"{"a\"b":[1]}"#).unwrap();
        assert_eq!(member_at(v.json_bytes(), &["a\"b"]).unwrap(), "[1]");
    }

    #[test]
    fn from_json_refuses_non_json() {
        assert!(Verbatim::<u8>::from_json(&b"{"[..]).is_err());
        assert!(Verbatim::<u8>::from_json(&b"1 2"[..]).is_err());
    }
}
