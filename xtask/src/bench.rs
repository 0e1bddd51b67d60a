//! `cargo xtask bench`: the end-to-end benchmarks of
//! `docs/PERFORMANCE.md`.
//!
//! `bench` builds `examples/fake_server.rs` and `examples/bench_load.rs`, and for every
//! sample starts a fresh standalone fake on 127.0.0.1 (fresh state, bounded memory), creates
//! the bench customer on the pro plan, runs one client process (this SDK, raw reqwest, or
//! `@flowglad/server` on Node), reads the fake's request log through its admin port, and
//! stops the fake. Implementations alternate within each run. The request log of every
//! implementation must show the same operations per call, or the bench fails.
//!
//! The `batcher` scenario compares ways of recording usage events from a hot path:
//! `UsageBatcher::record` (impl `batcher`, delivered in bulk in the background; the batcher is
//! shut down before the clock stops), awaiting `create_usage_event` per event (`sdk`), and
//! `@flowglad/server`'s `createUsageEvent` per event (`ts`). Their requests differ by design,
//! so instead of comparing request logs the bench checks that the fake's ledger holds every
//! event exactly once.
//!
//! Replay scenarios (`replay-*`) measure the clients alone: at the start of the scenario every
//! implementation runs its warm-up once through `examples/replay_server.rs --record`, a proxy
//! in front of a fresh fake that writes the fake's first answer to each `METHOD /path` to
//! `target/bench/replay-<scenario>.json`; every sample then runs against
//! `replay_server --replay`, which answers those bytes with no validation and no state. Its
//! request counts (and no unmatched request) are checked like the fake's, and its CPU per call
//! is reported in the server column.
//!
//! Real-server scenarios (`real-*`, with `--real`) take Flowglad's own API server
//! (`../shared/flowglad-real`, coordinates from its env file) as the counterparty instead of
//! the fake: one customer per bench run (`bench-real-<time>-<pid>`, on the free plan it is
//! given), `get_billing` for that existing customer and `create_usage_event` on its
//! subscription, this SDK against `@flowglad/server`. The clients talk to the server directly
//! (nothing in between); requests per call are counted in a separate pass per operation and
//! implementation through `replay_server --record` (a counting proxy on 127.0.0.1), so the
//! proxy's hop is not in any latency. The server's CPU (its API process and every PostgreSQL
//! process of its cluster, from `/proc`) is reported too, but the server is shared: anything
//! else using it at the time is counted in.
//!
//! Handler scenarios start a request-handler server (Express + `expressRouter`, and the Rust
//! axum adapter once `examples/bench_handler.rs` exists) between the load generator and the
//! fake. A handler server is any command that reads `PORT`, `FLOWGLAD_BASE_URL`,
//! `FLOWGLAD_SECRET_KEY`, serves `POST /api/flowglad/<action>` with the customer id in the
//! `x-customer-id` header, and prints `LISTENING <port>` when ready.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

pub const USAGE: &str = "usage: cargo xtask bench [--smoke] [--runs N] [--only LIST] [--debug]
       cargo xtask build-cost [--jobs N] [--no-stripe]

  --smoke      one scenario per code path (or those --only names), tiny sizes, one run, dev
               profile (CI: checks the harness still works)
  --runs N     samples per scenario and implementation (default 5)
  --only LIST  comma-separated scenarios: billing-seq,billing-c32,usage,bulk,batcher,
               handler-billing,handler-usage,billing-seq-20ms (fake answers after 20 ms),gate
               (feature gate middleware, warm cache, vs an Express getBilling + checkFeatureAccess),
               gate-20ms, replay-billing-seq,replay-billing-c32,replay-usage,replay-bulk (the
               clients against pre-recorded answers: no fake in the loop), outbox (record
               latency and events/s: batcher vs SQLite outbox vs PostgreSQL outbox (a private
               cluster, when Debian's postgresql is installed) vs awaiting each event, this
               SDK and @flowglad/server; with the disk's fsync rate),
               real-billing-seq,real-billing-c16,real-usage-seq,real-usage-c16 (Flowglad's own
               API server as the counterparty; see --real)
  --real       also run the real-* scenarios, against the server named by the env file
               $FLOWGLAD_REAL_ENV (default ${TMPDIR:-/tmp}/flowglad-real/env, written by
               ../shared/flowglad-real/start.sh); --smoke runs them (tiny) when that file
               exists and says it skipped them otherwise
  --debug      use the dev profile instead of --release
  --no-ts      skip the @flowglad/server (Node) implementation";

const CUSTOMER: &str = "bench_customer";
const BIN_NODE: &str = "node";

#[derive(Clone, Debug)]
struct Scenario {
    name: &'static str,
    /// `bench_load` / `bench.mjs` scenario.
    kind: &'static str,
    /// Operations (bulk: batches).
    n: usize,
    concurrency: usize,
    batch: usize,
    warmup: usize,
    handler: bool,
    /// Implementations `batcher`, `sdk`, `ts` (different requests; the ledger is checked).
    batcher: bool,
    /// Delay the fake adds to every answer (a simulated network round trip).
    latency_ms: u64,
    /// Against `replay_server --replay` (answers recorded once from the fake) instead of the fake.
    replay: bool,
    /// Against Flowglad's own API server (`--real`) instead of the fake.
    real: bool,
}

struct Options {
    smoke: bool,
    runs: usize,
    only: Option<Vec<String>>,
    release: bool,
    ts: bool,
    real: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        smoke: false,
        runs: 5,
        only: None,
        release: true,
        ts: true,
        real: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => {
                o.smoke = true;
                o.release = false;
                o.runs = 1;
            }
            "--debug" => o.release = false,
            "--no-ts" => o.ts = false,
            "--real" => o.real = true,
            "--runs" => {
                o.runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--runs needs a number")?
            }
            "--only" => {
                o.only = Some(
                    args.next()
                        .ok_or("--only needs a list")?
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(o)
}

/// The scenarios `--only` names, or else every scenario (`--smoke`: those it takes, tiny).
fn scenarios(smoke: bool, only: Option<&[String]>) -> Vec<Scenario> {
    let s = |name, kind, n, concurrency, batch, warmup, handler| Scenario {
        name,
        kind,
        n,
        concurrency,
        batch,
        warmup,
        handler,
        batcher: false,
        latency_ms: 0,
        replay: false,
        real: false,
    };
    let batcher = |n, warmup| Scenario {
        batcher: true,
        ..s("batcher", "usage", n, 64, 100, warmup, false)
    };
    let at_20ms = |s: Scenario| Scenario {
        latency_ms: 20,
        ..s
    };
    let replay = |s: Scenario| Scenario { replay: true, ..s };
    let real = |s: Scenario| Scenario { real: true, ..s };
    // Flowglad's own server answers a billing read in ≈ 0.35 s and a usage event in ≈ 0.5 s
    // on this machine (bun + PostgreSQL with row-level security): small counts.
    let all = [
        s("billing-seq", "billing", 2000, 1, 1, 50, false),
        s("billing-c32", "billing", 5000, 32, 1, 50, false),
        s("usage", "usage", 10_000, 64, 1, 50, false),
        s("bulk", "bulk", 100, 4, 100, 2, false),
        batcher(20_000, 50),
        s("handler-billing", "handler-billing", 5000, 32, 1, 50, true),
        s("handler-usage", "handler-usage", 5000, 32, 1, 50, true),
        at_20ms(s("billing-seq-20ms", "billing", 200, 1, 1, 5, false)),
        s("gate", "gate", 20_000, 32, 1, 50, true),
        at_20ms(s("gate-20ms", "gate", 5000, 32, 1, 50, true)),
        replay(s("replay-billing-seq", "billing", 3000, 1, 1, 50, false)),
        replay(s("replay-billing-c32", "billing", 5000, 32, 1, 50, false)),
        replay(s("replay-usage", "usage", 10_000, 64, 1, 50, false)),
        replay(s("replay-bulk", "bulk", 200, 4, 100, 2, false)),
        real(s("real-billing-seq", "billing", 20, 1, 1, 3, false)),
        real(s("real-billing-c16", "billing", 48, 16, 1, 3, false)),
        real(s("real-usage-seq", "usage", 20, 1, 1, 3, false)),
        real(s("real-usage-c16", "usage", 48, 16, 1, 3, false)),
    ];
    all.into_iter()
        .filter(|s| match only {
            Some(only) => only.iter().any(|n| n == s.name),
            None => !smoke || SMOKE.contains(&s.name),
        })
        .map(|s| if smoke { s.tiny() } else { s })
        .collect()
}

/// The scenarios of the smoke run (CI), which checks that the harness still works, not the
/// figures: one per code path (every kind, the batcher, the handler server, the fake's 20 ms
/// latency, replay, the real server, concurrent and sequential).
const SMOKE: [&str; 10] = [
    "billing-c32",
    "usage",
    "bulk",
    "batcher",
    "handler-billing",
    "handler-usage",
    "gate-20ms",
    "replay-usage",
    "real-billing-seq",
    "real-usage-c16",
];

impl Scenario {
    /// The smoke run's size: two calls per concurrent caller against the fake (10 at least),
    /// one against the real server (2 at least), one warm-up call, batches of 20 at most.
    fn tiny(self) -> Scenario {
        Scenario {
            n: if self.real {
                self.concurrency.max(2)
            } else {
                (2 * self.concurrency).max(10)
            },
            warmup: 1,
            batch: self.batch.min(20),
            ..self
        }
    }
}

fn root() -> PathBuf {
    crate::workspace_root()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub(crate) fn run_ok(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{cmd:?} failed: {status}"))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(parent pid, CPU seconds)` of a process from `/proc/<pid>/stat` (Linux).
fn pid_stat(pid: u32) -> Option<(u32, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // ppid is field 4 (1-based), utime and stime are 14 and 15: 1, 11 and 12 after `) `.
    let ppid = fields.get(1)?.parse().ok()?;
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((ppid, ticks / 100.0))
}

impl Proc {
    /// `(CPU seconds, peak RSS KiB)` from `/proc` (Linux), for server processes.
    fn usage(&self) -> Option<(f64, i64)> {
        let pid = self.0.id();
        let (_, cpu) = pid_stat(pid)?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some((cpu, hwm))
    }
}

/// Reads the child's stdout until a line starts with `prefix`; returns that line.
fn wait_for_line(child: &mut Child, prefix: &str) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err(format!(
                "process exited before printing {prefix}: {lines:?}"
            ));
        }
        if line.starts_with(prefix) {
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = reader.read_to_end(&mut sink);
            });
            return Ok(line.trim().to_owned());
        }
        lines.push(line);
    }
}

/// Minimal HTTP/1.1 client for the fake's admin API and the setup calls (127.0.0.1 only).
fn http(
    method: &str,
    url: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> Result<Value, String> {
    let rest = url.strip_prefix("http://").ok_or("http:// only")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).map_err(|e| format!("{url}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("content-type: application/json\r\n");
    }
    if let Some(key) = auth {
        req.push_str(&format!("authorization: {key}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    stream
        .write_all(req.as_bytes())
        .map_err(|e| e.to_string())?;
    // Read to the end of the message, not of the connection: some servers (Flowglad's own, on
    // bun) keep the connection open despite `connection: close`.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = stream
            .read(&mut buf)
            .map_err(|e| format!("{method} {url}: {e}"))?;
        raw.extend_from_slice(&buf[..n]);
        if n == 0 || message_complete(&raw) {
            break;
        }
    }
    let response = String::from_utf8_lossy(&raw);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{url}: bad response"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(format!("{method} {url}: {status} {body}"));
    }
    // axum answers with content-length; hyper may chunk: both bodies here are small JSON.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&body).map_err(|e| format!("{url}: {e}: {body}"))
}

/// Whether `raw` holds a whole HTTP/1.1 response (by `content-length`, or the last chunk).
fn message_complete(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let body = &raw[end + 4..];
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return body.len() >= len;
    }
    head.contains("transfer-encoding: chunked") && body.ends_with(b"0\r\n\r\n")
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A running fake with the bench customer on the pro plan.
struct Fake {
    proc: Proc,
    base_url: String,
    admin: String,
    api_key: String,
    subscription: String,
}

fn start_fake(examples: &Path, latency_ms: u64) -> Result<Fake, String> {
    let (port, admin_port) = (free_port()?, free_port()?);
    let mut child = Command::new(examples.join("fake_server"))
        .args([
            "--port",
            &port.to_string(),
            "--admin-port",
            &admin_port.to_string(),
            "--latency-ms",
            &latency_ms.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("fake_server: {e}"))?;
    let line = wait_for_line(&mut child, "FLOWGLAD_BASE_URL=");
    let proc = Proc(child);
    let base_url = line?["FLOWGLAD_BASE_URL=".len()..].to_owned();
    let api_key = "sk_test_fake_flowglad".to_owned();
    let admin = format!("http://127.0.0.1:{admin_port}");
    http(
        "POST",
        &format!("{base_url}/api/v1/customers"),
        Some(&api_key),
        Some(
            &json!({"customer": {"externalId": CUSTOMER, "name": "Bench",
                                  "email": format!("{CUSTOMER}@example.com")}}),
        ),
    )?;
    let sub = http(
        "POST",
        &format!("{admin}/set-subscription?customer={CUSTOMER}&price=pro_monthly"),
        None,
        None,
    )?;
    let subscription = sub["subscriptionId"]
        .as_str()
        .ok_or("no subscriptionId")?
        .to_owned();
    http("POST", &format!("{admin}/clear"), None, None)?;
    Ok(Fake {
        proc,
        base_url,
        admin,
        api_key,
        subscription,
    })
}

/// One measured sample.
#[derive(Clone, Debug)]
struct Sample {
    result: Value,
    /// operationId -> requests per call (warm-up included)
    per_call: BTreeMap<String, f64>,
    server_cpu_s: Option<f64>,
    handler_cpu_s: Option<f64>,
    handler_rss_kb: Option<i64>,
    /// Usage events in the fake's ledger after the sample.
    usage_events: Option<u64>,
}

/// Where a client sends its API requests: the fake, or the replay server.
struct Api<'a> {
    base_url: &'a str,
    api_key: &'a str,
    customer: &'a str,
    subscription: &'a str,
    /// Prefix of every transaction id (unique per bench run on a server that keeps its data).
    run_id: &'a str,
}

impl Fake {
    fn api(&self) -> Api<'_> {
        Api {
            base_url: &self.base_url,
            api_key: &self.api_key,
            customer: CUSTOMER,
            subscription: &self.subscription,
            run_id: "",
        }
    }
}

fn client_args(s: &Scenario, api: &Api<'_>, run: usize, imp: &str) -> Vec<String> {
    [
        ("--scenario", s.kind.to_owned()),
        ("--base-url", api.base_url.to_owned()),
        ("--api-key", api.api_key.to_owned()),
        ("--customer", api.customer.to_owned()),
        ("--subscription", api.subscription.to_owned()),
        ("--n", s.n.to_string()),
        ("--concurrency", s.concurrency.to_string()),
        ("--batch", s.batch.to_string()),
        ("--warmup", s.warmup.to_string()),
        ("--txn-prefix", format!("{}{imp}-{run}", api.run_id)),
        ("--max-seconds", "120".to_owned()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect()
}

fn run_client(mut cmd: Command) -> Result<Value, String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{cmd:?} failed ({}): {stdout}", out.status));
    }
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("client output {line:?}: {e}"))
}

fn start_handler(imp: &str, examples: &Path, fake: &Fake) -> Result<(Proc, String), String> {
    let port = free_port()?;
    let mut cmd = match imp {
        "ts" => {
            let mut c = Command::new(BIN_NODE);
            c.arg(root().join("bench/node/express_server.mjs"));
            c
        }
        _ => Command::new(examples.join("bench_handler")),
    };
    let mut child = cmd
        .env("PORT", port.to_string())
        .env("FLOWGLAD_BASE_URL", &fake.base_url)
        .env("FLOWGLAD_SECRET_KEY", &fake.api_key)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let line = wait_for_line(&mut child, "LISTENING");
    let proc = Proc(child);
    line?;
    Ok((proc, format!("http://127.0.0.1:{port}")))
}

fn sample(s: &Scenario, imp: &str, run: usize, examples: &Path) -> Result<Sample, String> {
    let fake = start_fake(examples, s.latency_ms)?;
    // The fake's CPU before the client runs (start-up: compiling the spec's schemas).
    let fake_cpu0 = fake.proc.usage().map(|u| u.0);
    let mut args = client_args(s, &fake.api(), run, imp);
    let mut handler = None;
    let cmd = if s.handler {
        let (proc, url) = start_handler(imp, examples, &fake)?;
        handler = Some(proc);
        args.extend(["--impl".into(), "load".into(), "--target".into(), url]);
        let mut c = Command::new(examples.join("bench_load"));
        c.args(&args);
        c
    } else {
        client_cmd(imp, &args, examples)
    };
    let mut result = run_client(cmd)?;
    result["impl"] = json!(imp);
    let (handler_cpu_s, handler_rss_kb) = match handler.as_ref().and_then(Proc::usage) {
        Some((cpu, rss)) => (Some(cpu), Some(rss)),
        None => (None, None),
    };
    drop(handler);
    let stats = http("GET", &format!("{}/stats", fake.admin), None, None)?;
    let calls = (result["ops"].as_u64().unwrap_or(0) as usize + s.warmup).max(1) as f64;
    let per_call = per_call(&stats["operations"], calls);
    let server_cpu_s = fake
        .proc
        .usage()
        .zip(fake_cpu0)
        .map(|(u, before)| u.0 - before);
    Ok(Sample {
        result,
        per_call,
        server_cpu_s,
        handler_cpu_s,
        handler_rss_kb,
        usage_events: stats["usage_events"].as_u64(),
    })
}

/// The client process of implementation `imp` (`sdk`, `raw`, `batcher`: `bench_load`; `ts`:
/// `bench.mjs` on Node).
fn client_cmd(imp: &str, args: &[String], examples: &Path) -> Command {
    if imp == "ts" {
        let mut c = Command::new(BIN_NODE);
        c.arg(root().join("bench/node/bench.mjs"))
            .args(args)
            .args(["--impl", "ts"]);
        c
    } else {
        let mut c = Command::new(examples.join("bench_load"));
        c.args(args).args(["--impl", imp]);
        c
    }
}

/// Starts `replay_server` with `args`; returns it and its base URL.
fn start_replay(examples: &Path, args: &[&str]) -> Result<(Proc, String), String> {
    let mut child = Command::new(examples.join("replay_server"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("replay_server: {e}"))?;
    let line = wait_for_line(&mut child, "LISTENING ");
    let proc = Proc(child);
    let port = line?["LISTENING ".len()..].to_owned();
    Ok((proc, format!("http://127.0.0.1:{port}")))
}

/// Answers recorded from the fake for one replay scenario.
struct Recording {
    file: PathBuf,
    api_key: String,
    subscription: String,
}

/// Runs every implementation's warm-up (no measured calls) through `replay_server --record`
/// in front of a fresh fake, so the recording holds an answer to every request any of them
/// makes in this scenario.
fn record(s: &Scenario, imps: &[&str], examples: &Path) -> Result<Recording, String> {
    let fake = start_fake(examples, 0)?;
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join(format!("replay-{}.json", s.name));
    let _ = std::fs::remove_file(&file);
    let path = file.to_string_lossy().into_owned();
    let (recorder, url) =
        start_replay(examples, &["--record", &path, "--upstream", &fake.base_url])?;
    let probe = Scenario {
        n: 0,
        warmup: s.warmup.clamp(1, 2),
        ..s.clone()
    };
    let api = Api {
        base_url: &url,
        ..fake.api()
    };
    for imp in imps {
        let args = client_args(&probe, &api, 0, &format!("record-{imp}"));
        run_client(client_cmd(imp, &args, examples))
            .map_err(|e| format!("recording {imp}: {e}"))?;
    }
    let stats = http("GET", &format!("{url}/__replay/stats"), None, None)?;
    if stats["unmatched"].as_u64() != Some(0) {
        return Err(format!("recording: upstream failures {stats}"));
    }
    drop(recorder);
    if !file.exists() {
        return Err(format!("recording: {} not written", file.display()));
    }
    Ok(Recording {
        file,
        api_key: fake.api_key.clone(),
        subscription: fake.subscription.clone(),
    })
}

/// One sample of a replay scenario: the client against `replay_server --replay`.
fn replay_sample(
    s: &Scenario,
    imp: &str,
    run: usize,
    examples: &Path,
    rec: &Recording,
) -> Result<Sample, String> {
    let (server, url) = start_replay(examples, &["--replay", &rec.file.to_string_lossy()])?;
    let cpu0 = server.usage().map(|u| u.0);
    let api = Api {
        base_url: &url,
        api_key: &rec.api_key,
        customer: CUSTOMER,
        subscription: &rec.subscription,
        run_id: "",
    };
    let args = client_args(s, &api, run, imp);
    let mut result = run_client(client_cmd(imp, &args, examples))?;
    result["impl"] = json!(imp);
    let server_cpu_s = server.usage().zip(cpu0).map(|(u, before)| u.0 - before);
    let stats = http("GET", &format!("{url}/__replay/stats"), None, None)?;
    if stats["unmatched"].as_u64() != Some(0) {
        return Err(format!("requests with no recorded answer: {stats}"));
    }
    let calls = (result["ops"].as_u64().unwrap_or(0) as usize + s.warmup).max(1) as f64;
    let per_call = per_call(&stats["requests"], calls);
    Ok(Sample {
        result,
        per_call,
        server_cpu_s,
        handler_cpu_s: None,
        handler_rss_kb: None,
        usage_events: None,
    })
}

/// Flowglad's own API server (`../shared/flowglad-real`) and this run's customer on it.
struct Real {
    base_url: String,
    api_key: String,
    customer: String,
    subscription: String,
    /// Prefix of this run's transaction ids.
    run_id: String,
    /// Where start.sh keeps its PID files (`api.pid`, `postgres.pid`).
    pids: Option<PathBuf>,
}

impl Real {
    fn api(&self) -> Api<'_> {
        Api {
            base_url: &self.base_url,
            api_key: &self.api_key,
            customer: &self.customer,
            subscription: &self.subscription,
            run_id: &self.run_id,
        }
    }

    /// CPU seconds of the server so far: its API process, the PostgreSQL postmaster and every
    /// child of it (one backend per connection).
    fn cpu(&self) -> Option<f64> {
        let pid = |name: &str| -> Option<u32> {
            std::fs::read_to_string(self.pids.as_ref()?.join(name))
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let (api, postmaster) = (pid("api.pid")?, pid("postgres.pid")?);
        let mut total = pid_stat(api)?.1 + pid_stat(postmaster)?.1;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if let Some((ppid, cpu)) = pid_stat(child)
                && ppid == postmaster
            {
                total += cpu;
            }
        }
        Some(total)
    }
}

/// The env file start.sh writes: `$FLOWGLAD_REAL_ENV`, else `$TMPDIR/flowglad-real/env`.
fn real_env_file() -> PathBuf {
    std::env::var_os("FLOWGLAD_REAL_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("flowglad-real/env"))
}

/// Reads the env file and creates this run's customer (a new customer gets the free plan).
fn start_real(env_file: &Path) -> Result<Real, String> {
    let text =
        std::fs::read_to_string(env_file).map_err(|e| format!("{}: {e}", env_file.display()))?;
    let vars: BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("export ").split_once('='))
        .map(|(k, v)| (k.trim(), v.trim().trim_matches('"').trim_matches('\'')))
        .collect();
    let get = |k: &str| {
        vars.get(k)
            .map(|v| (*v).to_owned())
            .ok_or_else(|| format!("{}: no {k}", env_file.display()))
    };
    let (base_url, api_key) = (get("FLOWGLAD_BASE_URL")?, get("FLOWGLAD_SECRET_KEY")?);
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let customer = format!("bench-real-{secs}-{}", std::process::id());
    http(
        "POST",
        &format!("{base_url}/api/v1/customers"),
        Some(&api_key),
        Some(
            &json!({"customer": {"externalId": customer, "name": "Bench",
                                  "email": format!("{customer}@example.com")}}),
        ),
    )?;
    let billing = http(
        "GET",
        &format!("{base_url}/api/v1/customers/{customer}/billing"),
        Some(&api_key),
        None,
    )?;
    let subscription = billing["currentSubscriptions"][0]["id"]
        .as_str()
        .ok_or_else(|| format!("{customer}: no current subscription"))?
        .to_owned();
    Ok(Real {
        run_id: format!("{customer}-"),
        base_url,
        api_key,
        customer,
        subscription,
        pids: get("FLOWGLAD_REAL_DIR")
            .ok()
            .map(|d| Path::new(&d).join("pids")),
    })
}

/// Requests per call of one implementation of a real-server scenario, by `METHOD /path`
/// (ids replaced by placeholders): up to 3 sequential calls and one warm-up through
/// `replay_server --record` in front of the real server, apart from the measured samples.
fn count_real(
    s: &Scenario,
    imp: &str,
    examples: &Path,
    real: &Real,
) -> Result<BTreeMap<String, f64>, String> {
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join(format!("count-{}-{imp}.json", s.name));
    let (proxy, url) = start_replay(
        examples,
        &[
            "--record",
            &file.to_string_lossy(),
            "--upstream",
            &real.base_url,
        ],
    )?;
    let probe = Scenario {
        n: s.n.min(3),
        warmup: 1,
        concurrency: 1,
        ..s.clone()
    };
    let api = Api {
        base_url: &url,
        ..real.api()
    };
    let args = client_args(&probe, &api, 0, &format!("count-{imp}"));
    run_client(client_cmd(imp, &args, examples))?;
    let stats = http("GET", &format!("{url}/__replay/stats"), None, None)?;
    drop(proxy);
    let _ = std::fs::remove_file(&file);
    if stats["unmatched"].as_u64() != Some(0) {
        return Err(format!("counting proxy: upstream failures {stats}"));
    }
    let calls = (probe.n + probe.warmup) as f64;
    let mut out = BTreeMap::new();
    for (key, n) in per_call::<Vec<_>>(&stats["requests"], calls) {
        let key = key
            .replace(&real.customer, "{externalId}")
            .replace(&real.subscription, "{id}");
        *out.entry(key).or_insert(0.0) += n;
    }
    Ok(out)
}

/// One sample of a real-server scenario: the client against the server, nothing between.
fn real_sample(
    s: &Scenario,
    imp: &str,
    run: usize,
    examples: &Path,
    real: &Real,
    per_call: &BTreeMap<String, f64>,
) -> Result<Sample, String> {
    let cpu0 = real.cpu();
    let args = client_args(s, &real.api(), run, imp);
    let mut result = run_client(client_cmd(imp, &args, examples))?;
    result["impl"] = json!(imp);
    Ok(Sample {
        result,
        per_call: per_call.clone(),
        server_cpu_s: real.cpu().zip(cpu0).map(|(after, before)| after - before),
        handler_cpu_s: None,
        handler_rss_kb: None,
        usage_events: None,
    })
}

/// Requests per call, by operation, from a server's request counts.
fn per_call<C: FromIterator<(String, f64)>>(counts: &Value, calls: f64) -> C {
    counts
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0) / calls))
        .collect()
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let med = if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    };
    (med, v[0], v[v.len() - 1])
}

/// Milliseconds with 2 decimals, or 3 below 0.1 ms (`UsageBatcher::record` takes µs).
fn latency_digits((median, _, _): (f64, f64, f64)) -> usize {
    if median < 0.1 { 3 } else { 2 }
}

fn fmt_range((med, min, max): (f64, f64, f64), digits: usize) -> String {
    format!("{med:.digits$} ({min:.digits$}–{max:.digits$})")
}

pub fn bench(args: &[String]) -> Result<bool, String> {
    let o = parse(args)?;
    let started = Instant::now();
    let profile = if o.release { "release" } else { "debug" };
    let mut build = cargo();
    build.current_dir(root()).args(["build", "--quiet"]);
    let outbox = o
        .only
        .as_ref()
        .is_none_or(|only| only.iter().any(|n| n == "outbox"));
    let rust_handler = root().join("examples/bench_handler.rs").exists();
    if o.release {
        build
            .args([
                "--release",
                "--example",
                "fake_server",
                "--example",
                "bench_load",
            ])
            .args(["--example", "replay_server"]);
        if outbox {
            build.args([
                "--example",
                "bench_outbox",
                "--features",
                "outbox-sqlite,outbox-postgres",
            ]);
        }
        if rust_handler {
            build.args(["--example", "bench_handler", "--features", "axum,tower"]);
        }
    } else {
        // Every example of the workspace with every feature, as `cargo test --workspace
        // --all-features` (CI) builds them: a no-op there. Naming only these examples would
        // leave the other members' dev-dependencies out of the feature resolution, and so
        // build flowglad once more with other features.
        build.args(["--workspace", "--all-features", "--examples"]);
    }
    run_ok(&mut build)?;
    let examples = target_dir().join(profile).join("examples");
    if o.ts
        && !root()
            .join("bench/node/node_modules/@flowglad/server")
            .exists()
    {
        run_ok(Command::new("npm").current_dir(root()).args([
            "ci",
            "--prefix",
            "bench/node",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]))?;
    }

    // Real-server scenarios run with --real, when --only names them, or (tiny) with --smoke
    // when the server's env file exists.
    let named = |s: &Scenario| {
        o.only
            .as_ref()
            .is_some_and(|only| only.iter().any(|n| n == s.name))
    };
    let mut selected: Vec<Scenario> = scenarios(o.smoke, o.only.as_deref())
        .into_iter()
        .filter(|s| !s.real || o.real || o.smoke || named(s))
        .collect();
    let env_file = real_env_file();
    let real = if !selected.iter().any(|s| s.real) {
        None
    } else if env_file.exists() {
        let real = start_real(&env_file).map_err(|e| format!("real server: {e}"))?;
        eprintln!(
            "bench: real-* scenarios against {} (customer {}, subscription {})",
            real.base_url, real.customer, real.subscription
        );
        Some(real)
    } else if o.smoke && !o.real && !selected.iter().any(named) {
        eprintln!(
            "bench: SKIPPED real-* scenarios: no {} (run ../shared/flowglad-real/start.sh or set \
             FLOWGLAD_REAL_ENV)",
            env_file.display()
        );
        selected.retain(|s| !s.real);
        None
    } else {
        return Err(format!(
            "real-* scenarios need Flowglad's own server: no {} (run \
             ../shared/flowglad-real/start.sh or set FLOWGLAD_REAL_ENV)",
            env_file.display()
        ));
    };

    let mut all = Vec::new();
    let mut ok = true;
    // Requests per call on the real server, by (operation, implementation): counted once.
    let mut real_counts: BTreeMap<(&str, &str), BTreeMap<String, f64>> = BTreeMap::new();
    for s in selected {
        let mut imps: Vec<&str> = if s.real {
            vec!["sdk"]
        } else if s.batcher {
            vec!["batcher", "sdk"]
        } else if s.handler {
            let mut v = Vec::new();
            if rust_handler {
                v.push("rust");
            }
            v
        } else {
            vec!["sdk", "raw"]
        };
        if o.ts {
            imps.push("ts");
        }
        let load_before = load_average();
        let recording = if s.replay {
            Some(record(&s, &imps, &examples).map_err(|e| format!("{}: {e}", s.name))?)
        } else {
            None
        };
        if let Some(real) = real.as_ref().filter(|_| s.real) {
            for imp in &imps {
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    real_counts.entry((s.kind, *imp))
                {
                    let c = count_real(&s, imp, &examples, real)
                        .map_err(|e| format!("{} / {imp} / counting requests: {e}", s.name))?;
                    slot.insert(c);
                }
            }
        }
        let mut samples: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
        for run in 0..o.runs {
            // Alternate the order so no implementation always runs first.
            let mut order = imps.clone();
            let shift = run % order.len().max(1);
            order.rotate_left(shift);
            for imp in order {
                let sample = match (&recording, real.as_ref().filter(|_| s.real)) {
                    (Some(rec), _) => replay_sample(&s, imp, run, &examples, rec),
                    (None, Some(real)) => {
                        let counts = &real_counts[&(s.kind, imp)];
                        real_sample(&s, imp, run, &examples, real, counts)
                    }
                    (None, None) => sample(&s, imp, run, &examples),
                }
                .map_err(|e| format!("{} / {imp} / run {run}: {e}", s.name))?;
                eprintln!("{} {imp} run {run}: {}", s.name, sample.result);
                samples.entry(imp).or_default().push(sample);
            }
        }
        if s.batcher {
            // Different requests by design: every event must be in the ledger exactly once.
            for (imp, v) in &samples {
                for smp in v {
                    let expected = smp.result["events"].as_u64().unwrap_or(0) + s.warmup as u64;
                    if smp.usage_events != Some(expected) {
                        ok = false;
                        eprintln!(
                            "MISMATCH {} {imp}: ledger holds {:?} usage events, expected {expected}",
                            s.name, smp.usage_events
                        );
                    }
                }
            }
            all.push(Outcome {
                load: [load_before, load_average()],
                scenario: s,
                samples,
            });
            continue;
        }
        // Same requests per call for the Rust implementations (`raw` is the floor of what
        // the SDK sends). The TypeScript SDK makes more round trips by design (e.g. two for
        // getBilling); its requests per call are reported, not compared.
        let reference = samples
            .iter()
            .find(|(imp, _)| **imp != "ts")
            .map(|(_, v)| v[0].per_call.clone());
        for (imp, v) in samples.iter().filter(|(imp, _)| **imp != "ts") {
            for smp in v {
                let same = reference.as_ref().is_some_and(|r| {
                    r.len() == smp.per_call.len()
                        && r.iter().all(|(k, x)| {
                            smp.per_call
                                .get(k)
                                .is_some_and(|y| (x - y).abs() < 0.01 * x.max(1.0))
                        })
                });
                if !same {
                    ok = false;
                    eprintln!(
                        "MISMATCH {} {imp}: requests per call {:?} vs {:?}",
                        s.name, smp.per_call, reference
                    );
                }
            }
        }
        all.push(Outcome {
            load: [load_before, load_average()],
            scenario: s,
            samples,
        });
    }

    let mut report = report(&all);
    if outbox {
        // examples/bench_outbox.rs prints its own table (record awaited alone, and 32 tasks),
        // with a `@flowglad/server` row (Node, against the same in-process fake) unless --no-ts.
        let n = if o.smoke { "64" } else { "2000" };
        let mut cmd = Command::new(examples.join("bench_outbox"));
        cmd.args(["--n", n]);
        if o.ts {
            cmd.arg("--ts").arg(root().join("bench/node/bench.mjs"));
        }
        let out = cmd
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("bench_outbox: {e}"))?;
        if !out.status.success() {
            ok = false;
            eprintln!("bench_outbox failed: {}", out.status);
        }
        report.push_str(&format!(
            "\n## Usage outbox: `record` latency (examples/bench_outbox.rs, {profile} profile, load average {:.1})\n\n",
            load_average()
        ));
        report.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    println!("{report}");
    let out_dir = target_dir().join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let raw: Vec<Value> = all
        .iter()
        .flat_map(|o| {
            o.samples.values().flatten().map(move |smp| {
                json!({"scenario": o.scenario.name, "result": smp.result,
                       "requests_per_call": smp.per_call, "server_cpu_s": smp.server_cpu_s,
                       "handler_cpu_s": smp.handler_cpu_s, "handler_rss_kb": smp.handler_rss_kb,
                       "load_average": o.load})
            })
        })
        .collect();
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&raw).expect("json"),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(out_dir.join("results.md"), &report).map_err(|e| e.to_string())?;
    eprintln!(
        "bench: {} in {:.1} s; raw samples in {}",
        if ok { "ok" } else { "REQUEST MISMATCH" },
        started.elapsed().as_secs_f64(),
        out_dir.join("results.json").display()
    );
    Ok(ok)
}

/// The samples of one scenario, and the 1-minute load average before and after it.
struct Outcome {
    scenario: Scenario,
    samples: BTreeMap<&'static str, Vec<Sample>>,
    load: [f64; 2],
}

/// The 1-minute load average (Linux; NaN elsewhere).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// CPU per call of a sample: the handler server's for handler scenarios, else the client's.
fn cpu_per_call(s: &Scenario, smp: &Sample) -> Option<f64> {
    let ops = smp.result["ops"].as_f64().filter(|n| *n > 0.0)?;
    let cpu = if s.handler {
        smp.handler_cpu_s?
    } else {
        smp.result["cpu_s"].as_f64()?
    };
    Some(cpu * 1e6 / ops)
}

/// Ratios of the Rust implementation (`sdk`, `rust` handler, `batcher`) to `ts`, computed
/// within each run (samples of the same run index ran back to back) and then summarised.
fn ratios(all: &[Outcome]) -> String {
    let mut out = String::from(
        "| scenario | Rust impl | calls/s, Rust ÷ TS | CPU per call, TS ÷ Rust | p50, Rust ÷ TS | p99, Rust ÷ TS | load average (start → end) |\n|---|---|---|---|---|---|---|\n",
    );
    for o in all {
        let s = &o.scenario;
        let Some(ts) = o.samples.get("ts") else {
            continue;
        };
        let Some((imp, rust)) = ["batcher", "rust", "sdk"]
            .into_iter()
            .find_map(|imp| Some((imp, o.samples.get(imp)?)))
        else {
            continue;
        };
        let per_run = |f: &dyn Fn(&Sample, &Sample) -> Option<f64>| {
            median(rust.iter().zip(ts).filter_map(|(r, t)| f(r, t)).collect())
        };
        let field = |smp: &Sample, k: &str| smp.result[k].as_f64().filter(|x| *x > 0.0);
        let calls = per_run(&|r, t| Some(field(r, "ops_per_s")? / field(t, "ops_per_s")?));
        let cpu = per_run(&|r, t| Some(cpu_per_call(s, t)? / cpu_per_call(s, r)?));
        let p50 = per_run(&|r, t| Some(field(r, "p50_us")? / field(t, "p50_us")?));
        let p99 = per_run(&|r, t| Some(field(r, "p99_us")? / field(t, "p99_us")?));
        out.push_str(&format!(
            "| {} (c={}) | {imp} | {} | {} | {} | {} | {:.1} → {:.1} |\n",
            s.name,
            s.concurrency,
            fmt_range(calls, 2),
            fmt_range(cpu, 2),
            fmt_range(p50, 3),
            fmt_range(p99, 3),
            o.load[0],
            o.load[1],
        ));
    }
    out
}

fn report(all: &[Outcome]) -> String {
    let mut out = String::from(
        "| scenario | impl | calls/s | events/s | p50 ms | p99 ms | client CPU µs/call | client peak RSS MiB | server CPU µs/call | requests/call |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for Outcome {
        scenario: s,
        samples,
        ..
    } in all
    {
        for (imp, v) in samples {
            let col = |f: &dyn Fn(&Sample) -> Option<f64>| median(v.iter().filter_map(f).collect());
            let ops = |smp: &Sample| smp.result["ops"].as_f64().filter(|n| *n > 0.0);
            let calls = col(&|smp| smp.result["ops_per_s"].as_f64());
            let events = col(&|smp| smp.result["events_per_s"].as_f64());
            let p50 = col(&|smp| smp.result["p50_us"].as_f64().map(|u| u / 1000.0));
            let p99 = col(&|smp| smp.result["p99_us"].as_f64().map(|u| u / 1000.0));
            let cpu = col(&|smp| cpu_per_call(s, smp));
            let rss = if s.handler {
                col(&|smp| Some(smp.handler_rss_kb? as f64 / 1024.0))
            } else {
                col(&|smp| Some(smp.result["max_rss_kb"].as_f64()? / 1024.0))
            };
            let fake = col(&|smp| Some(smp.server_cpu_s? * 1e6 / ops(smp)?));
            let reqs: f64 = v[0].per_call.values().sum();
            let detail: Vec<String> = v[0]
                .per_call
                .iter()
                .map(|(op, n)| format!("{op} {n:.2}"))
                .collect();
            let label = if s.handler {
                format!("{imp} (handler server)")
            } else {
                imp.to_string()
            };
            out.push_str(&format!(
                "| {} (c={}) | {label} | {} | {} | {} | {} | {} | {} | {} | {reqs:.2} ({}) |\n",
                s.name,
                s.concurrency,
                fmt_range(calls, 0),
                if s.kind.contains("usage") || s.kind == "bulk" {
                    fmt_range(events, 0)
                } else {
                    "–".into()
                },
                fmt_range(p50, latency_digits(p50)),
                fmt_range(p99, latency_digits(p99)),
                fmt_range(cpu, 0),
                fmt_range(rss, 1),
                fmt_range(fake, 0),
                detail.join(", "),
            ));
        }
    }
    out.push('\n');
    out.push_str(&ratios(all));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smoke_run_takes_every_code_path_tiny() {
        let smoke = scenarios(true, None);
        let names: Vec<&str> = smoke.iter().map(|s| s.name).collect();
        assert_eq!(
            names, SMOKE,
            "every smoke scenario exists, in the list's order"
        );
        for kind in [
            "billing",
            "usage",
            "bulk",
            "handler-billing",
            "handler-usage",
            "gate",
        ] {
            assert!(smoke.iter().any(|s| s.kind == kind), "no {kind} scenario");
        }
        assert!(smoke.iter().any(|s| s.batcher));
        assert!(smoke.iter().any(|s| s.latency_ms > 0));
        assert!(smoke.iter().any(|s| s.replay));
        assert!(smoke.iter().any(|s| s.real && s.concurrency == 1));
        assert!(smoke.iter().any(|s| s.real && s.concurrency > 1));
        assert!(
            smoke
                .iter()
                .all(|s| s.n <= 128 && s.warmup == 1 && s.batch <= 20)
        );
    }

    #[test]
    fn only_names_scenarios_outside_the_smoke_run_too() {
        let only = ["gate".to_owned(), "replay-bulk".to_owned()];
        let picked = scenarios(true, Some(&only));
        let names: Vec<&str> = picked.iter().map(|s| s.name).collect();
        assert_eq!(names, ["gate", "replay-bulk"]);
        assert_eq!(scenarios(false, None).len(), 18);
    }
}
