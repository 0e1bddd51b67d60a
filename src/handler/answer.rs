//! What the handler answers: the `{data, error}` envelope, and the `data` shapes
//! `@flowglad/react` reads for the actions whose answer is not an API record.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::error::{ErrorCode, HandlerError};
use crate::raw::types;
use crate::server::billing::{CustomerDetails, FeatureAccessItem};
use crate::verbatim::Verbatim;

/// A finished answer: status, JSON body, and the `Allow` header of a 405.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) allow: Option<&'static str>,
}

impl Reply {
    /// `{"data": <data>, "error": null}`, with `data` (JSON text) written as it is.
    pub(crate) fn ok(data: &[u8]) -> Reply {
        const HEAD: &[u8] = br#"{"data":"#;
        const TAIL: &[u8] = br#","error":null}"#;
        let mut body = Vec::with_capacity(HEAD.len() + data.len() + TAIL.len());
        body.extend_from_slice(HEAD);
        body.extend_from_slice(data);
        body.extend_from_slice(TAIL);
        Reply {
            status: StatusCode::OK,
            body: body.into(),
            allow: None,
        }
    }

    pub(crate) fn from_error(error: &HandlerError) -> Reply {
        let body = serde_json::json!({"data": null, "error": error.to_json()});
        Reply {
            status: error.status(),
            body: Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
            allow: error.allow(),
        }
    }

    /// The HTTP response: JSON, never cached.
    pub(crate) fn into_response(self) -> http::Response<Bytes> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// `customers/find-or-create`: `{customer}`.
#[derive(Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "FindOrCreateCustomerAnswer")
)]
pub(crate) struct CustomerAnswer {
    pub(crate) customer: Verbatim<types::CustomerClientSelectSchema>,
}

/// `resources/usages`: `{resources}`.
#[derive(Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "ResourceUsagesAnswer")
)]
pub(crate) struct ResourcesAnswer {
    pub(crate) resources: Vec<Verbatim<types::ResourceUsageData>>,
}

/// `pricing-models/retrieve`: the customer's pricing model, or the default one for anonymous
/// visitors.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct PricingModelAnswer {
    pub(crate) pricing_model: Verbatim<types::PricingModelDetailsRecord>,
    pub(crate) source: PricingModelSource,
}

/// Whose pricing model `pricing-models/retrieve` answered with.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub(crate) enum PricingModelSource {
    /// The signed-in customer's.
    Customer,
    /// The default pricing model (nobody signed in).
    Default,
}

/// `features/access`: `{features}`.
#[derive(Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "FeatureAccessAnswer")
)]
pub(crate) struct FeaturesAnswer {
    pub(crate) features: Vec<FeatureAccessItem>,
}

/// `customerDetails`: `{customer}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct CustomerDetailsAnswer {
    pub(crate) customer: CustomerDetails,
}

/// `invoices/list`: `{invoices}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct InvoicesAnswer {
    pub(crate) invoices: Vec<Verbatim<types::CustomersGetBillingResponseInvoicesItem>>,
}

/// `purchases/list`: `{purchases}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct PurchasesAnswer {
    pub(crate) purchases: Vec<Verbatim<types::PurchaseRecord>>,
}

/// The JSON text of `value` ([`crate::Verbatim`] values and [`crate::Billing`] write the
/// API's JSON as received).
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Bytes, HandlerError> {
    serde_json::to_vec(value).map(Bytes::from).map_err(|e| {
        HandlerError::new(ErrorCode::Internal, "could not encode the response").with_source(e)
    })
}
