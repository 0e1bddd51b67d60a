//! `flowglad-mock` as a user runs it: a process on 127.0.0.1 with its ready line, its admin
//! API (clock, faults, stats), its fault flags and a clean exit on SIGTERM; and a TypeScript
//! app's test with the published `@flowglad/server` against it (`tests/mock_ts/`).
//!
//! The TypeScript test needs `npm ci --prefix tests/mock_ts`; without it the test says so and
//! passes, unless `FLOWGLAD_REQUIRE_NODE=1` (CI), where it fails.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const MOCK: &str = env!("CARGO_BIN_EXE_flowglad-mock");

/// A running `flowglad-mock`, killed if a test fails before it stops it.
struct Mock {
    child: Child,
    base_url: String,
    admin_url: String,
}

impl Mock {
    /// Starts the mock and reads its admin URL and ready line.
    fn start(args: &[&str]) -> Mock {
        let mut child = Command::new(MOCK)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("flowglad-mock starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut read = |name: &str| {
            let line = lines.next().expect("a line").expect("UTF-8");
            line.strip_prefix(&format!("{name}="))
                .unwrap_or_else(|| panic!("expected {name}=…, got {line:?}"))
                .to_owned()
        };
        let admin_url = read("FLOWGLAD_MOCK_ADMIN_URL");
        let base_url = read("FLOWGLAD_BASE_URL");
        Mock {
            child,
            base_url,
            admin_url,
        }
    }

    /// Sends SIGTERM and waits (at most 10 s) for the mock to exit.
    fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.expect("kill runs").success(), "SIGTERM sent");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "flowglad-mock ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn admin(http: &reqwest::Client, method: &str, url: String) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = http.request(method, url).send().await.expect("admin API");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn faults_clock_and_stats_through_the_process_then_a_clean_sigterm() {
    let key = "sk_test_mock_process";
    let mock = Mock::start(&[
        "--api-key",
        key,
        "--fault-rate",
        "1",
        "--fault-kind",
        "status:503",
        "--latency-ms",
        "1",
    ]);
    let http = reqwest::Client::new();
    let customer = format!("{}/api/v1/customers/user_mock_process", mock.base_url);

    // Every request fails as asked; a wrong key is refused before any fault.
    let answer = http.get(&customer).bearer_auth(key).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    let answer = http
        .get(&customer)
        .bearer_auth("sk_test_wrong")
        .send()
        .await;
    assert_eq!(answer.unwrap().status().as_u16(), 401);
    let (_, stats) = admin(&http, "GET", format!("{}/stats", mock.admin_url)).await;
    assert_eq!(stats["faults_applied"]["status_503"], 1, "{stats}");

    // Without the fault the fake answers: an unknown customer is Flowglad's 404.
    let (status, _) = admin(&http, "POST", format!("{}/faults/clear", mock.admin_url)).await;
    assert_eq!(status, 204);
    let answer = http.get(&customer).bearer_auth(key).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 404);

    // The test clock moves forward only.
    let (_, clock) = admin(&http, "GET", format!("{}/clock", mock.admin_url)).await;
    let before = clock["now"].as_u64().expect("now");
    let url = format!("{}/clock/advance?days=2", mock.admin_url);
    let (status, clock) = admin(&http, "POST", url).await;
    assert_eq!(status, 200, "{clock}");
    assert!(clock["now"].as_u64().unwrap() >= before + 2 * 86_400_000);
    let url = format!("{}/clock/set?ms={before}", mock.admin_url);
    let (status, error) = admin(&http, "POST", url).await;
    assert_eq!(status, 400, "{error}");
    let url = format!("{}/clock/advance?days=1&ms=5", mock.admin_url);
    assert_eq!(admin(&http, "POST", url).await.0, 400);
    let url = format!(
        "{}/set-subscription?customer=nobody&price=pro_monthly",
        mock.admin_url
    );
    assert_eq!(admin(&http, "POST", url).await.0, 404);

    let status = mock.terminate();
    assert_eq!(
        status.code(),
        Some(0),
        "a clean exit on SIGTERM: {status:?}"
    );
}

#[test]
fn a_bad_fault_kind_or_rate_is_refused_with_a_message() {
    for (args, message) in [
        (&["--fault-kind", "explode"][..], "unknown fault kind"),
        (&["--fault-kind", "status:200"][..], "not an error status"),
        (&["--fault-rate", "1.5"][..], "not between 0 and 1"),
        (
            &["--webhook-url", "http://127.0.0.1:9/hooks"][..],
            "--webhook-secret",
        ),
    ] {
        let output = Command::new(MOCK)
            .args(args)
            .env_remove("FLOWGLAD_WEBHOOK_SECRET")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} accepted");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed a ready line");
    }
}

#[test]
fn a_typescript_app_with_flowglad_server_against_the_mock() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/mock_ts");
    if !dir.join("node_modules/@flowglad/server").exists() {
        let message = "tests/mock_ts/node_modules is missing: run `npm ci --prefix tests/mock_ts`";
        assert!(
            std::env::var_os("FLOWGLAD_REQUIRE_NODE").is_none_or(|v| v != "1"),
            "{message} (FLOWGLAD_REQUIRE_NODE=1)"
        );
        eprintln!("skipped: {message}");
        return;
    }
    let output = Command::new("node")
        .arg(dir.join("mock.test.mjs"))
        .arg(MOCK)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the TypeScript test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("mock_ts: @flowglad/server against flowglad-mock: ok"));
}
