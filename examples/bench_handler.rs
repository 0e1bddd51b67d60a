//! The request handler's axum adapter as a standalone server for `cargo xtask bench` (the
//! counterpart of `bench/node/express_server.mjs`): reads `PORT`, `FLOWGLAD_BASE_URL` and
//! `FLOWGLAD_SECRET_KEY`, serves `/api/flowglad/<action>` on 127.0.0.1 with the customer's
//! external id taken from the `x-customer-id` header, and prints `LISTENING <port>`.

use std::convert::Infallible;

use flowglad::handler::FlowgladHandler;
use flowglad::{CustomerDetails, FlowgladClient, FlowgladServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")?.parse()?;
    let client = FlowgladClient::from_env()?;
    let server_client = client.clone();
    let handler = FlowgladHandler::builder()
        .customer_id(|parts: http::request::Parts| async move {
            parts
                .headers
                .get("x-customer-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or("x-customer-id header missing")
        })
        .server(move |id: String| {
            FlowgladServer::new(&server_client, id, |id: String| async move {
                Ok::<_, Infallible>(CustomerDetails {
                    name: id.clone(),
                    email: format!("{id}@example.com"),
                })
            })
        })
        .client(client)
        .build();
    let app = axum::Router::new().nest("/api/flowglad", flowglad::handler::axum::router(handler));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("LISTENING {}", listener.local_addr()?.port());
    axum::serve(listener, app).await?;
    Ok(())
}
