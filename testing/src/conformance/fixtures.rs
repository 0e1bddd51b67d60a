//! Small inline OpenAPI documents for the unit tests, in 3.1 and 3.0 style.

use serde_json::{Value, json};

/// A Flowglad-like OpenAPI 3.1 document exercising the constructs the upstream one uses.
pub(crate) fn doc_31() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "mini", "version": "1"},
        "servers": [{"url": "https://app.example.com"}],
        "components": {
            "securitySchemes": {
                "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
            "schemas": {
                "Metadata": {
                    "type": "object",
                    "propertyNames": {"type": "string"},
                    "additionalProperties": {"anyOf": [
                        {"type": "string", "maxLength": 500},
                        {"type": "number"},
                        {"type": "boolean"}
                    ]}
                },
                "Customer": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"const": "customer"},
                        "email": {"type": "string", "format": "email"},
                        "billingEmail": {"anyOf": [
                            {"type": "string", "pattern": "^[a-z]+@[a-z]+\\.[a-z]{2,}$"},
                            {"type": "null"}
                        ]},
                        "createdAt": {"type": "integer", "minimum": -9007199254740991_i64,
                                      "maximum": 9007199254740991_i64},
                        "website": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
                        "archived": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
                        "metadata": {"anyOf": [{"$ref": "#/components/schemas/Metadata"},
                                               {"type": "null"}]},
                        "status": {"type": "string", "enum": ["active", "inactive"]}
                    },
                    "required": ["id", "object", "email", "createdAt", "status"],
                    "additionalProperties": false
                },
                "CustomerInput": {
                    "type": "object",
                    "properties": {
                        "externalId": {"type": "string", "minLength": 1},
                        "email": {"type": "string"},
                        "name": {"anyOf": [{"type": "string"}, {"type": "null"}]}
                    },
                    "required": ["externalId", "email"],
                    "additionalProperties": false
                },
                "UsageEvent": {
                    "type": "object",
                    "properties": {
                        "amount": {"type": "number", "exclusiveMinimum": 0},
                        "subscriptionId": {"type": "string", "minLength": 3, "maxLength": 8},
                        "transactionId": {"type": "string"},
                        "properties": {"anyOf": [
                            {"type": "object", "propertyNames": {"type": "string"},
                             "additionalProperties": {}},
                            {"type": "null"}
                        ]}
                    },
                    "required": ["amount", "subscriptionId", "transactionId"],
                    "additionalProperties": false
                },
                "SubscriptionPrice": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "const": "subscription"},
                        "intervalCount": {"type": "integer", "exclusiveMinimum": 0,
                                          "maximum": 12},
                        "unitPrice": {"type": "number", "minimum": 0}
                    },
                    "required": ["type", "intervalCount", "unitPrice"]
                },
                "UsagePrice": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "const": "usage"},
                        "usageMeterId": {"type": "string"},
                        "unitPrice": {"type": "number", "minimum": 0}
                    },
                    "required": ["type", "usageMeterId", "unitPrice"]
                },
                "Price": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/SubscriptionPrice"},
                        {"$ref": "#/components/schemas/UsagePrice"}
                    ],
                    "discriminator": {"propertyName": "type"}
                },
                "Node": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "children": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/Node"}}
                    },
                    "required": ["name", "children"]
                },
                "Preview": {
                    "type": "object",
                    "properties": {
                        "canAdjust": {"type": "boolean"},
                        "reason": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"},
                                 "minItems": 2, "uniqueItems": true}
                    },
                    "required": ["canAdjust", "tags"],
                    "additionalProperties": false,
                    "if": {"required": ["canAdjust"],
                           "properties": {"canAdjust": {"const": false}}},
                    "then": {"required": ["reason"]}
                }
            }
        },
        "security": [{"ApiKeyAuth": []}],
        "paths": {
            "/api/v1/pricing-models/{id}": {
                "get": {
                    "operationId": "pricingModels-get",
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"id": {"type": "string"}},
                                   "required": ["id"]}}}}}
                },
                "put": {
                    "operationId": "pricingModels-update",
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "ok"}}
                }
            },
            "/api/v1/pricing-models/default": {
                "get": {
                    "operationId": "pricingModels-getDefault",
                    "parameters": [],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"pricingModel": {"type": "object"}},
                                   "required": ["pricingModel"]}}}}}
                }
            },
            "/api/v1/customers": {
                "get": {
                    "operationId": "customers-list",
                    "parameters": [
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "archived", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "ids", "in": "query", "schema": {
                            "type": "array", "items": {"type": "string"}, "maxItems": 3}},
                        {"name": "counts", "in": "query", "schema": {
                            "type": "array", "items": {"type": "integer"}}}
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {
                                "data": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/Customer"}},
                                "hasMore": {"type": "boolean"},
                                "total": {"type": "number"}
                            },
                            "required": ["data", "hasMore", "total"],
                            "additionalProperties": false
                        }}}},
                        "400": {"description": "bad", "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {"message": {"type": "string"}},
                            "required": ["message"]
                        }}}}
                    }
                },
                "post": {
                    "operationId": "customers-create",
                    "parameters": [],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"customer": {
                                       "$ref": "#/components/schemas/CustomerInput"}},
                                   "required": ["customer"]}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"data": {"type": "object", "properties": {
                                       "customer": {"$ref": "#/components/schemas/Customer"}},
                                       "required": ["customer"]}},
                                   "required": ["data"]}}}}}
                }
            },
            "/api/v1/usage-events": {
                "post": {
                    "operationId": "usageEvents-create",
                    "parameters": [],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"usageEvent": {
                                       "$ref": "#/components/schemas/UsageEvent"}},
                                   "required": ["usageEvent"],
                                   "additionalProperties": false}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"usageEvent": {
                                       "$ref": "#/components/schemas/UsageEvent"}},
                                   "required": ["usageEvent"]}}}}}
                }
            },
            "/api/v1/prices/{id}": {
                "get": {
                    "operationId": "prices-get",
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"price": {"$ref": "#/components/schemas/Price"},
                                                  "tree": {"$ref": "#/components/schemas/Node"},
                                                  "preview": {
                                                      "$ref": "#/components/schemas/Preview"}},
                                   "required": ["price", "tree", "preview"]}}}}}
                }
            },
            "/api/v1/public/ping": {
                "get": {
                    "operationId": "ping",
                    "security": [],
                    "parameters": [{"name": "X-Trace", "in": "header", "required": true,
                                    "schema": {"type": "string", "minLength": 4}}],
                    "responses": {"2XX": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "object",
                                   "properties": {"ok": {"const": true}},
                                   "required": ["ok"]}}}}}
                }
            }
        }
    })
}

/// The same API as [`doc_31`], written the OpenAPI 3.0.3 way: `nullable`, boolean
/// `exclusiveMinimum`, single-value `enum` instead of `const`.
pub(crate) fn doc_30() -> Value {
    let mut doc = doc_31();
    doc["openapi"] = json!("3.0.3");
    to_30(&mut doc);
    doc
}

/// Rewrites 3.1 schema constructs into their 3.0 spelling (the way the vendored copy does).
pub(crate) fn to_30(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                to_30(child);
            }
            if let Some(Value::Array(branches)) = map.get("anyOf") {
                let null = json!({"type": "null"});
                if branches.len() == 2 && branches[1] == null {
                    let inner = branches[0].clone();
                    map.remove("anyOf");
                    if let Value::Object(inner) = inner {
                        for (k, v) in inner {
                            map.insert(k, v);
                        }
                    }
                    map.insert("nullable".into(), json!(true));
                }
            }
            if let Some(c) = map.remove("const") {
                map.insert("enum".into(), json!([c]));
            }
            for (exclusive, inclusive) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(bound) = map.get(exclusive).filter(|b| b.is_number()).cloned() {
                    map.insert(inclusive.into(), bound);
                    map.insert(exclusive.into(), json!(true));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_30),
        _ => {}
    }
}
