//! The request handler's actix-web adapter on a real server: every action key over HTTP.
#![cfg(feature = "actix")]

use crate::handler_support;

/// Serves the apps `app` makes on a free loopback port with one worker, in the background;
/// returns the address and the handle that stops it.
fn serve<F, T, B>(app: F) -> (std::net::SocketAddr, actix_web::dev::ServerHandle)
where
    F: Fn() -> actix_web::App<T> + Send + Clone + 'static,
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(app)
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    let stop = server.handle();
    tokio::spawn(server);
    (addr, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_scope_serves_every_action() {
    let env = handler_support::env().await;
    let handler = env.handler.clone();
    let (addr, stop) = serve(move || {
        actix_web::App::new().service(flowglad::handler::actix_scope(
            "/api/flowglad",
            handler.clone(),
        ))
    });
    handler_support::exercise_all_actions(&format!("http://{addr}/api/flowglad"), &env.fake).await;
    stop.stop(false).await;
}

/// An actix app as actix apps sign users in: `actix-identity` over `actix-session`'s signed
/// cookie store, a `/login` route, and the Flowglad scope whose callback reads the identity.
async fn identity_app() -> (
    handler_support::Env,
    std::net::SocketAddr,
    actix_web::dev::ServerHandle,
) {
    use actix_identity::{Identity, IdentityExt, IdentityMiddleware};
    use actix_session::SessionMiddleware;
    use actix_session::storage::CookieSessionStore;
    use actix_web::{HttpMessage, HttpRequest, HttpResponse, cookie::Key, web};
    use flowglad::{CustomerProfile, FlowgladClient, FlowgladServer};

    let env = handler_support::env().await;
    let client = FlowgladClient::builder()
        .api_key(env.fake.api_key())
        .base_url(env.fake.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    let handler = flowglad::handler::FlowgladHandler::builder()
        .actix_customer_id(|request: HttpRequest| async move { request.get_identity()?.id() })
        .server({
            let client = client.clone();
            move |id: String| {
                FlowgladServer::new(&client, id, |id: String| async move {
                    Ok::<_, std::convert::Infallible>(CustomerProfile::new(
                        id.clone(),
                        format!("{id}@example.com"),
                    ))
                })
            }
        })
        .client(client)
        .build()
        .unwrap();
    let key = Key::generate();
    let (addr, stop) = serve(move || {
        actix_web::App::new()
            .wrap(IdentityMiddleware::default())
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                key.clone(),
            ))
            .route(
                "/login/{user}",
                web::post().to(|request: HttpRequest, user: web::Path<String>| async move {
                    Identity::login(&request.extensions(), user.into_inner()).unwrap();
                    HttpResponse::NoContent().finish()
                }),
            )
            .service(flowglad::handler::actix_scope(
                "/api/flowglad",
                handler.clone(),
            ))
    });
    (env, addr, stop)
}

/// The session cookie (`id=...`) that `/login/<user>` sets.
async fn log_in(http: &reqwest::Client, addr: std::net::SocketAddr, user: &str) -> String {
    let response = http
        .post(format!("http://{addr}/login/{user}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn billing(
    http: &reqwest::Client,
    addr: std::net::SocketAddr,
    cookie: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = http
        .post(format!("http://{addr}/api/flowglad/customers/billing"))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_customer_id_reads_the_actix_identity() {
    let (env, addr, stop) = identity_app().await;
    let http = handler_support::http_client();

    // Signed in with actix-identity: billing for that user, who becomes the customer.
    let alice = log_in(&http, addr, "alice").await;
    let (status, body) = billing(&http, addr, Some(&alice)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["customer"]["externalId"], "alice", "{body}");
    let bob = log_in(&http, addr, "bob").await;
    let (status, body) = billing(&http, addr, Some(&bob)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["customer"]["externalId"], "bob", "{body}");
    let mut customers = env.fake.customer_external_ids();
    customers.sort();
    assert_eq!(customers, ["alice", "bob"]);

    // No session, or a session cookie that is not signed by the app's key: 401, no customer
    // created, nothing sent to Flowglad.
    let before = env.fake.requests().len();
    for cookie in [None, Some("id=forged"), Some(&alice[..alice.len() - 4])] {
        let (status, body) = billing(&http, addr, cookie).await;
        assert_eq!(status, 401, "{cookie:?}: {body}");
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED", "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    assert_eq!(env.fake.requests().len(), before, "no upstream call");
    assert_eq!(env.fake.customer_external_ids().len(), 2);
    stop.stop(false).await;
}
