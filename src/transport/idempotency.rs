//! Which operations may be sent twice: decided once, here, for every call (facade or raw).
//!
//! - `GET`, `PUT`, `DELETE`, `HEAD` and `OPTIONS` are idempotent by HTTP's definition (the
//!   spec's methods carry this; no operation of the Flowglad API breaks it);
//! - among `POST`s, the API makes these idempotent: usage events (single and bulk: the API
//!   de-duplicates on `transactionId` + usage meter, reference §12) and customer archive;
//! - every other `POST` (creates, checkout sessions, subscription changes, resource claims)
//!   is not.
//!
//! A call can override the table (see [`crate::transport::CallOptions::idempotent`]).

use crate::retry::Safety;

/// `POST` operations (by the raw client's method name, i.e. the operation id in snake case)
/// that the API makes idempotent.
pub(crate) const IDEMPOTENT_POSTS: &[&str] = &[
    "usage_events_create",
    "usage_events_bulk_insert",
    "customers_archive",
];

/// The safety of operation `operation_id` sent with `method`.
pub(crate) fn safety_of(operation_id: &str, method: &http::Method) -> Safety {
    let idempotent_method = matches!(
        *method,
        http::Method::GET
            | http::Method::PUT
            | http::Method::DELETE
            | http::Method::HEAD
            | http::Method::OPTIONS
    );
    if idempotent_method || IDEMPOTENT_POSTS.contains(&operation_id) {
        Safety::Idempotent
    } else {
        Safety::NonIdempotent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every POST of the spec's raw client is classified on purpose: the idempotent ones are
    /// methods that exist.
    #[test]
    fn listed_posts_exist() {
        let generated = include_str!("../../generated/flowglad_raw.rs");
        for op in IDEMPOTENT_POSTS {
            assert!(
                generated.contains(&format!("operation_id: \"{op}\"")),
                "{op} is not an operation of the raw client"
            );
        }
    }

    #[test]
    fn methods_decide_the_rest() {
        assert_eq!(
            safety_of("customers_update", &http::Method::PUT),
            Safety::Idempotent
        );
        assert_eq!(
            safety_of("customers_create", &http::Method::POST),
            Safety::NonIdempotent
        );
        assert_eq!(
            safety_of("customers_archive", &http::Method::POST),
            Safety::Idempotent
        );
    }
}
