//! The published `@flowglad/react` in headless Chromium against our request handler.
//!
//! Builds the page (`tests/browser/build.mjs`, esbuild), serves it with
//! `examples/react_app.rs` (the handler over the fake Flowglad API) on 127.0.0.1, and runs
//! `tests/browser/e2e.mjs` (puppeteer-core), which asserts what a user sees. Needs Node,
//! `npm ci --prefix tests/browser` and Chromium (`/usr/bin/chromium` or env
//! `FLOWGLAD_CHROMIUM`); without them the test says it was skipped, unless
//! `FLOWGLAD_REQUIRE_BROWSER=1` (CI), which makes a missing piece a failure.

#[allow(dead_code)]
#[path = "../examples/react_app.rs"]
mod react_app;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use flowglad_testing::FakeFlowglad;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn react_page_in_headless_chromium() {
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

    let build_dir = dir.clone();
    let build_chromium = chromium.clone();
    let (built, output) =
        tokio::task::spawn_blocking(move || node(&build_dir, &["build.mjs"], &build_chromium))
            .await
            .expect("build task");
    assert!(built, "node build.mjs failed:\n{output}");

    let fake = Arc::new(FakeFlowglad::start().await);
    let app = react_app::app(fake, dir.clone()).expect("the app builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let (passed, output) =
        tokio::task::spawn_blocking(move || node(&dir, &["e2e.mjs", &url], &chromium))
            .await
            .expect("e2e task");
    server.abort();

    let summary = output
        .lines()
        .find(|line| line.starts_with("E2E_SUMMARY "))
        .unwrap_or_else(|| panic!("e2e.mjs printed no E2E_SUMMARY line:\n{output}"));
    assert!(
        passed && summary.contains(r#""ok":true"#),
        "the browser end-to-end run failed: {summary}"
    );
}
