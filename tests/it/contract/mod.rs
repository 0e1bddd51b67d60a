//! The contract suite: one set of tests, two targets.
//!
//! Every test is an `async fn(&Target)` written once and run twice (see [`contract!`]):
//! against the in-process fake (`flowglad_testing::FakeFlowglad`, seeded with
//! `tests/it/contract/pricing.json`, the real test server's pricing model), and against a real
//! Flowglad API server: Flowglad's own server started by `../shared/flowglad-real/start.sh`,
//! or a self-hosted Flowglad whose key sees the same pricing model.
//!
//! The real target's coordinates come from the env file named by `FLOWGLAD_REAL_ENV`
//! (`KEY=VALUE` lines: `FLOWGLAD_BASE_URL`, `FLOWGLAD_SECRET_KEY`, optionally
//! `FLOWGLAD_REAL_SVIX_MESSAGES`), never from the process environment's
//! `FLOWGLAD_SECRET_KEY`. Without `FLOWGLAD_REAL_ENV` the real half of each test says it was
//! skipped and passes; with `FLOWGLAD_REQUIRE_REAL=1` a missing or unreachable real server
//! fails it.
//!
//! The real server keeps its database between runs and tests run concurrently: every
//! external id and slug a test makes carries this run's random id ([`Target::unique`]), and
//! no test assumes an empty account.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flowglad::{ClientBuilder, CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;

mod admin;
mod billing;
mod catalogue_writes;
mod checkout;
mod customers;
mod errors;
#[cfg(feature = "axum")]
mod handler;
mod item_features;
mod payment_reads;
mod resources;
mod resources_admin;
mod subscription_adjustments;
mod subscriptions;
mod usage;
mod webhook_endpoints;
mod webhooks;

/// Runs each named `async fn(&Target)` of the current module against both targets: a
/// module of the same name with `#[tokio::test] fn fake()` and `fn real()`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn fake() {
                    let target = $crate::contract::Target::fake().await;
                    super::$name(&target).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn real() {
                    if let Some(target) =
                        $crate::contract::Target::real(concat!("contract::", stringify!($name)))
                    {
                        super::$name(&target).await;
                    }
                }
            }
        )*
    };
}
pub(crate) use contract;

/// Which server a test talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `flowglad_testing::FakeFlowglad`, in process.
    Fake,
    /// A real Flowglad API server.
    Real,
}

/// A Flowglad API a contract test runs against.
pub struct Target {
    kind: Kind,
    base_url: String,
    /// Never printed: `Target` has no `Debug` that shows it.
    api_key: String,
    svix_messages: Option<PathBuf>,
    fake: Option<FakeFlowglad>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The retry backoff of clients whose retries would show in the time a call takes: a retry
/// waits at least 22.5 s (jitter takes off up to 25 %) ...
pub const RETRY_WAIT: Duration = Duration::from_secs(30);
/// ... so a call answered within this time was sent once. The real server answers in 0.3-1 s
/// alone and took up to 9 s per call with 16 callers on a loaded 2-core machine, so the margin
/// is wide on both sides; a retry costs a failing test 22 s, never a passing one.
pub const NO_RETRY_WITHIN: Duration = Duration::from_secs(20);

/// The seed of the fake: the real test server's pricing model.
pub const PRICING_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/contract/pricing.json"
);

/// The real target's coordinates, read once.
struct RealEnv {
    base_url: String,
    api_key: String,
    svix_messages: Option<PathBuf>,
}

/// `Ok(None)`: no `FLOWGLAD_REAL_ENV`; `Err`: it is set but unusable (why).
fn real_env() -> &'static Result<Option<RealEnv>, String> {
    static ENV: OnceLock<Result<Option<RealEnv>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let Some(path) = std::env::var_os("FLOWGLAD_REAL_ENV") else {
            return Ok(None);
        };
        let path = PathBuf::from(path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read FLOWGLAD_REAL_ENV {}: {e}", path.display()))?;
        let vars: HashMap<&str, &str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
            .map(|(k, v)| (k.trim(), v.trim().trim_matches('"').trim_matches('\'')))
            .collect();
        let get = |name: &str| {
            vars.get(name)
                .filter(|v| !v.is_empty())
                .map(|v| v.to_string())
                .ok_or_else(|| format!("{} has no {name}", path.display()))
        };
        let env = RealEnv {
            base_url: get("FLOWGLAD_BASE_URL")?,
            api_key: get("FLOWGLAD_SECRET_KEY")?,
            svix_messages: get("FLOWGLAD_REAL_SVIX_MESSAGES").ok().map(PathBuf::from),
        };
        reachable(&env.base_url)?;
        Ok(Some(env))
    })
}

/// A TCP connection to the base URL's host and port succeeds.
fn reachable(base_url: &str) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let url = url::Url::parse(base_url).map_err(|e| format!("bad FLOWGLAD_BASE_URL: {e}"))?;
    let addrs: Vec<_> = url
        .socket_addrs(|| None)
        .map_err(|e| format!("cannot resolve {base_url}: {e}"))?
        .into_iter()
        .flat_map(|a| a.to_socket_addrs().into_iter().flatten())
        .collect();
    for addr in &addrs {
        if std::net::TcpStream::connect_timeout(addr, Duration::from_secs(2)).is_ok() {
            return Ok(());
        }
    }
    Err(format!(
        "the real Flowglad server at {base_url} is not reachable"
    ))
}

fn real_required() -> bool {
    std::env::var("FLOWGLAD_REQUIRE_REAL").is_ok_and(|v| v == "1" || v == "true")
}

/// This run's random id: part of every external id and slug a test makes.
pub fn run_id() -> &'static str {
    static RUN: OnceLock<String> = OnceLock::new();
    RUN.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        format!(
            "{:08x}",
            fastrand::u32(..) ^ nanos ^ std::process::id().rotate_left(16)
        )
    })
}

impl Target {
    /// The fake, seeded with the real test server's pricing model.
    pub async fn fake() -> Target {
        let fake = FakeFlowglad::builder()
            .pricing_model_file(PRICING_FILE)
            .start()
            .await
            .expect("the fake starts with tests/it/contract/pricing.json");
        Target {
            kind: Kind::Fake,
            base_url: fake.base_url().to_owned(),
            api_key: fake.api_key().to_owned(),
            svix_messages: None,
            fake: Some(fake),
        }
    }

    /// The real server, or `None` (after saying so) when none is configured and none is
    /// required. Panics when `FLOWGLAD_REQUIRE_REAL=1` and no real server is usable.
    pub fn real(test: &str) -> Option<Target> {
        match real_env() {
            Ok(Some(env)) => Some(Target {
                kind: Kind::Real,
                base_url: env.base_url.clone(),
                api_key: env.api_key.clone(),
                svix_messages: env.svix_messages.clone(),
                fake: None,
            }),
            Ok(None) if real_required() => {
                panic!("FLOWGLAD_REQUIRE_REAL=1 but FLOWGLAD_REAL_ENV is not set")
            }
            Err(why) if real_required() => panic!("FLOWGLAD_REQUIRE_REAL=1: {why}"),
            Ok(None) => {
                println!(
                    "{test}: real target skipped (set FLOWGLAD_REAL_ENV to the env file of a \
                     real Flowglad server)"
                );
                None
            }
            Err(why) => {
                println!("{test}: real target skipped: {why}");
                None
            }
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn is_real(&self) -> bool {
        self.kind == Kind::Real
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The target's API key, for code that takes one instead of a client (never printed).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The fake, when this target is the fake.
    pub fn fake_server(&self) -> Option<&FakeFlowglad> {
        self.fake.as_ref()
    }

    /// The real server's webhook message log (jsonl), when it has one.
    pub fn svix_messages(&self) -> Option<&std::path::Path> {
        self.svix_messages.as_deref()
    }

    /// A client builder for this target, as a user writes it.
    pub fn client_builder(&self) -> ClientBuilder {
        FlowgladClient::builder()
            .api_key(self.api_key.as_str())
            .base_url(self.base_url.as_str())
    }

    /// A client for this target.
    pub fn client(&self) -> FlowgladClient {
        self.client_builder().build().expect("client builds")
    }

    /// A client with a key the target does not know.
    pub fn client_with_bad_key(&self) -> FlowgladClient {
        FlowgladClient::builder()
            .api_key(format!("sk_test_contract_not_a_key_{}", run_id()))
            .base_url(self.base_url.as_str())
            .build()
            .expect("client builds")
    }

    /// A fresh id: `prefix`, this run's id and a counter.
    pub fn unique(&self, prefix: &str) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        format!(
            "{prefix}_{}_{}",
            run_id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A facade for a new user of this run (a fresh external id), as an app builds one per
    /// request; the customer is created on first use from a derived profile.
    pub fn new_user(&self, client: &FlowgladClient) -> FlowgladServer {
        let id = self.unique("user");
        user(client, &id)
    }
}

/// The app's `flowglad(user_id)`.
pub fn user(client: &FlowgladClient, external_id: &str) -> FlowgladServer {
    FlowgladServer::new(client, external_id, |id: String| async move {
        Ok::<_, std::io::Error>(CustomerProfile::new(
            format!("Contract {id}"),
            format!("{id}@example.com"),
        ))
    })
    .expect("facade builds")
}

/// The id of a subscription of the billing answer.
pub fn subscription_id(s: &flowglad::raw::types::SubscriptionDetails) -> &str {
    use flowglad::raw::types::SubscriptionDetails;
    match s {
        SubscriptionDetails::Standard(s) => &s.id,
        SubscriptionDetails::NonRenewing(s) => &s.id,
    }
}

/// The status of a subscription of the billing answer, as its wire string.
pub fn subscription_status(s: &flowglad::raw::types::SubscriptionDetails) -> String {
    let v = serde_json::to_value(s).expect("serializes");
    v["status"].as_str().unwrap_or_default().to_owned()
}

/// A JSON view of any serializable answer.
pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serializes")
}

/// A raw client call's answer, or the error as the facade reports it.
pub async fn call<T>(
    request: impl std::future::Future<
        Output = Result<
            flowglad::raw::ResponseValue<T>,
            flowglad::raw::Error<flowglad::raw::types::ApiError>,
        >,
    >,
) -> Result<T, flowglad::Error> {
    request
        .await
        .map(flowglad::raw::ResponseValue::into_inner)
        .map_err(flowglad::Error::from)
}

/// A request body of the raw client, from JSON.
pub fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("the body matches the raw client's type")
}

/// The API error of a failed call: status, code and message must be these (`message`:
/// contained in the API's).
pub fn assert_api_error<T: std::fmt::Debug>(
    result: Result<T, flowglad::Error>,
    status: u16,
    code: Option<&str>,
    message: &str,
) -> flowglad::ApiError {
    let api = assert_refused(result, status, Says::Contains(message));
    assert_eq!(api.code.as_deref(), code, "{api}");
    api
}

/// What the message of a refused call must be.
pub enum Says<'a> {
    /// Exactly this.
    Is(&'a str),
    /// This, then anything.
    StartsWith(&'a str),
    /// This, anywhere.
    Contains(&'a str),
    /// Anything: the status alone is checked.
    Anything,
}

/// The API error of a failed call: its status must be `status` and its message as `says`.
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, flowglad::Error>,
    status: u16,
    says: Says<'_>,
) -> flowglad::ApiError {
    let err = result.expect_err("the call fails");
    let api = err
        .api()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"))
        .clone();
    assert_eq!(api.status, status, "{api}");
    match says {
        Says::Is(message) => assert_eq!(api.message, message),
        Says::StartsWith(start) => assert!(api.message.starts_with(start), "{api}"),
        Says::Contains(part) => assert!(api.message.contains(part), "{api}"),
        Says::Anything => {}
    }
    api
}

/// The first validation issue of an API error is at `path` (member names) with `code`.
pub fn assert_first_issue(api: &flowglad::ApiError, path: &[&str], code: &str) {
    let issue = api
        .issues
        .first()
        .unwrap_or_else(|| panic!("no issues: {api:?}"));
    let path: Vec<serde_json::Value> = path.iter().map(|m| serde_json::json!(m)).collect();
    assert_eq!(issue.path, path, "{api:?}");
    assert_eq!(issue.code.as_deref(), Some(code), "{api:?}");
}

/// The id of the default pricing model (the key's, on the real server; the seeded one, on the
/// fake).
pub async fn default_pricing_model_id(client: &FlowgladClient) -> String {
    let default = client.admin().get_default_pricing_model().await.unwrap();
    json(&default.pricing_model)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sends `value` as JSON to `path` (under `/api/v1`) with this target's key, bypassing the raw
/// client's types: for bodies those types cannot express (a missing required member), to
/// check the API's validation issues. Answers the status and the JSON body.
pub async fn send_json(
    t: &Target,
    method: reqwest::Method,
    path: &str,
    value: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .request(method, format!("{}/api/v1{path}", t.base_url))
        .bearer_auth(&t.api_key)
        .json(value)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The `path`s of a validation answer's issues.
pub fn issue_paths(answer: &serde_json::Value) -> Vec<serde_json::Value> {
    answer["error"]
        .as_array()
        .unwrap_or_else(|| panic!("no issues in {answer}"))
        .iter()
        .map(|i| i["path"].clone())
        .collect()
}
