//! Pricing as code: the pricing model document read and written as JSON and YAML (members
//! this SDK does not know kept), exported from and pushed to an account over HTTP (the fake
//! on 127.0.0.1), and the fake seeded from the file.

#![cfg(feature = "yaml")]

use std::path::PathBuf;

use flowglad::pricing::PricingModel;
use flowglad_testing::FakeFlowglad;
use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn file_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

#[test]
fn json_and_yaml_files_read_as_the_same_document() {
    let from_json = PricingModel::load(data("pricing.json")).unwrap();
    let from_yaml = PricingModel::load(data("pricing.yaml")).unwrap();
    assert_eq!(from_json, from_yaml);
    assert_eq!(from_json.name, "Acme pricing");
    assert_eq!(from_json.features.len(), 5);
    assert_eq!(from_json.products[3].price.trial_period_days(), Some(14));
    let slugs: Vec<_> = from_json.prices().filter_map(|p| p.slug.clone()).collect();
    assert_eq!(
        slugs,
        [
            "free_monthly",
            "basic_monthly",
            "pro_monthly",
            "pro_trial_monthly",
            "lifetime_deal",
            "api_call_overage"
        ]
    );
    assert_eq!(from_json.resources()[0].slug, "seats");
}

#[test]
fn unknown_members_and_nulls_survive_a_round_trip_in_both_formats() {
    let original = file_json("pricing.json");
    let model = PricingModel::load(data("pricing.json")).unwrap();
    assert_eq!(model.extra["x-owner"], json!("billing-team"));
    assert_eq!(
        model.features[1].extra["x-internal-note"],
        json!("support rota")
    );
    assert_eq!(model.products[0].product.extra["description"], Value::Null);
    // JSON -> document -> JSON: the same value, every member included.
    assert_eq!(model.to_json_value(), original);
    let again: Value = serde_json::from_str(&model.to_json()).unwrap();
    assert_eq!(again, original);
    // Through YAML text and back.
    let yaml = model.to_yaml().unwrap();
    assert!(yaml.contains("x-internal-note"), "{yaml}");
    let back = PricingModel::from_yaml(&yaml).unwrap();
    assert_eq!(back.to_json_value(), original);
}

#[test]
fn save_picks_the_format_from_the_extension() {
    let dir = std::env::temp_dir().join(format!("flowglad-pricing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = PricingModel::load(data("pricing.yaml")).unwrap();
    for name in ["out.json", "out.yaml", "out.yml"] {
        let path = dir.join(name);
        model.save(&path).unwrap();
        assert_eq!(PricingModel::load(&path).unwrap(), model, "{name}");
    }
    let text = std::fs::read_to_string(dir.join("out.json")).unwrap();
    assert!(text.trim_start().starts_with('{'));
    let err = model.save(dir.join("out.toml")).unwrap_err();
    assert!(err.to_string().contains("unsupported"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_document_missing_a_required_member_is_an_error_naming_it() {
    let err = PricingModel::from_json(r#"{"name": "x", "features": [], "products": []}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("usageMeters"), "{err}");
    let err = PricingModel::from_yaml("name: x\nfeatures: []\nproducts: [{}]\nusageMeters: []\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("product"), "{err}");
}

#[tokio::test]
async fn export_answers_the_seeded_file_with_its_unknown_members() {
    let fake = FakeFlowglad::builder()
        .pricing_model_file(data("pricing.yaml"))
        .start()
        .await
        .unwrap();
    let admin = fake.flowglad_client().admin();
    let exported = admin
        .export_pricing_model(&fake.pricing_model_id())
        .await
        .unwrap();
    assert_eq!(exported.to_json_value(), file_json("pricing.json"));
    let request = fake.requests().pop().unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path,
        format!("/api/v1/pricing-models/{}/export", fake.pricing_model_id())
    );
    let missing = admin.export_pricing_model("pricing_model_404").await;
    assert!(missing.unwrap_err().is_not_found());
}

#[tokio::test]
async fn setup_sends_the_document_as_it_is_and_the_new_model_exports_back() {
    let fake = FakeFlowglad::start().await;
    let admin = fake.flowglad_client().admin();
    let model = PricingModel::load(data("pricing.json")).unwrap();
    let created = admin.setup_pricing_model(&model).await.unwrap();
    let id = created.pricing_model.id.clone();
    assert_ne!(id, fake.pricing_model_id());
    assert_eq!(created.pricing_model.name, "Acme pricing");
    let product_slugs: Vec<_> = created
        .pricing_model
        .products
        .iter()
        .map(|p| p.slug.clone())
        .collect();
    assert_eq!(
        product_slugs,
        ["free", "basic", "pro", "pro_trial", "lifetime"]
    );
    // The body on the wire is the document, unknown members included.
    let sent = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/pricing-models/setup")
        .unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.body.unwrap(), file_json("pricing.json"));
    // And it can be read back.
    let exported = admin.export_pricing_model(&id).await.unwrap();
    assert_eq!(exported, model);
    let got = admin
        .raw()
        .pricing_models_get(&id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.pricing_model.id, id);
}

#[tokio::test]
async fn setup_of_an_invalid_document_is_the_apis_400() {
    let fake = FakeFlowglad::start().await;
    let admin = fake.flowglad_client().admin();
    let mut model = PricingModel::load(data("pricing.json")).unwrap();
    model.products[1].features.push("no_such_feature".into());
    let err = admin.setup_pricing_model(&model).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
}

/// The fake seeded from `file` serves that file's catalog: products with their price and
/// features, usage meters with their prices, and a new customer on the default product.
async fn assert_fake_serves_the_file(file: &str) {
    let fake = FakeFlowglad::builder()
        .pricing_model_file(data(file))
        .start()
        .await
        .unwrap();
    let model = PricingModel::load(data(file)).unwrap();
    let client = fake.flowglad_client();
    let answer = client.admin().get_default_pricing_model().await.unwrap();
    let pm: Value = serde_json::from_str(answer.json()).unwrap();
    let pm = &pm["pricingModel"];
    assert_eq!(pm["name"], json!(model.name));
    let products = pm["products"].as_array().unwrap();
    assert_eq!(products.len(), model.products.len(), "{file}");
    for (record, entry) in products.iter().zip(&model.products) {
        assert_eq!(record["slug"], json!(entry.product.slug), "{file}");
        assert_eq!(record["name"], json!(entry.product.name));
        assert_eq!(
            record["default"],
            json!(entry.product.default.unwrap_or(false))
        );
        let price = &record["prices"][0];
        assert_eq!(price["slug"], json!(entry.price.slug));
        assert_eq!(price["type"], json!(entry.price.kind));
        assert_eq!(price["unitPrice"], json!(entry.price.unit_price));
        if entry.price.kind == "subscription" {
            assert_eq!(price["intervalUnit"], json!(entry.price.interval_unit));
            assert_eq!(
                price["trialPeriodDays"],
                json!(entry.price.trial_period_days())
            );
        }
        let features: Vec<&str> = record["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["slug"].as_str().unwrap())
            .collect();
        assert_eq!(features, entry.features, "{file}: {}", entry.product.slug);
    }
    let meters = pm["usageMeters"].as_array().unwrap();
    assert_eq!(meters.len(), model.usage_meters.len());
    for (record, entry) in meters.iter().zip(&model.usage_meters) {
        assert_eq!(record["slug"], json!(entry.usage_meter.slug));
        assert_eq!(record["name"], json!(entry.usage_meter.name));
        let slugs: Vec<&Value> = record["prices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["slug"])
            .collect();
        // The file's prices, then the free fallback Flowglad's setup adds to every meter.
        let mut expected: Vec<Value> = entry
            .prices
            .iter()
            .flatten()
            .map(|p| json!(p.slug))
            .collect();
        expected.push(json!(format!("{}_no_charge", entry.usage_meter.slug)));
        assert_eq!(slugs, expected.iter().collect::<Vec<_>>());
    }
    // Through the facade, as an app sees it: a new customer is on the file's default plan,
    // and the helpers find the file's prices and products.
    let server = flowglad::FlowgladServer::new(&client, "user_1", |id: String| async move {
        Ok::<_, std::io::Error>(flowglad::CustomerProfile::new(
            id.clone(),
            format!("{id}@example.com"),
        ))
    })
    .unwrap();
    let billing = server.get_billing().await.unwrap();
    let free = billing.get_price("free_monthly").unwrap();
    let current: Value = serde_json::from_str(billing.json()).unwrap();
    assert_eq!(
        current["currentSubscriptions"][0]["priceId"],
        serde_json::to_value(free).unwrap()["id"],
        "{file}: a new customer is on the default product's price"
    );
    assert!(billing.get_price("pro_monthly").is_some());
    assert!(billing.get_price("pro_monthly_typo").is_none());
    assert!(billing.get_product("lifetime").is_some());
    assert!(!billing.check_feature_access("premium_feature", None));
    fake.set_subscription("user_1", "pro_monthly").unwrap();
    let billing = server.get_billing().await.unwrap();
    assert!(billing.check_feature_access("priority-support", None));
    let credits = billing.check_usage_balance("api_calls", None).unwrap();
    assert_eq!(
        credits.available_balance, 600,
        "{file}: 500 monthly + 100 once"
    );
}

#[tokio::test]
async fn fake_seeded_from_the_json_file_serves_its_catalog() {
    assert_fake_serves_the_file("pricing.json").await;
}

#[tokio::test]
async fn fake_seeded_from_the_yaml_file_serves_its_catalog() {
    assert_fake_serves_the_file("pricing.yaml").await;
}

#[tokio::test]
async fn a_bad_pricing_model_file_fails_start_naming_the_problem() {
    let err = FakeFlowglad::builder()
        .pricing_model_file(data("no_such_file.yaml"))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no_such_file.yaml"), "{err}");
}
