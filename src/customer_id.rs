//! [`CustomerIdResolver`]: who is signed in, read from the request head. One type, and one
//! rule for what counts as signed in, for the request handler and the feature gate.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use crate::error::BoxError;

type ResolveFn =
    dyn Fn(Parts) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>> + Send + Sync;

/// Your authentication as the request handler
/// ([`FlowgladHandlerBuilder::customer_id_resolver`](crate::handler::FlowgladHandlerBuilder::customer_id_resolver))
/// and the feature gate (`gate::BillingGate::with_resolver`, feature `tower`) ask it: an
/// async function of the request head (method, URI, headers, and the extensions your auth
/// middleware inserted) that gives the signed-in user's (or organisation's) id, used as the
/// Flowglad customer's external id.
///
/// An error, or an id that is empty or only whitespace, means nobody is signed in: both
/// answer 401. Cheap to clone: build it once and hand the same one to both.
///
/// ```
/// use flowglad::CustomerIdResolver;
///
/// let resolver = CustomerIdResolver::new(|parts: http::request::Parts| async move {
///     parts
///         .headers
///         .get("x-user-id")
///         .and_then(|v| v.to_str().ok())
///         .map(str::to_owned)
///         .ok_or("not signed in")
/// });
/// # let _ = resolver;
/// ```
#[derive(Clone)]
pub struct CustomerIdResolver(Arc<ResolveFn>);

impl CustomerIdResolver {
    /// A resolver calling `f`; its error type is anything that converts into a
    /// [`BoxError`] (a `&str` or `String` message, your own error type).
    pub fn new<F, Fut, E>(f: F) -> Self
    where
        F: Fn(Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        CustomerIdResolver(Arc::new(move |parts| {
            let fut = f(parts);
            Box::pin(async move { fut.await.map_err(Into::into) })
        }))
    }

    /// The signed-in customer's id, or why there is none.
    ///
    /// ```
    /// # async fn run() {
    /// use flowglad::CustomerIdResolver;
    ///
    /// let resolver = CustomerIdResolver::new(|_parts: http::request::Parts| async {
    ///     Ok::<_, &str>(String::from("  "))
    /// });
    /// let (parts, ()) = http::Request::new(()).into_parts();
    /// assert!(resolver.resolve(parts).await.is_err()); // blank: nobody
    /// # }
    /// ```
    pub async fn resolve(&self, parts: Parts) -> Result<String, BoxError> {
        signed_in((self.0)(parts).await?)
    }
}

/// The rule every way of resolving the customer ends with (the actix-web callback too): a
/// blank id is nobody.
pub(crate) fn signed_in(id: String) -> Result<String, BoxError> {
    if id.trim().is_empty() {
        Err("the customer id is empty".into())
    } else {
        Ok(id)
    }
}

impl fmt::Debug for CustomerIdResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomerIdResolver(..)")
    }
}
