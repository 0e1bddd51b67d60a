//! Upstream OpenAPI 3.1 → the vendored, deterministic OpenAPI 3.0.3 document.
//!
//! The vendored file keeps the facts of the upstream description (paths, operations,
//! parameters, schemas, enums, required fields, formats, bounds, discriminators) and leaves
//! out its prose. Every rewrite is one function below with a unit test that shows the input
//! fragment and the output fragment. Code-generation policy (what Rust types the facts
//! become) is *not* decided here but in `codegen.rs`, so the vendored file stays usable by any
//! OpenAPI 3.0 tool.
//!
//! Output is deterministic: `serde_json::Map` is ordered by key, enum hoisting walks in that
//! order, and nothing depends on time or randomness.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where the upstream document came from; recorded in `info.x-flowglad-upstream`.
pub struct Upstream<'a> {
    pub source: &'a str,
    pub sha256: &'a str,
}

/// Keys of a schema object that are prose, not facts.
const SCHEMA_PROSE: &[&str] = &["description", "title", "example", "examples", "$comment"];

/// JSON Schema 2020-12 keywords that OpenAPI 3.0 schema objects cannot express. Dropping
/// them only loosens validation (they are refinements), which the upstream document keeps.
const UNSUPPORTED_IN_30: &[&str] = &[
    "$schema",
    "propertyNames",
    "if",
    "then",
    "else",
    "contentEncoding",
    "contentMediaType",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
];

/// Name of the single merged error schema.
pub const API_ERROR: &str = "ApiError";

/// Normalizes an upstream 3.1 document into the vendored 3.0.3 document.
pub fn normalize(upstream: &Value, origin: &Upstream<'_>) -> Result<Value, String> {
    let version = upstream
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or("the document has no `openapi` version string")?;
    if !version.starts_with("3.") {
        return Err(format!("unsupported OpenAPI version {version}"));
    }
    let mut schemas = upstream
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let error_names = error_schema_names(&schemas);
    for name in &error_names {
        schemas.remove(name);
    }
    for schema in schemas.values_mut() {
        normalize_schema(schema);
    }
    schemas.insert(API_ERROR.to_string(), api_error_schema());

    let mut paths = Map::new();
    for (path, item) in upstream
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no `paths`")?
    {
        paths.insert(path.clone(), normalize_path_item(item, &error_names));
    }

    let mut doc = json!({
        "openapi": "3.0.3",
        "info": info(upstream, origin),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": upstream
                .pointer("/components/securitySchemes")
                .cloned()
                .map(|mut s| { strip_prose_deep(&mut s); s })
                .unwrap_or_else(|| json!({})),
        },
    });
    if let Some(servers) = upstream.get("servers") {
        let mut servers = servers.clone();
        strip_prose_deep(&mut servers);
        doc["servers"] = servers;
    }
    if let Some(security) = upstream.get("security") {
        doc["security"] = security.clone();
    }
    hoist_enums(&mut doc);
    hoist_shared_objects(&mut doc);
    Ok(doc)
}

/// Serializes the vendored document: two-space indentation, keys in sorted order, trailing
/// newline. Byte-identical for identical input.
pub fn to_vendored_text(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("JSON values always serialize");
    text.push('\n');
    text
}

fn info(upstream: &Value, origin: &Upstream<'_>) -> Value {
    let info = upstream.get("info").cloned().unwrap_or_else(|| json!({}));
    json!({
        "title": info.get("title").cloned().unwrap_or_else(|| json!("Flowglad API")),
        "version": info.get("version").cloned().unwrap_or_else(|| json!("0.0.0")),
        "x-flowglad-upstream": {
            "source": origin.source,
            "sha256": origin.sha256,
            "openapi": upstream.get("openapi").cloned().unwrap_or(Value::Null),
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn normalize_path_item(item: &Value, error_names: &[String]) -> Value {
    let mut out = Map::new();
    let Some(item) = item.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in item {
        if METHODS.contains(&key.as_str()) {
            out.insert(key.clone(), normalize_operation(value, error_names));
        } else if key == "parameters" {
            out.insert(key.clone(), normalize_parameters(value));
        }
    }
    Value::Object(out)
}

fn normalize_operation(op: &Value, error_names: &[String]) -> Value {
    let mut out = Map::new();
    for key in ["operationId", "tags", "security", "deprecated"] {
        if let Some(v) = op.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    if let Some(params) = op.get("parameters") {
        out.insert("parameters".into(), normalize_parameters(params));
    }
    if let Some(body) = op.get("requestBody") {
        let mut body = body.clone();
        strip_keys(&mut body, &["description"]);
        normalize_content(&mut body);
        out.insert("requestBody".into(), body);
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.insert(
            "responses".into(),
            normalize_responses(responses, error_names),
        );
    }
    Value::Object(out)
}

fn normalize_parameters(params: &Value) -> Value {
    let mut params = params.clone();
    if let Some(list) = params.as_array_mut() {
        for p in list {
            strip_keys(p, &["description", "example", "examples"]);
            if let Some(schema) = p.get_mut("schema") {
                normalize_schema(schema);
            }
        }
    }
    params
}

fn normalize_content(holder: &mut Value) {
    if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            strip_keys(media, &["example", "examples"]);
            if let Some(schema) = media.get_mut("schema") {
                normalize_schema(schema);
            }
        }
    }
}

/// Rewrite: error responses (4xx, 5xx) become the two ranges `4XX` and `5XX`, both pointing
/// at the one merged [`API_ERROR`] schema. The upstream document lists 400/401/403/404/500
/// with five schemas that differ only in their examples; the ranges also cover what it does
/// not list but the API sends (409, 429, 502, ...). OpenAPI 3.0 requires a response
/// `description`; it is left empty (prose is not vendored).
fn normalize_responses(responses: &Map<String, Value>, error_names: &[String]) -> Value {
    let mut out = Map::new();
    let error_response = json!({
        "description": "",
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{API_ERROR}")}}},
    });
    let mut has_errors = false;
    for (status, response) in responses {
        if status.starts_with('4') || status.starts_with('5') {
            let schema_ref = response
                .pointer("/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            let is_error_schema =
                schema_ref.is_none_or(|name| error_names.iter().any(|e| e == name));
            if is_error_schema {
                has_errors = true;
                continue;
            }
        }
        let mut response = response.clone();
        if let Some(obj) = response.as_object_mut() {
            obj.insert("description".into(), json!(""));
            obj.remove("headers");
            obj.remove("links");
        }
        normalize_content(&mut response);
        out.insert(status.clone(), response);
    }
    if has_errors {
        out.insert("4XX".into(), error_response.clone());
        out.insert("5XX".into(), error_response);
    }
    Value::Object(out)
}

/// The upstream document has one `error.<CODE>` schema per status, identical but for their
/// examples; they are merged into [`API_ERROR`].
fn error_schema_names(schemas: &Map<String, Value>) -> Vec<String> {
    schemas
        .keys()
        .filter(|k| k.starts_with("error."))
        .cloned()
        .collect()
}

/// Rewrite: the merged error schema. It carries the fields of the upstream `error.*` schemas
/// (`message`, `code`, `issues`) *and* those the real API sends instead (`error`, which is a
/// string or a structured list of issues, `request_id`, `trace_id`, `sentry_event_id`). No
/// field is required: the real API's 500 body has no `code`, its validation errors no
/// `message`. A body that matches none of them still decodes.
fn api_error_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "code": {"type": "string"},
            "issues": {"type": "array", "items": {}},
            "error": {},
            "request_id": {"type": "string"},
            "trace_id": {"type": "string"},
            "sentry_event_id": {"type": "string"},
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/// Applies every schema rewrite, children first.
pub fn normalize_schema(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for prop in props.values_mut() {
            normalize_schema(prop);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = obj.get_mut(key) {
            normalize_schema(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for child in list {
                normalize_schema(child);
            }
        }
    }
    strip_prose(schema);
    drop_unsupported(schema);
    const_to_enum(schema);
    type_array_to_nullable(schema);
    null_union_to_nullable(schema);
    exclusive_bounds_to_30(schema);
    drop_null_only_properties(schema);
    nullable_ref_to_all_of(schema);
}

/// Rewrite: drop prose (`description`, `title`, `example(s)`, `$comment`) from a schema
/// object. Property *names* such as `description` are untouched: they live under
/// `properties`, which is not a schema object.
fn strip_prose(schema: &mut Value) {
    strip_keys(schema, SCHEMA_PROSE);
}

/// Rewrite: drop 2020-12 keywords OpenAPI 3.0 has no place for.
fn drop_unsupported(schema: &mut Value) {
    strip_keys(schema, UNSUPPORTED_IN_30);
}

/// Rewrite: `const: v` → `enum: [v]` (3.0 has no `const`). A `const: null` becomes
/// `nullable` with `enum: [null]`, which `drop_null_only_properties` then removes where it
/// is a property.
fn const_to_enum(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(value) = obj.remove("const") {
        if value.is_null() {
            obj.insert("nullable".into(), json!(true));
        }
        if !obj.contains_key("type") {
            let ty = match &value {
                Value::Bool(_) => Some("boolean"),
                Value::String(_) => Some("string"),
                Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
                Value::Number(_) => Some("number"),
                _ => None,
            };
            if let Some(ty) = ty {
                obj.insert("type".into(), json!(ty));
            }
        }
        obj.insert("enum".into(), json!([value]));
    }
}

/// Rewrite: `type: ["string", "null"]` → `type: "string", nullable: true`.
fn type_array_to_nullable(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let Some(types) = obj.get("type").and_then(Value::as_array).cloned() else {
        return;
    };
    let non_null: Vec<&Value> = types
        .iter()
        .filter(|t| t.as_str() != Some("null"))
        .collect();
    if non_null.len() < types.len() {
        obj.insert("nullable".into(), json!(true));
    }
    match non_null.as_slice() {
        [] => {
            obj.insert("type".into(), json!("null"));
        }
        [one] => {
            obj.insert("type".into(), (*one).clone());
        }
        many => {
            obj.remove("type");
            let variants: Vec<Value> = many.iter().map(|t| json!({"type": t})).collect();
            obj.insert("anyOf".into(), Value::Array(variants));
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    match schema {
        Value::Object(obj) => {
            let type_null = obj.get("type").and_then(Value::as_str) == Some("null");
            let enum_null = obj
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.len() == 1 && e[0].is_null());
            (type_null || enum_null)
                && obj
                    .keys()
                    .all(|k| matches!(k.as_str(), "type" | "enum" | "nullable"))
        }
        _ => false,
    }
}

/// Rewrite: `anyOf`/`oneOf` with a `{type: null}` member → the other member(s) with
/// `nullable: true`. With one member left it is inlined (a `$ref` becomes `allOf: [$ref]`,
/// see [`nullable_ref_to_all_of`]); with several the union stays.
fn null_union_to_nullable(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    for key in ["anyOf", "oneOf"] {
        let Some(list) = obj.get(key).and_then(Value::as_array) else {
            continue;
        };
        if !list.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = list
            .iter()
            .filter(|s| !is_null_schema(s))
            .cloned()
            .collect();
        obj.remove(key);
        obj.insert("nullable".into(), json!(true));
        match rest.len() {
            0 => {
                obj.insert("type".into(), json!("null"));
            }
            1 => {
                let only = rest.into_iter().next().expect("one element");
                if let Value::Object(inner) = only {
                    for (k, v) in inner {
                        if k == "nullable" {
                            continue;
                        }
                        obj.entry(k).or_insert(v);
                    }
                }
            }
            _ => {
                obj.insert(key.into(), Value::Array(rest));
            }
        }
    }
}

/// Rewrite: numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true` (3.0 form);
/// likewise for the maximum. When both a numeric exclusive bound and an inclusive bound are
/// present the tighter one is kept.
fn exclusive_bounds_to_30(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    for (exclusive, inclusive, tighter_is_greater) in [
        ("exclusiveMinimum", "minimum", true),
        ("exclusiveMaximum", "maximum", false),
    ] {
        let Some(bound) = obj.get(exclusive).and_then(Value::as_f64) else {
            continue;
        };
        let exclusive_value = obj.get(exclusive).cloned().expect("just read");
        let keep_exclusive = match obj.get(inclusive).and_then(Value::as_f64) {
            None => true,
            Some(inc) if tighter_is_greater => bound >= inc,
            Some(inc) => bound <= inc,
        };
        if keep_exclusive {
            obj.insert(inclusive.into(), exclusive_value);
            obj.insert(exclusive.into(), json!(true));
        } else {
            obj.remove(exclusive);
        }
    }
}

/// Rewrite: properties that can only ever be `null` ("this field is omitted for this
/// variant", 3.1 `{type: null}`) are removed from `properties` and `required`. They carry no
/// data; kept, they would become unit-typed fields callers must fill in.
fn drop_null_only_properties(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let dropped: Vec<String> = props
        .iter()
        .filter(|(_, s)| is_null_schema(s))
        .map(|(k, _)| k.clone())
        .collect();
    for name in &dropped {
        props.remove(name);
    }
    if let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| !dropped.iter().any(|d| Some(d.as_str()) == r.as_str()));
        if required.is_empty() {
            obj.remove("required");
        }
    }
}

/// Rewrite: in 3.0 the siblings of a `$ref` are ignored, so a nullable reference is written
/// `allOf: [{$ref}]` with `nullable: true`.
fn nullable_ref_to_all_of(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("$ref") && obj.len() > 1 {
        let reference = obj.remove("$ref").expect("checked");
        obj.insert("allOf".into(), json!([{"$ref": reference}]));
    }
}

fn strip_keys(value: &mut Value, keys: &[&str]) {
    if let Some(obj) = value.as_object_mut() {
        for key in keys {
            obj.remove(*key);
        }
    }
}

fn strip_prose_deep(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            obj.remove("description");
            for v in obj.values_mut() {
                strip_prose_deep(v);
            }
        }
        Value::Array(list) => list.iter_mut().for_each(strip_prose_deep),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Enum hoisting
// ---------------------------------------------------------------------------------------------

/// Readable names for the enums the upstream document writes inline. An inline enum gets the
/// first name whose property names include the enum's property and whose values are all
/// among its values (so a value added upstream keeps the name). Others are named
/// `<Schema><Property>`.
const ENUM_NAMES: &[(&str, &[&str], &[&str])] = &[
    (
        "SubscriptionStatus",
        &["status"],
        &["trialing", "past_due", "cancellation_scheduled"],
    ),
    (
        "NonRenewingSubscriptionStatus",
        &["status"],
        &["credit_trial", "canceled"],
    ),
    (
        "CheckoutSessionStatus",
        &["status"],
        &["open", "pending", "succeeded", "expired"],
    ),
    ("PurchaseStatus", &["status"], &["paid", "partial_refund"]),
    (
        "PaymentStatus",
        &["status"],
        &["processing", "requires_confirmation"],
    ),
    (
        "IntervalUnit",
        &["interval", "intervalUnit", "defaultPlanIntervalUnit"],
        &["day", "month", "year"],
    ),
    ("DiscountAmountType", &["amountType"], &["percent", "fixed"]),
    (
        "UsageMeterAggregationType",
        &["aggregationType"],
        &["sum", "count_distinct_properties"],
    ),
    (
        "FeatureRenewalFrequency",
        &["renewalFrequency"],
        &["once", "every_billing_period"],
    ),
    (
        "PaymentMethodType",
        &["paymentMethod", "paymentMethodType", "type"],
        &["card", "us_bank_account"],
    ),
    ("TaxType", &["taxType"], &["gst", "vat"]),
    (
        "ResolvedAdjustmentTiming",
        &["resolvedTiming"],
        &["immediately", "at_end_of_current_billing_period"],
    ),
    (
        "Environment",
        &["destinationEnvironment"],
        &["livemode", "testmode"],
    ),
    (
        "PriceType",
        &["type"],
        &["single_payment", "subscription", "usage"],
    ),
    (
        "EventType",
        &["filterTypes"],
        &["customer.created", "subscription.created"],
    ),
];

/// Rewrite: inline string enums with two or more values become named component schemas
/// referenced where they stood (identical value lists share one component). Single-valued
/// enums stay inline: they are tags of tagged unions.
fn hoist_enums(doc: &mut Value) {
    let mut hoisted: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let existing: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();

    // Component-level named enums keep their names; their value lists are reused.
    let mut by_values: BTreeMap<String, String> = BTreeMap::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            if let Some(values) = string_enum_values(schema) {
                by_values.insert(values_key(values), name.clone());
            }
        }
    }

    let mut visit = |schema: &mut Value, parent: &str, prop: &str| {
        hoist_in(
            schema,
            parent,
            prop,
            &existing,
            &mut by_values,
            &mut hoisted,
        );
    };
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            // The component itself may be an enum; only its children are hoisted.
            walk_children(schema, name, "", &mut visit);
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                let op_id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("Operation")
                    .to_string();
                for_each_operation_schema(op, &mut |schema| {
                    visit_schema(schema, &op_id, "", &mut visit)
                });
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, values) in hoisted {
            schemas.insert(name, json!({"type": "string", "enum": values}));
        }
    }
}

type Visit<'a> = dyn FnMut(&mut Value, &str, &str) + 'a;

fn for_each_operation_schema(op: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params {
            if let Some(s) = p.get_mut("schema") {
                f(s);
            }
        }
    }
    for holder in [op.get_mut("requestBody")].into_iter().flatten() {
        content_schemas(holder, f);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for r in responses.values_mut() {
            content_schemas(r, f);
        }
    }
}

fn content_schemas(holder: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(s) = media.get_mut("schema") {
                f(s);
            }
        }
    }
}

fn visit_schema(schema: &mut Value, parent: &str, prop: &str, visit: &mut Visit<'_>) {
    visit(schema, parent, prop);
    walk_children(schema, parent, prop, visit);
}

fn walk_children(schema: &mut Value, parent: &str, prop: &str, visit: &mut Visit<'_>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, child) in props.iter_mut() {
            visit_schema(child, parent, name, visit);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = obj.get_mut(key) {
            visit_schema(child, parent, prop, visit);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for child in list {
                visit_schema(child, parent, prop, visit);
            }
        }
    }
}

fn string_enum_values(schema: &Value) -> Option<&Vec<Value>> {
    let obj = schema.as_object()?;
    if obj.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    let values = obj.get("enum")?.as_array()?;
    (values.len() >= 2 && values.iter().all(Value::is_string)).then_some(values)
}

fn values_key(values: &[Value]) -> String {
    values
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn hoist_in(
    schema: &mut Value,
    parent: &str,
    prop: &str,
    existing: &[String],
    by_values: &mut BTreeMap<String, String>,
    hoisted: &mut BTreeMap<String, Vec<Value>>,
) {
    let Some(values) = string_enum_values(schema).cloned() else {
        return;
    };
    let key = values_key(&values);
    let name = match by_values.get(&key) {
        Some(name) => name.clone(),
        None => {
            let mut name = enum_name(parent, prop, &values);
            let mut n = 2;
            while existing.contains(&name) || hoisted.contains_key(&name) {
                name = format!("{}{n}", enum_name(parent, prop, &values));
                n += 1;
            }
            by_values.insert(key, name.clone());
            hoisted.insert(name.clone(), values);
            name
        }
    };
    let obj = schema.as_object_mut().expect("string enums are objects");
    obj.remove("type");
    obj.remove("enum");
    let nullable = obj.remove("nullable");
    let reference = json!({"$ref": format!("#/components/schemas/{name}")});
    if nullable == Some(json!(true)) || !obj.is_empty() {
        obj.insert("allOf".into(), json!([reference]));
        if let Some(n) = nullable {
            obj.insert("nullable".into(), n);
        }
    } else {
        *schema = reference;
    }
}

fn enum_name(parent: &str, prop: &str, values: &[Value]) -> String {
    let has = |v: &&str| values.iter().any(|x| x.as_str() == Some(v));
    for (name, props, required) in ENUM_NAMES {
        if props.contains(&prop) && required.iter().all(has) {
            return (*name).to_string();
        }
    }
    format!("{}{}", pascal(parent), pascal(prop))
}

/// `customers-getBilling` → `CustomersGetBilling`, `intervalUnit` → `IntervalUnit`.
/// The one PascalCase rule of the generation pipeline (names here become Rust type names).
pub use crate::codegen::pascal;

// ---------------------------------------------------------------------------------------------
// Shared inline objects
// ---------------------------------------------------------------------------------------------

/// Readable names for inline objects the upstream document repeats, by the property they
/// stand under (`[]` marks array items). Repeated objects not listed stay inline: a name
/// made up from a property alone (`DataItem`, `Price2`) would read worse than typify's.
const OBJECT_NAMES: &[(&str, &str)] = &[
    ("usageMeterBalances[]", "UsageMeterBalance"),
    ("experimental", "SubscriptionExperimental"),
    ("subscriptionItems[]", "SubscriptionItemWithPrice"),
    ("webhook", "WebhookRecord"),
];

/// Rewrite: an inline object schema that stands, identical, under properties in two or more
/// places becomes one named component (e.g. the usage meter balance of both subscription
/// kinds and of `customers-getUsageBalances`). Callers get one type instead of several
/// long-named copies.
fn hoist_shared_objects(doc: &mut Value) {
    let mut counts: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut count = |schema: &mut Value, position: &str| {
        if is_inline_object(schema) {
            let entry = counts
                .entry(canonical(schema))
                .or_insert_with(|| (0, position.to_string()));
            entry.0 += 1;
        }
    };
    walk_positions(doc, &mut count);
    let existing: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut taken = existing;
    for (key, (n, position)) in &counts {
        if *n < 2 {
            continue;
        }
        let Some(base) = OBJECT_NAMES
            .iter()
            .find(|(p, _)| p == position)
            .map(|(_, name)| (*name).to_string())
        else {
            continue;
        };
        let mut name = base.clone();
        let mut i = 2;
        while taken.contains(&name) {
            name = format!("{base}{i}");
            i += 1;
        }
        taken.push(name.clone());
        names.insert(key.clone(), name);
    }
    if names.is_empty() {
        return;
    }
    let mut hoisted: BTreeMap<String, Value> = BTreeMap::new();
    replace_shared(doc, &names, &mut hoisted);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(hoisted);
    }
}

fn is_inline_object(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && schema.get("properties").is_some()
}

fn canonical(schema: &Value) -> String {
    serde_json::to_string(schema).expect("JSON values serialize")
}

/// Calls `f` on every schema that stands under a property (or is the item schema of an array
/// under a property), with the position `prop` or `prop[]`, children before parents.
fn walk_positions(doc: &mut Value, f: &mut dyn FnMut(&mut Value, &str)) {
    fn schema(s: &mut Value, position: Option<&str>, f: &mut dyn FnMut(&mut Value, &str)) {
        if let Some(obj) = s.as_object_mut() {
            if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                for (name, child) in props.iter_mut() {
                    schema(child, Some(name), f);
                }
            }
            if let Some(items) = obj.get_mut("items") {
                let pos = position.map(|p| format!("{p}[]"));
                schema(items, pos.as_deref(), f);
            }
            for key in ["allOf", "anyOf", "oneOf"] {
                if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
                    for child in list {
                        schema(child, position, f);
                    }
                }
            }
            if let Some(extra) = obj.get_mut("additionalProperties") {
                schema(extra, None, f);
            }
        }
        if let Some(position) = position {
            f(s, position);
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for s in schemas.values_mut() {
            schema(s, None, f);
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                for_each_operation_schema(op, &mut |s| schema(s, None, f));
            }
        }
    }
}

fn replace_shared(
    doc: &mut Value,
    names: &BTreeMap<String, String>,
    hoisted: &mut BTreeMap<String, Value>,
) {
    // Keys are the *original* text of a schema; children are replaced before their parent
    // is hoisted, so nested shared objects become references inside the hoisted parent.
    fn visit(
        s: &mut Value,
        names: &BTreeMap<String, String>,
        hoisted: &mut BTreeMap<String, Value>,
    ) {
        let key = is_inline_object(s).then(|| canonical(s));
        if let Some(obj) = s.as_object_mut() {
            for key in ["properties"] {
                if let Some(props) = obj.get_mut(key).and_then(Value::as_object_mut) {
                    for child in props.values_mut() {
                        visit(child, names, hoisted);
                    }
                }
            }
            for key in ["items", "additionalProperties"] {
                if let Some(child) = obj.get_mut(key) {
                    visit(child, names, hoisted);
                }
            }
            for key in ["allOf", "anyOf", "oneOf"] {
                if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
                    for child in list {
                        visit(child, names, hoisted);
                    }
                }
            }
        }
        if let Some(name) = key.and_then(|k| names.get(&k)) {
            let schema =
                std::mem::replace(s, json!({"$ref": format!("#/components/schemas/{name}")}));
            hoisted.entry(name.clone()).or_insert(schema);
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for s in schemas.values_mut() {
            // A component is already named: only what stands inside it is hoisted.
            if let Some(obj) = s.as_object_mut() {
                for child in obj
                    .get_mut("properties")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flat_map(|p| p.values_mut())
                {
                    visit(child, names, hoisted);
                }
                for key in ["allOf", "anyOf", "oneOf"] {
                    if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
                        for child in list {
                            visit(child, names, hoisted);
                        }
                    }
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                for_each_operation_schema(op, &mut |s| {
                    // The body or response object itself stays inline (it is per operation).
                    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
                        for child in props.values_mut() {
                            visit(child, names, hoisted);
                        }
                    } else {
                        visit(s, names, hoisted);
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(mut v: Value) -> Value {
        normalize_schema(&mut v);
        v
    }

    #[test]
    fn strips_prose_but_not_property_names() {
        let out = schema(json!({
            "type": "object", "title": "T", "description": "prose", "example": {"a": 1},
            "properties": {"description": {"type": "string", "description": "prose"}},
        }));
        assert_eq!(
            out,
            json!({"type": "object", "properties": {"description": {"type": "string"}}})
        );
    }

    #[test]
    fn drops_keywords_30_cannot_express() {
        let out = schema(json!({
            "type": "object", "propertyNames": {"type": "string"},
            "if": {"required": ["a"]}, "then": {"required": ["b"]},
        }));
        assert_eq!(out, json!({"type": "object"}));
    }

    #[test]
    fn const_becomes_single_value_enum() {
        assert_eq!(
            schema(json!({"type": "string", "const": "toggle"})),
            json!({"type": "string", "enum": ["toggle"]})
        );
        assert_eq!(
            schema(json!({"const": true})),
            json!({"type": "boolean", "enum": [true]})
        );
    }

    #[test]
    fn null_union_with_one_member_is_inlined_nullable() {
        assert_eq!(
            schema(json!({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]})),
            json!({"type": "string", "maxLength": 3, "nullable": true})
        );
    }

    #[test]
    fn nullable_reference_becomes_all_of() {
        assert_eq!(
            schema(json!({"anyOf": [{"$ref": "#/components/schemas/Metadata"}, {"type": "null"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/Metadata"}], "nullable": true})
        );
    }

    #[test]
    fn null_union_with_several_members_stays_a_union() {
        assert_eq!(
            schema(json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})),
            json!({"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true})
        );
    }

    #[test]
    fn type_array_with_null_becomes_nullable() {
        assert_eq!(
            schema(json!({"type": ["integer", "null"]})),
            json!({"type": "integer", "nullable": true})
        );
    }

    #[test]
    fn numeric_exclusive_minimum_becomes_boolean_form() {
        assert_eq!(
            schema(json!({"type": "integer", "exclusiveMinimum": 0, "maximum": 10})),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10})
        );
        // An inclusive bound that is tighter wins.
        assert_eq!(
            schema(json!({"type": "number", "exclusiveMinimum": 0, "minimum": 5})),
            json!({"type": "number", "minimum": 5})
        );
        assert_eq!(
            schema(json!({"type": "number", "exclusiveMaximum": 1})),
            json!({"type": "number", "maximum": 1, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn null_only_properties_are_removed() {
        let out = schema(json!({
            "type": "object",
            "properties": {
                "slug": {"type": "string"},
                "amount": {"type": "null", "const": null},
                "usageMeterId": {"type": "null"},
            },
            "required": ["slug", "amount"],
        }));
        assert_eq!(
            out,
            json!({"type": "object", "properties": {"slug": {"type": "string"}}, "required": ["slug"]})
        );
    }

    #[test]
    fn error_responses_merge_into_one_schema() {
        let responses = json!({
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error.BAD_REQUEST"}}}},
            "404": {"description": "nf", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error.NOT_FOUND"}}}},
        });
        let errors = vec![
            "error.BAD_REQUEST".to_string(),
            "error.NOT_FOUND".to_string(),
        ];
        let out = normalize_responses(responses.as_object().unwrap(), &errors);
        let api_error = json!({"$ref": "#/components/schemas/ApiError"});
        for status in ["4XX", "5XX"] {
            assert_eq!(
                out[status]["content"]["application/json"]["schema"], api_error,
                "{status}"
            );
        }
        assert!(out.get("400").is_none() && out.get("404").is_none());
        assert_eq!(out["200"]["description"], json!(""));
    }

    #[test]
    fn merged_error_schema_requires_nothing() {
        let s = api_error_schema();
        assert!(s.get("required").is_none());
        for field in ["message", "code", "issues", "error", "request_id"] {
            assert!(s["properties"].get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn inline_enums_are_hoisted_and_shared() {
        let mut doc = json!({
            "paths": {},
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"status": {"type": "string", "enum": ["trialing", "active", "past_due", "cancellation_scheduled"]}}},
                "B": {"type": "object", "properties": {"status": {"type": "string", "enum": ["trialing", "active", "past_due", "cancellation_scheduled"], "nullable": true}}},
                "C": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["x", "y"]}, "tag": {"type": "string", "enum": ["only"]}}},
            }},
        });
        hoist_enums(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["A"]["properties"]["status"],
            json!({"$ref": "#/components/schemas/SubscriptionStatus"})
        );
        assert_eq!(
            schemas["B"]["properties"]["status"],
            json!({"allOf": [{"$ref": "#/components/schemas/SubscriptionStatus"}], "nullable": true})
        );
        assert_eq!(
            schemas["C"]["properties"]["kind"],
            json!({"$ref": "#/components/schemas/CKind"})
        );
        assert_eq!(
            schemas["C"]["properties"]["tag"],
            json!({"type": "string", "enum": ["only"]})
        );
        assert_eq!(
            schemas["CKind"],
            json!({"type": "string", "enum": ["x", "y"]})
        );
    }

    #[test]
    fn repeated_inline_objects_become_one_component() {
        let balance = json!({"type": "object", "properties": {"slug": {"type": "string"}}});
        let mut doc = json!({
            "paths": {"/b": {"get": {"operationId": "b", "responses": {"200": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"usageMeterBalances": {"type": "array", "items": balance.clone()}}
            }}}}}}}},
            "components": {"schemas": {
                "S": {"type": "object", "properties": {"experimental": {"type": "object", "properties": {
                    "usageMeterBalances": {"type": "array", "items": balance.clone()}
                }}}},
                "T": {"type": "object", "properties": {"experimental": {"type": "object", "properties": {
                    "usageMeterBalances": {"type": "array", "items": balance.clone()}
                }}}},
                "Once": {"type": "object", "properties": {"inner": {"type": "object", "properties": {"a": {}}}}},
            }},
        });
        hoist_shared_objects(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["UsageMeterBalance"], balance);
        assert_eq!(
            schemas["SubscriptionExperimental"]["properties"]["usageMeterBalances"]["items"],
            json!({"$ref": "#/components/schemas/UsageMeterBalance"})
        );
        assert_eq!(
            schemas["S"]["properties"]["experimental"],
            json!({"$ref": "#/components/schemas/SubscriptionExperimental"})
        );
        assert_eq!(
            doc.pointer("/paths/~1b/get/responses/200/content/application~1json/schema/properties/usageMeterBalances/items").unwrap(),
            &json!({"$ref": "#/components/schemas/UsageMeterBalance"})
        );
        assert_eq!(
            schemas["Once"]["properties"]["inner"]["type"], "object",
            "single use stays inline"
        );
    }

    #[test]
    fn whole_document_is_30_and_records_its_origin() {
        let upstream = json!({
            "openapi": "3.1.0",
            "info": {"title": "Flowglad API", "version": "0.0.1", "description": "prose"},
            "externalDocs": {"url": "https://example.com"},
            "paths": {"/x": {"get": {"operationId": "x-get", "summary": "prose", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
            }}}},
            "components": {"schemas": {}},
        });
        let doc = normalize(
            &upstream,
            &Upstream {
                source: "src",
                sha256: "abc",
            },
        )
        .unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(doc["info"]["x-flowglad-upstream"]["sha256"], "abc");
        assert!(doc.get("externalDocs").is_none());
        assert!(doc["paths"]["/x"]["get"].get("summary").is_none());
        assert_eq!(to_vendored_text(&doc), to_vendored_text(&doc.clone()));
    }

    #[test]
    fn pascal_case() {
        assert_eq!(pascal("customers-getBilling"), "CustomersGetBilling");
        assert_eq!(pascal("intervalUnit"), "IntervalUnit");
    }
}
