//! The 24 actions: input types (validated with serde, errors naming the fields) and the
//! facade call each one makes, with the success `data` shapes `@flowglad/react` reads.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::core::Action;
use super::error::{ErrorCode, HandlerError};
use crate::client::FlowgladClient;
use crate::error::Error;
use crate::ids::{PriceRef, UsageTarget, check_path_id};
use crate::raw::types;
use crate::server::billing::{CustomerSummary, FeatureAccessItem, ListParams};
use crate::server::checkout::OutputMetadata;
use crate::server::resources::{
    ClaimAmount, ClaimResourceParams, ReleaseAmount, ReleaseResourceParams, ResourceRef,
};
use crate::server::subscriptions::{
    AdjustSubscriptionParams, CancellationTiming, CreateSubscriptionParams,
};
use crate::server::usage::CreateUsageEventParams;
use crate::server::{FlowgladServer, details_id};
use crate::verbatim::Verbatim;
use crate::{
    ActivateSubscriptionCheckoutSessionParams, AddPaymentMethodCheckoutSessionParams,
    CreateProductCheckoutSessionParams,
};

/// Runs an action for the signed-in customer; `input` is a JSON object. The answer is the
/// JSON text of the envelope's `data`: API records exactly as the API sent them.
pub(crate) async fn run(
    action: Action,
    server: &FlowgladServer,
    input: Value,
) -> Result<Bytes, HandlerError> {
    match action {
        Action::CustomersBilling => json(&server.get_billing().await?),
        Action::CustomersFindOrCreate => json(&CustomerAnswer {
            customer: server.find_or_create_customer().await?,
        }),
        Action::CustomersUpdate => {
            let input: UpdateCustomerInput = parse(input)?;
            let body = types::CustomersUpdateBody {
                customer: types::CustomersUpdateBodyCustomer {
                    name: input.customer.name,
                    email: input.customer.email,
                    ..Default::default()
                },
            };
            json(&server.update_customer(&body).await?)
        }
        Action::CheckoutSessionsCreate => {
            let params: CreateProductCheckoutSessionParams = parse(input)?;
            json(&server.create_checkout_session(params).await?)
        }
        Action::CheckoutSessionsCreateAddPaymentMethod => {
            let params: AddPaymentMethodCheckoutSessionParams = parse(input)?;
            json(
                &server
                    .create_add_payment_method_checkout_session(params)
                    .await?,
            )
        }
        Action::CheckoutSessionsCreateActivateSubscription => {
            let params: ActivateSubscriptionCheckoutSessionParams = parse(input)?;
            json(
                &server
                    .create_activate_subscription_checkout_session(params)
                    .await?,
            )
        }
        Action::SubscriptionsCancel => {
            let input: CancelInput = parse(input)?;
            check_path_id("id", &input.id)?;
            json(
                &server
                    .cancel_subscription(&input.id, input.cancellation.timing)
                    .await?,
            )
        }
        Action::SubscriptionsUncancel => {
            let input: IdInput = parse(input)?;
            check_path_id("id", &input.id)?;
            json(&server.uncancel_subscription(&input.id).await?)
        }
        Action::SubscriptionsAdjust => {
            let params: AdjustSubscriptionParams = parse(input)?;
            json(&server.adjust_subscription(params).await?)
        }
        Action::SubscriptionsCreate => {
            let params = create_subscription_params(input)?;
            json(&server.create_subscription(params).await?)
        }
        Action::SubscriptionsList => {
            let input: SubscriptionsListInput = parse(input)?;
            json(
                &server
                    .get_subscriptions(input.include_historical.unwrap_or(false))
                    .await?,
            )
        }
        Action::UsageEventsCreate => create_usage_event(server, parse(input)?).await,
        Action::ResourcesUsages => {
            let input: SubscriptionInput = parse(input)?;
            let resources = server
                .get_resource_usages(input.subscription_id.as_deref())
                .await?;
            json(&ResourcesAnswer { resources })
        }
        Action::ResourcesUsagesRetrieve => {
            let input: ResourceUsageInput = parse(input)?;
            let resource = exactly_one_resource(input.resource_slug, input.resource_id)?;
            json(
                &server
                    .get_resource_usage(&resource, input.subscription_id.as_deref())
                    .await?,
            )
        }
        Action::ResourcesClaim => {
            let params = parse::<ClaimInput>(input)?.into_params()?;
            json(&server.claim_resource(params).await?)
        }
        Action::ResourcesRelease => {
            let params = parse::<ReleaseInput>(input)?.into_params()?;
            json(&server.release_resource(params).await?)
        }
        Action::ResourcesClaims => {
            let input: ListClaimsInput = parse(input)?;
            json(
                &server
                    .list_resource_claims(
                        input.subscription_id.as_deref(),
                        input.resource_slug.as_deref(),
                    )
                    .await?,
            )
        }
        Action::PricingModelsRetrieve => json(&PricingModelAnswer {
            pricing_model: server.get_pricing_model().await?,
            source: PricingModelSource::Customer,
        }),
        Action::UsageMetersBalances => {
            let input: SubscriptionInput = parse(input)?;
            json(
                &server
                    .get_usage_meter_balances(input.subscription_id.as_deref())
                    .await?,
            )
        }
        Action::FeaturesAccess => {
            let input: SubscriptionInput = parse(input)?;
            let features = server
                .get_feature_access_items(input.subscription_id.as_deref())
                .await?;
            json(&FeaturesAnswer { features })
        }
        Action::PaymentMethodsList => json(&server.get_payment_methods().await?),
        Action::CustomerDetails => json(&CustomerDetailsAnswer {
            customer: server.get_customer_details().await?,
        }),
        Action::InvoicesList => {
            let params = parse::<ListInput>(input)?.into_params();
            json(&InvoicesAnswer {
                invoices: server.get_invoices(&params).await?,
            })
        }
        Action::PurchasesList => {
            let params = parse::<ListInput>(input)?.into_params();
            json(&PurchasesAnswer {
                purchases: server.get_purchases(&params).await?,
            })
        }
    }
}

/// `pricing-models/retrieve` without a signed-in customer: the default pricing model.
pub(crate) async fn default_pricing_model(
    client: &FlowgladClient,
    _input: Value,
) -> Result<Bytes, HandlerError> {
    let response = client.admin().get_default_pricing_model().await?;
    json(&PricingModelAnswer {
        pricing_model: response.project(&["pricingModel"], |r| r.pricing_model)?,
        source: PricingModelSource::Default,
    })
}

/// The input of actions that read none (any JSON object is accepted).
#[cfg(feature = "schemars")]
#[derive(schemars::JsonSchema)]
struct NoInput {}

/// `customers/find-or-create`: `{customer}`.
#[derive(Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "FindOrCreateCustomerAnswer")
)]
struct CustomerAnswer {
    customer: Verbatim<types::CustomerClientSelectSchema>,
}

/// `resources/usages`: `{resources}`.
#[derive(Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(rename = "ResourceUsagesAnswer")
)]
struct ResourcesAnswer {
    resources: Vec<Verbatim<types::ResourceUsageData>>,
}

/// `pricing-models/retrieve`: the customer's pricing model, or the default one for anonymous
/// visitors.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct PricingModelAnswer {
    pricing_model: Verbatim<types::PricingModelDetailsRecord>,
    source: PricingModelSource,
}

/// Whose pricing model `pricing-models/retrieve` answered with.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
enum PricingModelSource {
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
struct FeaturesAnswer {
    features: Vec<FeatureAccessItem>,
}

/// `customerDetails`: `{customer}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct CustomerDetailsAnswer {
    customer: CustomerSummary,
}

/// `invoices/list`: `{invoices}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct InvoicesAnswer {
    invoices: Vec<Verbatim<types::CustomersGetBillingResponseInvoicesItem>>,
}

/// `purchases/list`: `{purchases}`.
#[derive(Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct PurchasesAnswer {
    purchases: Vec<Verbatim<types::PurchaseRecord>>,
}

/// The JSON Schemas of an action's input (the request body) and of its answer (`data`), as
/// subschemas of `generator` (references into its definitions). The `match` is exhaustive,
/// so a new action cannot go undocumented; the answer types are the ones [`run`] serializes.
#[cfg(feature = "schemars")]
pub(crate) fn schemas(
    action: Action,
    generator: &mut schemars::SchemaGenerator,
) -> (schemars::Schema, schemars::Schema) {
    use crate::server::billing::{Billing, PaymentMethods, Subscriptions};

    fn pair<I: schemars::JsonSchema, A: schemars::JsonSchema>(
        generator: &mut schemars::SchemaGenerator,
    ) -> (schemars::Schema, schemars::Schema) {
        (
            generator.subschema_for::<I>(),
            generator.subschema_for::<A>(),
        )
    }
    let g = generator;
    match action {
        Action::CustomersBilling => pair::<NoInput, Billing>(g),
        Action::CustomersFindOrCreate => pair::<NoInput, CustomerAnswer>(g),
        Action::CustomersUpdate => pair::<UpdateCustomerInput, types::CustomersUpdateResponse>(g),
        Action::CheckoutSessionsCreate => {
            pair::<CreateProductCheckoutSessionParams, types::CheckoutSessionsCreateResponse>(g)
        }
        Action::CheckoutSessionsCreateAddPaymentMethod => {
            pair::<AddPaymentMethodCheckoutSessionParams, types::CheckoutSessionsCreateResponse>(g)
        }
        Action::CheckoutSessionsCreateActivateSubscription => pair::<
            ActivateSubscriptionCheckoutSessionParams,
            types::CheckoutSessionsCreateResponse,
        >(g),
        Action::SubscriptionsCancel => pair::<CancelInput, types::SubscriptionsCancelResponse>(g),
        Action::SubscriptionsUncancel => pair::<IdInput, types::SubscriptionsUncancelResponse>(g),
        Action::SubscriptionsAdjust => {
            pair::<AdjustSubscriptionParams, types::AdjustSubscriptionOutput>(g)
        }
        Action::SubscriptionsCreate => {
            pair::<CreateSubscriptionInput, types::SubscriptionsCreateResponse>(g)
        }
        Action::SubscriptionsList => pair::<SubscriptionsListInput, Subscriptions>(g),
        Action::UsageEventsCreate => pair::<UsageEventInput, types::UsageEventsCreateResponse>(g),
        Action::ResourcesUsages => pair::<SubscriptionInput, ResourcesAnswer>(g),
        Action::ResourcesUsagesRetrieve => pair::<ResourceUsageInput, types::ResourceUsage>(g),
        Action::ResourcesClaim => pair::<ClaimInput, types::ResourceClaimsClaimResponse>(g),
        Action::ResourcesRelease => pair::<ReleaseInput, types::ResourceClaimsReleaseResponse>(g),
        Action::ResourcesClaims => {
            pair::<ListClaimsInput, types::ResourceClaimsListClaimsResponse>(g)
        }
        Action::PricingModelsRetrieve => pair::<NoInput, PricingModelAnswer>(g),
        Action::UsageMetersBalances => {
            pair::<SubscriptionInput, types::CustomersGetUsageBalancesResponse>(g)
        }
        Action::FeaturesAccess => pair::<SubscriptionInput, FeaturesAnswer>(g),
        Action::PaymentMethodsList => pair::<NoInput, PaymentMethods>(g),
        Action::CustomerDetails => pair::<NoInput, CustomerDetailsAnswer>(g),
        Action::InvoicesList => pair::<ListInput, InvoicesAnswer>(g),
        Action::PurchasesList => pair::<ListInput, PurchasesAnswer>(g),
    }
}

/// The JSON text of `value` ([`crate::Verbatim`] values and [`crate::Billing`] write the
/// API's JSON as received).
fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Bytes, HandlerError> {
    serde_json::to_vec(value).map(Bytes::from).map_err(|e| {
        HandlerError::new(ErrorCode::Internal, "could not encode the response").with_source(e)
    })
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

fn missing_or_conflict(fields: &[&'static str], given: &[&'static str]) -> HandlerError {
    let (named, message) = if given.is_empty() {
        (
            fields.to_vec(),
            format!("exactly one of {} is required", fields.join(", ")),
        )
    } else {
        (
            given.to_vec(),
            format!(
                "exactly one of {} may be given; got {}",
                fields.join(", "),
                given.join(" and ")
            ),
        )
    };
    Error::validation(named.join("/"), message).into()
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct UpdateCustomerInput {
    customer: UpdateCustomerFields,
}

/// The fields a customer may change from the browser (others are ignored, like the
/// TypeScript SDK's schema strips unknown keys).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct UpdateCustomerFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct IdInput {
    id: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct CancelInput {
    id: String,
    cancellation: CancellationInput,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct CancellationInput {
    timing: CancellationTiming,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct SubscriptionsListInput {
    #[serde(default)]
    include_historical: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct SubscriptionInput {
    #[serde(default)]
    subscription_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(extend("oneOf" = [{"required": ["resourceSlug"]}, {"required": ["resourceId"]}]))
)]
#[serde(rename_all = "camelCase")]
struct ResourceUsageInput {
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    resource_slug: Option<String>,
    #[serde(default)]
    resource_id: Option<String>,
}

fn exactly_one_resource(
    slug: Option<String>,
    id: Option<String>,
) -> Result<ResourceRef, HandlerError> {
    match (slug, id) {
        (Some(slug), None) => Ok(ResourceRef::Slug(slug)),
        (None, Some(id)) => Ok(ResourceRef::Id(id)),
        (None, None) => Err(missing_or_conflict(&["resourceSlug", "resourceId"], &[])),
        (Some(_), Some(_)) => Err(missing_or_conflict(
            &["resourceSlug", "resourceId"],
            &["resourceSlug", "resourceId"],
        )),
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(extend("oneOf" = [{"required": ["quantity"]}, {"required": ["externalId"]}, {"required": ["externalIds"]}]))
)]
#[serde(rename_all = "camelCase")]
struct ClaimInput {
    resource_slug: String,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    metadata: Option<types::Metadata>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    external_ids: Option<Vec<String>>,
}

fn positive(quantity: i64) -> Result<i64, HandlerError> {
    if quantity > 0 {
        Ok(quantity)
    } else {
        Err(Error::validation("quantity", "must be an integer > 0").into())
    }
}

fn non_empty(field: &'static str, ids: Vec<String>) -> Result<Vec<String>, HandlerError> {
    if ids.is_empty() {
        Err(Error::validation(field, "must not be empty").into())
    } else {
        Ok(ids)
    }
}

impl ClaimInput {
    fn into_params(self) -> Result<ClaimResourceParams, HandlerError> {
        const FIELDS: &[&str] = &["quantity", "externalId", "externalIds"];
        let amount = match (self.quantity, self.external_id, self.external_ids) {
            (Some(q), None, None) => ClaimAmount::Quantity(positive(q)?),
            (None, Some(e), None) => ClaimAmount::ExternalId(e),
            (None, None, Some(e)) => ClaimAmount::ExternalIds(non_empty("externalIds", e)?),
            (q, e, es) => {
                let given: Vec<&'static str> = [q.is_some(), e.is_some(), es.is_some()]
                    .iter()
                    .zip(FIELDS)
                    .filter_map(|(set, name)| set.then_some(*name))
                    .collect();
                return Err(missing_or_conflict(FIELDS, &given));
            }
        };
        Ok(ClaimResourceParams {
            resource_slug: self.resource_slug,
            amount,
            subscription_id: self.subscription_id,
            metadata: self.metadata,
        })
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(extend("oneOf" = [{"required": ["quantity"]}, {"required": ["externalId"]}, {"required": ["externalIds"]}, {"required": ["claimIds"]}]))
)]
#[serde(rename_all = "camelCase")]
struct ReleaseInput {
    resource_slug: String,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    external_ids: Option<Vec<String>>,
    #[serde(default)]
    claim_ids: Option<Vec<String>>,
}

impl ReleaseInput {
    fn into_params(self) -> Result<ReleaseResourceParams, HandlerError> {
        const FIELDS: &[&str] = &["quantity", "externalId", "externalIds", "claimIds"];
        let amount = match (
            self.quantity,
            self.external_id,
            self.external_ids,
            self.claim_ids,
        ) {
            (Some(q), None, None, None) => ReleaseAmount::Quantity(positive(q)?),
            (None, Some(e), None, None) => ReleaseAmount::ExternalId(e),
            (None, None, Some(e), None) => ReleaseAmount::ExternalIds(non_empty("externalIds", e)?),
            (None, None, None, Some(c)) => ReleaseAmount::ClaimIds(non_empty("claimIds", c)?),
            (q, e, es, c) => {
                let given: Vec<&'static str> =
                    [q.is_some(), e.is_some(), es.is_some(), c.is_some()]
                        .iter()
                        .zip(FIELDS)
                        .filter_map(|(set, name)| set.then_some(*name))
                        .collect();
                return Err(missing_or_conflict(FIELDS, &given));
            }
        };
        Ok(ReleaseResourceParams {
            resource_slug: self.resource_slug,
            amount,
            subscription_id: self.subscription_id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct ListClaimsInput {
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    resource_slug: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct ListInput {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    starting_after: Option<String>,
}

impl ListInput {
    fn into_params(self) -> ListParams {
        ListParams {
            limit: self.limit,
            starting_after: self.starting_after,
        }
    }
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
struct CreateSubscriptionInput {
    #[serde(flatten)]
    price: PriceRef,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    metadata: Option<OutputMetadata>,
}

fn create_subscription_params(input: Value) -> Result<CreateSubscriptionParams, HandlerError> {
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
    let input: CreateSubscriptionInput = parse(input)?;
    let mut params = CreateSubscriptionParams::new(input.price);
    params.quantity = positive(input.quantity.unwrap_or(1))?;
    params.name = input.name;
    params.metadata = input.metadata;
    Ok(params)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct UsageEventInput {
    #[serde(flatten)]
    target: UsageTarget,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    usage_date: Option<i64>,
    #[serde(default)]
    properties: Option<serde_json::Map<String, Value>>,
}

/// `usage-events/create` (reference 5.4): the subscription defaults to the API's
/// `currentSubscription` and must be one of `currentSubscriptions`; `amount` defaults to 1
/// and `transactionId` to a fresh 21-character id.
async fn create_usage_event(
    server: &FlowgladServer,
    input: UsageEventInput,
) -> Result<Bytes, HandlerError> {
    let billing = server.get_billing().await?;
    let subscription_id = match input.subscription_id {
        Some(id) => {
            check_path_id("subscriptionId", &id)?;
            id
        }
        None => match &billing.raw().current_subscription {
            Some(current) => details_id(current).to_owned(),
            None => {
                return Err(HandlerError::new(
                    ErrorCode::NoActiveSubscription,
                    "subscriptionId required: no current subscription found",
                ));
            }
        },
    };
    if !billing
        .current_subscriptions
        .iter()
        .any(|s| details_id(s) == subscription_id)
    {
        return Err(Error::SubscriptionNotCurrent { subscription_id }.into());
    }
    let params = CreateUsageEventParams {
        amount: input.amount.unwrap_or(1),
        target: input.target,
        subscription_id,
        transaction_id: input
            .transaction_id
            .filter(|id| !id.is_empty())
            .unwrap_or_else(transaction_id),
        usage_date: input.usage_date,
        properties: input.properties,
    };
    json(&server.create_usage_event(params).await?)
}

/// A 21-character URL-safe random id (the TypeScript SDK uses nanoid).
pub(crate) fn transaction_id() -> String {
    const ALPHABET: &[u8] = b"useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
    (0..21)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transaction_ids() {
        let a = transaction_id();
        assert_eq!(a.len(), 21);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
        assert_ne!(a, transaction_id());
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
        let e = create_subscription_params(json!({"priceSlug": "pro", "doNotCharge": true}))
            .unwrap_err();
        assert_eq!(e.issues()[0].path, vec![json!("doNotCharge")]);
        let e =
            parse::<ClaimInput>(json!({"resourceSlug": "seats", "quantity": 1, "externalId": "x"}))
                .unwrap()
                .into_params()
                .unwrap_err();
        assert_eq!(e.issues().len(), 2);
    }
}
