//! The `tracing` feature: one span per API call (facade and raw alike, retries as events) and
//! per handler action, with OpenTelemetry-style fields, and never the API key anywhere.
#![cfg(all(feature = "tracing", feature = "axum"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowglad::handler::{FlowgladHandler, FlowgladHandlerBuilder, WithCustomerId, WithServer};
use flowglad::{FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::Fault;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Writes every span, field record and event as a line of text.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    names: Arc<Mutex<Vec<&'static str>>>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

/// A handler builder whose every request is `user`'s, served through `client`.
fn handler_for(
    client: &FlowgladClient,
    user: &'static str,
) -> FlowgladHandlerBuilder<WithCustomerId, WithServer> {
    let handler_client = client.clone();
    FlowgladHandler::builder()
        .customer_id(
            move |_parts: http::request::Parts| async move { Ok::<_, String>(user.into()) },
        )
        .server(move |id: String| {
            Ok::<_, std::convert::Infallible>(flowglad_testing::customer_server(
                &handler_client,
                id,
            ))
        })
}

/// The status of a `customers/billing` action posted to `handler`.
async fn post_billing(handler: &FlowgladHandler) -> http::StatusCode {
    handler
        .handle(
            http::Request::post("/api/flowglad/customers/billing")
                .body(bytes::Bytes::from_static(b"{}"))
                .unwrap(),
        )
        .await
        .status()
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(String::new());
        span.record(&mut fields);
        let mut names = self.names.lock().unwrap();
        names.push(span.metadata().name());
        self.lines
            .lock()
            .unwrap()
            .push(format!("span {}{}", span.metadata().name(), fields.0));
        Id::from_u64(names.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut fields = Fields(String::new());
        values.record(&mut fields);
        let name = self.names.lock().unwrap()[id.into_u64() as usize - 1];
        self.lines
            .lock()
            .unwrap()
            .push(format!("record {name}{}", fields.0));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.lines
            .lock()
            .unwrap()
            .push(format!("event{}", fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Runs the test `name` of this module alone in a child process of this test binary and
/// asserts it passed; returns `true` in that child, where the caller runs the body. Other
/// tests of the binary hit the same `tracing` callsites concurrently, and a callsite's
/// cached interest can miss a thread-local subscriber set meanwhile: alone in a process,
/// every span is seen.
fn in_own_process(name: &str) -> bool {
    const CHILD: &str = "FLOWGLAD_TRACING_TEST_CHILD";
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let path = format!(
        "{}::{name}",
        module_path!().split_once("::").map_or("", |(_, m)| m)
    );
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &path, "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{path} in its own process: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    print!("{stdout}");
    false
}

#[test]
fn spans_for_facade_raw_and_handler_calls_without_the_key() {
    if !in_own_process("spans_for_facade_raw_and_handler_calls_without_the_key") {
        return;
    }
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // One thread: the thread-local subscriber sees the servers' spans too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fake = FakeFlowglad::start().await;
        let client = FlowgladClient::builder()
            .api_key(fake.api_key())
            .base_url(fake.base_url())
            .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .build()
            .unwrap();
        let server = flowglad_testing::customer_server(&client, "user_traced");
        // A facade call.
        server.get_billing().await.unwrap();
        // A raw call with two retries.
        fake.inject(Fault::on("customers-get").status(503).times(2));
        client.raw().customers_get("user_traced").await.unwrap();
        // A handler action over HTTP.
        let handler = handler_for(&client, "user_traced")
            .client(client.clone())
            .build()
            .expect("handler");
        assert_eq!(post_billing(&handler).await, 200);
    });
    let lines = capture.lines.lock().unwrap().join("\n");
    let has = |needle: &str| lines.contains(needle);
    // The facade call: find-or-create then billing, each one span.
    assert!(has("span flowglad.api"), "{lines}");
    assert!(has("flowglad.operation=customers_get_billing"), "{lines}");
    assert!(has("http.request.method=GET"), "{lines}");
    assert!(
        has("url.path=/api/v1/customers/user_traced/billing"),
        "{lines}"
    );
    assert!(has("http.response.status_code=200"), "{lines}");
    assert!(has("flowglad.request_id=req_fake_"), "{lines}");
    assert!(has("duration_ms="), "{lines}");
    // The raw call's retries: two events, three attempts.
    assert_eq!(lines.matches("flowglad: retrying").count(), 2, "{lines}");
    assert!(has("record flowglad.api flowglad.attempts=3"), "{lines}");
    assert!(
        has("span flowglad.attempt http.request.resend_count=2"),
        "{lines}"
    );
    // The handler action.
    assert!(has("span flowglad.handler"), "{lines}");
    assert!(has("flowglad.action=customers/billing"), "{lines}");
    assert!(
        has("record flowglad.handler http.response.status_code=200"),
        "{lines}"
    );
    // Never the key.
    assert!(!has(flowglad_testing::fake::DEFAULT_API_KEY), "{lines}");
    assert!(!has("sk_test"), "{lines}");
}

/// A secret key in every string slot of every public configuration and client type: it
/// reaches no `Debug`, `Display`, error or trace line.
#[test]
fn a_key_in_any_configuration_slot_reaches_no_output() {
    if !in_own_process("a_key_in_any_configuration_slot_reaches_no_output") {
        return;
    }
    const KEY: &str = "sk_test_marker_5b1e7c";
    const HOOK: &str = "whsec_bWFya2VyX3NlY3JldF9mb3JfdGVzdHM=";
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut outputs: Vec<String> = Vec::new();
    let mut show = |what: &str, text: String| outputs.push(format!("{what}: {text}"));
    runtime.block_on(async {
        let fake = FakeFlowglad::builder().api_key(KEY).start().await.unwrap();

        // The client builder: the key where it belongs, and swapped with the URL.
        let right = FlowgladClient::builder()
            .api_key(KEY)
            .base_url(fake.base_url());
        show("builder", format!("{right:?}"));
        let swapped = FlowgladClient::builder()
            .api_key(fake.base_url())
            .base_url(KEY);
        show("swapped builder", format!("{swapped:?}"));
        let error = swapped.build().unwrap_err();
        show("swapped build", format!("{error} {error:?}"));
        let in_url = FlowgladClient::builder()
            .api_key(KEY)
            .base_url(format!("http://user:{KEY}@127.0.0.1:9/{KEY}?key={KEY}"));
        show("key inside a URL", format!("{in_url:?}"));
        show(
            "key inside a URL, built",
            format!("{:?}", in_url.build().unwrap()),
        );
        let client = right.build().unwrap();
        show("client", format!("{client:?}"));
        show("admin", format!("{:?}", client.admin()));
        show("raw of client", format!("{:?}", client.raw()));
        show(
            "api key",
            format!(
                "{:?} {}",
                flowglad::ApiKey::new(KEY),
                flowglad::ApiKey::new(KEY)
            ),
        );

        // The raw client's constructors, both argument orders.
        let raw_client = flowglad::raw::Client::with_api_key(fake.base_url(), KEY).unwrap();
        show("raw client", format!("{raw_client:?}"));
        let error = flowglad::raw::Client::with_api_key(KEY, fake.base_url()).unwrap_err();
        show("raw swapped", format!("{error} {error:?}"));
        let error = flowglad::raw::Client::with_api_key(fake.base_url(), &format!("{KEY}\nnext"))
            .unwrap_err();
        show("raw bad key", format!("{error} {error:?}"));

        // The facade, the handler and their errors, traced.
        let server = flowglad_testing::customer_server(&client, "user_marker");
        show("server", format!("{server:?}"));
        server.get_billing().await.unwrap();
        let wrong = FlowgladClient::builder()
            .api_key("sk_test_wrong_key_1")
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let error = wrong.raw().customers_get("user_marker").await.unwrap_err();
        show("401", format!("{error} {error:?}"));
        let handler = handler_for(&client, "user_marker")
            .api_key(KEY)
            .base_url(fake.base_url())
            .build()
            .unwrap();
        show("handler", format!("{handler:?}"));
        let error = FlowgladHandler::builder()
            .customer_id(|_parts: http::request::Parts| async { Ok::<_, String>("u".into()) })
            .server(|_id: String| Err::<FlowgladServer, _>("unused"))
            .api_key(fake.base_url())
            .base_url(KEY)
            .build()
            .unwrap_err();
        show("handler swapped", format!("{error} {error:?}"));
        assert_eq!(post_billing(&handler).await, 200);

        // Webhook secrets.
        let secret: flowglad::webhook::WebhookSecret = HOOK.parse().unwrap();
        show("webhook secret", format!("{secret:?}"));
        let verifier = flowglad::webhook::Verifier::from_secret(secret);
        show("verifier", format!("{verifier:?}"));
        let error = HOOK
            .replace("whsec_", "whsec_!")
            .parse::<flowglad::webhook::WebhookSecret>()
            .unwrap_err();
        show("bad webhook secret", format!("{error} {error:?}"));
    });
    let traced = capture.lines.lock().unwrap().clone();
    assert!(traced.len() > 5, "the calls were traced: {traced:?}");
    let hook_body = HOOK.trim_start_matches("whsec_");
    let leaks: Vec<&String> = outputs
        .iter()
        .chain(traced.iter())
        .filter(|text| text.contains(KEY) || text.contains(hook_body))
        .collect();
    assert!(
        leaks.is_empty(),
        "{} of {} outputs show a secret: {leaks:#?}",
        leaks.len(),
        outputs.len() + traced.len()
    );
    println!(
        "secrets in outputs: 0 of {} ({} Debug/Display/error texts, {} trace lines)",
        outputs.len() + traced.len(),
        outputs.len(),
        traced.len()
    );
}
