//! Resource claims on the `seats` resource (5 with Pro): claim, usage, over-claim, release,
//! list; and no resources on the free plan.

use flowglad::{
    ClaimAmount, ClaimResourceParams, ListResourceClaimsParams, ReleaseAmount,
    ReleaseResourceParams, ResourceRef,
};

use super::subscriptions::subscribe_pro;
use super::{Target, contract, json};

contract!(claim_release_and_list_seats, the_free_plan_has_no_resources);

async fn claim_release_and_list_seats(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    let (_, pro) = subscribe_pro(&server).await;

    let claimed = server
        .claim_resource(ClaimResourceParams::new("seats", ClaimAmount::Quantity(2)))
        .await
        .unwrap();
    let claimed = json(&*claimed);
    assert_eq!(claimed["claims"].as_array().unwrap().len(), 2, "{claimed}");
    assert_eq!(claimed["claims"][0]["subscriptionId"], pro.as_str());
    assert!(claimed["claims"][0]["releasedAt"].is_null(), "{claimed}");

    let usage = server
        .get_resource_usage(&ResourceRef::slug("seats"), None)
        .await
        .unwrap();
    let usage = json(&*usage)["usage"].clone();
    assert_eq!(usage["resourceSlug"], "seats", "{usage}");
    assert_eq!(usage["capacity"], 5, "{usage}");
    assert_eq!(usage["claimed"], 2, "{usage}");
    assert_eq!(usage["available"], 3, "{usage}");
    let usages = server.get_resource_usages(None).await.unwrap();
    assert_eq!(usages.len(), 1);
    assert_eq!(usages[0].resource_slug, "seats");
    assert_eq!(usages[0].claimed, 2);

    let err = server
        .claim_resource(ClaimResourceParams::new("seats", ClaimAmount::Quantity(9)))
        .await
        .unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 400, "{err}");
    assert_eq!(api.code.as_deref(), Some("BAD_REQUEST"));
    assert!(
        api.message.contains("No available capacity"),
        "{}",
        api.message
    );

    let released = server
        .release_resource(ReleaseResourceParams::new(
            "seats",
            ReleaseAmount::Quantity(1),
        ))
        .await
        .unwrap();
    let released = json(&*released);
    assert_eq!(released["releasedClaims"].as_array().unwrap().len(), 1);
    assert!(
        released["releasedClaims"][0]["releasedAt"].is_i64(),
        "{released}"
    );
    assert_eq!(released["usage"]["claimed"], 1, "{released}");
    assert_eq!(released["usage"]["available"], 4, "{released}");

    let claims = server
        .list_resource_claims(&ListResourceClaimsParams::new().resource_slug("seats"))
        .await
        .unwrap();
    assert_eq!(json(&*claims)["claims"].as_array().unwrap().len(), 1);
}

async fn the_free_plan_has_no_resources(t: &Target) {
    let client = t.client();
    let server = t.new_user(&client);
    server.get_billing().await.unwrap();
    let usages = server.get_resource_usages(None).await.unwrap();
    assert!(usages.is_empty(), "{usages:?}");
}
