//! The framework-agnostic entry points: [`FlowgladHandler::handle`] over
//! `http::Request<Bytes>`, [`FlowgladHandler::handle_body`] over any `http_body::Body`, and
//! a [`tower_service::Service`] (usable with hyper through `hyper_util`'s
//! `TowerToHyperService`, or with any tower-based framework).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body;
use http_body_util::Full;

use super::input::read_limited;
use super::service::FlowgladHandler;
use crate::error::BoxError;

impl FlowgladHandler {
    /// Answers one request whose body is already in memory (any framework, AWS Lambda...).
    /// The path must start with the [`base_path`](super::FlowgladHandlerBuilder::base_path)
    /// (default `/api/flowglad`), followed by the action key.
    pub async fn handle(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        self.handle_body(request.map(http_body_util::Full::new))
            .await
    }

    /// Like [`handle`](Self::handle), reading a streaming body (e.g. hyper's `Incoming`) up
    /// to the body limit.
    ///
    /// ```no_run
    /// use std::convert::Infallible;
    ///
    /// use flowglad::handler::FlowgladHandler;
    /// use http_body_util::Full;
    /// use hyper::{Request, body::Incoming, service::service_fn};
    /// use hyper_util::rt::TokioIo;
    ///
    /// async fn serve(handler: FlowgladHandler) -> std::io::Result<()> {
    ///     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    ///     loop {
    ///         let (stream, _) = listener.accept().await?;
    ///         let handler = handler.clone();
    ///         tokio::spawn(async move {
    ///             let service = service_fn(move |req: Request<Incoming>| {
    ///                 let handler = handler.clone();
    ///                 async move { Ok::<_, Infallible>(handler.handle_body(req).await.map(Full::new)) }
    ///             });
    ///             let _ = hyper::server::conn::http1::Builder::new()
    ///                 .serve_connection(TokioIo::new(stream), service)
    ///                 .await;
    ///         });
    ///     }
    /// }
    /// ```
    pub async fn handle_body<B>(&self, request: http::Request<B>) -> http::Response<Bytes>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let full = parts.uri.path();
        let base = self.base_path().trim_end_matches('/');
        let relative = match full.strip_prefix(base) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => Some(rest.to_owned()),
            _ => None,
        };
        let path = relative.unwrap_or_else(|| full.to_owned());
        let known_prefix = full.strip_prefix(base).is_some();
        let limit = self.body_limit();
        self.serve(&path, parts, |_| read_limited(body, limit), known_prefix)
            .await
            .into_response()
    }
}

impl<B> tower_service::Service<http::Request<B>> for FlowgladHandler
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let handler = self.clone();
        Box::pin(async move { Ok(handler.handle_body(request).await.map(Full::new)) })
    }
}
