//! Builds a plain `reqwest::Client` the way an application does, next to a
//! `FlowgladClient`, and makes a request with each to a server on 127.0.0.1. Exits non-zero
//! (or panics, as reqwest did with `rustls-no-provider`) when flowglad broke the
//! application's client. Run: `cargo run -p reqwest-compat --features app-<how>`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let body = r#"{"error":"Not found","code":"NOT_FOUND"}"#;
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });

    // The application's own clients: `Client::new()` panicked before the fix.
    let plain = reqwest::Client::new();
    let built = reqwest::Client::builder()
        .build()
        .expect("reqwest::Client::builder().build()");
    for client in [plain, built] {
        let status = client
            .get(format!("{url}/health"))
            .send()
            .await
            .expect("the application's reqwest client reaches 127.0.0.1")
            .status();
        assert_eq!(status.as_u16(), 404);
    }

    // flowglad's own client in the same process.
    let flowglad = flowglad::FlowgladClient::builder()
        .api_key("sk_test_reqwest_compat")
        .base_url(&url)
        .max_retries(0)
        .build()
        .expect("FlowgladClient");
    let error = flowglad
        .admin()
        .get_default_pricing_model()
        .await
        .expect_err("the server answers 404");
    assert!(error.is_not_found(), "{error}");

    println!(
        "reqwest-compat: {}: the application's reqwest clients and flowglad's work side by side",
        how()
    );
}

fn how() -> &'static str {
    if cfg!(feature = "app-native-tls") {
        "reqwest with native-tls"
    } else if cfg!(feature = "app-rustls") {
        "reqwest with rustls"
    } else {
        "reqwest with no default features"
    }
}
