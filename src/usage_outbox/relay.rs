//! The relay: claims stored events in batches, delivers them through the batcher's delivery
//! code ([`deliver_batch`]), then deletes what Flowglad acknowledged and dead-letters what it
//! refused. Whatever was neither (Flowglad unreachable past `give_up_after`, or the process
//! died) stays stored and is claimed again.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::store::{Claimed, Settlement, Store};
use crate::client::FlowgladClient;
use crate::error::Error;
use crate::usage_batcher::FailureKind;
use crate::usage_batcher::Shared;
use crate::usage_batcher::deliver::{deliver_batch, report};
use crate::usage_batcher::metrics::Counters;

/// What the handles tell the relay.
pub(crate) enum Ctl {
    /// Answer once the outbox is drained (or Flowglad is unreachable).
    Flush(oneshot::Sender<()>),
    /// Settle the deliveries in flight, claim nothing more, finish.
    Shutdown,
}

pub(crate) struct Relay {
    pub store: Arc<Store>,
    pub shared: Arc<Shared>,
    pub client: FlowgladClient,
    pub max_batch_size: usize,
    pub max_in_flight: usize,
    pub poll_interval: Duration,
    pub give_up_after: Duration,
    pub control: mpsc::UnboundedReceiver<Ctl>,
    /// Events were stored through a handle: look now (one permit however many records).
    pub wake: Arc<tokio::sync::Notify>,
    pub finished: watch::Sender<bool>,
    /// Claimed rows returned to the store unsettled (for the metrics' `in_flight`).
    pub released: Arc<std::sync::atomic::AtomicU64>,
}

/// How one delivery ended, for the relay's loop.
struct Done {
    /// Some events could not be delivered now: pause before claiming again.
    undelivered: bool,
}

impl Relay {
    pub(crate) async fn run(mut self) {
        let mut in_flight: JoinSet<Done> = JoinSet::new();
        let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
        let mut stopping = false;
        let mut open = true;
        // Look for stored events now: an earlier run may have left some.
        let mut look = true;
        let mut drained = false;
        let mut paused_until: Option<Instant> = None;
        loop {
            if paused_until.is_some_and(|at| at <= Instant::now()) {
                paused_until = None;
            }
            while look
                && !stopping
                && paused_until.is_none()
                && in_flight.len() < self.max_in_flight
            {
                match self.store.claim(self.max_batch_size).await {
                    Ok(Some(claimed)) => self.dispatch(claimed, &mut in_flight),
                    Ok(None) => {
                        look = false;
                        drained = true;
                    }
                    Err(_error) => {
                        #[cfg(feature = "tracing")]
                        tracing::warn!(error = %_error, "flowglad usage outbox: claiming events failed");
                        paused_until = Some(Instant::now() + self.poll_interval);
                    }
                }
            }
            // Everything this relay could claim is settled, or Flowglad is unreachable, or
            // the relay stops (what is still stored stays for the next run).
            if in_flight.is_empty() && (drained || paused_until.is_some() || stopping) {
                for reply in flushes.drain(..) {
                    let _ = reply.send(());
                }
                if stopping {
                    break;
                }
            }
            let wake_at = paused_until.unwrap_or_else(|| Instant::now() + self.poll_interval);
            tokio::select! {
                biased;
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if done.is_ok_and(|d| d.undelivered) {
                        paused_until = Some(Instant::now() + self.poll_interval);
                    }
                    look = true;
                }
                ctl = self.control.recv(), if open => {
                    match ctl {
                        Some(Ctl::Flush(reply)) => {
                            // A flush tries now, even during a pause.
                            flushes.push(reply);
                            paused_until = None;
                        }
                        Some(Ctl::Shutdown) | None => {
                            stopping = true;
                            open = ctl.is_some();
                        }
                    }
                    look = true;
                    drained = false;
                }
                () = self.wake.notified() => {
                    look = true;
                    drained = false;
                }
                _ = tokio::time::sleep_until(wake_at) => {
                    look = true;
                }
            }
        }
        self.finished.send_replace(true);
    }

    /// Hands a claimed batch to a delivery task.
    fn dispatch(&self, claimed: Claimed, in_flight: &mut JoinSet<Done>) {
        let Claimed {
            rows,
            undecodable,
            hold,
        } = claimed;
        let counters = &self.shared.counters;
        Counters::add(
            &counters.dispatched,
            (rows.len() + undecodable.len()) as u64,
        );
        let store = self.store.clone();
        let shared = self.shared.clone();
        let client = self.client.clone();
        let give_up_after = self.give_up_after;
        let released = self.released.clone();
        in_flight.spawn(async move {
            let work = async {
                let total = (rows.len() + undecodable.len()) as u64;
                let settled = deliver_batch(&client, &shared.counters, give_up_after, rows).await;
                let mut settlement = Settlement {
                    acked: settled.acked.iter().map(|r| r.id).collect(),
                    dead: undecodable
                        .into_iter()
                        .map(|(id, error)| (id, None, error))
                        .collect(),
                    released: Vec::new(),
                };
                let mut refused = Vec::new();
                for (batch, kind, error) in settled.failed {
                    match kind {
                        FailureKind::Rejected => {
                            let status = match &error {
                                Error::Api(api) => Some(api.status),
                                _ => None,
                            };
                            let text = error.to_string();
                            settlement
                                .dead
                                .extend(batch.iter().map(|r| (r.id, status, text.clone())));
                            refused.push((batch, error));
                        }
                        _ => settlement.released.extend(batch.iter().map(|r| r.id)),
                    }
                }
                let acked = settlement.acked.len() as u64;
                let buried = settlement.dead.len() as u64;
                let undelivered = !settlement.released.is_empty();
                match store.settle(hold, settlement).await {
                    Ok(()) => {
                        Counters::add(&shared.counters.sent, acked);
                        Counters::add(&released, total - acked - buried);
                        // Undecodable rows are dead letters without an event to report.
                        let reported: u64 = refused.iter().map(|(b, _)| b.len() as u64).sum();
                        Counters::add(&shared.counters.failed, buried - reported);
                        for (batch, error) in refused {
                            let events = batch.into_iter().map(|r| r.event).collect();
                            report(&shared, events, FailureKind::Rejected, error);
                        }
                    }
                    Err(_error) => {
                        // Nothing was deleted: every row is sent again later, with the same
                        // transaction ids, which Flowglad de-duplicates.
                        #[cfg(feature = "tracing")]
                        tracing::warn!(error = %_error, "flowglad usage outbox: settling a batch failed");
                        Counters::add(&released, total);
                        return Done { undelivered: true };
                    }
                }
                Done { undelivered }
            };
            // A panic here is a bug; the rows stay stored, so nothing is lost.
            std::panic::AssertUnwindSafe(work)
                .catch_unwind()
                .await
                .unwrap_or(Done { undelivered: true })
        });
    }
}
