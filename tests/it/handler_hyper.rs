//! The framework-agnostic request handler on a plain hyper server (through its
//! `tower::Service`): every action key over HTTP, plus the hooks.
use crate::handler_support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use flowglad::handler::{Action, ErrorCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// Serves `handler` with hyper on 127.0.0.1, returning the base URL.
async fn serve(handler: flowglad::handler::FlowgladHandler) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let mut handler = handler.clone();
                    tower_service::Service::call(&mut handler, req)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}/api/flowglad")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_service_serves_every_action() {
    let env = handler_support::env().await;
    let base = serve(env.handler.clone()).await;
    handler_support::exercise_all_actions(&base, &env.fake).await;
    // Outside the base path nothing is an action.
    let origin = base.trim_end_matches("/api/flowglad");
    let a = handler_support::Caller::new(origin)
        .post("customers/billing", Some("user_1"), serde_json::json!({}))
        .await;
    a.error(404, "UNKNOWN_ACTION");
}

#[tokio::test]
async fn hooks_see_every_request() {
    let env = handler_support::env().await;
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (before, after, errors) = (log.clone(), log.clone(), log.clone());
    let server_client = flowglad::FlowgladClient::builder()
        .api_key(env.fake.api_key())
        .base_url(env.fake.base_url())
        .build()
        .unwrap();
    let handler = flowglad::handler::FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            match parts.headers.get("x-user-id") {
                Some(v) => Ok(v.to_str().unwrap_or_default().to_owned()),
                None => Err(std::io::Error::other("no session")),
            }
        })
        .client(server_client.clone())
        .server(move |id: String| {
            Ok::<_, std::convert::Infallible>(flowglad_testing::customer_server(&server_client, id))
        })
        .before_request(move |info| {
            before
                .lock()
                .unwrap()
                .push(format!("before {} {}", info.method, info.path));
            async {}
        })
        .after_request(move |info, status| {
            after
                .lock()
                .unwrap()
                .push(format!("after {:?} {}", info.action, status.as_u16()));
            async {}
        })
        .on_error(move |_, error| {
            let source = error.source().map(ToString::to_string).unwrap_or_default();
            errors
                .lock()
                .unwrap()
                .push(format!("error {} {source}", error.code()));
        })
        .build()
        .expect("handler");

    let post = |path: &str, user: Option<&str>| {
        let mut b = http::Request::post(format!("/api/flowglad/{path}"));
        if let Some(user) = user {
            b = b.header("x-user-id", user);
        }
        b.body(Bytes::new()).unwrap()
    };
    let ok = handler
        .handle(post("customers/billing", Some("user_1")))
        .await;
    assert_eq!(ok.status(), 200);
    let denied = handler.handle(post("customers/billing", None)).await;
    assert_eq!(denied.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(denied.body()).unwrap();
    assert_eq!(body["error"]["code"], ErrorCode::Unauthenticated.as_str());
    assert_eq!(
        body["error"]["message"], "authentication required",
        "no leak of the cause"
    );
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "before POST customers/billing".to_owned(),
            format!("after {:?} 200", Some(Action::CustomersBilling)),
            "before POST customers/billing".to_owned(),
            "error UNAUTHENTICATED no session".to_owned(),
            format!("after {:?} 401", Some(Action::CustomersBilling)),
        ]
    );
}

#[test]
fn a_handler_without_any_usable_client_does_not_build() {
    // No `.client(..)`, an empty key: the anonymous hybrid route could not be served, so the
    // handler is refused at build time with the reason, not answered with a 500 later.
    let error = flowglad::handler::FlowgladHandler::builder()
        .customer_id(|_parts| async { Err::<String, _>("anonymous") })
        .server(
            |_id: String| -> Result<flowglad::FlowgladServer, flowglad::Error> {
                unreachable!("never signed in")
            },
        )
        .api_key("   ")
        .build()
        .expect_err("no usable client");
    assert!(matches!(error, flowglad::Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("API key is empty"), "{error}");
}

/// Upstream failures map to the documented statuses: a Flowglad 4xx keeps its status, a 5xx,
/// a dropped connection or our own key being refused is a 502; the rule errors of the facade
/// have their own codes.
#[tokio::test]
async fn upstream_failures_and_rule_errors_map_to_documented_statuses() {
    use flowglad_testing::fake::Fault;
    let env = handler_support::env().await;
    let base = serve(env.handler.clone()).await;
    let c = handler_support::Caller::new(&base);
    let user = Some("user_faults");
    c.post("customers/billing", user, serde_json::json!({}))
        .await
        .data();

    env.fake
        .inject(Fault::on("customers-getBilling").status(503).times(1));
    c.post("customers/billing", user, serde_json::json!({}))
        .await
        .error(502, "UPSTREAM_ERROR");

    env.fake
        .inject(Fault::on("customers-getBilling").rate_limited(1).times(1));
    c.post("customers/billing", user, serde_json::json!({}))
        .await
        .error(429, "UPSTREAM_REJECTED");

    env.fake
        .inject(Fault::on("customers-getBilling").drop_connection().times(1));
    let e = c
        .post("customers/billing", user, serde_json::json!({}))
        .await;
    assert_eq!(e.status, 502, "{:?}", e.body);

    // A customer whose only subscription is canceled has none to resolve.
    let sub = env
        .fake
        .set_subscription("user_faults", "pro_monthly")
        .unwrap();
    c.post(
        "subscriptions/cancel",
        user,
        serde_json::json!({"id": sub, "cancellation": {"timing": "immediately"}}),
    )
    .await
    .data();
    c.post(
        "subscriptions/cancel",
        user,
        serde_json::json!({"id": sub, "cancellation": {"timing": "immediately"}}),
    )
    .await
    .error(409, "SUBSCRIPTION_ALREADY_CANCELED");
    // As on Flowglad, cancelling the paid plan put the customer back on a new free plan,
    // which Flowglad refuses to cancel (a 500 with its reason): a 400 that says why.
    let billing = c
        .post("customers/billing", user, serde_json::json!({}))
        .await;
    let free = billing.data()["currentSubscriptions"][0].clone();
    assert_eq!(free["isFreePlan"], true, "{free}");
    let refused = c
        .post(
            "subscriptions/cancel",
            user,
            serde_json::json!({"id": free["id"], "cancellation": {"timing": "immediately"}}),
        )
        .await;
    let error = refused.error(400, "UPSTREAM_REJECTED");
    assert_eq!(
        error["message"],
        "Invalid subscription: Cannot cancel the default free plan. Please upgrade to a paid \
         plan instead."
    );
    // A paid price without a payment method, from server code: `incomplete`, and the free
    // plan it replaces is canceled, so no current subscription is left.
    let customer_id = billing.data()["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = serde_json::from_value(
        serde_json::json!({"customerId": customer_id, "priceSlug": "pro_monthly"}),
    )
    .unwrap();
    let created = env.fake.client().subscriptions_create(&body).await.unwrap();
    assert_eq!(
        serde_json::to_value(created.into_inner()).unwrap()["subscription"]["status"],
        "incomplete"
    );
    c.post("resources/usages", user, serde_json::json!({}))
        .await
        .error(400, "NO_ACTIVE_SUBSCRIPTION");

    // Back to a working upstream, everything answers again.
    assert!(
        c.post("customers/billing", user, serde_json::json!({}))
            .await
            .status
            == 200
    );
}
