//! An actix-web app serving Flowglad's frontend actions at `/api/flowglad`, offline (the fake
//! Flowglad API runs in-process), with users signed in the way actix apps do it:
//! `actix-identity` over `actix-session`'s cookie store. The handler's `actix_customer_id`
//! callback reads the signed-in user's id from actix's `HttpRequest`.
//!
//! ```sh
//! cargo run --example actix_app --features actix              # serves until Ctrl-C
//! cargo run --example actix_app --features actix -- --self-test
//! ```
//!
//! `POST /login/<user>` signs `<user>` in (a stand-in for your real login: check a password,
//! an OAuth callback...), `POST /logout` signs out. With `--self-test` it signs a user in over
//! HTTP, reads that user's billing with the session cookie, checks that a request without the
//! cookie gets 401 and exits 0 when the answers are as expected.

use std::convert::Infallible;

use actix_identity::{Identity, IdentityExt, IdentityMiddleware};
use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::Key;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use flowglad::handler::FlowgladHandler;
use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};
use flowglad_testing::FakeFlowglad;
use serde_json::Value;

/// Your login: here anyone is whoever they say they are.
async fn login(request: HttpRequest, user: web::Path<String>) -> actix_web::Result<HttpResponse> {
    Identity::login(&request.extensions(), user.into_inner())?;
    Ok(HttpResponse::NoContent().finish())
}

async fn logout(identity: Identity) -> HttpResponse {
    identity.logout();
    HttpResponse::NoContent().finish()
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // flowglad brings rustls' `ring` provider to its own clients only; the reqwest client of
    // the self-test needs a process-wide provider, installed once at start.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let self_test = std::env::args().any(|a| a == "--self-test");

    // In production: `FlowgladClient::from_env()?` (FLOWGLAD_SECRET_KEY).
    let fake = FakeFlowglad::start().await;
    let client = FlowgladClient::builder()
        .api_key(fake.api_key())
        .base_url(fake.base_url())
        .build()?;

    let server_client = client.clone();
    let handler = FlowgladHandler::builder()
        // actix's own request: its extensions hold the session actix-identity reads. No
        // identity (no cookie, an expired or forged one) is an error: the handler answers 401.
        .actix_customer_id(|request: HttpRequest| async move { request.get_identity()?.id() })
        .server(move |user_id: String| {
            FlowgladServer::new(&server_client, user_id, |id: String| async move {
                // Called once, when the customer must be created in Flowglad.
                Ok::<_, Infallible>(CustomerProfile::new(
                    format!("User {id}"),
                    format!("{id}@example.com"),
                ))
            })
        })
        .client(client)
        .on_error(|info, error| {
            if error.status().is_server_error() {
                eprintln!("flowglad {}: {error}", info.path);
            }
        })
        .build()?;

    // In production, read the key from your configuration: a new key signs everyone out.
    let key = Key::generate();
    let server = HttpServer::new(move || {
        App::new()
            // Registered in this order, the session middleware runs first on a request and
            // the identity middleware reads the session it loaded.
            .wrap(IdentityMiddleware::default())
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                key.clone(),
            ))
            .route("/login/{user}", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .service(flowglad::handler::actix_scope(
                "/api/flowglad",
                handler.clone(),
            ))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))?;
    let addr = server.addrs()[0];
    let base = format!("http://{addr}");
    println!("serving Flowglad actions at {base}/api/flowglad");
    let server = server.run();

    if !self_test {
        server.await?;
        return Ok(());
    }
    let stop = server.handle();
    actix_web::rt::spawn(server);

    let http = reqwest::Client::new();
    let response = http.post(format!("{base}/login/user_42")).send().await?;
    // The session cookie, as a browser would keep it (`Secure` is for the browser; this
    // self-test talks plain HTTP to 127.0.0.1).
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no session cookie after login")?
        .to_owned();
    let billing = |cookie: Option<String>| {
        let mut request = http
            .post(format!("{base}/api/flowglad/customers/billing"))
            .header("content-type", "application/json")
            .body("{}");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let body: Value = response.json().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
    };

    let (status, body) = billing(Some(cookie.clone())).await?;
    check(
        status == 200 && body["data"]["customer"]["externalId"] == "user_42",
        &body,
    )?;
    println!("signed in as user_42: billing of customer user_42");

    let (status, body) = billing(None).await?;
    check(
        status == 401 && body["error"]["code"] == "UNAUTHENTICATED",
        &body,
    )?;
    println!("no session: 401 UNAUTHENTICATED");

    stop.stop(true).await;
    println!("self-test passed");
    Ok(())
}

fn check(ok: bool, body: &Value) -> Result<(), Box<dyn std::error::Error>> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected answer: {body}").into())
    }
}
