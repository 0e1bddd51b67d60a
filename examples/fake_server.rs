//! Runs the Flowglad fake as a standalone server, e.g. for a frontend or another language's
//! tests:
//!
//! ```sh
//! cargo run --example fake_server --features testing -- --port 4010 [--seed pricing.json] [--api-key sk_test_x]
//! ```
//!
//! It prints the base URL and the API key, then serves until interrupted. The seed file holds
//! a `pricingModels-setup` request body (see `docs/testing.md`).

use flowglad::testing::FakeFlowglad;
use flowglad::testing::fake::PricingModelSeed;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = FakeFlowglad::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => builder = builder.port(value()?.parse()?),
            "--seed" => builder = builder.seed(PricingModelSeed::from_file(value()?)?),
            "--api-key" => builder = builder.api_key(value()?),
            "-h" | "--help" => {
                println!("usage: fake_server [--port N] [--seed setup.json] [--api-key KEY]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let fake = builder.start().await?;
    println!("FLOWGLAD_BASE_URL={}", fake.base_url());
    println!("FLOWGLAD_SECRET_KEY={}", fake.api_key());
    std::future::pending::<()>().await;
    Ok(())
}
