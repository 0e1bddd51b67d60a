//! No input panics the request handler: random paths, methods, queries and bodies through
//! the framework-agnostic `handle`, with every answer in the one envelope.

use std::sync::LazyLock;

use bytes::Bytes;
use flowglad::FlowgladClient;
use flowglad::handler::{Action, FlowgladHandler};
use proptest::prelude::*;
use serde_json::Value;

/// One runtime and one handler for every case: building a client per case (its TLS roots
/// included) took most of the test's time.
static CASES: LazyLock<(tokio::runtime::Runtime, FlowgladHandler)> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let handler = runtime.block_on(async { handler() });
    (runtime, handler)
});

fn handler() -> FlowgladHandler {
    // Port 9 on 127.0.0.1 (discard) refuses connections: every upstream call fails fast.
    let client = FlowgladClient::builder()
        .api_key("sk_test_props")
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap();
    // The user is the `x-user-id` header; without it, 401.
    flowglad_testing::handler_builder(client)
        .body_limit(4096)
        .build()
        .expect("handler")
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(Action::ALL).prop_map(|a| a.as_str().to_owned()),
        "[a-zA-Z/%._-]{0,40}",
        any::<String>().prop_map(|s| s.chars().filter(|c| !c.is_control()).collect()),
    ]
}

fn method() -> impl Strategy<Value = http::Method> {
    prop_oneof![
        Just(http::Method::GET),
        Just(http::Method::POST),
        Just(http::Method::PUT),
        Just(http::Method::DELETE),
        Just(http::Method::HEAD),
        Just(http::Method::OPTIONS),
        "[A-Z]{1,8}".prop_map(|m| http::Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z_0-9:/.]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("priceSlug".to_owned()),
                    Just("priceId".to_owned()),
                    Just("subscriptionId".to_owned()),
                    Just("quantity".to_owned()),
                    Just("id".to_owned()),
                    Just("cancellation".to_owned()),
                    Just("resourceSlug".to_owned()),
                    Just("limit".to_owned()),
                    "[a-zA-Z]{1,10}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(vec![b'x'; 5000]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_input_panics(
        path in path(),
        method in method(),
        query in "[a-zA-Z=&%0-9]{0,30}",
        body in body(),
        signed_in in any::<bool>(),
    ) {
        let (runtime, handler) = &*CASES;
        let uri = format!("/api/flowglad/{}?{query}", path.replace(['?', '#', ' '], ""));
        let Ok(uri) = uri.parse::<http::Uri>() else { return Ok(()); };
        let mut request = http::Request::builder().method(method).uri(uri);
        if signed_in {
            request = request.header("x-user-id", "user_1");
        }
        let request = request.body(Bytes::from(body)).unwrap();
        let response = runtime.block_on(handler.handle(request));
        let status = response.status().as_u16();
        let json: Value = serde_json::from_slice(response.body()).expect("JSON body");
        if status == 200 {
            prop_assert!(json["error"].is_null());
        } else {
            prop_assert!(json["data"].is_null());
            prop_assert!(json["error"]["code"].is_string(), "{json}");
            prop_assert!(json["error"]["message"].is_string(), "{json}");
            prop_assert!([400, 401, 403, 404, 405, 409, 413, 502].contains(&status), "{status} {json}");
        }
    }
}
