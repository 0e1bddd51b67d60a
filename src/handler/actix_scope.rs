//! actix-web 4 adapter (cargo feature `actix`): a [`Scope`] serving every action key.
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use flowglad::handler::FlowgladHandler;
//!
//! async fn run(handler: FlowgladHandler) -> std::io::Result<()> {
//!     HttpServer::new(move || App::new().service(flowglad::handler::actix_scope("/api/flowglad", handler.clone())))
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! Signed-in users: build the handler with
//! [`actix_customer_id`](super::FlowgladHandlerBuilder::actix_customer_id), whose callback
//! receives actix's own [`HttpRequest`] (its extensions, so `actix-identity`'s `Identity` and
//! `actix-session`'s `Session`, and its extractors); `build()` then gives a
//! [`FlowgladActixHandler`]. A handler built with
//! [`customer_id`](super::FlowgladHandlerBuilder::customer_id) works here too, but its callback
//! only receives the request head converted to `http` 1
//! [`Parts`](http::request::Parts) (actix-web 4 is built on `http` 0.2): method, URI, version
//! and headers, without actix's extensions, which are single-threaded (`Rc`) and cannot be
//! moved into `http::Extensions`. `examples/actix_app.rs` is a complete app with
//! `actix-identity`.

use std::fmt;
use std::sync::Arc;

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse, Scope};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use super::answer::Reply;
use super::error::{ErrorCode, HandlerError};
use super::input::too_large;
use super::service::{ActixCustomerIdFn, FlowgladHandler, Inner};
use crate::customer_id::{CustomerIdResolver, signed_in};

/// A scope at `path` (e.g. `/api/flowglad`) answering every action key and every method.
/// Takes a [`FlowgladActixHandler`] (from
/// [`actix_customer_id`](super::FlowgladHandlerBuilder::actix_customer_id)) or a
/// [`FlowgladHandler`].
pub fn actix_scope(path: &str, handler: impl Into<FlowgladActixHandler>) -> Scope {
    web::scope(path)
        .app_data(web::Data::new(handler.into()))
        .default_service(web::to(serve))
}

/// A request handler for actix-web ([`actix_scope`]) whose `customer_id` callback receives
/// actix's [`HttpRequest`]: built by
/// [`FlowgladHandlerBuilder::actix_customer_id`](super::FlowgladHandlerBuilder::actix_customer_id)
/// then `build()`, or converted from a [`FlowgladHandler`] (whose callback receives
/// `http::request::Parts`). Cheap to clone (`Arc`s), `Send + Sync` for `HttpServer::new`.
#[derive(Clone)]
pub struct FlowgladActixHandler {
    inner: Arc<Inner>,
    customer_id: CustomerId,
}

#[derive(Clone)]
enum CustomerId {
    Actix(Arc<ActixCustomerIdFn>),
    Parts(CustomerIdResolver),
}

impl FlowgladActixHandler {
    pub(crate) fn new(inner: Arc<Inner>, customer_id: Arc<ActixCustomerIdFn>) -> Self {
        FlowgladActixHandler {
            inner,
            customer_id: CustomerId::Actix(customer_id),
        }
    }
}

impl From<FlowgladHandler> for FlowgladActixHandler {
    fn from(handler: FlowgladHandler) -> Self {
        FlowgladActixHandler {
            inner: handler.inner,
            customer_id: CustomerId::Parts(handler.customer_id),
        }
    }
}

impl fmt::Debug for FlowgladActixHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner
            .debug_fields(&mut f.debug_struct("FlowgladActixHandler"))
    }
}

async fn serve(
    request: HttpRequest,
    mut payload: web::Payload,
    handler: web::Data<FlowgladActixHandler>,
) -> HttpResponse {
    let path = request.match_info().unprocessed().to_owned();
    let reply = match head(&request) {
        Ok(parts) => {
            let declared = request
                .headers()
                .get(actix_web::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let read = |limit: usize| async move {
                if declared.is_some_and(|n| n > limit as u64) {
                    return Err(too_large(limit));
                }
                let mut body = BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        HandlerError::new(
                            ErrorCode::InvalidJson,
                            "the request body could not be read",
                        )
                        .with_source(e.to_string())
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Bytes::from(body))
            };
            let inner = &handler.inner;
            match &handler.customer_id {
                CustomerId::Actix(customer_id) => {
                    let request = request.clone();
                    inner
                        .serve(&path, parts, read, true, |_| async move {
                            signed_in(customer_id(request).await?)
                        })
                        .await
                }
                CustomerId::Parts(customer_id) => {
                    inner
                        .serve(&path, parts, read, true, |parts| customer_id.resolve(parts))
                        .await
                }
            }
        }
        Err(reply) => reply,
    };
    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(reply.status.as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    );
    response
        .insert_header(("content-type", "application/json"))
        .insert_header(("cache-control", "no-store"));
    if let Some(allow) = reply.allow {
        response.insert_header(("allow", allow));
    }
    response.body(reply.body)
}

/// The request head as `http` 1 parts.
fn head(request: &HttpRequest) -> Result<http::request::Parts, Reply> {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(()).map(|r| r.into_parts().0).map_err(|e| {
        Reply::from_error(
            &HandlerError::validation(Vec::new(), "the request head is invalid").with_source(e),
        )
    })
}
