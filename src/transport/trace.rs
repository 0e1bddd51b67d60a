//! `tracing` instrumentation (cargo feature `tracing`); without the feature these are no-ops.
//!
//! One span per API call, named `flowglad.api`, with OpenTelemetry HTTP client field names:
//! `otel.name` (`<METHOD> <operation>`), `otel.kind = "client"`, `http.request.method`,
//! `url.path`, `server.address`, `flowglad.operation`, and, when it ends,
//! `http.response.status_code`, `flowglad.request_id` (the answer's `X-Request-Id`),
//! `flowglad.attempts`, `duration_ms` and `error.type`. Each attempt is a child span
//! `flowglad.attempt` (`http.request.resend_count`); a retry is an event with the delay and
//! the reason. Never the API key, headers or bodies.

use std::future::Future;
use std::time::Duration;

use reqwest::{Request, Response};

#[cfg(feature = "tracing")]
pub(crate) type Span = tracing::Span;
#[cfg(not(feature = "tracing"))]
#[derive(Clone)]
pub(crate) struct Span;

#[cfg(feature = "tracing")]
pub(crate) fn call_span(operation_id: &'static str, request: &Request) -> Span {
    let method = request.method().as_str();
    tracing::info_span!(
        "flowglad.api",
        otel.name = %format_args!("{method} {operation_id}"),
        otel.kind = "client",
        http.request.method = method,
        url.path = request.url().path(),
        server.address = request.url().host_str().unwrap_or_default(),
        flowglad.operation = operation_id,
        http.response.status_code = tracing::field::Empty,
        flowglad.request_id = tracing::field::Empty,
        flowglad.attempts = 1u32,
        duration_ms = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn call_span(_operation_id: &'static str, _request: &Request) -> Span {
    Span
}

#[cfg(feature = "tracing")]
pub(crate) fn attempt_span(attempt: u32) -> Span {
    tracing::debug_span!("flowglad.attempt", http.request.resend_count = attempt - 1)
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn attempt_span(_attempt: u32) -> Span {
    Span
}

pub(crate) async fn instrument<F: Future>(span: Span, future: F) -> F::Output {
    #[cfg(feature = "tracing")]
    {
        tracing::Instrument::instrument(future, span).await
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = span;
        future.await
    }
}

/// A retry is about to happen: attempt `next` after `delay`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn retrying(span: &Span, next: u32, delay: Duration, last: &reqwest::Result<Response>) {
    #[cfg(feature = "tracing")]
    {
        let reason = match last {
            Ok(response) => response.status().as_u16().to_string(),
            Err(error) if error.is_timeout() => "timeout".to_owned(),
            Err(error) if error.is_connect() => "connect".to_owned(),
            Err(_) => "transport".to_owned(),
        };
        span.record("flowglad.attempts", next + 1);
        tracing::info!(
            parent: span,
            attempt = next + 1,
            delay_ms = delay.as_millis() as u64,
            reason,
            "flowglad: retrying"
        );
    }
}

/// Records the call's result on its span.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn finish(span: &Span, result: &reqwest::Result<Response>, elapsed: Duration) {
    #[cfg(feature = "tracing")]
    {
        span.record("duration_ms", elapsed.as_millis() as u64);
        match result {
            Ok(response) => {
                if let Some(failure) = super::failure_of(response) {
                    span.record("error.type", failure.kind());
                    return;
                }
                let status = response.status().as_u16();
                span.record("http.response.status_code", status);
                if let Some(id) = response
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                {
                    span.record("flowglad.request_id", id);
                }
                if status >= 400 {
                    span.record("error.type", status.to_string().as_str());
                }
            }
            Err(error) => {
                let kind = if error.is_timeout() {
                    "timeout"
                } else if error.is_connect() {
                    "connect"
                } else {
                    "transport"
                };
                span.record("error.type", kind);
            }
        }
    }
}
