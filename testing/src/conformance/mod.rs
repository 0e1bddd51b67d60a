//! OpenAPI conformance checking.
//!
//! [`Spec`] loads an OpenAPI 3.1 document (or a 3.0.x document, whose `nullable` and boolean
//! `exclusiveMinimum`/`exclusiveMaximum` are translated into their JSON Schema 2020-12
//! equivalents while loading), indexes its operations and compiles one JSON-schema validator per
//! parameter, request body and JSON response. An `allOf` of closed objects, which strict JSON
//! Schema reads as admitting nothing (upstream's `discounts-get`), is read as its authors meant:
//! the union of the branches' properties (see [`Spec::from_json`]). It then answers four
//! questions:
//!
//! - which operation does a request address ([`Spec::match_route`]);
//! - does a request conform to the document ([`Spec::validate_request`]): route, path and query
//!   parameters, security header, content type and JSON body;
//! - does a response conform to the document ([`Spec::validate_response`]);
//! - what would a valid response body look like ([`Spec::example_response`],
//!   [`Spec::example_for_schema`]): a deterministic value that validates against the schema.
//!
//! ```ignore
//! let spec = Spec::from_slice(&std::fs::read("openapi.json")?)?;
//! let headers = vec![("authorization".to_owned(), "sk_test".to_owned())];
//! let parts = RequestParts::new("GET", "/api/v1/customers/c1", None, &headers, b"");
//! match spec.validate_request(&parts) {
//!     Ok(route) => assert_eq!(route.operation_id, "customers-get"),
//!     Err(violations) => panic!("{violations:?}"),
//! }
//! ```

mod example;
#[cfg(test)]
mod fixtures;
mod normalize;
mod route;
mod spec;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

pub use spec::{OperationInfo, Spec};

/// A failure to load an OpenAPI document or to synthesize an example from it.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// The bytes are not JSON.
    #[error("the OpenAPI document is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The `openapi` field is missing or names a version other than 3.0.x or 3.1.x.
    #[error("unsupported OpenAPI version: {0}")]
    UnsupportedVersion(String),
    /// The document is not shaped like an OpenAPI document.
    #[error("invalid OpenAPI document at {pointer}: {message}")]
    InvalidDocument {
        /// JSON pointer of the offending node.
        pointer: String,
        /// What is wrong with it.
        message: String,
    },
    /// Two operations share one `operationId`.
    #[error("duplicate operationId {0:?}")]
    DuplicateOperationId(String),
    /// A schema could not be compiled into a validator.
    #[error("schema at {pointer} does not compile: {message}")]
    Schema {
        /// JSON pointer of the schema.
        pointer: String,
        /// The compiler's message.
        message: String,
    },
    /// No operation has this `operationId`.
    #[error("unknown operationId {0:?}")]
    UnknownOperation(String),
    /// The operation (or pointer) has no JSON schema to work from.
    #[error("no JSON schema for {0}")]
    NoSchema(String),
    /// A synthesized example did not validate against its own schema.
    #[error("could not synthesize a valid example for {pointer}: {message}")]
    Example {
        /// JSON pointer of the schema.
        pointer: String,
        /// Why the synthesized value is invalid.
        message: String,
    },
}

/// The operation a request addresses, with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The matched operation's `operationId`.
    pub operation_id: String,
    /// Path parameters by name, percent-decoded.
    pub path_params: BTreeMap<String, String>,
}

/// What kind of rule a request or response broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// No path template matches the request path.
    UnknownRoute,
    /// A path template matches, but not with this method.
    MethodNotAllowed,
    /// A required parameter is absent.
    MissingParameter,
    /// A query parameter the operation does not declare.
    UnknownParameter,
    /// A parameter value does not satisfy its schema (or is repeated).
    InvalidParameter,
    /// The security requirement (e.g. the `Authorization` header) is not met.
    Unauthorized,
    /// The operation requires a request body and none was sent.
    MissingBody,
    /// A body was sent to an operation that takes none (or to a GET).
    UnexpectedBody,
    /// The `Content-Type` header is missing or not one the operation accepts.
    ContentType,
    /// The body is not valid JSON.
    MalformedJson,
    /// The JSON body does not validate against the schema.
    Schema,
    /// `validate_response` was given an unknown `operationId`.
    UnknownOperation,
    /// The response status is not documented for the operation.
    UndocumentedStatus,
}

/// One way in which a request or response departs from the OpenAPI document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: `route`, `path.id`, `query.limit`, `header.authorization`, `body`,
    /// `body/usageEvent/amount` (a JSON pointer after `body`), `response/customer/id`, ...
    pub location: String,
    /// What kind of rule was broken.
    pub kind: ViolationKind,
    /// Why, in words.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(
        location: impl Into<String>,
        kind: ViolationKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            location: location.into(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Request headers, either as name/value pairs or as an [`http::HeaderMap`].
///
/// Names are matched case-insensitively.
#[derive(Debug, Clone, Copy)]
pub enum Headers<'a> {
    /// Name/value pairs.
    Pairs(&'a [(String, String)]),
    /// An `http` header map (values that are not UTF-8 count as absent).
    Map(&'a http::HeaderMap),
}

impl<'a> Headers<'a> {
    /// All values of the header `name` (case-insensitive), in order.
    pub fn get_all(&self, name: &str) -> Vec<&'a str> {
        match *self {
            Headers::Pairs(pairs) => pairs
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect(),
            Headers::Map(map) => map
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect(),
        }
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.get_all(name).into_iter().next()
    }
}

impl<'a> From<&'a [(String, String)]> for Headers<'a> {
    fn from(pairs: &'a [(String, String)]) -> Self {
        Headers::Pairs(pairs)
    }
}

impl<'a> From<&'a Vec<(String, String)>> for Headers<'a> {
    fn from(pairs: &'a Vec<(String, String)>) -> Self {
        Headers::Pairs(pairs)
    }
}

impl<'a> From<&'a http::HeaderMap> for Headers<'a> {
    fn from(map: &'a http::HeaderMap) -> Self {
        Headers::Map(map)
    }
}

/// The parts of an HTTP request that [`Spec::validate_request`] checks.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// The method, e.g. `GET` (case-insensitive).
    pub method: &'a str,
    /// The path, without query string, still percent-encoded, e.g. `/api/v1/customers/a%20b`.
    pub path: &'a str,
    /// The raw query string without the leading `?`, if any.
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: Headers<'a>,
    /// The request body (empty when none was sent).
    pub body: &'a [u8],
}

impl<'a> RequestParts<'a> {
    /// Builds request parts from loose pieces.
    pub fn new(
        method: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        headers: impl Into<Headers<'a>>,
        body: &'a [u8],
    ) -> Self {
        Self {
            method,
            path,
            query,
            headers: headers.into(),
            body,
        }
    }

    /// Borrows the parts of an [`http::Request`] whose body is already collected into bytes.
    pub fn from_request<B: AsRef<[u8]>>(request: &'a http::Request<B>) -> Self {
        Self {
            method: request.method().as_str(),
            path: request.uri().path(),
            query: request.uri().query(),
            headers: Headers::Map(request.headers()),
            body: request.body().as_ref(),
        }
    }
}
