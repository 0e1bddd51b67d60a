//! One transport for every call: the raw client's hooks (see `src/raw.rs`) run each request
//! through [`Transport`], so a call through the facade and a call through
//! [`FlowgladClient::raw`](crate::FlowgladClient::raw) get the same policy:
//!
//! - **retries** by the rules below, with the request's safety taken from one
//!   table keyed by operation (`IDEMPOTENT_POSTS` in `transport/idempotency.rs`) unless the call overrides it
//!   ([`CallOptions::idempotent`], through
//!   [`raw::Client::with_options`](crate::raw::Client::with_options));
//! - a **409 `CONFLICT`** (e.g. a usage event's `transactionId` used for another subscription,
//!   a customer that exists) is permanent and never retried;
//! - a server-requested delay (`Retry-After`, `Retry-After-Ms`) is honoured whatever its
//!   length when it ends before the call's deadline; when it would not, the call stops at
//!   once with the server's answer (waiting could only end in a deadline error). Without a
//!   deadline, delays of 60 s or more are not waited for (the backoff is used instead);
//! - **limits**: a success body larger than [`ClientBuilder::max_response_size`] (default
//!   32 MiB) is refused while it streams in ([`Error::ResponseTooLarge`]); of an error body
//!   at most 64 KiB is read, and error messages carry at most 2 KiB of it;
//! - an **overall deadline** per call, across attempts and waits
//!   ([`ClientBuilder::deadline`], default 90 s; [`Error::DeadlineExceeded`]), beside the
//!   per-attempt timeout;
//! - with the `tracing` feature, one span per call (`flowglad.api`) and per attempt, retries
//!   as events; never the key, never a body.
//!
//! [`ClientBuilder::max_response_size`]: crate::ClientBuilder::max_response_size
//! [`ClientBuilder::deadline`]: crate::ClientBuilder::deadline
//! [`Error::ResponseTooLarge`]: crate::Error::ResponseTooLarge
//! [`Error::DeadlineExceeded`]: crate::Error::DeadlineExceeded
//!
//! # Retry rules
//!
//! Rules (the Flowglad/Stainless clients' rules, see `docs/facade.md`):
//! - at most `max_retries` retries (default 2);
//! - a response header `x-should-retry: true` retries, `false` never retries;
//! - otherwise retry on 408, 409, 429, any 5xx, connection errors and timeouts — except a
//!   409 whose JSON body says `code: "CONFLICT"`: the request collides with the API's state
//!   (a customer that exists, a usage event's `transactionId` used for another
//!   subscription), and sending it again cannot change that. Other 4xx are never retried;
//! - the delay honours `retry-after-ms`, else `retry-after` (seconds or an HTTP date);
//!   otherwise `min(base * 2^retry, max)` (0.5 s .. 8 s) times a jitter factor in
//!   `(0.75, 1]`. The transport waits for a server delay only when it ends before the call's
//!   deadline .
//!
//! Request safety: GET/PUT and requests the API makes idempotent (usage events, keyed on
//! `transactionId`; customer archive) are *idempotent*. Other POSTs are
//! *non-idempotent* and are only retried when the request cannot have been
//! processed: the connection was never established, the server answered 429, or the server
//! said `x-should-retry: true`. [`crate::ClientBuilder::retry_non_idempotent`] opts in to the
//! full rules for every request.

mod body;
mod context;
mod idempotency;
mod trace;

use std::time::{Duration, Instant, SystemTime};

use reqwest::{Request, Response, StatusCode};

use crate::retry::{self, Decision, Outcome, Safety};

pub use crate::retry::RetryPolicy;
pub use body::ERROR_BODY_CAP;
pub(crate) use body::says_not_found;
pub use context::CallOptions;
pub(crate) use context::{Failure, observe};
pub(crate) use idempotency::safety_of;

/// Default largest success body: 32 MiB (a large billing answer is well under 1 MiB).
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 32 * 1024 * 1024;
/// Default overall deadline of one call, all attempts and waits included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(90);
/// Longest server-requested delay waited for when a call has no deadline.
const MAX_UNBOUNDED_SERVER_DELAY: Duration = Duration::from_secs(60);

/// The status of the placeholder answer that carries a [`Failure`] to the post hook (not a
/// status any server sends).
const FAILURE_STATUS: u16 = 999;

/// The transport policy a raw client carries (its "inner" value).
#[derive(Clone, Debug, PartialEq)]
pub struct Transport {
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_size: u64,
    pub(crate) deadline: Option<Duration>,
    /// Overrides of a [`raw::Client::with_options`](crate::raw::Client::with_options) view.
    pub(crate) call: CallOptions,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            retry: RetryPolicy::default(),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            deadline: Some(DEFAULT_DEADLINE),
            call: CallOptions::default(),
        }
    }
}

impl Transport {
    /// This policy with `retries` retries after the first attempt (0: none).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// This policy with another overall deadline per call (`None`: none).
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.deadline = deadline.into();
        self
    }

    /// This policy with another largest success body, in bytes.
    pub fn with_max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The largest accepted success body, in bytes.
    pub fn max_response_size(&self) -> u64 {
        self.max_response_size
    }

    /// The overall deadline of a call.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The per-call overrides in force ([`raw::Client::with_options`](crate::raw::Client::with_options)).
    pub fn call_options(&self) -> CallOptions {
        self.call
    }

    /// Sends `request` (operation `operation_id`) under this policy.
    pub(crate) async fn exec(
        &self,
        client: &reqwest::Client,
        request: Request,
        operation_id: &'static str,
    ) -> reqwest::Result<Response> {
        let options = self.call;
        let safety = match options.idempotent {
            Some(true) => Safety::Idempotent,
            Some(false) => Safety::NonIdempotent,
            None => safety_of(operation_id, request.method()),
        };
        let policy = RetryPolicy {
            max_retries: options.max_retries.unwrap_or(self.retry.max_retries),
            ..self.retry
        };
        let deadline = options.deadline.or(self.deadline);
        let span = trace::call_span(operation_id, &request);
        let started = Instant::now();
        let plan = Plan {
            safety,
            policy,
            started,
            deadline,
        };
        let attempts = self.attempts(client, request, &plan, &span);
        let result = trace::instrument(span.clone(), async {
            match deadline {
                Some(limit) => match tokio::time::timeout(limit, attempts).await {
                    Ok(result) => result,
                    Err(_) => Ok(failed(Failure::Deadline { deadline: limit })),
                },
                None => attempts.await,
            }
        })
        .await;
        trace::finish(&span, &result, started.elapsed());
        result
    }

    async fn attempts(
        &self,
        client: &reqwest::Client,
        request: Request,
        plan: &Plan,
        span: &trace::Span,
    ) -> reqwest::Result<Response> {
        let Plan {
            safety,
            policy,
            started,
            deadline,
        } = *plan;
        let mut request = request;
        let mut retries_done = 0;
        loop {
            // A body that cannot be cloned (a stream) is sent once.
            let again = request.try_clone();
            let attempt = trace::attempt_span(retries_done + 1);
            context::record_attempt();
            let sent = trace::instrument(attempt, client.execute(request)).await;
            let (last, decision) = match sent {
                Ok(response) if response.status().is_success() => {
                    match self.success(response).await {
                        Ok(answer) => return Ok(answer),
                        // The body was cut short: like a dropped connection, retried when
                        // the request is safe to send again.
                        Err(error) => {
                            let decision =
                                self.decide(&policy, retries_done, Outcome::Transport, safety);
                            (Err(error), decision)
                        }
                    }
                }
                Ok(response) if is_error(response.status()) => {
                    match body::read_error(response).await {
                        Ok(buffered) => {
                            let code = body::error_code(buffered.status.as_u16(), &buffered.body);
                            let outcome = Outcome::Status {
                                status: buffered.status.as_u16(),
                                headers: &buffered.headers,
                                code: code.as_deref(),
                            };
                            let decision = self.decide(&policy, retries_done, outcome, safety);
                            (Ok(buffered.into_response()), decision)
                        }
                        Err(error) => {
                            let decision =
                                self.decide(&policy, retries_done, Outcome::Transport, safety);
                            (Err(error), decision)
                        }
                    }
                }
                Ok(other) => return Ok(other),
                Err(error) => {
                    let decision = self.decide(&policy, retries_done, outcome_of(&error), safety);
                    (Err(error), decision)
                }
            };
            match next_attempt(decision, again, started, deadline) {
                Some((next, delay)) => {
                    trace::retrying(span, retries_done + 1, delay, &last);
                    drop(last);
                    tokio::time::sleep(delay).await;
                    request = next;
                    retries_done += 1;
                }
                None => return last,
            }
        }
    }

    fn decide(
        &self,
        policy: &RetryPolicy,
        retries_done: u32,
        outcome: Outcome<'_>,
        safety: Safety,
    ) -> Decision {
        retry::decide(
            policy,
            retries_done,
            outcome,
            safety,
            SystemTime::now(),
            retry::jitter(),
        )
    }

    /// A 2xx answer, read within the size limit.
    async fn success(&self, response: Response) -> reqwest::Result<Response> {
        match body::read_limited(response, self.max_response_size).await? {
            Some(buffered) => {
                context::record_body(&buffered.body);
                Ok(buffered.into_response())
            }
            None => Ok(failed(Failure::TooLarge {
                limit: self.max_response_size,
            })),
        }
    }
}

/// How one call is sent: its safety, retry budget, start and deadline.
#[derive(Clone, Copy)]
struct Plan {
    safety: Safety,
    policy: RetryPolicy,
    started: Instant,
    deadline: Option<Duration>,
}

/// The request to send next and when, or `None` to return the last answer: no retry
/// decided, a body that cannot be sent twice, or a wait that would pass the deadline (or
/// reach 60 s without one).
fn next_attempt(
    decision: Decision,
    again: Option<Request>,
    started: Instant,
    deadline: Option<Duration>,
) -> Option<(Request, Duration)> {
    let (Decision::RetryAfter(delay), Some(next)) = (decision, again) else {
        return None;
    };
    let fits = match deadline {
        Some(limit) => started.elapsed() + delay < limit,
        None => delay < MAX_UNBOUNDED_SERVER_DELAY,
    };
    fits.then_some((next, delay))
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// What a transport error says about whether the request was processed.
fn outcome_of(error: &reqwest::Error) -> Outcome<'static> {
    if error.is_connect() {
        Outcome::Connect
    } else if error.is_timeout() {
        Outcome::Timeout
    } else if error.is_builder() {
        Outcome::Fatal
    } else {
        Outcome::Transport
    }
}

/// The placeholder answer for a transport failure: the post hook turns it into an error of
/// the raw client, and the facade into a typed [`crate::Error`].
fn failed(failure: Failure) -> Response {
    context::record_failure(failure);
    let mut response = http::Response::new(bytes::Bytes::new());
    *response.status_mut() = StatusCode::from_u16(FAILURE_STATUS).expect("a three-digit status");
    let mut response = Response::from(response);
    response.extensions_mut().insert(failure);
    response
}

/// The failure a placeholder answer carries.
pub(crate) fn failure_of(response: &Response) -> Option<Failure> {
    response.extensions().get::<Failure>().copied()
}
