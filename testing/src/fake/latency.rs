//! Simulated network latency: every request the fake answers waits a fixed or jittered
//! delay first ([`FakeFlowgladBuilder::latency`](super::FakeFlowgladBuilder::latency)), so
//! tests and benchmarks see round trips cost what they cost against the real API.
//!
//! Kept apart from [`faults`](super::faults): a fault targets chosen requests and is
//! consumed; latency applies to every request for the fake's whole life.

use std::time::Duration;

/// The delay added before the fake answers each request.
///
/// ```ignore
/// let fake = FakeFlowglad::builder().latency(Latency::fixed(Duration::from_millis(20))).start().await?;
/// let fake = FakeFlowglad::builder().latency(Latency::jittered(Duration::from_millis(15), Duration::from_millis(10))).start().await?;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    base: Duration,
    jitter: Duration,
}

impl Latency {
    /// No delay (the default).
    pub const NONE: Latency = Latency {
        base: Duration::ZERO,
        jitter: Duration::ZERO,
    };

    /// Exactly `delay` per request.
    pub fn fixed(delay: Duration) -> Self {
        Latency {
            base: delay,
            jitter: Duration::ZERO,
        }
    }

    /// `base` plus a uniformly random extra in `[0, jitter]` per request.
    pub fn jittered(base: Duration, jitter: Duration) -> Self {
        Latency { base, jitter }
    }

    /// The delay for one request (`rng` draws the jitter).
    pub(crate) fn sample(&self, rng: &mut fastrand::Rng) -> Duration {
        let jitter_nanos = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        let extra = if jitter_nanos == 0 {
            0
        } else {
            rng.u64(0..=jitter_nanos)
        };
        self.base + Duration::from_nanos(extra)
    }

    /// Waits one request's delay (returns at once for [`Latency::NONE`]).
    pub(crate) async fn wait(&self) {
        if *self == Latency::NONE {
            return;
        }
        let delay = self.sample(&mut fastrand::Rng::new());
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_in_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        let fixed = Latency::fixed(Duration::from_millis(20));
        assert_eq!(fixed.sample(&mut rng), Duration::from_millis(20));
        let jittered = Latency::jittered(Duration::from_millis(10), Duration::from_millis(5));
        let samples: Vec<Duration> = (0..200).map(|_| jittered.sample(&mut rng)).collect();
        assert!(samples.iter().all(|d| *d >= Duration::from_millis(10)));
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(15)));
        assert!(samples.iter().any(|d| *d != samples[0]), "jitter varies");
        assert_eq!(Latency::NONE.sample(&mut rng), Duration::ZERO);
    }
}
