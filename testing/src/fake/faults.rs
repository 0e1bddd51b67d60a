//! Fault injection: latency, 429, 5xx and dropped connections, for chosen operations or a
//! (seeded, deterministic) fraction of requests.

use std::collections::BTreeMap;
use std::time::Duration;

/// Which requests a [`Fault`] applies to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultTarget {
    /// Requests for this `operationId` (e.g. `customers-getBilling`).
    Operation(String),
    /// This fraction (0.0..=1.0) of all routed requests, drawn from the fake's seeded RNG.
    Fraction(f64),
    /// Every routed request.
    All,
}

/// What a [`Fault`] does to a request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer 429 with `Retry-After: <seconds>`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answer this status (e.g. 500, 503) with `{"error": "Internal server error"}`.
    Status(u16),
    /// Close the connection without answering (the request is not processed).
    DropConnection,
    /// Process the request (state changes happen), then close the connection without
    /// answering: the client cannot tell whether it was processed.
    DropAfterProcessing,
    /// Answer this status (e.g. 503) with `retry-after-ms: <ms>` and `retry-after: <whole
    /// seconds, rounded up>`.
    StatusRetryAfter {
        /// HTTP status.
        status: u16,
        /// The delay the client is asked to wait.
        retry_after: Duration,
    },
}

impl FaultKind {
    /// A short name for counting: `latency`, `rate_limited`, `status_<code>`,
    /// `drop_connection`, `drop_after_processing`, `status_<code>_retry_after`.
    pub fn label(&self) -> String {
        match self {
            FaultKind::Latency(_) => "latency".into(),
            FaultKind::RateLimited { .. } => "rate_limited".into(),
            FaultKind::Status(status) => format!("status_{status}"),
            FaultKind::DropConnection => "drop_connection".into(),
            FaultKind::DropAfterProcessing => "drop_after_processing".into(),
            FaultKind::StatusRetryAfter { status, .. } => format!("status_{status}_retry_after"),
        }
    }
}

/// A fault to inject with [`FakeFlowglad::inject`](super::FakeFlowglad::inject).
///
/// ```ignore
/// fake.inject(Fault::on("customers-getBilling").status(503).times(2));
/// fake.inject(Fault::fraction(0.2).drop_connection());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Which requests.
    pub target: FaultTarget,
    /// What happens to them.
    pub kind: FaultKind,
    /// How many more requests it applies to (`None`: always).
    pub remaining: Option<u32>,
}

impl Fault {
    /// A fault on requests for `operation_id` (default kind: 500, always).
    pub fn on(operation_id: impl Into<String>) -> Self {
        Self::new(FaultTarget::Operation(operation_id.into()))
    }

    /// A fault on a fraction of requests (default kind: 500, always).
    pub fn fraction(fraction: f64) -> Self {
        Self::new(FaultTarget::Fraction(fraction.clamp(0.0, 1.0)))
    }

    /// A fault on every request (default kind: 500, always).
    pub fn all() -> Self {
        Self::new(FaultTarget::All)
    }

    fn new(target: FaultTarget) -> Self {
        Self {
            target,
            kind: FaultKind::Status(500),
            remaining: None,
        }
    }

    /// Delay the answer.
    pub fn latency(mut self, delay: Duration) -> Self {
        self.kind = FaultKind::Latency(delay);
        self
    }

    /// Answer 429 with `Retry-After`.
    pub fn rate_limited(mut self, retry_after_secs: u64) -> Self {
        self.kind = FaultKind::RateLimited { retry_after_secs };
        self
    }

    /// Answer this (error) status.
    pub fn status(mut self, status: u16) -> Self {
        self.kind = FaultKind::Status(status);
        self
    }

    /// Close the connection without an answer.
    pub fn drop_connection(mut self) -> Self {
        self.kind = FaultKind::DropConnection;
        self
    }

    /// Process the request, then close the connection without an answer.
    pub fn drop_after_processing(mut self) -> Self {
        self.kind = FaultKind::DropAfterProcessing;
        self
    }

    /// Answer this (error) status with a `Retry-After` delay.
    pub fn status_retry_after(mut self, status: u16, retry_after: Duration) -> Self {
        self.kind = FaultKind::StatusRetryAfter {
            status,
            retry_after,
        };
        self
    }

    /// Apply to the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Apply to every matching request (the default).
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }
}

/// The injected faults, the RNG for fractions, and how often each kind was applied.
#[derive(Debug)]
pub(crate) struct Faults {
    faults: Vec<Fault>,
    rng: fastrand::Rng,
    applied: BTreeMap<String, u64>,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            faults: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
            applied: BTreeMap::new(),
        }
    }

    /// How many requests each kind of fault was applied to ([`FaultKind::label`]).
    pub(crate) fn applied(&self) -> BTreeMap<String, u64> {
        self.applied.clone()
    }

    pub(crate) fn push(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    /// The first fault that applies to a request for `operation_id`, consuming one use.
    ///
    /// One random number per request decides among the fractions: they take consecutive
    /// slices of `[0, 1)` in injection order, so `Fault::fraction(p)` applies to a fraction
    /// `p` of requests however many fractions were injected before it.
    pub(crate) fn take(&mut self, operation_id: &str) -> Option<FaultKind> {
        let draw = self.rng.f64();
        let mut slice_start = 0.0;
        let index = self.faults.iter().position(|f| {
            f.remaining != Some(0)
                && match &f.target {
                    FaultTarget::Operation(op) => op == operation_id,
                    FaultTarget::Fraction(p) => {
                        let hit = (slice_start..slice_start + p).contains(&draw);
                        slice_start += p;
                        hit
                    }
                    FaultTarget::All => true,
                }
        })?;
        let fault = &mut self.faults[index];
        if let Some(n) = &mut fault.remaining {
            *n -= 1;
        }
        let kind = fault.kind.clone();
        self.faults.retain(|f| f.remaining != Some(0));
        *self.applied.entry(kind.label()).or_default() += 1;
        Some(kind)
    }
}
