//! The request handler's axum adapter on a real server: every action key over HTTP.
#![cfg(feature = "axum")]

use crate::handler_support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_router_serves_every_action() {
    let env = handler_support::env().await;
    let app = axum::Router::new().nest(
        "/api/flowglad",
        flowglad::handler::axum_router(env.handler.clone()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    handler_support::exercise_all_actions(&format!("http://{addr}/api/flowglad"), &env.fake).await;
}
