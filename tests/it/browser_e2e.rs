//! The published `@flowglad/react` in headless Chromium against our request handler.
//!
//! Builds the page (`tests/browser/build.mjs`, esbuild), serves it with
//! `examples/react_app.rs` (the handler over a Flowglad API) on 127.0.0.1, and runs
//! `tests/browser/e2e.mjs` (puppeteer-core), which asserts what a user sees. Needs Node,
//! `npm ci --prefix tests/browser` and Chromium (`/usr/bin/chromium` or env
//! `FLOWGLAD_CHROMIUM`); without them the test says it was skipped, unless
//! `FLOWGLAD_REQUIRE_BROWSER=1` (CI), which makes a missing piece a failure.
//!
//! Two targets, one run at a time: the fake Flowglad API, and the contract suite's real
//! Flowglad API server (`contract::Target::real`: the env file `FLOWGLAD_REAL_ENV`, skipped
//! without it unless `FLOWGLAD_REQUIRE_REAL=1`). The browser runs while the binary's other
//! tests run: its waits are patience (60 s on the real target), not latency checks.
#![cfg(feature = "axum")]

#[allow(dead_code)]
#[path = "../../examples/react_app.rs"]
mod react_app;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use flowglad_testing::FakeFlowglad;
use react_app::Backend;

use crate::contract::Target;

/// One browser run at a time: two Chromiums on a small machine would slow both past their
/// waits, and both runs build the same bundle.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The last requests the real server logged (`METHOD /path -> status N ms`, from
/// `logs/api.log` beside the env file `FLOWGLAD_REAL_ENV`, in the server's directory), to
/// show with a failure whether the server was slow or what it answered. The log holds no key.
fn real_server_requests(last: usize) -> String {
    let Some(env) = std::env::var_os("FLOWGLAD_REAL_ENV") else {
        return "(no server log: FLOWGLAD_REAL_ENV is not set)".into();
    };
    let log = Path::new(&env).with_file_name("logs").join("api.log");
    match std::fs::read_to_string(&log) {
        Ok(text) => {
            let requests: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
            requests[requests.len().saturating_sub(last)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", log.display()),
    }
}

/// What the run needs; `Err` says what is missing.
fn prerequisites(dir: &Path) -> Result<PathBuf, String> {
    let chromium = std::env::var_os("FLOWGLAD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!(
            "no Chromium at {} (apt-get install chromium, or set FLOWGLAD_CHROMIUM)",
            chromium.display()
        ));
    }
    if !dir.join("node_modules/@flowglad/react").exists()
        || !dir.join("node_modules/puppeteer-core").exists()
    {
        return Err(format!(
            "{} is not installed (npm ci --prefix tests/browser)",
            dir.join("node_modules").display()
        ));
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(chromium),
        _ => Err("no `node` on PATH".into()),
    }
}

/// Runs `node <args>` in `dir`, forwarding its output line by line to the real stdout (so
/// CI logs show it even when the test passes), and returns the exit status and the output.
fn node(dir: &Path, args: &[&str], chromium: &Path) -> (bool, String) {
    let mut child = Command::new("node")
        .args(args)
        .current_dir(dir)
        .env("FLOWGLAD_CHROMIUM", chromium)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(std::io::stderr(), "{line}");
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let mut output = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
    {
        let _ = writeln!(std::io::stdout(), "{line}");
        output.push_str(&line);
        output.push('\n');
    }
    let status = child.wait().expect("node runs");
    output.push_str(&errors.join().expect("stderr reader"));
    (status.success(), output)
}

/// The page against the fake: checkout completed through the test route, credits granted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn react_page_in_headless_chromium() {
    let fake = Arc::new(FakeFlowglad::start().await);
    run_page(Backend::Fake(fake), "fake").await;
}

/// The page against Flowglad's own server: billing renders, usage balances move, a checkout
/// session is created but not completed (no Stripe).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn react_page_against_the_real_server() {
    let Some(real) = Target::real("react_page_against_the_real_server") else {
        return;
    };
    let backend = Backend::Api {
        base_url: real.base_url().to_owned(),
        api_key: real.api_key().to_owned(),
    };
    run_page(backend, "real").await;
}

/// Builds the page, serves it over `backend` and runs `e2e.mjs` (`--real` on the real
/// target) against it.
async fn run_page(backend: Backend, target: &'static str) {
    let dir = react_app::page_dir();
    let chromium = match prerequisites(&dir) {
        Ok(chromium) => chromium,
        Err(why) if std::env::var("FLOWGLAD_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("FLOWGLAD_REQUIRE_BROWSER=1 but {why}")
        }
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let started = std::time::Instant::now();

    let build_dir = dir.clone();
    let build_chromium = chromium.clone();
    let (built, output) =
        tokio::task::spawn_blocking(move || node(&build_dir, &["build.mjs"], &build_chromium))
            .await
            .expect("build task");
    assert!(built, "node build.mjs failed:\n{output}");

    let app = react_app::app(backend, dir.clone()).expect("the app builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let (passed, output) = tokio::task::spawn_blocking(move || {
        let mut args = vec!["e2e.mjs", url.as_str()];
        if target == "real" {
            args.push("--real");
        }
        node(&dir, &args, &chromium)
    })
    .await
    .expect("e2e task");
    server.abort();

    let summary = output
        .lines()
        .find(|line| line.starts_with("E2E_SUMMARY "))
        .unwrap_or_else(|| panic!("e2e.mjs printed no E2E_SUMMARY line:\n{output}"));
    println!(
        "browser e2e against the {target} target: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let ok = passed && summary.contains(r#""ok":true"#);
    if !ok && target == "real" {
        println!(
            "the real server's last requests:\n{}",
            real_server_requests(80)
        );
    }
    assert!(
        ok,
        "the browser end-to-end run against the {target} target failed: {summary}"
    );
}
