//! The retry policy: a pure decision function of (attempt, outcome, headers, request
//! safety), plus the backoff computation. The loop that applies it is the raw client's
//! transport hook ([`crate::transport`]), so facade and raw calls share it.
//!
//! The rules are documented on [`crate::transport`].

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Whether sending a request twice is harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    /// Safe to repeat (GET, PUT, usage events keyed on `transactionId`, archive).
    Idempotent,
    /// A POST that could create or change something twice.
    NonIdempotent,
}

/// Backoff parameters and the retry budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// First backoff delay (default 0.5 s).
    pub base_delay: Duration,
    /// Backoff ceiling (default 8 s).
    pub max_delay: Duration,
    /// Retry non-idempotent requests like idempotent ones (default `false`).
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            retry_non_idempotent: false,
        }
    }
}

/// What happened to one attempt.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// The server answered with an error status.
    Status {
        /// HTTP status.
        status: u16,
        /// Response headers.
        headers: &'a HeaderMap,
        /// The JSON error body's `code`, if any (`NOT_FOUND` for a 5xx whose message names
        /// upstream's `NotFoundError`).
        code: Option<&'a str>,
    },
    /// The connection could not be established (nothing was sent).
    Connect,
    /// The attempt timed out.
    Timeout,
    /// Another transport failure (connection reset, body read error...): the request may
    /// have been processed.
    Transport,
    /// Not retryable at all (decode errors, invalid requests).
    Fatal,
}

/// The decision for one failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Sleep this long, then send again.
    RetryAfter(Duration),
    /// Give up and return the error.
    Stop,
}

/// 408, 409, 429 and 5xx.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// Decides whether to retry after a failed attempt.
///
/// `retries_done` is the number of retries already made (0 after the first attempt);
/// `now` is used for `Retry-After` HTTP dates; `jitter` must be in `(0.75, 1]` (see
/// [`jitter`]).
pub fn decide(
    policy: &RetryPolicy,
    retries_done: u32,
    outcome: Outcome<'_>,
    safety: Safety,
    now: SystemTime,
    jitter: f64,
) -> Decision {
    if retries_done >= policy.max_retries {
        return Decision::Stop;
    }
    let full_rules = safety == Safety::Idempotent || policy.retry_non_idempotent;
    let retry = match outcome {
        _ if is_permanent(outcome) => false,
        Outcome::Status {
            status, headers, ..
        } => match should_retry_header(headers) {
            Some(explicit) => explicit,
            None if full_rules => is_retryable_status(status),
            None => status == 429,
        },
        Outcome::Connect => true,
        Outcome::Timeout | Outcome::Transport => full_rules,
        Outcome::Fatal => false,
    };
    if !retry {
        return Decision::Stop;
    }
    let server_delay = match outcome {
        Outcome::Status { headers, .. } => retry_after(headers, now),
        _ => None,
    };
    Decision::RetryAfter(server_delay.unwrap_or_else(|| backoff(policy, retries_done, jitter)))
}

/// A 409 whose body says `code: "CONFLICT"` (the request collides with the API's state), or
/// a not-found (also one Flowglad sends as a 500): sending it again cannot succeed.
fn is_permanent(outcome: Outcome<'_>) -> bool {
    matches!(
        outcome,
        Outcome::Status {
            status: 409,
            code: Some("CONFLICT"),
            ..
        } | Outcome::Status {
            code: Some("NOT_FOUND"),
            ..
        }
    )
}

/// `x-should-retry: true|false`, if present.
fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The server-requested delay (`retry-after-ms`, else `retry-after` in seconds or as an HTTP
/// date), when it is a non-negative duration (a date in the past is zero).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let millis = header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .or_else(|| {
            let value = header("retry-after")?.trim();
            match value.parse::<f64>() {
                Ok(seconds) => Some(seconds * 1000.0),
                Err(_) => {
                    let date = httpdate::parse_http_date(value).ok()?;
                    Some(match date.duration_since(now) {
                        Ok(ahead) => ahead.as_secs_f64() * 1000.0,
                        Err(_) => 0.0,
                    })
                }
            }
        })?;
    (millis.is_finite() && (0.0..=MAX_SERVER_DELAY_MS).contains(&millis))
        .then(|| Duration::from_secs_f64(millis / 1000.0))
}

/// Longer server delays are nonsense (a day); the transport's deadline bounds real ones.
const MAX_SERVER_DELAY_MS: f64 = 86_400_000.0;

/// `min(base * 2^retries_done, max) * jitter`.
pub fn backoff(policy: &RetryPolicy, retries_done: u32, jitter: f64) -> Duration {
    let factor = 2f64.powi(retries_done.min(30) as i32);
    let delay = (policy.base_delay.as_secs_f64() * factor).min(policy.max_delay.as_secs_f64());
    Duration::from_secs_f64(delay * jitter.clamp(0.0, 1.0))
}

/// A random jitter factor in `(0.75, 1]`.
pub fn jitter() -> f64 {
    1.0 - fastrand::f64() * 0.25
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn status(code: u16, h: &HeaderMap) -> Outcome<'_> {
        Outcome::Status {
            status: code,
            headers: h,
            code: None,
        }
    }

    const NOW: fn() -> SystemTime = SystemTime::now;
    use Safety::{Idempotent, NonIdempotent};

    #[test]
    fn retryable_statuses() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        for code in [408, 409, 429, 500, 502, 503, 504, 599] {
            assert!(matches!(
                decide(&p, 0, status(code, &h), Idempotent, NOW(), 1.0),
                Decision::RetryAfter(_)
            ));
        }
        for code in [400, 401, 403, 404, 422] {
            assert_eq!(
                decide(&p, 0, status(code, &h), Idempotent, NOW(), 1.0),
                Decision::Stop
            );
        }
    }

    #[test]
    fn budget_is_max_retries() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        assert!(matches!(
            decide(&p, 1, status(500, &h), Idempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            decide(&p, 2, status(500, &h), Idempotent, NOW(), 1.0),
            Decision::Stop
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..p
        };
        assert_eq!(
            decide(&none, 0, Outcome::Connect, Idempotent, NOW(), 1.0),
            Decision::Stop
        );
    }

    #[test]
    fn x_should_retry_overrides_status() {
        let p = RetryPolicy::default();
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(matches!(
            decide(&p, 0, status(400, &yes), Idempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(&p, 0, status(400, &yes), NonIdempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            decide(&p, 0, status(503, &no), Idempotent, NOW(), 1.0),
            Decision::Stop
        );
    }

    #[test]
    fn non_idempotent_only_when_not_processed() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        for code in [408, 409, 500, 503] {
            assert_eq!(
                decide(&p, 0, status(code, &h), NonIdempotent, NOW(), 1.0),
                Decision::Stop
            );
        }
        assert!(matches!(
            decide(&p, 0, status(429, &h), NonIdempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(&p, 0, Outcome::Connect, NonIdempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        for outcome in [Outcome::Timeout, Outcome::Transport, Outcome::Fatal] {
            assert_eq!(
                decide(&p, 0, outcome, NonIdempotent, NOW(), 1.0),
                Decision::Stop
            );
        }
        let opt_in = RetryPolicy {
            retry_non_idempotent: true,
            ..p
        };
        assert!(matches!(
            decide(&opt_in, 0, status(500, &h), NonIdempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(&opt_in, 0, Outcome::Timeout, NonIdempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn transport_outcomes_for_idempotent() {
        let p = RetryPolicy::default();
        for outcome in [Outcome::Connect, Outcome::Timeout, Outcome::Transport] {
            assert_eq!(
                decide(&p, 0, outcome, Idempotent, NOW(), 1.0),
                Decision::RetryAfter(Duration::from_millis(500))
            );
        }
        assert_eq!(
            decide(&p, 0, Outcome::Fatal, Idempotent, NOW(), 1.0),
            Decision::Stop
        );
    }

    #[test]
    fn retry_after_headers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        // retry-after-ms wins over retry-after.
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "10"), ("retry-after", "5")]),
                now
            ),
            Some(Duration::from_millis(10))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(3));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(3))
        );
        // A date in the past means "now".
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), now),
            Some(Duration::ZERO)
        );
        // Long delays are reported (the transport decides against its deadline); negative
        // and garbage are ignored (backoff is used instead).
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")]), now),
            Some(Duration::from_secs(120))
        );
        for value in ["-1", "soon", "1e12"] {
            assert_eq!(retry_after(&headers(&[("retry-after", value)]), now), None);
        }
        let far = httpdate::fmt_http_date(now + Duration::from_secs(3600));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &far)]), now),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn server_delay_is_used_by_decide() {
        let p = RetryPolicy::default();
        let h = headers(&[("retry-after-ms", "7")]);
        assert_eq!(
            decide(&p, 0, status(503, &h), Idempotent, NOW(), 1.0),
            Decision::RetryAfter(Duration::from_millis(7))
        );
        let garbage = headers(&[("retry-after", "soon")]);
        assert_eq!(
            decide(&p, 1, status(503, &garbage), Idempotent, NOW(), 1.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn conflicts_are_permanent() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        let conflict = Outcome::Status {
            status: 409,
            headers: &h,
            code: Some("CONFLICT"),
        };
        assert_eq!(
            decide(&p, 0, conflict, Idempotent, NOW(), 1.0),
            Decision::Stop
        );
        // A 409 without that code (e.g. a proxy's lock timeout) is retried as before.
        assert!(matches!(
            decide(&p, 0, status(409, &h), Idempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn not_found_is_permanent_even_as_a_500() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        // The transport reports NOT_FOUND for a 500 whose error names `NotFoundError`
        // (src/transport/body.rs): Flowglad's answer to some lookups of an unknown id.
        let not_found = Outcome::Status {
            status: 500,
            headers: &h,
            code: Some("NOT_FOUND"),
        };
        assert_eq!(
            decide(&p, 0, not_found, Idempotent, NOW(), 1.0),
            Decision::Stop
        );
        let internal = Outcome::Status {
            status: 500,
            headers: &h,
            code: Some("INTERNAL_SERVER_ERROR"),
        };
        assert!(matches!(
            decide(&p, 0, internal, Idempotent, NOW(), 1.0),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn exponential_backoff_with_cap_and_jitter() {
        let p = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let expected = [500, 1000, 2000, 4000, 8000, 8000, 8000];
        for (retry, ms) in expected.iter().enumerate() {
            assert_eq!(
                backoff(&p, retry as u32, 1.0),
                Duration::from_millis(*ms),
                "retry {retry}"
            );
        }
        assert_eq!(backoff(&p, 0, 0.8), Duration::from_millis(400));
        assert_eq!(backoff(&p, 100, 1.0), Duration::from_secs(8));
    }

    #[test]
    fn jitter_range() {
        for _ in 0..10_000 {
            let j = jitter();
            assert!(j > 0.75 && j <= 1.0, "{j}");
        }
    }
}
