//! Crash tests of the usage outbox with real processes: this test binary re-runs itself
//! (filtered to the calling test, with `FLOWGLAD_OUTBOX_CRASH_ROLE` naming the child's
//! role) as a child that records and relays 100,000 events against the fake Flowglad API,
//! and is killed with SIGKILL — while recording, while delivering, and after the fake
//! processed a batch but before the outbox deleted it — then restarted. The fake's ledger
//! must then hold every event exactly once (0 lost, 0 duplicated) and the events Flowglad
//! refuses must be in the dead-letter table.
//!
//! SQLite: one process, killed 5 times. PostgreSQL: a recorder process (killed while
//! recording) and 3 relay processes draining the same table, one killed after the fake
//! processed its batch, one killed mid-run for good.

#![cfg(any(feature = "outbox-sqlite", feature = "outbox-postgres"))]

use std::collections::HashSet;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flowglad::usage_batcher::UsageEvent;
use flowglad::usage_outbox::UsageOutbox;
use flowglad_testing::FakeFlowglad;
use flowglad_testing::fake::Fault;

use crate::outbox_support::{BULK, client, event, ledger_txns, sends_per_txn, setup};

const ROLE: &str = "FLOWGLAD_OUTBOX_CRASH_ROLE";
const TOTAL: usize = 100_000;
/// Events per `record_all` (one commit).
const CHUNK: usize = 1_000;
/// Events per bulk request.
const BATCH: usize = 2_000;

fn txn(i: usize) -> String {
    format!("crash-{i:06}")
}

/// Two events name a subscription Flowglad does not know: refused for good.
fn is_dead(i: usize) -> bool {
    i % 50_000 == 12_345
}

fn event_for(i: usize, sub: &str) -> UsageEvent {
    let sub = if is_dead(i) { "sub_unknown" } else { sub };
    event(sub).transaction_id(txn(i))
}

fn env(name: &str) -> String {
    std::env::var(format!("FLOWGLAD_OUTBOX_CRASH_{name}")).expect(name)
}

/// Records events `FROM..TOTAL` in commits of `CHUNK`, printing the progress.
async fn record_from(outbox: &UsageOutbox, from: usize, sub: &str) {
    let mut i = from;
    while i < TOTAL {
        let end = (i + CHUNK).min(TOTAL);
        outbox
            .record_all((i..end).map(|i| event_for(i, sub)))
            .await
            .expect("recorded");
        println!("@@committed {end}");
        i = end;
    }
}

/// The child's side.
async fn child(role: &str) {
    // Retries wait ≥ 300 ms: the window in which the parent kills a relay whose batch the
    // fake processed without answering.
    let client = client(&env("URL"), &env("KEY"), Duration::from_millis(300));
    let sub = env("SUB");
    let from: usize = env("FROM").parse().unwrap();
    let db = env("DB");
    let outbox = match role {
        #[cfg(feature = "outbox-sqlite")]
        "sqlite" => UsageOutbox::sqlite(&client, &db),
        #[cfg(feature = "outbox-postgres")]
        "pg-record" | "pg-relay" => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(3)
                .connect(&db)
                .await
                .unwrap();
            UsageOutbox::postgres(&client, pool).relay(role == "pg-relay")
        }
        other => panic!("unknown role {other}"),
    }
    .max_batch_size(BATCH)
    .max_in_flight(1)
    .poll_interval(Duration::from_millis(50))
    .build()
    .await
    .unwrap();
    match role {
        "pg-relay" => {
            println!("@@relaying");
            // Until the parent kills it.
            std::future::pending::<()>().await;
        }
        "pg-record" => record_from(&outbox, from, &sub).await,
        _ => {
            record_from(&outbox, from, &sub).await;
            while outbox.stored().await.unwrap() > 0 {
                outbox.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    println!("@@done");
    outbox.shutdown().await;
}

/// A child process and what it printed.
struct Worker {
    child: Child,
    committed: Arc<AtomicUsize>,
    done: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn(test: &str, role: &str, vars: &[(&str, String)]) -> Worker {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(ROLE, role)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in vars {
            cmd.env(format!("FLOWGLAD_OUTBOX_CRASH_{name}"), value);
        }
        let mut child = cmd.spawn().expect("spawn the child");
        let committed = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let stdout = child.stdout.take().unwrap();
        let (c, d) = (committed.clone(), done.clone());
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // The markers may follow the test harness's own text on the same line.
                if let Some((_, n)) = line.split_once("@@committed ") {
                    c.fetch_max(n.trim().parse().unwrap_or(0), Ordering::SeqCst);
                } else if line.contains("@@done") {
                    d.store(true, Ordering::SeqCst);
                }
            }
        });
        Worker {
            child,
            committed,
            done,
            reader: Some(reader),
        }
    }

    fn exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// SIGKILL.
    fn kill(mut self) -> usize {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Everything it printed before it died.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.committed.load(Ordering::SeqCst)
    }

    async fn wait_success(mut self, within: Duration) -> usize {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the child failed: {status}");
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                assert!(
                    self.done.load(Ordering::SeqCst),
                    "the child finished its work"
                );
                return self.committed.load(Ordering::SeqCst);
            }
            if started.elapsed() > within {
                let _ = self.kill();
                panic!("the child did not finish within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A small xorshift, seeded from the clock (printed, to replay a failure's timings).
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        println!("crash-test seed {seed}");
        Rng(seed)
    }
    fn millis(&mut self, range: std::ops::Range<u64>) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(range.start + self.0 % (range.end - range.start))
    }
}

/// Makes the next bulk request be processed and its connection dropped, and returns once
/// the fake has processed it, with the transaction ids it held: the caller then kills the
/// worker before it could delete the rows. `None` when the worker exited first.
async fn processed_then_dropped(fake: &FakeFlowglad, worker: &mut Worker) -> Option<Vec<String>> {
    let applied = |fake: &FakeFlowglad| {
        fake.faults_applied()
            .get("drop_after_processing")
            .copied()
            .unwrap_or(0)
    };
    let before = applied(fake);
    fake.inject(Fault::on(BULK).drop_after_processing().times(1));
    let started = Instant::now();
    while applied(fake) == before {
        if worker.exited() || started.elapsed() > Duration::from_secs(30) {
            fake.clear_faults();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The fake counts the fault, then validates and processes the batch (under its state
    // lock), then drops the connection; the worker's retry waits ≥ 300 ms.
    let ledger = fake.usage_event_count();
    let waited = Instant::now();
    while fake.usage_event_count() == ledger && waited.elapsed() < Duration::from_millis(150) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // With one request in flight, the last bulk request is the dropped one.
    let dropped = fake
        .requests_to(BULK)
        .pop()
        .and_then(|r| r.body.as_ref()?["usageEvents"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some(e["transactionId"].as_str()?.to_owned()))
        .collect();
    Some(dropped)
}

/// What the test found, checked and printed.
struct Figures {
    backend: &'static str,
    kills: Vec<String>,
    /// Events of batches the fake processed right before their relay was killed.
    dropped: Vec<String>,
    started: Instant,
}

impl Figures {
    /// Reads the outbox's dead letters, shuts it down, and checks the run with the resend
    /// bound its kills allow.
    async fn check_after_shutdown(&self, fake: &FakeFlowglad, outbox: UsageOutbox) {
        let dead: Vec<String> = outbox
            .dead_letters()
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.transaction_id)
            .collect();
        outbox.shutdown().await;
        self.check(fake, &dead, resend_bound(self.kills.len()));
    }

    /// Checks the fake's ledger and the dead letters against the expected events.
    fn check(&self, fake: &FakeFlowglad, dead_letters: &[String], max_resent: usize) {
        let ledger = ledger_txns(fake);
        let unique: HashSet<&String> = ledger.iter().collect();
        let expected: HashSet<String> = (0..TOTAL).filter(|&i| !is_dead(i)).map(txn).collect();
        let expected_dead: HashSet<String> = (0..TOTAL).filter(|&i| is_dead(i)).map(txn).collect();
        let lost = expected.iter().filter(|t| !unique.contains(t)).count();
        let duplicated = ledger.len() - unique.len();
        let unexpected = unique.iter().filter(|t| !expected.contains(**t)).count();
        let dead: HashSet<String> = dead_letters.iter().cloned().collect();
        let sends = sends_per_txn(fake);
        let on_the_wire: usize = sends.values().sum();
        let resent = on_the_wire - sends.len();
        println!(
            "outbox crash test ({}): {TOTAL} events, {} SIGKILLs [{}], ledger {} — lost \
             {lost}, duplicated {duplicated}, unexpected {unexpected}; dead-lettered {} \
             ({} rows); events on the wire {on_the_wire} (resent {resent}, bound \
             {max_resent}); {:.1} s",
            self.backend,
            self.kills.len(),
            self.kills.join(", "),
            ledger.len(),
            dead.len(),
            dead_letters.len(),
            self.started.elapsed().as_secs_f64(),
        );
        assert_eq!((lost, duplicated, unexpected), (0, 0, 0));
        assert_eq!(ledger.len(), expected.len());
        assert_eq!(dead, expected_dead, "every refused event is a dead letter");
        assert!(!self.dropped.is_empty());
        assert!(
            self.dropped
                .iter()
                .all(|t| sends.get(t).copied().unwrap_or(0) >= 2),
            "the events of a batch processed before its relay was killed were sent again"
        );
        assert!(
            resent <= max_resent,
            "{resent} events resent: more than the kills and refusals explain"
        );
    }
}

/// The most events that may go out more than once: each kill resends a batch in flight and
/// re-records one chunk; each refused event costs its batch's bisection (under 3 batches'
/// worth of events), and a kill may interrupt one bisection. Relays that sent each other's
/// rows (a broken claim) would exceed it many times over.
fn resend_bound(kills: usize) -> usize {
    kills * (BATCH + CHUNK) + (2 + 1) * 3 * BATCH
}

fn test_name(name: &str) -> String {
    format!(
        "{}::{name}",
        module_path!().split_once("::").map_or("", |(_, m)| m)
    )
}

#[cfg(feature = "outbox-sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_outbox_survives_sigkill_100k_events_0_lost_0_duplicated() {
    if let Ok(role) = std::env::var(ROLE) {
        return child(&role).await;
    }
    let test = test_name("sqlite_outbox_survives_sigkill_100k_events_0_lost_0_duplicated");
    let (fake, client, sub) = setup().await;
    let dir = std::env::temp_dir().join(format!("flowglad-outbox-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("usage.db");
    let vars = |from: usize| {
        vec![
            ("URL", fake.base_url().to_owned()),
            ("KEY", fake.api_key().to_owned()),
            ("SUB", sub.clone()),
            ("DB", db.display().to_string()),
            ("FROM", from.to_string()),
        ]
    };
    let mut rng = Rng::new();
    let mut figures = Figures {
        backend: "SQLite",
        kills: Vec::new(),
        dropped: Vec::new(),
        started: Instant::now(),
    };
    let mut committed = 0;
    // Random kills alternate with kills after the fake processed a batch.
    for round in 0..5 {
        let mut worker = Worker::spawn(&test, "sqlite", &vars(committed));
        let what = if round % 2 == 1 {
            let dropped = processed_then_dropped(&fake, &mut worker).await;
            figures
                .dropped
                .extend(dropped.expect("the worker finished before a batch could be dropped"));
            "after processing, before delete".to_owned()
        } else {
            if round == 4 {
                // The last kill lands once everything is recorded: the relay alone is busy.
                let started = Instant::now();
                while worker.committed.load(Ordering::SeqCst) < TOTAL
                    && started.elapsed() < Duration::from_secs(60)
                    && !worker.exited()
                {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            let at = rng.millis(if round == 4 { 100..1000 } else { 200..900 });
            tokio::time::sleep(at).await;
            let phase = if worker.committed.load(Ordering::SeqCst) < TOTAL {
                "while recording"
            } else {
                "while delivering"
            };
            format!("{phase} ({} ms)", at.as_millis())
        };
        // The next run records again from what the killed one reported committed.
        committed = committed.max(worker.kill());
        figures.kills.push(what);
    }
    let last = Worker::spawn(&test, "sqlite", &vars(committed));
    last.wait_success(Duration::from_secs(120)).await;
    let reader = UsageOutbox::sqlite(&client, &db)
        .relay(false)
        .build()
        .await
        .unwrap();
    assert_eq!(reader.stored().await.unwrap(), 0);
    figures.check_after_shutdown(&fake, reader).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "outbox-postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outbox_3_relays_survive_sigkill_100k_events_0_lost_0_duplicated() {
    if let Ok(role) = std::env::var(ROLE) {
        return child(&role).await;
    }
    let test =
        test_name("postgres_outbox_3_relays_survive_sigkill_100k_events_0_lost_0_duplicated");
    let Some(pg) = crate::support::postgres::TestPostgres::start(&test) else {
        return;
    };
    let url = pg.create_database("crash").await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    flowglad::usage_outbox::postgres::create_schema(&pool)
        .await
        .unwrap();
    let (fake, client, sub) = setup().await;
    let vars = |from: usize| {
        vec![
            ("URL", fake.base_url().to_owned()),
            ("KEY", fake.api_key().to_owned()),
            ("SUB", sub.clone()),
            ("DB", url.clone()),
            ("FROM", from.to_string()),
        ]
    };
    let mut rng = Rng::new();
    let mut figures = Figures {
        backend: "PostgreSQL",
        kills: Vec::new(),
        dropped: Vec::new(),
        started: Instant::now(),
    };
    let phase = |w: &Worker| {
        if w.committed.load(Ordering::SeqCst) < TOTAL {
            "while recording"
        } else {
            "after recording"
        }
    };

    // The recorder (no relay), killed while recording, then restarted.
    let recorder = Worker::spawn(&test, "pg-record", &vars(0));
    tokio::time::sleep(rng.millis(100..400)).await;
    figures.kills.push(format!("recorder {}", phase(&recorder)));
    let committed = recorder.kill();
    let mut recorder = Worker::spawn(&test, "pg-record", &vars(committed));

    // Relay A alone: killed after the fake processed its batch, before it deleted the rows.
    let mut a = Worker::spawn(&test, "pg-relay", &vars(0));
    let dropped = processed_then_dropped(&fake, &mut a).await;
    figures
        .dropped
        .extend(dropped.expect("relay A exited before a batch could be dropped"));
    a.kill();
    figures
        .kills
        .push("relay A after processing, before delete".into());

    // Three relays on the table; B dies mid-run for good, its rows go to the others.
    let a = Worker::spawn(&test, "pg-relay", &vars(0));
    let b = Worker::spawn(&test, "pg-relay", &vars(0));
    let c = Worker::spawn(&test, "pg-relay", &vars(0));
    tokio::time::sleep(rng.millis(800..2000)).await;
    b.kill();
    figures
        .kills
        .push("relay B while delivering (not restarted)".into());
    if !recorder.exited() {
        figures.kills.push(format!("recorder {}", phase(&recorder)));
        let committed = recorder.kill();
        recorder = Worker::spawn(&test, "pg-record", &vars(committed));
    }
    recorder.wait_success(Duration::from_secs(120)).await;

    // Relays A and C drain the rest.
    let outbox = UsageOutbox::postgres(&client, pool.clone())
        .relay(false)
        .build()
        .await
        .unwrap();
    let started = Instant::now();
    while outbox.stored().await.unwrap() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} events still stored",
            outbox.stored().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.kill();
    c.kill();
    figures.check_after_shutdown(&fake, outbox).await;
}
