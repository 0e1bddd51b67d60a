//! Spec-shaped JSON records: every record starts from a value synthesized from the vendored
//! OpenAPI document (nullable fields set to `null`), overlaid with the fake's state. So each
//! record has exactly the keys its schema declares.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::conformance::Spec;

/// The vendored OpenAPI document.
const SPEC_JSON: &str = include_str!("../../openapi/flowglad.json");

/// The parsed document (for schema properties and nullability).
pub(crate) fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(SPEC_JSON).expect("the vendored spec is JSON"))
}

/// The compiled spec (request validation, examples).
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::from_json(doc().clone()).expect("the vendored spec loads"))
}

/// The properties and required names of the component schema `name`, following `$ref` and
/// merging `allOf` branches.
fn properties(name: &str) -> (Map<String, Value>, Vec<String>) {
    fn walk(schema: &Value, props: &mut Map<String, Value>, required: &mut Vec<String>) {
        if let Some(r) = schema["$ref"].as_str() {
            let target = r.rsplit('/').next().unwrap_or_default();
            walk(&doc()["components"]["schemas"][target], props, required);
        }
        for branch in schema["allOf"].as_array().into_iter().flatten() {
            walk(branch, props, required);
        }
        if let Some(p) = schema["properties"].as_object() {
            props.extend(p.clone());
        }
        for r in schema["required"].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str() {
                required.push(r.to_owned());
            }
        }
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    walk(
        &doc()["components"]["schemas"][name],
        &mut props,
        &mut required,
    );
    (props, required)
}

/// A template for the component schema `name`: an example with every nullable property null
/// and every optional one left out.
fn template(name: &str) -> Value {
    static CACHE: OnceLock<Mutex<HashMap<String, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().expect("template cache").get(name) {
        return v.clone();
    }
    let mut value = spec()
        .example_for_schema(&format!("#/components/schemas/{name}"))
        .unwrap_or_else(|e| panic!("no example for {name}: {e}"));
    let (props, required) = properties(name);
    if let Some(obj) = value.as_object_mut() {
        obj.retain(|key, _| required.contains(key));
        for (key, schema) in &props {
            if schema.get("nullable") == Some(&Value::Bool(true)) && required.contains(key) {
                obj.insert(key.clone(), Value::Null);
            }
        }
    }
    cache
        .lock()
        .expect("template cache")
        .insert(name.to_owned(), value.clone());
    value
}

/// `fields` shaped as the component schema `name`: the template overlaid with those of
/// `fields` that the schema declares (other keys are dropped).
pub(crate) fn shape(name: &str, fields: &Value) -> Value {
    let mut value = template(name);
    let (props, _) = properties(name);
    if let (Some(obj), Some(fields)) = (value.as_object_mut(), fields.as_object()) {
        for (key, v) in fields {
            if props.is_empty() || props.contains_key(key) {
                obj.insert(key.clone(), v.clone());
            }
        }
    }
    value
}

/// Merges `extra` into the object `base` (both objects).
pub(crate) fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}
