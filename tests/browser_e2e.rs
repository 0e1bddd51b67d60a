//! The published `@flowglad/react` in headless Chromium against our request handler.
//!
//! Builds the page (`tests/browser/build.mjs`, esbuild), serves it with
//! `examples/react_app.rs` (the handler over a Flowglad API) on 127.0.0.1, and runs
//! `tests/browser/e2e.mjs` (puppeteer-core), which asserts what a user sees. Needs Node,
//! `npm ci --prefix tests/browser` and Chromium (`/usr/bin/chromium` or env
//! `FLOWGLAD_CHROMIUM`); without them the test says it was skipped, unless
//! `FLOWGLAD_REQUIRE_BROWSER=1` (CI), which makes a missing piece a failure.
//!
//! Two targets, one run at a time: the fake Flowglad API, and a real Flowglad API server
//! named by the env file `FLOWGLAD_REAL_ENV` (`FLOWGLAD_BASE_URL`, `FLOWGLAD_SECRET_KEY`, as
//! `../shared/flowglad-real/start.sh` writes it; the same file the contract suite reads).
//! Without it the real run says it was skipped, unless `FLOWGLAD_REQUIRE_REAL=1`.

#[allow(dead_code)]
#[path = "../examples/react_app.rs"]
mod react_app;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use flowglad_testing::FakeFlowglad;
use react_app::Backend;

/// One browser run at a time: two Chromiums on a small machine would slow both past their
/// waits, and both runs build the same bundle.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The value of `name` in the env file `FLOWGLAD_REAL_ENV`; `Err` says why there is none.
fn real_env(name: &str) -> Result<String, String> {
    let path = std::env::var_os("FLOWGLAD_REAL_ENV").ok_or("FLOWGLAD_REAL_ENV is not set")?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", Path::new(&path).display()))?;
    text.lines()
        .filter_map(|l| l.trim().trim_start_matches("export ").split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').trim_matches('\'').to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(format!("{} has no {name}", Path::new(&path).display()))
}

/// The real server's `(base URL, secret key)` from the env file `FLOWGLAD_REAL_ENV`; `Err`
/// says why there is none.
fn real_server() -> Result<(String, String), String> {
    let base_url = real_env("FLOWGLAD_BASE_URL")?;
    let addresses = url::Url::parse(&base_url)
        .map_err(|e| e.to_string())
        .and_then(|u| u.socket_addrs(|| None).map_err(|e| e.to_string()))
        .map_err(|e| format!("bad FLOWGLAD_BASE_URL {base_url}: {e}"))?;
    std::net::TcpStream::connect(&*addresses)
        .map_err(|e| format!("the real Flowglad server at {base_url} is not reachable: {e}"))?;
    Ok((base_url, real_env("FLOWGLAD_SECRET_KEY")?))
}

/// The last requests the real server logged (`METHOD /path -> status N ms`, from
/// `logs/api.log` of the server's directory `FLOWGLAD_REAL_DIR`), to show with a failure
/// whether the server was slow or what it answered. The log holds no key.
fn real_server_requests(last: usize) -> String {
    let log = match real_env("FLOWGLAD_REAL_DIR") {
        Ok(dir) => Path::new(&dir).join("logs/api.log"),
        Err(why) => return format!("(no server log: {why})"),
    };
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
    let (base_url, api_key) = match real_server() {
        Ok(real) => real,
        Err(why) if std::env::var("FLOWGLAD_REQUIRE_REAL").as_deref() == Ok("1") => {
            panic!("FLOWGLAD_REQUIRE_REAL=1 but {why}")
        }
        Err(why) => {
            println!("real target skipped: {why}");
            return;
        }
    };
    run_page(Backend::Api { base_url, api_key }, "real").await;
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
