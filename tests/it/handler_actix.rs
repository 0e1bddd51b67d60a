//! The request handler's actix-web adapter on a real server: every action key over HTTP.
#![cfg(all(feature = "testing", feature = "actix"))]

use crate::handler_support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_scope_serves_every_action() {
    let env = handler_support::env().await;
    let handler = env.handler.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new().service(flowglad::handler::actix_scope(
            "/api/flowglad",
            handler.clone(),
        ))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let stop = server.handle();
    tokio::spawn(server);
    handler_support::exercise_all_actions(&format!("http://{addr}/api/flowglad"), &env.fake).await;
    stop.stop(false).await;
}
