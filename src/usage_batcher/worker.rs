//! The background task: cuts the queue into batches (by size, by interval, on flush and on
//! shutdown), runs at most `max_in_flight` deliveries at once, and answers flushes once every
//! event queued before them is acknowledged or reported.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::deliver::{Delivery, deliver};
use super::metrics::Counters;
use crate::server::usage::CreateUsageEventParams;

/// What flows through the queue. Flushes travel with the events, so a flush covers exactly
/// the events queued before it.
pub(crate) enum Msg {
    Event(CreateUsageEventParams),
    /// Answer once everything before it is settled.
    Flush(oneshot::Sender<()>),
    /// Stop accepting; settle everything queued, then finish.
    Shutdown,
}

pub(crate) struct Worker {
    pub rx: mpsc::Receiver<Msg>,
    pub delivery: Arc<Delivery>,
    pub max_batch_size: usize,
    pub flush_interval: Duration,
    pub max_in_flight: usize,
    /// Set to `true` when the worker has finished (all events settled).
    pub finished: watch::Sender<bool>,
}

impl Worker {
    pub(crate) async fn run(mut self) {
        let mut batch: Vec<CreateUsageEventParams> = Vec::with_capacity(self.max_batch_size);
        // When the current batch must go even if it is not full.
        let mut due: Option<Instant> = None;
        let mut in_flight: JoinSet<u64> = JoinSet::new();
        // Ids of dispatched batches that are not settled yet.
        let mut unsettled = BTreeSet::new();
        let mut next_id = 0u64;
        // (first batch id not covered, reply): answered when no earlier batch is unsettled.
        let mut flushes: Vec<(u64, oneshot::Sender<()>)> = Vec::new();
        let mut open = true;
        loop {
            let room = in_flight.len() < self.max_in_flight;
            tokio::select! {
                biased;
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok(id) = done {
                        unsettled.remove(&id);
                    }
                }
                msg = self.rx.recv(), if open && room => match msg {
                    Some(Msg::Event(event)) => {
                        if batch.is_empty() {
                            due = Some(Instant::now() + self.flush_interval);
                        }
                        batch.push(event);
                        if batch.len() >= self.max_batch_size {
                            self.dispatch(&mut batch, &mut due, &mut in_flight, &mut unsettled, &mut next_id);
                        }
                    }
                    Some(Msg::Flush(reply)) => {
                        self.dispatch(&mut batch, &mut due, &mut in_flight, &mut unsettled, &mut next_id);
                        flushes.push((next_id, reply));
                    }
                    // Later sends fail and hand their event back; what is queued still comes.
                    Some(Msg::Shutdown) => self.rx.close(),
                    None => {
                        open = false;
                        self.dispatch(&mut batch, &mut due, &mut in_flight, &mut unsettled, &mut next_id);
                    }
                },
                _ = sleep_until(due), if due.is_some() && room => {
                    self.dispatch(&mut batch, &mut due, &mut in_flight, &mut unsettled, &mut next_id);
                }
            }
            let oldest = unsettled.first().copied().unwrap_or(u64::MAX);
            let mut i = 0;
            while i < flushes.len() {
                if flushes[i].0 <= oldest {
                    let _ = flushes.swap_remove(i).1.send(());
                } else {
                    i += 1;
                }
            }
            if !open && in_flight.is_empty() {
                break;
            }
        }
        self.finished.send_replace(true);
    }

    /// Hands the current batch (if any) to a delivery task.
    fn dispatch(
        &self,
        batch: &mut Vec<CreateUsageEventParams>,
        due: &mut Option<Instant>,
        in_flight: &mut JoinSet<u64>,
        unsettled: &mut BTreeSet<u64>,
        next_id: &mut u64,
    ) {
        *due = None;
        if batch.is_empty() {
            return;
        }
        let events = std::mem::replace(batch, Vec::with_capacity(self.max_batch_size));
        Counters::add(
            &self.delivery.shared.counters.dispatched,
            events.len() as u64,
        );
        let id = *next_id;
        *next_id += 1;
        unsettled.insert(id);
        let delivery = self.delivery.clone();
        in_flight.spawn(async move {
            // `deliver` settles every event itself; a panic there is a bug, and must not
            // leave a flush waiting forever.
            let _ = std::panic::AssertUnwindSafe(deliver(&delivery, events))
                .catch_unwind()
                .await;
            id
        });
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
