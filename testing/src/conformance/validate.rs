//! Request and response validation.
//!
//! Query strings are parsed as `application/x-www-form-urlencoded` (`+` is a space). A string
//! parameter value is coerced into the JSON types its schema admits (`integer`, `number`,
//! `boolean`, `null` for the literal `null`, `string`) and the first coercion the schema accepts
//! wins. An array parameter may be sent as repeated keys (`?a=x&a=y`, OpenAPI's default
//! `form`/`explode`) or comma-separated (`?a=x,y`); both forms are accepted.

use std::collections::BTreeMap;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::spec::{Compiled, Operation, ParamIn, SecurityCheck, Spec, is_json_media_type};
use super::{RequestParts, RouteMatch, Violation, ViolationKind};

/// Query parameters the API reads although its description does not list them: the
/// TypeScript SDK sends them, so the real API accepts them (the real counterparty wins over
/// the description). `(operation id, parameter)`.
const UNDECLARED_QUERY_READ: &[(&str, &str)] = &[
    // `getResourceUsage` sends its whole params object as the query, `subscriptionId` included.
    ("resourceClaims-getUsage", "subscriptionId"),
];

/// Longest message kept from one schema error (they quote the offending instance).
const MAX_MESSAGE: usize = 400;

impl Spec {
    /// The operation that `method` and `path` address, with decoded path parameters.
    ///
    /// `path` is the raw request path (a query string after `?` is ignored). Among matching
    /// templates declaring the method, the one whose first differing segment is literal wins.
    pub fn match_route(&self, method: &str, path: &str) -> Option<RouteMatch> {
        self.route(method, path).ok()
    }

    /// Finds the route, or says why there is none.
    fn route(&self, method: &str, path: &str) -> Result<RouteMatch, Violation> {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let unknown = || {
            Violation::new(
                "route",
                ViolationKind::UnknownRoute,
                format!("no path template matches {path:?}"),
            )
        };
        let relative = self.strip_prefix(path).ok_or_else(unknown)?;
        let mut best: Option<(Vec<u8>, &Operation, BTreeMap<String, String>)> = None;
        let mut other_methods: Vec<&str> = Vec::new();
        for op in &self.operations {
            let Some((params, rank)) = op.template.matches(relative) else {
                continue;
            };
            if !op.method.eq_ignore_ascii_case(method) {
                other_methods.push(&op.method);
                continue;
            }
            if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                best = Some((rank, op, params));
            }
        }
        match best {
            Some((_, op, path_params)) => Ok(RouteMatch {
                operation_id: op.id.clone(),
                path_params,
            }),
            None if other_methods.is_empty() => Err(unknown()),
            None => {
                other_methods.sort_unstable();
                other_methods.dedup();
                Err(Violation::new(
                    "route",
                    ViolationKind::MethodNotAllowed,
                    format!(
                        "{path:?} does not take {}; it takes {}",
                        method.to_uppercase(),
                        other_methods.join(", ")
                    ),
                ))
            }
        }
    }

    /// Checks a request against the document: route, path/query/header parameters, security,
    /// body presence, `Content-Type` and the JSON body's schema.
    ///
    /// # Errors
    ///
    /// Every violation found (an unknown route stops the checks early).
    pub fn validate_request(
        &self,
        request: &RequestParts<'_>,
    ) -> Result<RouteMatch, Vec<Violation>> {
        let route = self
            .route(request.method, request.path)
            .map_err(|v| vec![v])?;
        let op = self
            .find(&route.operation_id)
            .expect("routes name indexed operations");
        let mut violations = Vec::new();
        let query = parse_query(request.query.unwrap_or_default(), &mut violations);

        self.check_security(op, request, &query, &mut violations);
        check_params(op, request, &route, &query, &mut violations);
        check_body(op, request, &mut violations);

        if violations.is_empty() {
            Ok(route)
        } else {
            Err(violations)
        }
    }

    /// Checks a response body against the operation's response for `status` (exact code, then
    /// `2XX` range, then `default`). A response without a JSON schema accepts any body.
    ///
    /// # Errors
    ///
    /// Unknown operation, undocumented status, body that is not JSON or does not validate.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        body: &[u8],
    ) -> Result<(), Vec<Violation>> {
        let Some(op) = self.find(operation_id) else {
            return Err(vec![Violation::new(
                "response",
                ViolationKind::UnknownOperation,
                format!("unknown operationId {operation_id:?}"),
            )]);
        };
        let Some(response) = op.response_for(status) else {
            return Err(vec![Violation::new(
                "response.status",
                ViolationKind::UndocumentedStatus,
                format!("{operation_id} does not document status {status}"),
            )]);
        };
        let Some(schema) = &response.json else {
            return Ok(());
        };
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                return Err(vec![Violation::new(
                    "response",
                    ViolationKind::MalformedJson,
                    format!("response body is not JSON: {e}"),
                )]);
            }
        };
        let violations = schema_violations(&schema.validator, &value, "response");
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    fn check_security(
        &self,
        op: &Operation,
        request: &RequestParts<'_>,
        query: &BTreeMap<String, Vec<String>>,
        violations: &mut Vec<Violation>,
    ) {
        if op.security.is_empty() {
            return;
        }
        let mut first_failure = None;
        for alternative in &op.security {
            let failure = alternative
                .iter()
                .find_map(|check| security_failure(check, request, query));
            match failure {
                None => return,
                Some(v) => {
                    first_failure.get_or_insert(v);
                }
            }
        }
        violations.extend(first_failure);
    }
}

/// Why `check` fails for this request, if it does.
fn security_failure(
    check: &SecurityCheck,
    request: &RequestParts<'_>,
    query: &BTreeMap<String, Vec<String>>,
) -> Option<Violation> {
    let non_empty = |v: &&str| !v.trim().is_empty();
    match check {
        SecurityCheck::Header(name) => {
            request
                .headers
                .get(name)
                .filter(non_empty)
                .is_none()
                .then(|| {
                    Violation::new(
                        format!("header.{}", name.to_ascii_lowercase()),
                        ViolationKind::Unauthorized,
                        format!("missing or empty {name} header (API key)"),
                    )
                })
        }
        SecurityCheck::Query(name) => query
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .filter(non_empty)
            .is_none()
            .then(|| {
                Violation::new(
                    format!("query.{name}"),
                    ViolationKind::Unauthorized,
                    format!("missing or empty {name} query parameter (API key)"),
                )
            }),
        SecurityCheck::Http(scheme) => {
            let value = request.headers.get("authorization").unwrap_or_default();
            let ok = value
                .split_once(' ')
                .is_some_and(|(s, cred)| s.eq_ignore_ascii_case(scheme) && !cred.trim().is_empty());
            (!ok).then(|| {
                Violation::new(
                    "header.authorization",
                    ViolationKind::Unauthorized,
                    format!("missing or malformed `Authorization: {scheme} ...` header"),
                )
            })
        }
        SecurityCheck::Unchecked => None,
    }
}

/// Parses a raw query string into decoded values by name, in order.
fn parse_query(raw: &str, violations: &mut Vec<Violation>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (form_decode(key), form_decode(value)) {
            (Some(key), Some(value)) => out.entry(key).or_default().push(value),
            _ => violations.push(Violation::new(
                format!("query.{key}"),
                ViolationKind::InvalidParameter,
                format!("query pair {pair:?} is not valid percent-encoded UTF-8"),
            )),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding of one key or value.
fn form_decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Path, query and header parameters.
fn check_params(
    op: &Operation,
    request: &RequestParts<'_>,
    route: &RouteMatch,
    query: &BTreeMap<String, Vec<String>>,
    violations: &mut Vec<Violation>,
) {
    for param in &op.params {
        let (location, values): (String, Vec<String>) = match param.location {
            ParamIn::Path => (
                format!("path.{}", param.name),
                route
                    .path_params
                    .get(&param.name)
                    .cloned()
                    .into_iter()
                    .collect(),
            ),
            ParamIn::Query => (
                format!("query.{}", param.name),
                query.get(&param.name).cloned().unwrap_or_default(),
            ),
            ParamIn::Header => (
                format!("header.{}", param.name.to_ascii_lowercase()),
                request
                    .headers
                    .get_all(&param.name)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ),
        };
        if values.is_empty() {
            if param.required {
                violations.push(Violation::new(
                    location,
                    ViolationKind::MissingParameter,
                    format!("required parameter {:?} is missing", param.name),
                ));
            }
            continue;
        }
        if let Some(schema) = &param.schema
            && let Err(message) = check_param_values(schema, &values)
        {
            violations.push(Violation::new(
                location,
                ViolationKind::InvalidParameter,
                message,
            ));
        }
    }
    // Query parameters the operation does not declare (API keys in the query are declared by
    // the security requirement).
    for name in query.keys() {
        let declared = op
            .params
            .iter()
            .any(|p| p.location == ParamIn::Query && p.name == *name)
            || op
                .security
                .iter()
                .flatten()
                .any(|c| matches!(c, SecurityCheck::Query(n) if n == name))
            || UNDECLARED_QUERY_READ.contains(&(op.id.as_str(), name.as_str()));
        if !declared {
            violations.push(Violation::new(
                format!("query.{name}"),
                ViolationKind::UnknownParameter,
                format!("{} does not declare query parameter {name:?}", op.id),
            ));
        }
    }
}

/// Coerces the string values of one parameter and validates them against its schema.
fn check_param_values(schema: &Compiled, values: &[String]) -> Result<(), String> {
    let is_array = schema.types.iter().any(|t| t == "array");
    if is_array {
        let items: Vec<&str> = values
            .iter()
            .filter(|v| !v.is_empty())
            .flat_map(|v| v.split(','))
            .collect();
        let item_types: Vec<String> = if schema.item_types.is_empty() {
            vec!["string".into()]
        } else {
            schema.item_types.clone()
        };
        // Try each admitted item type for the whole array; the first that validates wins.
        let mut first = None;
        for ty in &item_types {
            let coerced: Option<Vec<Value>> = items.iter().map(|i| coerce(i, ty)).collect();
            let result = match coerced {
                Some(array) => first_error(&schema.validator, &Value::Array(array)),
                None => Err(items
                    .iter()
                    .find(|i| coerce(i, ty).is_none())
                    .map(|i| cannot_coerce(i, std::slice::from_ref(ty)))
                    .unwrap_or_default()),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        return Err(first.unwrap_or_default());
    }
    if values.len() > 1 {
        return Err(format!(
            "given {} times; the parameter is not an array",
            values.len()
        ));
    }
    let raw = &values[0];
    let candidates = coercions(raw, &schema.types);
    if candidates.is_empty() {
        return Err(cannot_coerce(raw, &schema.types));
    }
    let mut first = None;
    for candidate in &candidates {
        match first_error(&schema.validator, candidate) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_default())
}

/// The JSON values `raw` can stand for, in the order of the admitted types (all scalar
/// interpretations when the schema does not constrain the type).
fn coercions(raw: &str, types: &[String]) -> Vec<Value> {
    const ALL: [&str; 5] = ["string", "integer", "number", "boolean", "null"];
    let types: Vec<&str> = if types.is_empty() {
        ALL.to_vec()
    } else {
        types.iter().map(String::as_str).collect()
    };
    types.into_iter().filter_map(|t| coerce(raw, t)).collect()
}

/// Interprets `raw` as one JSON type.
fn coerce(raw: &str, ty: &str) -> Option<Value> {
    match ty {
        "string" => Some(Value::String(raw.to_owned())),
        "integer" => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| raw.parse::<u64>().map(Value::from))
            .ok(),
        "number" => raw.parse::<i64>().map(Value::from).ok().or_else(|| {
            raw.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
        }),
        "boolean" => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        "null" => (raw == "null").then_some(Value::Null),
        _ => None,
    }
}

fn cannot_coerce(raw: &str, types: &[String]) -> String {
    format!("{raw:?} is not a valid {}", types.join(" or "))
}

/// The first schema error, as a message.
fn first_error(validator: &Validator, value: &Value) -> Result<(), String> {
    match validator.iter_errors(value).next() {
        None => Ok(()),
        Some(e) => Err(truncate(e.to_string())),
    }
}

/// Body presence, content type and schema.
fn check_body(op: &Operation, request: &RequestParts<'_>, violations: &mut Vec<Violation>) {
    let has_body = !request.body.is_empty();
    let is_get =
        request.method.eq_ignore_ascii_case("GET") || request.method.eq_ignore_ascii_case("HEAD");
    let Some(body) = &op.body else {
        // An empty JSON object on a body-less POST carries nothing: clients send it because the
        // API answers an empty POST body as invalid JSON (the TypeScript SDK's uncancel and
        // archive do).
        let empty_object = !is_get
            && serde_json::from_slice::<serde_json::Value>(request.body)
                .is_ok_and(|v| v.as_object().is_some_and(serde_json::Map::is_empty));
        if has_body && !empty_object {
            violations.push(Violation::new(
                "body",
                ViolationKind::UnexpectedBody,
                if is_get {
                    format!(
                        "{} requests must not carry a body",
                        request.method.to_uppercase()
                    )
                } else {
                    format!("{} takes no request body", op.id)
                },
            ));
        }
        return;
    };
    if is_get && has_body {
        violations.push(Violation::new(
            "body",
            ViolationKind::UnexpectedBody,
            format!(
                "{} requests must not carry a body",
                request.method.to_uppercase()
            ),
        ));
        return;
    }
    if !has_body {
        if body.required {
            violations.push(Violation::new(
                "body",
                ViolationKind::MissingBody,
                format!("{} requires a request body", op.id),
            ));
        }
        return;
    }
    let content_type = request.headers.get("content-type");
    let accepted = content_type.is_some_and(|ct| {
        body.media_types
            .iter()
            .any(|media| media_type_matches(media, ct))
    });
    if !accepted {
        violations.push(Violation::new(
            "header.content-type",
            ViolationKind::ContentType,
            format!(
                "Content-Type {} is not one of {}",
                content_type.map_or_else(|| "(missing)".to_owned(), |c| format!("{c:?}")),
                body.media_types.join(", ")
            ),
        ));
        return;
    }
    let is_json = content_type.is_some_and(is_json_media_type);
    let (Some(schema), true) = (&body.json, is_json) else {
        return;
    };
    match serde_json::from_slice::<Value>(request.body) {
        Ok(value) => violations.extend(schema_violations(&schema.validator, &value, "body")),
        Err(e) => violations.push(Violation::new(
            "body",
            ViolationKind::MalformedJson,
            format!("request body is not JSON: {e}"),
        )),
    }
}

/// Whether the `Content-Type` header value matches a declared media-type range.
fn media_type_matches(declared: &str, header: &str) -> bool {
    let essence = |s: &str| {
        s.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    let (declared, actual) = (essence(declared), essence(header));
    if declared == actual || declared == "*/*" {
        return true;
    }
    match (declared.split_once('/'), actual.split_once('/')) {
        (Some((dt, "*")), Some((at, _))) => dt == at,
        _ => false,
    }
}

/// One violation per schema error; `location` is `<prefix><instance path>`.
///
/// An `anyOf`/`oneOf` failure is replaced by the errors of its closest branch (the first whose
/// errors are not all a type mismatch at the branch's own location), so that a bad field deep
/// inside a nullable or union-typed value is reported where it is.
pub(crate) fn schema_violations(
    validator: &Validator,
    value: &Value,
    prefix: &str,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for error in validator.iter_errors(value) {
        push_error(&error, prefix, &mut out, 0);
    }
    out
}

fn push_error(error: &ValidationError<'_>, prefix: &str, out: &mut Vec<Violation>, depth: usize) {
    let here = error.instance_path().as_str().to_owned();
    let branches = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            Some(context)
        }
        _ => None,
    };
    if let Some(branches) = branches.filter(|_| depth < 8) {
        let root_type_only = |errors: &Vec<ValidationError<'static>>| {
            errors.iter().all(|e| {
                matches!(e.kind(), ValidationErrorKind::Type { .. })
                    && e.instance_path().as_str() == here
            })
        };
        // A branch whose `const`/`enum` fails (a discriminator) is a worse guess than one that
        // only misses or mistypes fields; among equals, fewer errors and then order win.
        let closest = branches
            .iter()
            .filter(|errors| !errors.is_empty() && !root_type_only(errors))
            .min_by_key(|errors| {
                let discriminated = errors.iter().any(|e| {
                    matches!(
                        e.kind(),
                        ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. }
                    )
                });
                (discriminated, errors.len())
            });
        if let Some(errors) = closest {
            for e in errors {
                push_error(e, prefix, out, depth + 1);
            }
            return;
        }
    }
    out.push(Violation::new(
        format!("{prefix}{here}"),
        ViolationKind::Schema,
        truncate(error.to_string()),
    ));
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{doc_30, doc_31};
    use super::super::spec::tests::upstream;
    use super::super::{Headers, RequestParts, Spec, ViolationKind};
    use super::*;
    use serde_json::json;

    fn auth() -> Vec<(String, String)> {
        vec![
            ("Authorization".into(), "sk_test_123".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn check(
        spec: &Spec,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<RouteMatch, Vec<Violation>> {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        spec.validate_request(&RequestParts::new(method, path, query, headers, body))
    }

    /// The (location, kind) pairs of a rejected request.
    fn rejected(result: Result<RouteMatch, Vec<Violation>>) -> Vec<(String, ViolationKind)> {
        match result {
            Ok(route) => panic!("expected violations, got {route:?}"),
            Err(vs) => vs.into_iter().map(|v| (v.location, v.kind)).collect(),
        }
    }

    fn specs() -> [Spec; 2] {
        [
            Spec::from_json(doc_31()).unwrap(),
            Spec::from_json(doc_30()).unwrap(),
        ]
    }

    #[test]
    fn literal_routes_win_over_templates() {
        for spec in specs() {
            let m = spec
                .match_route("GET", "/api/v1/pricing-models/default")
                .unwrap();
            assert_eq!(m.operation_id, "pricingModels-getDefault");
            assert!(m.path_params.is_empty());
            let m = spec
                .match_route("get", "/api/v1/pricing-models/pm%2F1%20x?x=1")
                .unwrap();
            assert_eq!(m.operation_id, "pricingModels-get");
            assert_eq!(m.path_params["id"], "pm/1 x");
            // Only the templated path takes PUT, so it gets `default` as its id.
            let m = spec
                .match_route("PUT", "/api/v1/pricing-models/default")
                .unwrap();
            assert_eq!(m.operation_id, "pricingModels-update");
            assert_eq!(m.path_params["id"], "default");
        }
    }

    #[test]
    fn unknown_route_and_wrong_method_are_distinct() {
        let spec = Spec::from_json(doc_31()).unwrap();
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/nope", &auth(), b"")),
            vec![("route".into(), ViolationKind::UnknownRoute)]
        );
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/customers/", &auth(), b"")),
            vec![("route".into(), ViolationKind::UnknownRoute)]
        );
        assert_eq!(
            rejected(check(&spec, "DELETE", "/api/v1/customers", &auth(), b"")),
            vec![("route".into(), ViolationKind::MethodNotAllowed)]
        );
        assert!(spec.match_route("DELETE", "/api/v1/customers").is_none());
    }

    #[test]
    fn query_strings_are_coerced_to_parameter_types() {
        for spec in specs() {
            let ok = |target: &str| check(&spec, "GET", target, &auth(), b"");
            assert!(ok("/api/v1/customers").is_ok());
            assert!(ok("/api/v1/customers?limit=10&archived=false&cursor=abc+def%21").is_ok());
            assert!(ok("/api/v1/customers?ids=a,b&counts=1,2").is_ok());
            assert!(ok("/api/v1/customers?ids=a&ids=b&counts=3").is_ok());
            assert!(
                ok("/api/v1/customers?cursor=123").is_ok(),
                "digits stay a string"
            );
            let bad = |target: &str| rejected(ok(target));
            assert_eq!(
                bad("/api/v1/customers?limit=abc"),
                vec![("query.limit".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?limit=1000"),
                vec![("query.limit".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?limit=1.5"),
                vec![("query.limit".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?archived=yes"),
                vec![("query.archived".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?ids=a,b,c,d"),
                vec![("query.ids".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?counts=1,x"),
                vec![("query.counts".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?limit=1&limit=2"),
                vec![("query.limit".into(), ViolationKind::InvalidParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?page=2"),
                vec![("query.page".into(), ViolationKind::UnknownParameter)]
            );
            assert_eq!(
                bad("/api/v1/customers?cursor=%FF"),
                vec![("query.cursor".into(), ViolationKind::InvalidParameter)]
            );
        }
    }

    #[test]
    fn parameter_messages_say_why() {
        let spec = Spec::from_json(doc_31()).unwrap();
        let vs = check(&spec, "GET", "/api/v1/customers?limit=abc", &auth(), b"").unwrap_err();
        assert!(vs[0].message.contains("integer"), "{}", vs[0]);
        let vs = check(&spec, "GET", "/api/v1/customers?limit=1000", &auth(), b"").unwrap_err();
        assert!(vs[0].message.contains("100"), "{}", vs[0]);
    }

    #[test]
    fn missing_or_empty_authorization_is_reported() {
        let spec = Spec::from_json(doc_31()).unwrap();
        let expected = vec![("header.authorization".into(), ViolationKind::Unauthorized)];
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/customers", &[], b"")),
            expected
        );
        let empty = vec![("authorization".to_owned(), "  ".to_owned())];
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/customers", &empty, b"")),
            expected
        );
        // A raw key is enough; no `Bearer` prefix is required.
        let raw = vec![("AUTHORIZATION".to_owned(), "sk_live_x".to_owned())];
        assert!(check(&spec, "GET", "/api/v1/customers", &raw, b"").is_ok());
    }

    #[test]
    fn operation_level_empty_security_and_header_parameters() {
        let spec = Spec::from_json(doc_31()).unwrap();
        let trace = vec![("x-trace".to_owned(), "abcd".to_owned())];
        assert!(check(&spec, "GET", "/api/v1/public/ping", &trace, b"").is_ok());
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/public/ping", &[], b"")),
            vec![("header.x-trace".into(), ViolationKind::MissingParameter)]
        );
        let short = vec![("X-Trace".to_owned(), "ab".to_owned())];
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/public/ping", &short, b"")),
            vec![("header.x-trace".into(), ViolationKind::InvalidParameter)]
        );
    }

    #[test]
    fn bad_bodies_are_reported_where_they_are_wrong() {
        for spec in specs() {
            let post = |body: Value| {
                let bytes = serde_json::to_vec(&body).unwrap();
                check(&spec, "POST", "/api/v1/usage-events", &auth(), &bytes)
            };
            let good = json!({"usageEvent": {"amount": 1.5, "subscriptionId": "sub_1",
                                             "transactionId": "t", "properties": null}});
            assert_eq!(post(good).unwrap().operation_id, "usageEvents-create");
            let zero = json!({"usageEvent": {"amount": 0, "subscriptionId": "sub_1",
                                             "transactionId": "t"}});
            assert_eq!(
                rejected(post(zero)),
                vec![("body/usageEvent/amount".into(), ViolationKind::Schema)]
            );
            let text = json!({"usageEvent": {"amount": "5", "subscriptionId": "sub_1",
                                             "transactionId": "t"}});
            assert_eq!(
                rejected(post(text)),
                vec![("body/usageEvent/amount".into(), ViolationKind::Schema)]
            );
            let missing = json!({"usageEvent": {"amount": 5, "transactionId": "t"}});
            assert_eq!(
                rejected(post(missing)),
                vec![("body/usageEvent".into(), ViolationKind::Schema)]
            );
            let nested = json!({"usageEvent": {"amount": 5, "subscriptionId": "sub_1",
                                               "transactionId": "t", "properties": [1]}});
            assert_eq!(
                rejected(post(nested)),
                vec![("body/usageEvent/properties".into(), ViolationKind::Schema)]
            );
            let extra = json!({"usageEvent": {"amount": 5, "subscriptionId": "sub_1",
                                              "transactionId": "t"}, "x": 1});
            assert_eq!(
                rejected(post(extra)),
                vec![("body".into(), ViolationKind::Schema)]
            );
        }
    }

    #[test]
    fn a_body_less_post_accepts_only_an_empty_object() {
        let spec = Spec::from_json(serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x/{id}/uncancel": {"post": {
                "operationId": "x-uncancel",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}
            }}}
        }))
        .unwrap();
        for body in [&b""[..], b"{}", b" { } "] {
            assert!(check(&spec, "POST", "/x/1/uncancel", &auth(), body).is_ok());
        }
        assert_eq!(
            rejected(check(
                &spec,
                "POST",
                "/x/1/uncancel",
                &auth(),
                br#"{"a":1}"#
            )),
            vec![("body".into(), ViolationKind::UnexpectedBody)]
        );
    }

    #[test]
    fn body_presence_content_type_and_json() {
        let spec = Spec::from_json(doc_31()).unwrap();
        assert_eq!(
            rejected(check(&spec, "POST", "/api/v1/customers", &auth(), b"")),
            vec![("body".into(), ViolationKind::MissingBody)]
        );
        assert_eq!(
            rejected(check(&spec, "GET", "/api/v1/customers", &auth(), b"{}")),
            vec![("body".into(), ViolationKind::UnexpectedBody)]
        );
        assert_eq!(
            rejected(check(
                &spec,
                "PUT",
                "/api/v1/pricing-models/x",
                &auth(),
                b""
            )),
            vec![("body".into(), ViolationKind::MissingBody)]
        );
        let body = br#"{"customer": {"externalId": "c1", "email": "a@b.co"}}"#;
        let no_type = vec![("authorization".to_owned(), "k".to_owned())];
        assert_eq!(
            rejected(check(&spec, "POST", "/api/v1/customers", &no_type, body)),
            vec![("header.content-type".into(), ViolationKind::ContentType)]
        );
        let text = vec![
            ("authorization".to_owned(), "k".to_owned()),
            ("content-type".to_owned(), "text/plain".to_owned()),
        ];
        assert_eq!(
            rejected(check(&spec, "POST", "/api/v1/customers", &text, body)),
            vec![("header.content-type".into(), ViolationKind::ContentType)]
        );
        let charset = vec![
            ("authorization".to_owned(), "k".to_owned()),
            (
                "content-type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
        ];
        assert!(check(&spec, "POST", "/api/v1/customers", &charset, body).is_ok());
        assert_eq!(
            rejected(check(
                &spec,
                "POST",
                "/api/v1/customers",
                &auth(),
                b"{not json"
            )),
            vec![("body".into(), ViolationKind::MalformedJson)]
        );
    }

    #[test]
    fn http_request_and_header_map_are_accepted() {
        let spec = Spec::from_json(doc_31()).unwrap();
        let request = http::Request::post("/api/v1/customers?x=1")
            .header("authorization", "sk")
            .header("content-type", "application/json")
            .body(
                br#"{"customer": {"externalId": "c1", "email": "a@b.co", "name": null}}"#.to_vec(),
            )
            .unwrap();
        let parts = RequestParts::from_request(&request);
        assert!(matches!(parts.headers, Headers::Map(_)));
        assert_eq!(
            rejected(spec.validate_request(&parts)),
            vec![("query.x".into(), ViolationKind::UnknownParameter)]
        );
    }

    #[test]
    fn nullable_and_exclusive_bounds_of_30_documents() {
        let spec = Spec::from_json(doc_30()).unwrap();
        let post = |amount: Value| {
            let body = json!({"usageEvent": {"amount": amount, "subscriptionId": "sub_1",
                                             "transactionId": "t", "properties": null}});
            check(
                &spec,
                "POST",
                "/api/v1/usage-events",
                &auth(),
                &serde_json::to_vec(&body).unwrap(),
            )
        };
        assert!(post(json!(0.001)).is_ok());
        assert!(post(json!(0)).is_err());
        assert!(post(json!(-1)).is_err());
    }

    #[test]
    fn responses_are_validated_by_status() {
        for spec in specs() {
            let body = json!({"data": [{"id": "c", "object": "customer", "email": "a@b.co",
                                        "createdAt": 1, "status": "active",
                                        "archived": null, "metadata": {"k": "v"}}],
                              "hasMore": false, "total": 1});
            let bytes = serde_json::to_vec(&body).unwrap();
            assert!(
                spec.validate_response("customers-list", 200, &bytes)
                    .is_ok()
            );
            let vs = spec
                .validate_response(
                    "customers-list",
                    200,
                    br#"{"data": [{"id": 1}], "hasMore": false, "total": 1}"#,
                )
                .unwrap_err();
            assert!(
                vs.iter().any(|v| v.location == "response/data/0/id"),
                "{vs:?}"
            );
            assert!(
                spec.validate_response("customers-list", 400, br#"{"message": "x"}"#)
                    .is_ok()
            );
            let vs = spec
                .validate_response("customers-list", 404, b"")
                .unwrap_err();
            assert_eq!(vs[0].kind, ViolationKind::UndocumentedStatus);
            let vs = spec.validate_response("nope", 200, b"{}").unwrap_err();
            assert_eq!(vs[0].kind, ViolationKind::UnknownOperation);
            assert!(
                spec.validate_response("ping", 204, br#"{"ok": true}"#)
                    .is_ok(),
                "2XX range"
            );
            let vs = spec.validate_response("ping", 200, b"<html>").unwrap_err();
            assert_eq!(vs[0].kind, ViolationKind::MalformedJson);
        }
    }

    #[test]
    fn union_errors_point_into_the_closest_branch() {
        let spec = Spec::from_json(doc_31()).unwrap();
        let body = json!({"price": {"type": "usage", "usageMeterId": 5, "unitPrice": 1},
                          "tree": {"name": "n", "children": []},
                          "preview": {"canAdjust": true, "tags": ["a", "b"]}});
        let vs = spec
            .validate_response("prices-get", 200, &serde_json::to_vec(&body).unwrap())
            .unwrap_err();
        assert_eq!(vs.len(), 1, "{vs:?}");
        assert_eq!(vs[0].location, "response/price/usageMeterId");
    }

    #[test]
    fn upstream_requests_validate() {
        let Some(doc) = upstream() else { return };
        let spec = Spec::from_json(doc).unwrap();
        let ok =
            |method: &str, target: &str, body: &[u8]| check(&spec, method, target, &auth(), body);
        assert_eq!(
            ok("GET", "/api/v1/pricing-models/default", b"")
                .unwrap()
                .operation_id,
            "pricingModels-getDefault"
        );
        let m = ok("GET", "/api/v1/customers/ext%201/billing", b"").unwrap();
        assert_eq!(m.operation_id, "customers-getBilling");
        assert_eq!(m.path_params["externalId"], "ext 1");
        assert!(ok("GET", "/api/v1/customers?limit=10&cursor=abc", b"").is_ok());
        assert!(
            ok(
                "GET",
                "/api/v1/resource-claims/sub_1/usages?resourceSlugs=a,b",
                b""
            )
            .is_ok()
        );
        assert_eq!(
            rejected(ok("GET", "/api/v1/customers?limt=10", b"")),
            vec![("query.limt".into(), ViolationKind::UnknownParameter)]
        );
        let event = json!({"usageEvent": {"subscriptionId": "sub_1", "amount": 0,
                                          "transactionId": "t1", "priceSlug": "p"}});
        let vs = rejected(ok(
            "POST",
            "/api/v1/usage-events",
            &serde_json::to_vec(&event).unwrap(),
        ));
        assert!(
            vs.iter().all(|(_, k)| *k == ViolationKind::Schema),
            "{vs:?}"
        );
        assert!(
            rejected(check(&spec, "GET", "/api/v1/customers", &[], b""))
                .contains(&("header.authorization".into(), ViolationKind::Unauthorized))
        );
    }
}
