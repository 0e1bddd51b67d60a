//! What the handler reads: the body (up to its limit) or the query string as a JSON object,
//! validated into the facade's params (errors name the fields), and the few inputs whose
//! browser form differs from the facade's (defaults, fields only server code may set).

use bytes::Bytes;
use http_body::Body;
use http_body_util::BodyExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ErrorCode, HandlerError};
use crate::error::{BoxError, Error};
use crate::ids::{PriceRef, ResourceRef, UsageTarget};
use crate::raw::types;
use crate::server::resources::{
    ClaimFields, ClaimResourceParams, ReleaseFields, ReleaseResourceParams,
};
use crate::server::subscriptions::{CancellationTiming, CreateSubscriptionParams};

/// Reads `body` completely, failing with 413 beyond `limit` bytes.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, HandlerError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large(limit));
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Err(e) => Err(HandlerError::new(
            ErrorCode::InvalidJson,
            "the request body could not be read",
        )
        .with_source(e)),
    }
}

pub(crate) fn too_large(limit: usize) -> HandlerError {
    HandlerError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {limit} bytes"),
    )
}

/// The JSON body as an object: empty or `null` is `{}`; anything but an object is a 400.
pub(crate) fn body_input(body: &[u8]) -> Result<serde_json::Value, HandlerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        HandlerError::new(
            ErrorCode::InvalidJson,
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    match value {
        serde_json::Value::Null => Ok(serde_json::Value::Object(Default::default())),
        serde_json::Value::Object(_) => Ok(value),
        _ => Err(HandlerError::validation(
            Vec::new(),
            "the request body must be a JSON object",
        )),
    }
}

/// The query string as a JSON object (the last duplicate wins). `limit` becomes a number and
/// `includeHistorical` a boolean when they parse, so GET and POST inputs validate alike.
pub(crate) fn query_input(query: Option<&str>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = match (key.as_ref(), value.as_ref()) {
            ("limit", v) => v
                .parse::<i64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| v.into()),
            ("includeHistorical", "true") => true.into(),
            ("includeHistorical", "false") => false.into(),
            (_, v) => v.into(),
        };
        map.insert(key.into_owned(), value);
    }
    serde_json::Value::Object(map)
}

/// Keys under which the input holds the application's own data, not ids.
const FREE_FORM: [&str; 3] = ["metadata", "outputMetadata", "properties"];

/// Refuses an id that is blank, `.` or `..` anywhere in the input (a key `id` or ending in
/// `Id`/`Ids`, also inside arrays and nested objects; not inside free-form metadata): such an
/// id would become a path segment (`/subscriptions/./cancel`) or an empty filter. Checked
/// before any action runs, so no request reaches Flowglad; the 400 names the field.
pub(crate) fn check_ids(input: &Value) -> Result<(), HandlerError> {
    fn walk(value: &Value, path: &mut Vec<Value>, is_id: bool) -> Result<(), HandlerError> {
        match value {
            Value::String(text) if is_id => {
                let Some(reason) = crate::ids::path_id_problem(text) else {
                    return Ok(());
                };
                let field = path
                    .iter()
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                Err(HandlerError::validation(
                    path.clone(),
                    format!("{field} {reason}"),
                ))
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(index.into());
                    walk(item, path, is_id)?;
                    path.pop();
                }
                Ok(())
            }
            Value::Object(map) => {
                for (key, item) in map {
                    if FREE_FORM.contains(&key.as_str()) {
                        continue;
                    }
                    let names_id = key == "id" || key.ends_with("Id") || key.ends_with("Ids");
                    path.push(key.as_str().into());
                    walk(item, path, names_id)?;
                    path.pop();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(input, &mut Vec::new(), false)
}

/// Deserializes the input; errors are 400 `VALIDATION_ERROR` with the field's path.
pub(crate) fn parse<T: DeserializeOwned>(input: Value) -> Result<T, HandlerError> {
    serde_path_to_error::deserialize(input).map_err(|error| {
        let path: Vec<Value> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some((*index).into()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone().into()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone().into()),
                _ => None,
            })
            .collect();
        let message = if path.is_empty() {
            error.inner().to_string()
        } else {
            format!("{}: {}", error.path(), error.inner())
        };
        HandlerError::validation(path, message)
    })
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct UpdateCustomerInput {
    pub(crate) customer: UpdateCustomerFields,
}

/// The fields a customer may change from the browser (others are ignored, like the
/// TypeScript SDK's schema strips unknown keys).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct UpdateCustomerFields {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) email: Option<String>,
}

/// The input of actions that read none (any JSON object is accepted).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct NoInput {}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct IdInput {
    pub(crate) id: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct CancelInput {
    pub(crate) id: String,
    pub(crate) cancellation: CancellationInput,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct CancellationInput {
    pub(crate) timing: CancellationTiming,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionsListInput {
    #[serde(default)]
    pub(crate) include_historical: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionInput {
    #[serde(default)]
    pub(crate) subscription_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceUsageInput {
    #[serde(default)]
    pub(crate) subscription_id: Option<String>,
    #[serde(flatten)]
    pub(crate) resource: ResourceRef,
}

/// Fields of `subscriptions/create` that would let a browser skip payment or pick a payment
/// method: only your server code may set them (`FlowgladServer::create_subscription`).
const SERVER_ONLY_SUBSCRIPTION_FIELDS: &[&str] = &[
    "doNotCharge",
    "trialEnd",
    "startDate",
    "interval",
    "intervalCount",
    "backupPaymentMethodId",
    "defaultPaymentMethodId",
    "customerId",
    "customerExternalId",
];

/// The browser's `subscriptions/create`: a price, and none of
/// [`SERVER_ONLY_SUBSCRIPTION_FIELDS`].
#[derive(Debug, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(extend("not" = {"anyOf": [
        {"required": ["doNotCharge"]},
        {"required": ["trialEnd"]},
        {"required": ["startDate"]},
        {"required": ["interval"]},
        {"required": ["intervalCount"]},
        {"required": ["backupPaymentMethodId"]},
        {"required": ["defaultPaymentMethodId"]},
        {"required": ["customerId"]},
        {"required": ["customerExternalId"]}
    ]}))
)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateSubscriptionInput {
    #[serde(flatten)]
    pub(crate) price: PriceRef,
    #[serde(default)]
    pub(crate) quantity: Option<i64>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Option<types::Metadata>,
}

/// `resources/claim`'s input: read as the fields first, then checked by `try_from`, so a
/// validation error names each field (serde's own error would be one message).
pub(crate) fn claim_params(input: Value) -> Result<ClaimResourceParams, HandlerError> {
    Ok(ClaimResourceParams::try_from(parse::<ClaimFields>(input)?)?)
}

/// `resources/release`'s input, read as [`claim_params`] reads a claim.
pub(crate) fn release_params(input: Value) -> Result<ReleaseResourceParams, HandlerError> {
    Ok(ReleaseResourceParams::try_from(parse::<ReleaseFields>(
        input,
    )?)?)
}

/// `subscriptions/create`'s input: a body setting any of
/// [`SERVER_ONLY_SUBSCRIPTION_FIELDS`] is refused, naming each.
pub(crate) fn create_subscription_input(
    input: Value,
) -> Result<CreateSubscriptionInput, HandlerError> {
    if let Value::Object(map) = &input {
        let refused: Vec<&str> = SERVER_ONLY_SUBSCRIPTION_FIELDS
            .iter()
            .copied()
            .filter(|field| map.contains_key(*field))
            .collect();
        if !refused.is_empty() {
            let mut error = HandlerError::new(
                ErrorCode::ValidationError,
                format!(
                    "{} cannot be set from the browser; create such subscriptions from server code",
                    refused.join(", ")
                ),
            );
            for field in &refused {
                error =
                    error.with_issue(vec![(*field).into()], "only server code may set this field");
            }
            return Err(error);
        }
    }
    parse(input)
}

/// The facade's params for the browser's subscription (quantity defaults to 1).
pub(crate) fn create_subscription_params(
    input: CreateSubscriptionInput,
) -> Result<CreateSubscriptionParams, Error> {
    let quantity = input.quantity.unwrap_or(1);
    if quantity <= 0 {
        return Err(Error::validation("quantity", "must be an integer > 0"));
    }
    let mut params = CreateSubscriptionParams::new(input.price).quantity(quantity);
    params.name = input.name;
    params.metadata = input.metadata;
    Ok(params)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageEventInput {
    #[serde(flatten)]
    pub(crate) target: UsageTarget,
    #[serde(default)]
    pub(crate) amount: Option<i64>,
    #[serde(default)]
    pub(crate) subscription_id: Option<String>,
    #[serde(default)]
    pub(crate) transaction_id: Option<String>,
    #[serde(default)]
    pub(crate) usage_date: Option<i64>,
    #[serde(default)]
    pub(crate) properties: Option<serde_json::Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CreateProductCheckoutSessionParams;
    use serde_json::json;

    #[test]
    fn query_coercion() {
        assert_eq!(
            query_input(Some(
                "limit=2&startingAfter=inv_1&limit=3&includeHistorical=true&x=1"
            )),
            json!({"limit": 3, "startingAfter": "inv_1", "includeHistorical": true, "x": "1"})
        );
        assert_eq!(query_input(None), json!({}));
        assert_eq!(query_input(Some("limit=abc")), json!({"limit": "abc"}));
    }

    #[test]
    fn bodies() {
        assert_eq!(body_input(b"").unwrap(), json!({}));
        assert_eq!(body_input(b" null ").unwrap(), json!({}));
        assert_eq!(body_input(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(body_input(b"{").unwrap_err().code(), ErrorCode::InvalidJson);
        assert_eq!(
            body_input(b"[1]").unwrap_err().code(),
            ErrorCode::ValidationError
        );
    }

    #[test]
    fn validation_names_fields() {
        let e = parse::<CancelInput>(json!({"id": "sub_1", "cancellation": {"timing": "never"}}))
            .unwrap_err();
        assert_eq!(
            e.issues()[0].path,
            vec![json!("cancellation"), json!("timing")]
        );
        let e = parse::<CreateProductCheckoutSessionParams>(json!({
            "priceId": "p", "priceSlug": "s", "successUrl": "https://a", "cancelUrl": "https://b"
        }))
        .unwrap_err();
        assert!(e.message().contains("priceId"), "{}", e.message());
        let e = create_subscription_input(json!({"priceSlug": "pro", "doNotCharge": true}))
            .unwrap_err();
        assert_eq!(e.issues()[0].path, vec![json!("doNotCharge")]);
        let e = parse::<ClaimResourceParams>(
            json!({"resourceSlug": "seats", "quantity": 1, "externalId": "x"}),
        )
        .unwrap_err();
        assert!(
            e.message().contains("quantity and externalId"),
            "{}",
            e.message()
        );
    }
}
