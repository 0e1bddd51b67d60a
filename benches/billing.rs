//! Billing decode and helper micro-benchmarks (`cargo bench --bench billing`).
//!
//! The payloads start from a real `GET /customers/{id}/billing` answer of the fake (a customer
//! on the pro plan: subscription details with `experimental.featureItems` and
//! `experimental.usageMeterBalances`, the pricing model and its `catalog` alias) and grow it
//! to about 50 KB and about 1 MB with more products and prices, historical subscriptions,
//! feature items, invoices and purchases (the test fixtures' records). Every payload is
//! checked to decode into the generated `CustomersGetBillingResponse` first.
//!
//! - `decode_typed` vs `decode_value`: `serde_json::from_slice` into the SDK's type vs into
//!   `serde_json::Value` (the same bytes);
//! - `build_index`: `Billing::new` plus the first helper call (builds the O(1) index);
//! - `lookups_1m`: 1,000,000 `check_feature_access` / `get_price` calls (half hits, half
//!   misses) on an indexed `Billing`.

#[path = "../tests/it/support/fixtures.rs"]
mod fixtures;

use std::hint::black_box;
use std::sync::LazyLock;

use divan::Bencher;
use flowglad::Billing;
use flowglad::raw::types::CustomersGetBillingResponse;
use flowglad_testing::FakeFlowglad;
use serde_json::{Value, json};

fn main() {
    divan::main();
}

/// The fake's billing answer for a pro customer.
fn base_billing() -> Value {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let fake = FakeFlowglad::start().await;
        let http = reqwest::Client::new();
        let base = fake.base_url().to_owned();
        let key = fake.api_key().to_owned();
        http.post(format!("{base}/api/v1/customers"))
            .header("authorization", &key)
            .json(&json!({"customer": {"externalId": "bench", "name": "Bench", "email": "bench@example.com"}}))
            .send()
            .await
            .expect("create customer")
            .error_for_status()
            .expect("created");
        fake.set_subscription("bench", "pro_monthly")
            .expect("pro");
        http.get(format!("{base}/api/v1/customers/bench/billing"))
            .header("authorization", &key)
            .send()
            .await
            .expect("billing")
            .error_for_status()
            .expect("billing 200")
            .json()
            .await
            .expect("billing JSON")
    })
}

fn renamed(v: &Value, id: String, slug: Option<String>) -> Value {
    let mut v = v.clone();
    v["id"] = json!(id);
    if let Some(slug) = slug {
        v["slug"] = json!(slug);
    }
    v
}

/// `base` grown `k` times: 4k products (2 prices each), k historical subscriptions, k toggle
/// feature items on the current subscription, 2k invoices and 2k purchases.
fn grow(base: &Value, k: usize) -> Value {
    let mut b = base.clone();
    let product = b["pricingModel"]["products"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["slug"] == "pro"))
        .cloned()
        .expect("pro product");
    let price = product["prices"][0].clone();
    let mut products = b["pricingModel"]["products"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for i in 0..4 * k {
        let mut p = renamed(
            &product,
            format!("prod_bench_{i}"),
            Some(format!("product_{i}")),
        );
        p["prices"] = json!([
            renamed(
                &price,
                format!("price_bench_{i}_a"),
                Some(format!("price_{i}_monthly"))
            ),
            renamed(
                &price,
                format!("price_bench_{i}_b"),
                Some(format!("price_{i}_yearly"))
            ),
        ]);
        products.push(p);
    }
    b["pricingModel"]["products"] = json!(products);
    b["catalog"] = b["pricingModel"].clone();

    let current = b["currentSubscriptions"][0].clone();
    let customer_id = b["customer"]["id"].as_str().unwrap_or_default().to_owned();
    let subs = b["subscriptions"].as_array_mut().expect("subscriptions");
    for i in 0..k {
        subs.push(renamed(&current, format!("sub_hist_{i}"), None));
    }
    let features = &mut b["currentSubscriptions"][0]["experimental"]["featureItems"];
    let toggle = features
        .as_array()
        .and_then(|f| f.iter().find(|f| f["type"] == "toggle"))
        .cloned()
        .expect("a toggle feature item");
    for i in 0..k {
        features.as_array_mut().expect("featureItems").push(renamed(
            &toggle,
            format!("sife_{i}"),
            Some(format!("feature_{i}")),
        ));
    }
    b["invoices"] = (0..2 * k)
        .map(|i| fixtures::invoice_item(&format!("inv_{i}"), &customer_id))
        .collect();
    b["purchases"] = (0..2 * k)
        .map(|i| {
            fixtures::purchase(
                &format!("purchase_{i}"),
                &format!("price_bench_{i}_a"),
                &customer_id,
            )
        })
        .collect();
    b
}

/// The smallest growth of the base payload that reaches `bytes`.
fn payload(bytes: usize) -> Vec<u8> {
    static BASE: LazyLock<Value> = LazyLock::new(base_billing);
    let mut k = 0;
    loop {
        let out = serde_json::to_vec(&grow(&BASE, k)).expect("JSON");
        if out.len() >= bytes {
            // Fails loudly if the generated payload stopped matching the API's schema.
            serde_json::from_slice::<CustomersGetBillingResponse>(&out)
                .expect("payload decodes into CustomersGetBillingResponse");
            return out;
        }
        k += 1 + k / 8;
    }
}

static SMALL: LazyLock<Vec<u8>> = LazyLock::new(|| payload(50_000));
static LARGE: LazyLock<Vec<u8>> = LazyLock::new(|| payload(1_000_000));

fn bytes(size: &str) -> &'static [u8] {
    match size {
        "50KB" => &SMALL,
        _ => &LARGE,
    }
}

const SIZES: [&str; 2] = ["50KB", "1MB"];

#[divan::bench(args = SIZES)]
fn decode_typed(bencher: Bencher, size: &str) {
    let input = bytes(size);
    eprintln!("payload {size}: {} bytes", input.len());
    bencher
        .counter(divan::counter::BytesCount::new(input.len()))
        .bench(|| {
            serde_json::from_slice::<CustomersGetBillingResponse>(black_box(input)).expect("decode")
        });
}

#[divan::bench(args = SIZES)]
fn decode_value(bencher: Bencher, size: &str) {
    let input = bytes(size);
    bencher
        .counter(divan::counter::BytesCount::new(input.len()))
        .bench(|| serde_json::from_slice::<Value>(black_box(input)).expect("decode"));
}

#[divan::bench(args = SIZES)]
fn build_index(bencher: Bencher, size: &str) {
    let raw: CustomersGetBillingResponse = serde_json::from_slice(bytes(size)).expect("decode");
    bencher.with_inputs(|| raw.clone()).bench_values(|raw| {
        let billing = Billing::new(raw);
        black_box(billing.check_feature_access("premium_feature", None));
        billing
    });
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn lookups_1m(bencher: Bencher, size: &str) {
    let billing = Billing::new(serde_json::from_slice(bytes(size)).expect("decode"));
    let keys: Vec<String> = (0..1024)
        .map(|i| match i % 4 {
            0 => format!("feature_{i}"),
            1 => format!("price_{i}_monthly"),
            2 => format!("missing_{i}"),
            _ => "premium_feature".to_owned(),
        })
        .collect();
    assert!(billing.check_feature_access("premium_feature", None));
    bencher
        .counter(divan::counter::ItemsCount::new(1_000_000usize))
        .bench(|| {
            let mut hits = 0usize;
            for i in 0..500_000 {
                let key = keys[i & 1023].as_str();
                hits += usize::from(billing.check_feature_access(key, None));
                hits += usize::from(billing.get_price(key).is_some());
            }
            black_box(hits)
        });
}
