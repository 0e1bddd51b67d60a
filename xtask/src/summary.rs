//! The change summary printed by `update-spec`: what changed between the previously vendored
//! document and the new one, in terms a reviewer cares about (operations and schemas).

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Differences between two vendored documents.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub operations_added: Vec<String>,
    pub operations_removed: Vec<String>,
    /// operation → what changed in it.
    pub operations_changed: BTreeMap<String, Vec<String>>,
    pub schemas_added: Vec<String>,
    pub schemas_removed: Vec<String>,
    /// schema → what changed in it.
    pub schemas_changed: BTreeMap<String, Vec<String>>,
}

impl Summary {
    pub fn is_empty(&self) -> bool {
        *self == Summary::default()
    }
}

/// Compares two vendored (normalized) documents.
pub fn diff(old: &Value, new: &Value) -> Summary {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let mut summary = Summary::default();
    for (id, op) in &new_ops {
        match old_ops.get(id) {
            None => summary
                .operations_added
                .push(format!("{id} ({} {})", op.method, op.path)),
            Some(before) => {
                let changes = operation_changes(before, op);
                if !changes.is_empty() {
                    summary.operations_changed.insert(id.clone(), changes);
                }
            }
        }
    }
    for (id, op) in &old_ops {
        if !new_ops.contains_key(id) {
            summary
                .operations_removed
                .push(format!("{id} ({} {})", op.method, op.path));
        }
    }

    let empty = Map::new();
    let old_schemas = schemas(old).unwrap_or(&empty);
    let new_schemas = schemas(new).unwrap_or(&empty);
    for (name, schema) in new_schemas {
        match old_schemas.get(name) {
            None => summary.schemas_added.push(name.clone()),
            Some(before) if before != schema => {
                summary
                    .schemas_changed
                    .insert(name.clone(), schema_changes(before, schema));
            }
            Some(_) => {}
        }
    }
    for name in old_schemas.keys() {
        if !new_schemas.contains_key(name) {
            summary.schemas_removed.push(name.clone());
        }
    }
    summary
}

/// Renders the summary for the terminal.
pub fn render(summary: &Summary) -> String {
    if summary.is_empty() {
        return "No changes to operations or schemas.\n".to_string();
    }
    let mut out = String::new();
    let mut list = |title: &str, items: &[String]| {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(out, "  + {item}");
            }
        }
    };
    list("Operations added", &summary.operations_added);
    list("Operations removed", &summary.operations_removed);
    let mut changed = |title: &str, items: &BTreeMap<String, Vec<String>>| {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for (name, changes) in items {
                let _ = writeln!(out, "  ~ {name}");
                for change in changes {
                    let _ = writeln!(out, "      {change}");
                }
            }
        }
    };
    changed("Operations changed", &summary.operations_changed);
    let mut out2 = String::new();
    for (title, items) in [
        ("Schemas added", &summary.schemas_added),
        ("Schemas removed", &summary.schemas_removed),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out2, "{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(out2, "  + {item}");
            }
        }
    }
    out.push_str(&out2);
    if !summary.schemas_changed.is_empty() {
        let _ = writeln!(out, "Schemas changed ({}):", summary.schemas_changed.len());
        for (name, changes) in &summary.schemas_changed {
            let _ = writeln!(out, "  ~ {name}");
            for change in changes {
                let _ = writeln!(out, "      {change}");
            }
        }
    }
    out
}

struct Operation<'a> {
    method: String,
    path: String,
    op: &'a Value,
}

fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if method == "parameters" {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            out.insert(
                id,
                Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op,
                },
            );
        }
    }
    out
}

fn schemas(doc: &Value) -> Option<&Map<String, Value>> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
}

fn operation_changes(old: &Operation<'_>, new: &Operation<'_>) -> Vec<String> {
    let mut changes = Vec::new();
    if old.path != new.path || old.method != new.method {
        changes.push(format!(
            "moved from {} {} to {} {}",
            old.method, old.path, new.method, new.path
        ));
    }
    let params = |op: &Value| -> BTreeMap<String, Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| {
                let key = format!(
                    "{} `{}`",
                    p.get("in").and_then(Value::as_str).unwrap_or("?"),
                    p.get("name").and_then(Value::as_str).unwrap_or("?")
                );
                (key, p.clone())
            })
            .collect()
    };
    let (before, after) = (params(old.op), params(new.op));
    for (key, p) in &after {
        match before.get(key) {
            None => changes.push(format!("parameter added: {key}")),
            Some(b) if b != p => changes.push(format!("parameter changed: {key}")),
            Some(_) => {}
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        changes.push(format!("parameter removed: {key}"));
    }
    let body = |op: &Value| op.pointer("/requestBody").cloned();
    if body(old.op) != body(new.op) {
        let detail = schema_changes(
            &body(old.op)
                .and_then(|b| b.pointer("/content/application~1json/schema").cloned())
                .unwrap_or(Value::Null),
            &body(new.op)
                .and_then(|b| b.pointer("/content/application~1json/schema").cloned())
                .unwrap_or(Value::Null),
        );
        changes.push(format!("request body changed: {}", detail.join("; ")));
    }
    let responses = |op: &Value| -> BTreeMap<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let (before, after) = (responses(old.op), responses(new.op));
    let statuses: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for status in statuses {
        let schema = |m: &BTreeMap<String, Value>| {
            m.get(status)
                .and_then(|r| r.pointer("/content/application~1json/schema").cloned())
                .unwrap_or(Value::Null)
        };
        let (b, a) = (schema(&before), schema(&after));
        if b != a {
            changes.push(format!(
                "response {status} changed: {}",
                schema_changes(&b, &a).join("; ")
            ));
        }
    }
    changes
}

/// Field-level differences of two schemas: fields added, removed, type changed, required
/// changed; anything else is reported as a whole.
fn schema_changes(old: &Value, new: &Value) -> Vec<String> {
    let props = |s: &Value| -> Map<String, Value> {
        s.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let required = |s: &Value| -> BTreeSet<String> {
        s.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let (before, after) = (props(old), props(new));
    let (req_before, req_after) = (required(old), required(new));
    let mut changes = Vec::new();
    for (name, schema) in &after {
        match before.get(name) {
            None => changes.push(format!("field added: {name}")),
            Some(b) if b != schema => {
                if type_of(b) != type_of(schema) {
                    changes.push(format!(
                        "field type changed: {name} ({} → {})",
                        type_of(b),
                        type_of(schema)
                    ));
                } else {
                    changes.push(format!("field changed: {name}"));
                }
            }
            Some(_) => {}
        }
    }
    for name in before.keys().filter(|k| !after.contains_key(*k)) {
        changes.push(format!("field removed: {name}"));
    }
    for name in req_after.difference(&req_before) {
        changes.push(format!("now required: {name}"));
    }
    for name in req_before.difference(&req_after) {
        changes.push(format!("no longer required: {name}"));
    }
    if changes.is_empty() && old != new {
        changes.push("schema changed".to_string());
    }
    changes
}

fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.trim_start_matches("#/components/schemas/").to_string();
    }
    let mut ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if schema.get("allOf").is_some() {
            "allOf"
        } else if schema.get("oneOf").is_some() {
            "oneOf"
        } else if schema.get("anyOf").is_some() {
            "anyOf"
        } else {
            "any"
        })
        .to_string();
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        ty.push('?');
    }
    ty
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({"paths": paths, "components": {"schemas": schemas}})
    }

    #[test]
    fn names_added_removed_and_changed_operations() {
        let old = doc(
            json!({
                "/a": {"get": {"operationId": "a-get", "parameters": [{"in": "query", "name": "limit", "schema": {"type": "string"}}]}},
                "/b": {"get": {"operationId": "b-get"}},
            }),
            json!({}),
        );
        let new = doc(
            json!({
                "/a": {"get": {"operationId": "a-get", "parameters": [{"in": "query", "name": "cursor", "schema": {"type": "string"}}]}},
                "/c": {"post": {"operationId": "c-create"}},
            }),
            json!({}),
        );
        let s = diff(&old, &new);
        assert_eq!(s.operations_added, ["c-create (POST /c)"]);
        assert_eq!(s.operations_removed, ["b-get (GET /b)"]);
        assert_eq!(
            s.operations_changed["a-get"],
            [
                "parameter added: query `cursor`",
                "parameter removed: query `limit`"
            ]
        );
    }

    #[test]
    fn names_field_level_schema_changes() {
        let old = doc(
            json!({}),
            json!({"S": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]}, "Gone": {}}),
        );
        let new = doc(
            json!({}),
            json!({"S": {"type": "object", "properties": {"a": {"type": "integer"}, "c": {"type": "string"}}, "required": ["a", "c"]}, "New": {}}),
        );
        let s = diff(&old, &new);
        assert_eq!(s.schemas_added, ["New"]);
        assert_eq!(s.schemas_removed, ["Gone"]);
        assert_eq!(
            s.schemas_changed["S"],
            [
                "field type changed: a (string → integer)",
                "field added: c",
                "field removed: b",
                "now required: c"
            ]
        );
        let text = render(&s);
        assert!(text.contains("Schemas added (1):"));
        assert!(text.contains("field added: c"));
    }

    #[test]
    fn identical_documents_have_an_empty_summary() {
        let d = doc(
            json!({"/a": {"get": {"operationId": "a"}}}),
            json!({"S": {}}),
        );
        assert!(diff(&d, &d).is_empty());
        assert_eq!(
            render(&diff(&d, &d)),
            "No changes to operations or schemas.\n"
        );
    }
}
