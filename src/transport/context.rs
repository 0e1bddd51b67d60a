//! Per-call options, and what a call observed.
//!
//! Options travel with the client: [`raw::Client::with_options`](crate::raw::Client::with_options)
//! returns a client whose calls use them, so they hold wherever the call runs (another task,
//! a spawned future). What the transport learns beyond the HTTP answer (the body as sent, a
//! size limit or deadline hit) is observed inside the facade through a task-local scope
//! ([`observe`]) that wraps the very future making the call, so it is on the task that polls
//! it by construction.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

/// Options for the calls of one client view, overriding the client's configuration
/// ([`raw::Client::with_options`](crate::raw::Client::with_options)).
///
/// ```no_run
/// use std::time::Duration;
///
/// use flowglad::transport::CallOptions;
///
/// # async fn run(client: flowglad::FlowgladClient) -> Result<(), Box<dyn std::error::Error>> {
/// // An operation of yours that is safe to repeat: retry it like a GET, within 5 s in all.
/// let billing = client
///     .raw()
///     .with_options(CallOptions::new().idempotent(true).deadline(Duration::from_secs(5)))
///     .customers_get_billing("user_123")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// `Some(true)`: retry like a GET; `Some(false)`: only when nothing can have been
    /// processed; `None`: the operation table decides.
    pub idempotent: Option<bool>,
    /// Overall time for the call, all attempts and waits included.
    pub deadline: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the calls may be sent twice (overrides the operation table).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The overall deadline of each call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// `self`, with `outer`'s values where `self` has none.
    pub(crate) fn or(self, outer: CallOptions) -> CallOptions {
        CallOptions {
            idempotent: self.idempotent.or(outer.idempotent),
            deadline: self.deadline.or(outer.deadline),
            max_retries: self.max_retries.or(outer.max_retries),
        }
    }
}

/// Why the transport ended a call without a usable answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The body (or its announced length) exceeded the limit, in bytes.
    TooLarge { limit: u64 },
    /// The call's deadline passed.
    Deadline { deadline: Duration },
}

impl Failure {
    /// A short name (the `error.type` of a trace).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Failure::TooLarge { .. } => "response_too_large",
            Failure::Deadline { .. } => "deadline_exceeded",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::TooLarge { limit } => {
                write!(f, "{TOO_LARGE}{limit}{TOO_LARGE_END}")
            }
            Failure::Deadline { deadline } => {
                let nanos = deadline.as_nanos();
                if nanos % 1_000_000 == 0 {
                    write!(f, "{DEADLINE}{} ms", nanos / 1_000_000)
                } else {
                    write!(f, "{DEADLINE}{nanos} ns")
                }
            }
        }
    }
}

// The raw client's post hook can only fail a call with a message
// (`progenitor_client::Error::Custom`); these fixed texts let `crate::Error` read the
// failure back from it, so a raw call and a facade call end in the same typed error.
const TOO_LARGE: &str = "the response body is larger than the ";
const TOO_LARGE_END: &str = "-byte limit";
const DEADLINE: &str = "the call did not finish within its deadline of ";

impl Failure {
    /// The failure whose [`Display`](std::fmt::Display) text `message` is, if it is one.
    pub(crate) fn from_message(message: &str) -> Option<Failure> {
        if let Some(limit) = message
            .strip_prefix(TOO_LARGE)
            .and_then(|rest| rest.strip_suffix(TOO_LARGE_END))
        {
            return limit.parse().ok().map(|limit| Failure::TooLarge { limit });
        }
        let amount = message.strip_prefix(DEADLINE)?;
        let deadline = if let Some(ms) = amount.strip_suffix(" ms") {
            Duration::from_millis(ms.parse().ok()?)
        } else {
            let ns: u128 = amount.strip_suffix(" ns")?.parse().ok()?;
            Duration::new(
                u64::try_from(ns / 1_000_000_000).ok()?,
                (ns % 1_000_000_000) as u32,
            )
        };
        Some(Failure::Deadline { deadline })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_back_from_its_message() {
        for failure in [
            Failure::TooLarge { limit: 0 },
            Failure::TooLarge { limit: 32 << 20 },
            Failure::Deadline {
                deadline: Duration::from_secs(90),
            },
            Failure::Deadline {
                deadline: Duration::from_millis(250),
            },
            Failure::Deadline {
                deadline: Duration::new(3, 1),
            },
        ] {
            assert_eq!(Failure::from_message(&failure.to_string()), Some(failure));
        }
        for other in [
            "",
            "deadline",
            "the response body is larger than the x-byte limit",
        ] {
            assert_eq!(Failure::from_message(other), None, "{other}");
        }
    }
}

/// What the transport observed during a scope.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    /// The body of the last successful answer, as sent.
    pub body: Option<Bytes>,
    /// Why the last call failed in the transport, if it did.
    pub failure: Option<Failure>,
    /// Attempts sent (all calls of the scope).
    pub attempts: u32,
}

tokio::task_local! {
    static SCOPE: RefCell<Observed>;
}

/// Runs `call` in a scope and returns what the transport observed of its requests.
pub(crate) async fn observe<F: Future>(call: F) -> (F::Output, Observed) {
    SCOPE
        .scope(RefCell::new(Observed::default()), async {
            let output = call.await;
            let observed = SCOPE.with(|s| std::mem::take(&mut *s.borrow_mut()));
            (output, observed)
        })
        .await
}

/// Records a successful answer's body, inside a scope.
pub(crate) fn record_body(body: &Bytes) {
    let _ = SCOPE.try_with(|s| {
        let mut s = s.borrow_mut();
        s.body = Some(body.clone());
        s.failure = None;
    });
}

/// Counts an attempt, inside a scope.
pub(crate) fn record_attempt() {
    let _ = SCOPE.try_with(|s| s.borrow_mut().attempts += 1);
}

/// Records a transport failure, inside a scope.
pub(crate) fn record_failure(failure: Failure) {
    let _ = SCOPE.try_with(|s| s.borrow_mut().failure = Some(failure));
}
