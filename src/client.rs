//! The shared client: configuration, environment fallbacks, timeouts, retries, limits.
//!
//! Retries, limits and the deadline are applied by the raw client's transport
//! ([`crate::transport`]), so calls through [`FlowgladClient::raw`] get them too.
//!
//! Build one [`FlowgladClient`] at start-up and clone it freely (an `Arc` inside): every
//! clone, every [`crate::FlowgladServer`] and [`crate::FlowgladAdmin`] made from it share one
//! connection pool.
//!
//! ```no_run
//! # fn run() -> flowglad::Result<()> {
//! use std::time::Duration;
//!
//! // FLOWGLAD_SECRET_KEY and FLOWGLAD_BASE_URL from the environment:
//! let client = flowglad::FlowgladClient::from_env()?;
//!
//! // Or explicitly:
//! let client = flowglad::FlowgladClient::builder()
//!     .api_key("sk_test_...")
//!     .base_url("https://app.flowglad.com")
//!     .timeout(Duration::from_secs(30))
//!     .deadline(Duration::from_secs(60))
//!     .max_retries(3)
//!     .build()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::raw;
use crate::retry::RetryPolicy;
use crate::transport::{self, Transport};
use crate::verbatim::Verbatim;

/// Environment variable holding the secret API key.
pub const SECRET_KEY_ENV: &str = "FLOWGLAD_SECRET_KEY";
/// Environment variable overriding the API base URL.
pub const BASE_URL_ENV: &str = "FLOWGLAD_BASE_URL";
/// The API base URL used when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://app.flowglad.com";
/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A secret API key. Its `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (surrounding whitespace is trimmed).
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        ApiKey(key.trim().to_owned())
    }

    /// The key itself, e.g. to send it somewhere else. Handle with care.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        ApiKey::new(key)
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        ApiKey::new(key)
    }
}

/// Builds a [`FlowgladClient`]. Unset values fall back to the environment
/// ([`SECRET_KEY_ENV`], [`BASE_URL_ENV`]) and then to the defaults.
///
/// Its `Debug` never shows the key, nor a base URL that is not an http(s) URL (a key
/// passed as the URL), nor a URL's user info or query.
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    transport: Transport,
    extra_roots: RootCertificates,
    #[cfg(feature = "cache")]
    billing_cache: Option<crate::cache::BillingCache>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        d.field("api_key", &self.api_key)
            .field(
                "base_url",
                &self.base_url.as_deref().map(crate::redact::base_url),
            )
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("transport", &self.transport)
            .field("extra_roots", &self.extra_roots);
        #[cfg(feature = "cache")]
        d.field("billing_cache", &self.billing_cache);
        d.finish()
    }
}

impl ClientBuilder {
    /// The secret key (default: `FLOWGLAD_SECRET_KEY`, trimmed).
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API base URL (default: `FLOWGLAD_BASE_URL`, else `https://app.flowglad.com`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Timeout of one attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Also trusts the certificates of `pem` (a PEM text: one certificate or a bundle)
    /// besides the platform's trust store, e.g. for a self-hosted Flowglad behind a private
    /// certificate authority, or a proxy that re-signs traffic. May be called more than once.
    /// A PEM that holds no certificate, or one that does not parse, fails [`build`](Self::build)
    /// with [`Error::Config`]. Needs the `rustls` (default) or `native-tls` feature; see
    /// [`FlowgladClient`]'s TLS notes.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = flowglad::FlowgladClient::builder()
    ///     .base_url("https://billing.internal.example")
    ///     .add_root_certificates_pem(std::fs::read("internal-ca.pem")?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.0.push(pem.into());
        self
    }

    /// Overall time for one call, every attempt and wait included (default 90 s); `None`
    /// for no limit beyond the per-attempt [`timeout`](Self::timeout). A call that runs out
    /// fails with [`Error::DeadlineExceeded`].
    pub fn deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.transport.deadline = deadline.into();
        self
    }

    /// Largest accepted success body, in bytes (default 32 MiB). Larger answers are refused
    /// while they stream in ([`Error::ResponseTooLarge`]), so memory stays bounded.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.transport.max_response_size = bytes;
        self
    }

    /// Retries after the first attempt (default 2; 0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.transport.retry.max_retries = retries;
        self
    }

    /// Exponential backoff bounds (default 0.5 s to 8 s).
    pub fn retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.transport.retry.base_delay = base;
        self.transport.retry.max_delay = max;
        self
    }

    /// Also retry non-idempotent POSTs (checkout sessions, subscription changes, resource
    /// claims...) on 408/409/5xx and timeouts. Off by default: a retried POST whose first
    /// attempt was processed could act twice. See [`crate::transport`].
    pub fn retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.transport.retry.retry_non_idempotent = enabled;
        self
    }

    /// Attaches a [`BillingCache`](crate::cache::BillingCache) (cargo feature `cache`):
    /// [`FlowgladServer::billing_cached`](crate::FlowgladServer::billing_cached) and the
    /// feature-gate layer read through it, and every facade mutation of a customer made
    /// with this client invalidates that customer. Share the same cache (it is a handle)
    /// with anything else that should see those invalidations.
    #[cfg(feature = "cache")]
    pub fn billing_cache(mut self, cache: crate::cache::BillingCache) -> Self {
        self.billing_cache = Some(cache);
        self
    }

    /// Builds the client, reading the process environment for unset values.
    pub fn build(self) -> Result<FlowgladClient> {
        self.build_with_env(|name| std::env::var(name).ok())
    }

    /// Builds the client with `env` standing in for the process environment.
    pub fn build_with_env(self, env: impl Fn(&str) -> Option<String>) -> Result<FlowgladClient> {
        let api_key = match self.api_key {
            Some(key) => key,
            None => env(SECRET_KEY_ENV).map(ApiKey::new).ok_or_else(|| {
                Error::Config(format!(
                    "the {SECRET_KEY_ENV} environment variable is missing; set it or pass an API key to FlowgladClient::builder().api_key(..)"
                ))
            })?,
        };
        if api_key.0.is_empty() {
            return Err(Error::Config(format!(
                "the Flowglad API key is empty (check {SECRET_KEY_ENV} or the api_key option)"
            )));
        }
        let base_url = self
            .base_url
            .or_else(|| env(BASE_URL_ENV))
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        // The value is never echoed: a key passed where the URL belongs would be printed.
        if crate::redact::http_url(&base_url).is_none() {
            return Err(Error::Config(
                "invalid base URL (value not shown): it must be an http:// or https:// URL with a host"
                    .into(),
            ));
        }
        let http = raw::http_client_builder(api_key.expose_secret(), &self.extra_roots.0)
            .map_err(|e| Error::Config(e.to_string()))?
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        Ok(FlowgladClient {
            inner: Arc::new(Inner {
                raw: raw::Client::new_with_client(&base_url, http, self.transport),
                base_url,
                #[cfg(feature = "cache")]
                billing_cache: self.billing_cache,
            }),
        })
    }
}

/// PEM texts of extra root certificates; `Debug` shows how many, not kilobytes of bytes.
#[derive(Clone, Default)]
struct RootCertificates(Vec<Vec<u8>>);

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} PEM text(s)", self.0.len())
    }
}

/// The shared Flowglad client: connection pool and configuration. Cheap to clone.
///
/// # TLS
///
/// With the default `rustls` feature, HTTPS uses rustls with its `ring` crypto provider
/// (or the process-wide default provider, if your application installed one, e.g. aws-lc-rs
/// in FIPS mode); server certificates are checked against the operating system's trust store
/// (`rustls-platform-verifier`), and ALPN offers HTTP/2 and HTTP/1.1. The `native-tls` feature
/// uses the platform's TLS library instead (it wins when both are on). Extra roots:
/// [`ClientBuilder::add_root_certificates_pem`].
#[derive(Clone)]
pub struct FlowgladClient {
    inner: Arc<Inner>,
}

struct Inner {
    raw: raw::Client,
    base_url: String,
    #[cfg(feature = "cache")]
    billing_cache: Option<crate::cache::BillingCache>,
}

impl fmt::Debug for FlowgladClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowgladClient")
            .field("base_url", &crate::redact::base_url(&self.inner.base_url))
            .field("api_key", &"<redacted>")
            .field("transport", self.transport())
            .finish()
    }
}

impl FlowgladClient {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `FLOWGLAD_SECRET_KEY` and `FLOWGLAD_BASE_URL`.
    pub fn from_env() -> Result<Self> {
        Self::builder().build()
    }

    /// A client with this key (base URL from `FLOWGLAD_BASE_URL` or the default).
    pub fn new(api_key: impl Into<ApiKey>) -> Result<Self> {
        Self::builder().api_key(api_key).build()
    }

    /// The generated raw client, for operations the facade does not cover. It shares this
    /// client's connection pool and transport: the same retries, limits and deadline.
    pub fn raw(&self) -> &raw::Client {
        &self.inner.raw
    }

    /// The configured base URL (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.transport().retry_policy()
    }

    /// The transport policy (retries, limits, deadline) every call uses.
    pub fn transport(&self) -> &Transport {
        progenitor_client::ClientInfo::inner(&self.inner.raw)
    }

    /// The billing cache attached with [`ClientBuilder::billing_cache`].
    #[cfg(feature = "cache")]
    pub fn billing_cache(&self) -> Option<&crate::cache::BillingCache> {
        self.inner.billing_cache.as_ref()
    }

    /// An unscoped admin client sharing this client's pool.
    pub fn admin(&self) -> crate::FlowgladAdmin {
        crate::FlowgladAdmin::new(self.clone())
    }

    /// Runs one raw call (the transport retries it) and converts its error.
    pub(crate) async fn send<T, Fut>(&self, call: Fut) -> Result<T>
    where
        Fut: Future<
            Output = std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>>,
        >,
    {
        self.send_verbatim(call).await.map(Verbatim::into_inner)
    }

    /// Like [`send`](Self::send), keeping the JSON text of the answer next to the value.
    pub(crate) async fn send_verbatim<T, Fut>(&self, call: Fut) -> Result<Verbatim<T>>
    where
        Fut: Future<
            Output = std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>>,
        >,
    {
        self.send_counting(call).await.0
    }

    /// Like [`send_verbatim`](Self::send_verbatim), also returning how many attempts the
    /// transport made (1 without retries).
    pub(crate) async fn send_counting<T, Fut>(&self, call: Fut) -> (Result<Verbatim<T>>, u32)
    where
        Fut: Future<
            Output = std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>>,
        >,
    {
        let (result, observed) = transport::observe(call).await;
        let attempts = observed.attempts;
        let result = match result {
            // The transport kept the very buffer the value was decoded from.
            Ok(response) => match observed.body {
                Some(body) => Ok(Verbatim::decoded(response.into_inner(), body)),
                None => Err(Error::Request(
                    "the answer's body was not kept by the transport".into(),
                )),
            },
            Err(error) => Err(match observed.failure {
                Some(failure) => Error::from(failure),
                None => Error::from_raw(error),
            }),
        };
        (result, attempts)
    }

    /// `POST {base}{path}` with the JSON body `{}`, through the raw client's hooks (for
    /// operations the spec describes without a body but the SDKs send `{}`).
    pub(crate) async fn post_empty_object<T: serde::de::DeserializeOwned>(
        &self,
        operation_id: &'static str,
        path: &str,
    ) -> std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>> {
        self.post_json_body(operation_id, path, bytes::Bytes::from_static(b"{}"))
            .await
    }

    /// `POST {base}{path}` with a serialized JSON `body`, through the raw client's hooks, for
    /// bodies the generated request types would narrow (members they do not know are sent).
    pub(crate) async fn post_json_body<T: serde::de::DeserializeOwned>(
        &self,
        operation_id: &'static str,
        path: &str,
        body: bytes::Bytes,
    ) -> std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>> {
        let response = self.post_json(operation_id, path, body).await?;
        decode(response).await
    }

    /// `POST {base}{path}` with a serialized JSON `body`, through the raw client's hooks, for
    /// requests that only need to know they were accepted: a 2xx body is read to the end but
    /// not decoded (the usage batcher ignores the bulk endpoint's echo of every event).
    pub(crate) async fn post_acknowledged(
        &self,
        operation_id: &'static str,
        path: &str,
        body: bytes::Bytes,
    ) -> std::result::Result<raw::ResponseValue<()>, raw::Error<raw::types::ApiError>> {
        let response = self.post_json(operation_id, path, body).await?;
        let (status, headers) = (response.status(), response.headers().clone());
        match status.as_u16() {
            200..=299 => {
                response
                    .bytes()
                    .await
                    .map_err(raw::Error::ResponseBodyError)?;
                Ok(raw::ResponseValue::new((), status, headers))
            }
            400..=599 => Err(raw::Error::ErrorResponse(
                raw::ResponseValue::from_response(response).await?,
            )),
            _ => Err(raw::Error::UnexpectedResponse(response)),
        }
    }

    /// `GET {base}{path}?{query}` through the raw client's hooks, for a query the spec does
    /// not describe but the API reads (the TypeScript SDK sends it).
    pub(crate) async fn get_with_query<T: serde::de::DeserializeOwned>(
        &self,
        operation_id: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>> {
        let request = progenitor_client::ClientInfo::client(self.raw())
            .get(format!("{}{}", self.base_url(), path))
            .query(query)
            .header(reqwest::header::ACCEPT, "application/json")
            .build()?;
        let response = self.exec_hooked(operation_id, request).await?;
        decode(response).await
    }

    async fn post_json(
        &self,
        operation_id: &'static str,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> std::result::Result<reqwest::Response, raw::Error<raw::types::ApiError>> {
        let request = progenitor_client::ClientInfo::client(self.raw())
            .post(format!("{}{}", self.base_url(), path))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .build()?;
        self.exec_hooked(operation_id, request).await
    }

    /// Sends a hand-built request through the transport, as the generated methods do.
    async fn exec_hooked(
        &self,
        operation_id: &'static str,
        request: reqwest::Request,
    ) -> std::result::Result<reqwest::Response, raw::Error<raw::types::ApiError>> {
        use progenitor_client::{ClientHooks, OperationInfo};
        let raw_client = self.raw();
        let info = OperationInfo { operation_id };
        let response = raw_client.exec(request, &info).await?;
        // Calls outside the generated methods skip the post hook: check here.
        match transport::failure_of(&response) {
            Some(failure) => Err(raw::Error::Custom(failure.to_string())),
            None => Ok(response),
        }
    }
}

/// The answer of a hand-built request, read as the generated methods read theirs: 200
/// decoded, 4xx/5xx as the API's error, anything else unexpected.
async fn decode<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> std::result::Result<raw::ResponseValue<T>, raw::Error<raw::types::ApiError>> {
    match response.status().as_u16() {
        200 => raw::ResponseValue::from_response(response).await,
        400..=599 => Err(raw::Error::ErrorResponse(
            raw::ResponseValue::from_response(response).await?,
        )),
        _ => Err(raw::Error::UnexpectedResponse(response)),
    }
}

/// Percent-encodes one path segment (everything but unreserved characters).
pub(crate) fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_test_supersecret_123";

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn key_from_env_is_trimmed_and_defaults_apply() {
        let client = ClientBuilder::default()
            .build_with_env(env(&[(SECRET_KEY_ENV, "  sk_test_abc \n")]))
            .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        assert_eq!(client.retry_policy().max_retries, 2);
    }

    #[test]
    fn missing_key_names_the_variable() {
        let err = ClientBuilder::default()
            .build_with_env(env(&[]))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains("FLOWGLAD_SECRET_KEY"), "{err}");
        let err = ClientBuilder::default()
            .build_with_env(env(&[(SECRET_KEY_ENV, "   ")]))
            .unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn argument_wins_over_env_and_base_url_env_applies() {
        let client = ClientBuilder::default()
            .api_key(KEY)
            .build_with_env(env(&[(BASE_URL_ENV, "http://127.0.0.1:9/")]))
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        let client = ClientBuilder::default()
            .api_key(KEY)
            .base_url("https://example.test")
            .build_with_env(env(&[(BASE_URL_ENV, "http://127.0.0.1:9/")]))
            .unwrap();
        assert_eq!(client.base_url(), "https://example.test");
        let client = ClientBuilder::default()
            .api_key(KEY)
            .build_with_env(env(&[(BASE_URL_ENV, "")]))
            .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        let err = ClientBuilder::default()
            .api_key(KEY)
            .base_url("ftp://x")
            .build_with_env(env(&[]))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(!err.to_string().contains(KEY));
    }

    #[test]
    fn key_is_never_printed() {
        let key = ApiKey::new(KEY);
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(format!("{key}"), "<redacted>");
        assert_eq!(key.expose_secret(), KEY);
        let builder = ClientBuilder::default().api_key(KEY);
        assert!(!format!("{builder:?}").contains(KEY));
        let client = builder.build_with_env(env(&[])).unwrap();
        let debug = format!("{client:?} {:?}", client.raw());
        assert!(!debug.contains(KEY), "{debug}");
        assert!(!debug.contains("supersecret"), "{debug}");
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment("user_1-x.y"), "user_1-x.y");
    }
}
