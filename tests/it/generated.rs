//! The committed copy of the generated client (`generated/flowglad_raw.rs`) is what
//! `build.rs` generates, and its surface is recorded as an insta snapshot in
//! `generated/snapshots/`.

use serde_json::Value;
use std::fmt::Write as _;

const COMMITTED: &str = include_str!("../../generated/flowglad_raw.rs");
const BUILT: &str = include_str!(concat!(env!("OUT_DIR"), "/flowglad_raw.rs"));
const SPEC: &str = include_str!("../../openapi/flowglad.json");

#[test]
fn committed_generated_code_matches_the_build_output() {
    if COMMITTED != BUILT {
        let line = COMMITTED
            .lines()
            .zip(BUILT.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_string(),
                |n| format!("at line {}", n + 1),
            );
        panic!(
            "generated/flowglad_raw.rs differs from what build.rs generates ({line}).\n\
             Refresh it with `cargo xtask update-spec --from <upstream spec>` (CI uses \
             `--from ../shared/openapi/flowglad-openapi.json`), then review the surface \
             snapshot with `cargo insta review`."
        );
    }
}

/// operationId → HTTP method + path → Rust function → request/response types.
#[test]
fn generated_surface_inventory() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let file = syn::parse_file(COMMITTED).unwrap();
    let methods = client_methods(&file);
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            operations.push((id.to_string(), method.to_uppercase(), path.clone()));
        }
    }
    operations.sort();
    let mut inventory = String::new();
    for (id, method, path) in &operations {
        let name = snake(id);
        let signature = methods
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_str())
            .unwrap_or_else(|| panic!("no client method `{name}` for operation `{id}`"));
        writeln!(
            inventory,
            "{id}\n    {method} {path}\n    {name}{signature}"
        )
        .unwrap();
    }
    assert_eq!(methods.len(), operations.len(), "one method per operation");
    insta::with_settings!({snapshot_path => "../../generated/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("surface", inventory);
    });
}

fn client_methods(file: &syn::File) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(ty) = &*imp.self_ty else {
            continue;
        };
        if imp.trait_.is_some() || !ty.path.is_ident("Client") {
            continue;
        }
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if f.sig.asyncness.is_none() {
                continue;
            }
            let params: Vec<String> = f
                .sig
                .inputs
                .iter()
                .filter_map(|arg| match arg {
                    syn::FnArg::Typed(p) => Some(format!("{}: {}", tokens(&p.pat), tokens(&p.ty))),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            let output = match &f.sig.output {
                syn::ReturnType::Type(_, ty) => success_type(ty),
                syn::ReturnType::Default => "()".into(),
            };
            out.push((
                f.sig.ident.to_string(),
                format!("({}) -> {}", params.join(", "), output),
            ));
        }
    }
    out
}

/// `Result<ResponseValue<T>, Error<E>>` → `T`.
fn success_type(ty: &syn::Type) -> String {
    fn first_generic(ty: &syn::Type) -> Option<&syn::Type> {
        let syn::Type::Path(p) = ty else { return None };
        let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
    }
    let inner = first_generic(ty).and_then(first_generic);
    tokens(inner.unwrap_or(ty))
}

fn tokens(t: &impl quote::ToTokens) -> String {
    let text = t.to_token_stream().to_string();
    text.replace("'a ", "")
        .replace("'a", "")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// progenitor's method name for an operationId: `customers-getBilling` → `customers_get_billing`.
fn snake(id: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    out
}

/// The JSON Schemas the generated models derive (feature `schemars`) next to the vendored
/// spec's component schemas they were generated from, for a plain record, a record with
/// nested nullable records, an open enum, a tagged union and an `anyOf` of records. The
/// property names and the required sets must agree; the snapshot shows the deliberate
/// differences (open enums accept any string, every integer is `int64`, unknown fields are
/// allowed).
#[cfg(feature = "schemars")]
#[test]
fn model_schemas_against_the_spec() {
    use flowglad::raw::types;
    use std::collections::BTreeSet;

    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    generator.subschema_for::<types::CustomerClientSelectSchema>();
    generator.subschema_for::<types::UsageMeterBalance>();
    generator.subschema_for::<types::SubscriptionStatus>();
    generator.subschema_for::<types::SubscriptionDetails>();
    generator.subschema_for::<types::PriceRecord>();
    let ours = generator.take_definitions(true);
    let names = [
        "CustomerClientSelectSchema",
        "UsageMeterBalance",
        "SubscriptionStatus",
        "SubscriptionDetails",
        "PriceRecord",
    ];
    let keys = |schema: &Value, member: &str| -> BTreeSet<String> {
        match &schema[member] {
            Value::Object(map) => map.keys().cloned().collect(),
            Value::Array(list) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    let mut out = String::new();
    for name in names {
        let theirs = &spec["components"]["schemas"][name];
        let mine = ours
            .get(name)
            .unwrap_or_else(|| panic!("no schema named {name}"));
        assert_eq!(
            keys(theirs, "properties"),
            keys(mine, "properties"),
            "{name}: properties"
        );
        assert_eq!(
            keys(theirs, "required"),
            keys(mine, "required"),
            "{name}: required"
        );
        writeln!(
            out,
            "## {name}\n### spec (openapi/flowglad.json)\n{}\n### schemars\n{}\n",
            serde_json::to_string_pretty(theirs).unwrap(),
            serde_json::to_string_pretty(mine).unwrap()
        )
        .unwrap();
    }
    insta::assert_snapshot!("model_schemas", out);
}
