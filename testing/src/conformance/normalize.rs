//! Translation of OpenAPI 3.0 schema dialect into JSON Schema 2020-12.
//!
//! OpenAPI 3.0 schemas differ from JSON Schema 2020-12 in two ways that change validation:
//! `nullable: true` admits `null`, and `exclusiveMinimum`/`exclusiveMaximum` are booleans that
//! modify `minimum`/`maximum`. [`normalize_openapi_30`] rewrites every schema of a 3.0 document in
//! place so that the 2020-12 validator gives the 3.0 meaning. Other 3.0-only keywords
//! (`discriminator`, `example`, `xml`, `readOnly`, ...) are annotations and are left alone.
//!
//! [`open_closed_all_of`] repairs, in documents of either version, a construct whose strict
//! JSON-Schema reading admits no value at all (see there).

use serde_json::{Map, Value};

/// Keywords whose value is a single subschema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];

/// Keywords whose value is an array of subschemas.
const SCHEMA_ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];

/// Keywords whose value is a map of name to subschema.
const SCHEMA_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords that make a schema more than a plain typed schema: `nullable` on such a schema is
/// expressed by wrapping it in `anyOf [schema, {type: null}]` rather than by widening `type`.
const COMPOSITE_KEYWORDS: &[&str] = &["$ref", "allOf", "anyOf", "oneOf", "not", "if"];

/// Rewrites every schema of an OpenAPI 3.0 document into JSON Schema 2020-12 form.
pub(crate) fn normalize_openapi_30(doc: &mut Value) {
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    for (key, value) in root.iter_mut() {
        match key.as_str() {
            "components" => {
                if let Some(components) = value.as_object_mut() {
                    for (kind, group) in components.iter_mut() {
                        if kind == "schemas" {
                            if let Some(schemas) = group.as_object_mut() {
                                schemas.values_mut().for_each(normalize_schema);
                            }
                        } else {
                            normalize_holders(group);
                        }
                    }
                }
            }
            "paths" | "webhooks" => normalize_holders(value),
            _ => {}
        }
    }
}

/// Walks OpenAPI objects (not schemas) and normalizes every `schema` they hold.
fn normalize_holders(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "schema" {
                    normalize_schema(child);
                } else if key != "example" && key != "examples" && !key.starts_with("x-") {
                    normalize_holders(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_holders),
        _ => {}
    }
}

/// Normalizes one schema and, recursively, all its subschemas.
pub(crate) fn normalize_schema(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    for key in SCHEMA_KEYWORDS {
        if let Some(sub) = map.get_mut(*key).filter(|s| s.is_object()) {
            normalize_schema(sub);
        }
    }
    for key in SCHEMA_ARRAY_KEYWORDS {
        if let Some(Value::Array(subs)) = map.get_mut(*key) {
            subs.iter_mut().for_each(normalize_schema);
        }
    }
    for key in SCHEMA_MAP_KEYWORDS {
        if let Some(Value::Object(subs)) = map.get_mut(*key) {
            subs.values_mut().for_each(normalize_schema);
        }
    }
    fix_exclusive_bound(map, "exclusiveMinimum", "minimum");
    fix_exclusive_bound(map, "exclusiveMaximum", "maximum");
    if let Some(nullable) = map.remove("nullable")
        && nullable == Value::Bool(true)
    {
        make_nullable(schema);
    }
}

/// `exclusiveMinimum: true, minimum: m` becomes `exclusiveMinimum: m`; `false` is dropped.
fn fix_exclusive_bound(map: &mut Map<String, Value>, exclusive: &str, inclusive: &str) {
    match map.get(exclusive) {
        Some(Value::Bool(true)) => {
            map.remove(exclusive);
            if let Some(bound) = map.remove(inclusive) {
                map.insert(exclusive.to_owned(), bound);
            }
        }
        Some(Value::Bool(false)) => {
            map.remove(exclusive);
        }
        _ => {}
    }
}

/// Makes `schema` (already stripped of `nullable`) also accept `null`.
fn make_nullable(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    let composite = COMPOSITE_KEYWORDS.iter().any(|k| map.contains_key(*k));
    let widened = !composite
        && match map.get_mut("type") {
            Some(Value::String(ty)) => {
                let ty = std::mem::take(ty);
                map.insert("type".into(), Value::Array(vec![ty.into(), "null".into()]));
                true
            }
            Some(Value::Array(types)) => {
                if !types.iter().any(|t| t == "null") {
                    types.push("null".into());
                }
                true
            }
            _ => false,
        };
    if widened {
        if let Some(Value::Array(values)) = map.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
        return;
    }
    let inner = std::mem::take(map);
    let mut wrapper = Map::new();
    wrapper.insert(
        "anyOf".into(),
        Value::Array(vec![
            Value::Object(inner),
            serde_json::json!({ "type": "null" }),
        ]),
    );
    *schema = Value::Object(wrapper);
}

/// Rewrites every `allOf` that combines *closed* object schemas (`additionalProperties: false`)
/// into the reading its authors meant.
///
/// Generators such as zod's `.extend()` emit `allOf: [{$ref: Record}, {properties: {extra},
/// required: [extra], additionalProperties: false}]` where `Record` is closed too. Read strictly,
/// every branch forbids the other's properties and no value validates (upstream Flowglad's
/// `discounts-get`/`discounts-list` responses are such). The repair drops
/// `additionalProperties: false` from the top level of each branch (inlining `$ref`s and
/// descending into `anyOf`/`oneOf`/`allOf` branches) and closes the combination instead with
/// `unevaluatedProperties: false`, so exactly the union of the branches' properties is allowed.
pub(crate) fn open_closed_all_of(doc: &mut Value) {
    let mut sites = Vec::new();
    find_closed_all_of(doc, doc, String::new(), &mut sites);
    for (pointer, branches) in sites {
        if let Some(Value::Object(node)) = doc.pointer_mut(&pointer) {
            node.insert("allOf".into(), Value::Array(branches));
            node.entry("unevaluatedProperties")
                .or_insert(Value::Bool(false));
        }
    }
}

/// Collects `(pointer, opened branches)` for every `allOf` with a closed branch.
fn find_closed_all_of(
    doc: &Value,
    value: &Value,
    pointer: String,
    out: &mut Vec<(String, Vec<Value>)>,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(branches)) = map.get("allOf")
                && branches.iter().any(|b| is_closed(doc, b, 0))
            {
                let opened = branches.iter().map(|b| open(doc, b, 0)).collect();
                out.push((pointer.clone(), opened));
            }
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                find_closed_all_of(doc, child, format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                find_closed_all_of(doc, child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Follows a local `$ref` of a schema.
fn target<'d>(doc: &'d Value, schema: &'d Value) -> Option<&'d Value> {
    let reference = schema.get("$ref")?.as_str()?.strip_prefix('#')?;
    doc.pointer(&percent_encoding::percent_decode_str(reference).decode_utf8_lossy())
}

/// Whether a schema is a closed object, or a union/intersection of closed objects.
fn is_closed(doc: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        return true;
    }
    if let Some(t) = target(doc, schema) {
        return is_closed(doc, t, depth + 1);
    }
    ["anyOf", "oneOf", "allOf"].iter().any(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .is_some_and(|bs| !bs.is_empty() && bs.iter().all(|b| is_closed(doc, b, depth + 1)))
    })
}

/// A copy of `schema` without `additionalProperties: false` at its top level (see
/// [`open_closed_all_of`]).
fn open(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 16 || !is_closed(doc, schema, 0) {
        return schema.clone();
    }
    let mut copy = schema.clone();
    let Value::Object(map) = &mut copy else {
        return copy;
    };
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
    if let Some(t) = target(doc, schema) {
        map.remove("$ref");
        let opened = open(doc, t, depth + 1);
        return serde_json::json!({ "allOf": [opened, Value::Object(std::mem::take(map))] });
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            for b in branches.iter_mut() {
                *b = open(doc, b, depth + 1);
            }
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_scalar_widens_type_and_enum() {
        let mut s = json!({"type": "string", "enum": ["a"], "nullable": true});
        normalize_schema(&mut s);
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn nullable_ref_is_wrapped() {
        let mut s = json!({"$ref": "#/components/schemas/X", "nullable": true});
        normalize_schema(&mut s);
        assert_eq!(
            s,
            json!({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]})
        );
    }

    #[test]
    fn nullable_false_is_dropped() {
        let mut s = json!({"type": "integer", "nullable": false});
        normalize_schema(&mut s);
        assert_eq!(s, json!({"type": "integer"}));
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let mut s = json!({
            "type": "object",
            "properties": {
                "a": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
                "b": {"type": "number", "maximum": 5, "exclusiveMaximum": false},
                "minimum": {"type": "string"}
            }
        });
        normalize_schema(&mut s);
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": "number", "exclusiveMinimum": 0},
                    "b": {"type": "number", "maximum": 5},
                    "minimum": {"type": "string"}
                }
            })
        );
    }

    #[test]
    fn document_walk_reaches_parameters_bodies_and_components() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "paths": {"/x": {"get": {
                "parameters": [{"name": "q", "in": "query",
                                "schema": {"type": "integer", "nullable": true}}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"type": "string", "nullable": true},
                    "example": {"nullable": true}
                }}}}
            }}},
            "components": {"schemas": {"A": {"type": "boolean", "nullable": true}}}
        });
        normalize_openapi_30(&mut doc);
        let op = &doc["paths"]["/x"]["get"];
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"type": ["integer", "null"]})
        );
        let media = &op["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"type": ["string", "null"]}));
        assert_eq!(media["example"], json!({"nullable": true}));
        assert_eq!(
            doc["components"]["schemas"]["A"],
            json!({"type": ["boolean", "null"]})
        );
    }

    #[test]
    fn closed_all_of_is_opened_and_closed_at_the_top() {
        let mut doc = json!({
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"a": {"type": "string"}},
                      "required": ["a"], "additionalProperties": false},
                "U": {"anyOf": [{"$ref": "#/components/schemas/A"}]}
            }},
            "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"allOf": [
                    {"$ref": "#/components/schemas/U"},
                    {"type": "object", "properties": {"b": {"type": "number"}},
                     "required": ["b"], "additionalProperties": false}
                ]}
            }}}}}}}
        });
        open_closed_all_of(&mut doc);
        let schema = doc
            .pointer("/paths/~1x/get/responses/200/content/application~1json/schema")
            .unwrap()
            .clone();
        assert_eq!(schema["unevaluatedProperties"], json!(false));
        let mut root = doc.clone();
        root["$ref"] = json!("#/paths/~1x/get/responses/200/content/application~1json/schema");
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap();
        assert!(validator.is_valid(&json!({"a": "x", "b": 1})));
        assert!(!validator.is_valid(&json!({"a": "x", "b": 1, "c": 2})));
        assert!(!validator.is_valid(&json!({"a": "x"})));
        // Components themselves stay closed.
        assert_eq!(
            doc["components"]["schemas"]["A"]["additionalProperties"],
            json!(false)
        );
    }
}
