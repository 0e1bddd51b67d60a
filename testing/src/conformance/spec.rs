//! Loading and indexing an OpenAPI document.
//!
//! The (normalized) document is registered as one JSON-schema resource under [`DOC_URI`]; each
//! schema the checks need is compiled from `{"$ref": "<DOC_URI>#<pointer>"}`, so its
//! `#/components/schemas/...` references resolve against the whole document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

use super::ConformanceError;
use super::normalize::{normalize_openapi_30, open_closed_all_of};
use super::route::Template;

/// The URI under which the document is registered for `$ref` resolution.
pub(crate) const DOC_URI: &str = "https://openapi.conformance.invalid/document.json";

/// HTTP methods an OpenAPI path item can hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Characters that must be percent-encoded in a URI fragment.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A loaded OpenAPI document: its operations, routes and compiled validators.
///
/// `Spec` is `Send + Sync`; share it behind an `Arc` between server tasks.
pub struct Spec {
    /// The normalized document.
    pub(crate) doc: Arc<Value>,
    /// The document registered under [`DOC_URI`].
    registry: Registry<'static>,
    /// Path prefix of the first server URL (`""` when it has none).
    prefix: String,
    /// Operations in document order.
    pub(crate) operations: Vec<Operation>,
    by_id: HashMap<String, usize>,
    /// Validators compiled on demand (example synthesis), by pointer or schema text.
    cache: Mutex<HashMap<String, Arc<Validator>>>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.operations.len())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A public view of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo<'a> {
    /// The `operationId` (or `"METHOD /path"` when the document gives none).
    pub operation_id: &'a str,
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The path template as written in the document, e.g. `/api/v1/customers/{externalId}`.
    pub path: &'a str,
}

/// One indexed operation.
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) template: Template,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) responses: Vec<Response>,
    /// Alternatives (any one suffices), each a list of checks (all must hold).
    pub(crate) security: Vec<Vec<SecurityCheck>>,
}

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamIn {
    Path,
    Query,
    Header,
}

/// One declared parameter.
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: ParamIn,
    pub(crate) required: bool,
    pub(crate) schema: Option<Compiled>,
}

/// A compiled schema and what coercion of a string into it needs to know.
pub(crate) struct Compiled {
    pub(crate) pointer: String,
    pub(crate) validator: Validator,
    /// JSON types the schema admits (empty: unconstrained).
    pub(crate) types: Vec<String>,
    /// For array schemas, the JSON types the items admit.
    pub(crate) item_types: Vec<String>,
}

/// A declared request body.
pub(crate) struct Body {
    pub(crate) required: bool,
    pub(crate) media_types: Vec<String>,
    pub(crate) json: Option<Compiled>,
}

/// A declared response.
pub(crate) struct Response {
    /// The key as written: `200`, `2XX`, `default`.
    pub(crate) status: String,
    pub(crate) json: Option<Compiled>,
}

/// One security scheme to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecurityCheck {
    /// A non-empty header with this name (apiKey in header).
    Header(String),
    /// A non-empty query parameter with this name (apiKey in query).
    Query(String),
    /// `Authorization: <scheme> <credentials>` (http scheme, e.g. `bearer`).
    Http(String),
    /// A scheme this module does not check (cookie, oauth2, openIdConnect, mutualTLS).
    Unchecked,
}

impl Spec {
    /// Loads an OpenAPI 3.0.x or 3.1.x document from JSON bytes.
    ///
    /// # Errors
    ///
    /// See [`Spec::from_json`]; also fails when the bytes are not JSON.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ConformanceError> {
        Self::from_json(serde_json::from_slice(bytes)?)
    }

    /// Loads an OpenAPI 3.0.x or 3.1.x document, normalizing 3.0 schemas to JSON Schema
    /// 2020-12, indexing every operation and compiling its validators.
    ///
    /// Two rewrites happen before compiling: 3.0 `nullable` and boolean exclusive bounds
    /// become their 2020-12 forms, and an `allOf` of closed objects
    /// (`additionalProperties: false` in every branch, which strictly admits no value) is
    /// closed with `unevaluatedProperties: false` instead, allowing the union of the branches'
    /// properties.
    ///
    /// # Errors
    ///
    /// Fails on an unsupported `openapi` version, a malformed document, an unresolvable
    /// reference, a schema that does not compile, or a duplicate `operationId`.
    pub fn from_json(mut doc: Value) -> Result<Self, ConformanceError> {
        let version = doc
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if version.starts_with("3.0.") || version == "3.0" {
            normalize_openapi_30(&mut doc);
        } else if !(version.starts_with("3.1.") || version == "3.1") {
            return Err(ConformanceError::UnsupportedVersion(
                if version.is_empty() {
                    "missing `openapi` field".into()
                } else {
                    version
                },
            ));
        }
        open_closed_all_of(&mut doc);
        let doc = Arc::new(doc);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(DOC_URI, Arc::clone(&doc))
            .and_then(|builder| builder.prepare())
            .map_err(|e| invalid("", e.to_string()))?;
        let prefix = server_prefix(&doc);
        let mut spec = Spec {
            doc,
            registry,
            prefix,
            operations: Vec::new(),
            by_id: HashMap::new(),
            cache: Mutex::new(HashMap::new()),
        };
        spec.index()?;
        Ok(spec)
    }

    /// All operations, in document order.
    pub fn operations(&self) -> impl ExactSizeIterator<Item = OperationInfo<'_>> + '_ {
        self.operations.iter().map(Operation::info)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<OperationInfo<'_>> {
        self.find(operation_id).map(Operation::info)
    }

    /// The JSON pointer (`#/...`) of the JSON schema of the operation's response for `status`
    /// (exact code, then `2XX`-style range, then `default`), if it has one.
    pub fn response_schema_pointer(&self, operation_id: &str, status: u16) -> Option<String> {
        let op = self.find(operation_id)?;
        let json = op.response_for(status)?.json.as_ref()?;
        Some(format!("#{}", json.pointer))
    }

    pub(crate) fn find(&self, operation_id: &str) -> Option<&Operation> {
        self.by_id.get(operation_id).map(|&i| &self.operations[i])
    }

    /// Strips the server path prefix from a request path.
    pub(crate) fn strip_prefix<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.prefix.is_empty() {
            return Some(path);
        }
        let rest = path.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// Compiles the schema at `pointer` (without `#`) in the document.
    pub(crate) fn compile_pointer(&self, pointer: &str) -> Result<Validator, ConformanceError> {
        self.compile_value(&json!({ "$ref": absolute_ref(pointer) }))
            .map_err(|message| ConformanceError::Schema {
                pointer: format!("#{pointer}"),
                message,
            })
    }

    /// Compiles a free-standing schema whose `$ref`s are absolute (see [`absolutize_refs`]).
    pub(crate) fn compile_value(&self, schema: &Value) -> Result<Validator, String> {
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(schema)
            .map_err(|e| e.to_string())
    }

    /// A validator for the schema at `pointer`, compiled once and cached.
    pub(crate) fn cached_pointer_validator(
        &self,
        pointer: &str,
    ) -> Result<Arc<Validator>, ConformanceError> {
        let key = format!("#{pointer}");
        if let Some(v) = self.lock_cache().get(&key) {
            return Ok(Arc::clone(v));
        }
        let validator = Arc::new(self.compile_pointer(pointer)?);
        self.lock_cache().insert(key, Arc::clone(&validator));
        Ok(validator)
    }

    /// A validator for a free-standing schema (relative refs allowed), cached by its text.
    pub(crate) fn cached_value_validator(&self, schema: &Value) -> Result<Arc<Validator>, String> {
        let absolute = absolutize_refs(schema);
        let key = absolute.to_string();
        if let Some(v) = self.lock_cache().get(&key) {
            return Ok(Arc::clone(v));
        }
        let validator = Arc::new(self.compile_value(&absolute)?);
        self.lock_cache().insert(key, Arc::clone(&validator));
        Ok(validator)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Validator>>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Indexes every operation of `paths`.
    fn index(&mut self) -> Result<(), ConformanceError> {
        let doc = Arc::clone(&self.doc);
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("/paths", "missing or not an object"))?;
        let global_security = doc.get("security");
        for (path, item) in paths {
            let item_pointer = format!("/paths/{}", escape(path));
            let (item, item_pointer) = resolve(&doc, item, item_pointer)?;
            let shared_params = item.get("parameters");
            for &method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let op_pointer = format!("{item_pointer}/{method}");
                let id = op.get("operationId").and_then(Value::as_str).map_or_else(
                    || format!("{} {path}", method.to_uppercase()),
                    str::to_owned,
                );
                let operation = Operation {
                    id: id.clone(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    template: Template::parse(path),
                    params: self.params(
                        &doc,
                        shared_params.map(|p| (p, format!("{item_pointer}/parameters"))),
                        op.get("parameters")
                            .map(|p| (p, format!("{op_pointer}/parameters"))),
                    )?,
                    body: self.body(&doc, op, &op_pointer)?,
                    responses: self.responses(&doc, op, &op_pointer)?,
                    security: security(&doc, op.get("security").or(global_security))?,
                };
                if self
                    .by_id
                    .insert(id.clone(), self.operations.len())
                    .is_some()
                {
                    return Err(ConformanceError::DuplicateOperationId(id));
                }
                self.operations.push(operation);
            }
        }
        Ok(())
    }

    /// Path-item parameters overridden by operation parameters (same `in` and `name`).
    fn params(
        &self,
        doc: &Value,
        shared: Option<(&Value, String)>,
        own: Option<(&Value, String)>,
    ) -> Result<Vec<Param>, ConformanceError> {
        let mut params: Vec<Param> = Vec::new();
        for (list, list_pointer) in [shared, own].into_iter().flatten() {
            let items = list
                .as_array()
                .ok_or_else(|| invalid(&list_pointer, "parameters is not an array"))?;
            for (i, raw) in items.iter().enumerate() {
                let (param, pointer) = resolve(doc, raw, format!("{list_pointer}/{i}"))?;
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(&pointer, "parameter without a name"))?;
                let location = match param.get("in").and_then(Value::as_str) {
                    Some("path") => ParamIn::Path,
                    Some("query") => ParamIn::Query,
                    Some("header") => ParamIn::Header,
                    Some("cookie") => continue,
                    _ => return Err(invalid(&pointer, "parameter without a valid `in`")),
                };
                let schema_pointer = if param.get("schema").is_some() {
                    Some(format!("{pointer}/schema"))
                } else {
                    // `content: {<media type>: {schema}}` form.
                    param
                        .get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.iter().next())
                        .filter(|(_, media)| media.get("schema").is_some())
                        .map(|(media, _)| format!("{pointer}/content/{}/schema", escape(media)))
                };
                let param = Param {
                    name: name.to_owned(),
                    location,
                    required: location == ParamIn::Path
                        || param.get("required").and_then(Value::as_bool) == Some(true),
                    schema: schema_pointer.map(|p| self.compiled(doc, p)).transpose()?,
                };
                params.retain(|p| {
                    !(p.location == param.location
                        && (p.name == param.name
                            || (location == ParamIn::Header
                                && p.name.eq_ignore_ascii_case(&param.name))))
                });
                params.push(param);
            }
        }
        Ok(params)
    }

    fn body(
        &self,
        doc: &Value,
        op: &Value,
        op_pointer: &str,
    ) -> Result<Option<Body>, ConformanceError> {
        let Some(raw) = op.get("requestBody") else {
            return Ok(None);
        };
        let (body, pointer) = resolve(doc, raw, format!("{op_pointer}/requestBody"))?;
        let content = body.get("content").and_then(Value::as_object);
        Ok(Some(Body {
            required: body.get("required").and_then(Value::as_bool) == Some(true),
            media_types: content
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default(),
            json: self.json_schema(doc, body, &pointer)?,
        }))
    }

    fn responses(
        &self,
        doc: &Value,
        op: &Value,
        op_pointer: &str,
    ) -> Result<Vec<Response>, ConformanceError> {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(responses.len());
        for (status, raw) in responses {
            let pointer = format!("{op_pointer}/responses/{}", escape(status));
            let (response, pointer) = resolve(doc, raw, pointer)?;
            out.push(Response {
                status: status.clone(),
                json: self.json_schema(doc, response, &pointer)?,
            });
        }
        Ok(out)
    }

    /// The compiled schema of the JSON media type in `holder.content`, if any.
    fn json_schema(
        &self,
        doc: &Value,
        holder: &Value,
        pointer: &str,
    ) -> Result<Option<Compiled>, ConformanceError> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return Ok(None);
        };
        let Some((media, _)) = content
            .iter()
            .find(|(media, m)| is_json_media_type(media) && m.get("schema").is_some())
        else {
            return Ok(None);
        };
        let schema_pointer = format!("{pointer}/content/{}/schema", escape(media));
        self.compiled(doc, schema_pointer).map(Some)
    }

    fn compiled(&self, doc: &Value, pointer: String) -> Result<Compiled, ConformanceError> {
        let validator = self.compile_pointer(&pointer)?;
        let schema = doc.pointer(&pointer).unwrap_or(&Value::Null);
        let types = schema_types(doc, schema, 0);
        let item_types = if types.iter().any(|t| t == "array") {
            let items = deref(doc, schema).and_then(|s| s.get("items"));
            items.map_or_else(Vec::new, |i| schema_types(doc, i, 0))
        } else {
            Vec::new()
        };
        Ok(Compiled {
            pointer,
            validator,
            types,
            item_types,
        })
    }
}

impl Operation {
    fn info(&self) -> OperationInfo<'_> {
        OperationInfo {
            operation_id: &self.id,
            method: &self.method,
            path: &self.path,
        }
    }

    /// The response declared for `status`: exact code, then `2XX` range, then `default`.
    pub(crate) fn response_for(&self, status: u16) -> Option<&Response> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        self.responses
            .iter()
            .find(|r| r.status == exact)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case(&range))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The lowest declared 2xx response (or `2XX`, or `default`).
    pub(crate) fn success_response(&self) -> Option<&Response> {
        let mut codes: Vec<u16> = self
            .responses
            .iter()
            .filter_map(|r| r.status.parse().ok())
            .filter(|c| (200..300).contains(c))
            .collect();
        codes.sort_unstable();
        match codes.first() {
            Some(&code) => self.response_for(code),
            None => self.response_for(200),
        }
    }
}

/// `application/json`, `application/problem+json`, `application/json; charset=utf-8`, ...
pub(crate) fn is_json_media_type(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Escapes a key for use as a JSON-pointer segment.
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `DOC_URI#<pointer>`, with the fragment percent-encoded.
pub(crate) fn absolute_ref(pointer: &str) -> String {
    format!("{DOC_URI}#{}", utf8_percent_encode(pointer, FRAGMENT))
}

/// Rewrites local `$ref`s (`#/...`) of a free-standing schema into absolute ones.
pub(crate) fn absolutize_refs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) if r.starts_with('#') => {
                            Value::String(format!("{DOC_URI}{r}"))
                        }
                        _ => absolutize_refs(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(absolutize_refs).collect()),
        other => other.clone(),
    }
}

/// Follows an OpenAPI-level `$ref` chain (local refs only), returning the target and its pointer.
pub(crate) fn resolve<'d>(
    doc: &'d Value,
    value: &'d Value,
    pointer: String,
) -> Result<(&'d Value, String), ConformanceError> {
    let mut current = (value, pointer);
    for _ in 0..32 {
        let Some(reference) = current.0.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        let target = local_pointer(reference)
            .ok_or_else(|| invalid(&current.1, format!("unsupported $ref {reference:?}")))?;
        let value = doc
            .pointer(&target)
            .ok_or_else(|| invalid(&current.1, format!("unresolvable $ref {reference:?}")))?;
        current = (value, target);
    }
    Err(invalid(&current.1, "$ref chain too long"))
}

/// `#/a/b%7Bc%7D` -> `/a/b{c}`; `None` for non-local references.
pub(crate) fn local_pointer(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    Some(
        percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// Follows schema `$ref`s (local only) to the first schema without one.
pub(crate) fn deref<'d>(doc: &'d Value, mut schema: &'d Value) -> Option<&'d Value> {
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = doc.pointer(&local_pointer(r)?)?,
            None => return Some(schema),
        }
    }
    None
}

/// The JSON types a schema admits, as far as `type`, `enum`, `const`, `anyOf`/`oneOf` and
/// `$ref` tell; empty when unconstrained.
pub(crate) fn schema_types(doc: &Value, schema: &Value, depth: usize) -> Vec<String> {
    let Some(schema) = deref(doc, schema) else {
        return Vec::new();
    };
    if depth > 16 {
        return Vec::new();
    }
    let mut types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        let values: Vec<&Value> = match (schema.get("const"), schema.get("enum")) {
            (Some(c), _) => vec![c],
            (None, Some(Value::Array(vs))) => vs.iter().collect(),
            _ => Vec::new(),
        };
        for v in values {
            let t = match v {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_f64() => "number",
                Value::Number(_) => "integer",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if !types.iter().any(|x| x == t) {
                types.push(t.to_owned());
            }
        }
    }
    if types.is_empty() {
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                for branch in branches {
                    for t in schema_types(doc, branch, depth + 1) {
                        if !types.contains(&t) {
                            types.push(t);
                        }
                    }
                }
            }
        }
    }
    types
}

/// The path part of the first server URL, without a trailing `/`.
fn server_prefix(doc: &Value) -> String {
    let Some(url) = doc.pointer("/servers/0/url").and_then(Value::as_str) else {
        return String::new();
    };
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        after_scheme.find('/').map_or("", |i| &after_scheme[i..])
    } else {
        after_scheme
    };
    if path.contains('{') {
        // Server variables in the path: too ambitious; match paths as written.
        return String::new();
    }
    path.trim_end_matches('/').to_owned()
}

/// The security alternatives of an operation.
fn security(
    doc: &Value,
    requirements: Option<&Value>,
) -> Result<Vec<Vec<SecurityCheck>>, ConformanceError> {
    let Some(requirements) = requirements.and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let schemes = doc.pointer("/components/securitySchemes");
    let mut alternatives = Vec::new();
    for requirement in requirements {
        let mut checks = Vec::new();
        for name in requirement.as_object().into_iter().flat_map(|o| o.keys()) {
            let pointer = format!("/components/securitySchemes/{}", escape(name));
            let raw = schemes
                .and_then(|s| s.get(name))
                .ok_or_else(|| invalid(&pointer, "undefined security scheme"))?;
            let (scheme, _) = resolve(doc, raw, pointer)?;
            let get = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or_default();
            checks.push(match (get("type"), get("in")) {
                ("apiKey", "header") => SecurityCheck::Header(get("name").to_owned()),
                ("apiKey", "query") => SecurityCheck::Query(get("name").to_owned()),
                ("http", _) => SecurityCheck::Http(get("scheme").to_ascii_lowercase()),
                _ => SecurityCheck::Unchecked,
            });
        }
        alternatives.push(checks);
    }
    Ok(alternatives)
}

fn invalid(pointer: &str, message: impl Into<String>) -> ConformanceError {
    ConformanceError::InvalidDocument {
        pointer: format!("#{pointer}"),
        message: message.into(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The upstream document, when `FLOWGLAD_SHARED_DIR` is set.
    pub(crate) fn upstream() -> Option<Value> {
        let Ok(dir) = std::env::var("FLOWGLAD_SHARED_DIR") else {
            println!("skipped: FLOWGLAD_SHARED_DIR not set");
            return None;
        };
        let path = std::path::Path::new(&dir).join("openapi/flowglad-openapi.json");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Some(serde_json::from_slice(&bytes).expect("upstream document is JSON"))
    }

    #[test]
    fn spec_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Spec>();
    }

    #[test]
    fn rejects_unsupported_versions_and_duplicates() {
        let err = Spec::from_json(json!({"swagger": "2.0", "paths": {}})).unwrap_err();
        assert!(
            matches!(err, ConformanceError::UnsupportedVersion(_)),
            "{err}"
        );
        let dup = json!({"openapi": "3.1.0", "paths": {
            "/a": {"get": {"operationId": "x", "responses": {}}},
            "/b": {"get": {"operationId": "x", "responses": {}}}
        }});
        let err = Spec::from_json(dup).unwrap_err();
        assert!(
            matches!(err, ConformanceError::DuplicateOperationId(_)),
            "{err}"
        );
        let bad_ref = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {
            "responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Missing"}}}}}
        }}}});
        let err = Spec::from_json(bad_ref).unwrap_err();
        assert!(matches!(err, ConformanceError::Schema { .. }), "{err}");
    }

    #[test]
    fn indexes_operations_with_defaults_and_server_prefix() {
        let spec = Spec::from_json(json!({
            "openapi": "3.1.0",
            "servers": [{"url": "https://api.example.com/v2/"}],
            "paths": {"/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "get": {"responses": {"200": {"description": "ok"}}},
                "delete": {"operationId": "things-delete", "responses": {}}
            }}
        }))
        .unwrap();
        let ops: Vec<_> = spec.operations().collect();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].operation_id, "GET /things/{id}");
        assert_eq!(ops[1].method, "DELETE");
        assert_eq!(spec.strip_prefix("/v2/things/1"), Some("/things/1"));
        assert_eq!(spec.strip_prefix("/v22/things/1"), None);
        let route = spec.match_route("delete", "/v2/things/a%20b").unwrap();
        assert_eq!(route.operation_id, "things-delete");
        assert_eq!(route.path_params["id"], "a b");
    }

    #[test]
    fn upstream_loads_with_all_operations() {
        let Some(doc) = upstream() else { return };
        let spec = Spec::from_json(doc).expect("upstream spec loads");
        assert_eq!(spec.operations().len(), 82);
        let mut ids: Vec<_> = spec.operations().map(|o| o.operation_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 82);
        for op in &spec.operations {
            assert!(
                op.success_response()
                    .and_then(|r| r.json.as_ref())
                    .is_some()
            );
            assert_eq!(
                op.security,
                vec![vec![SecurityCheck::Header("Authorization".into())]]
            );
        }
        let limit = spec
            .find("customers-list")
            .unwrap()
            .params
            .iter()
            .find(|p| p.name == "limit")
            .unwrap();
        assert_eq!(limit.schema.as_ref().unwrap().types, vec!["string"]);
    }
}
