//! Sandbox everywhere: `cp_test_` keys act on the company's sandbox twin, resource by resource,
//! and live and test data never see each other, in either direction. (Plans: `crp.rs`,
//! `another_company_or_the_sandbox_never_sees_a_plan`; webhook endpoints and live events:
//! `webhooks.rs`, `the_sandbox_and_other_companies_never_meet`.)

use std::time::Duration;

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_testkit::{Receiver, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::integrity::{post_json, upload};
use crate::support::{Tenant, TestApp, expect_error, spawn};

on_both_backends!(spawn =>
    sites_of_the_sandbox_are_its_own,
    bills_of_live_and_test_never_meet,
    sessions_of_live_and_test_never_meet,
    emissions_of_live_and_test_never_meet,
    crp_inputs_of_live_and_test_never_meet,
    sandbox_events_reach_sandbox_endpoints_only,
);

/// A tenant with a live key, and its owner's test key acting as the same company's sandbox.
struct Twins {
    live: Tenant,
    test: Tenant,
}

async fn twins(app: &TestApp) -> Twins {
    let live = app.tenant("Twin Ltd", Plan::Business, KeyMode::Live).await;
    let test_key = app.issue(&live.email, &live.company, KeyMode::Test).await;
    let company: Value = app.get("/api/v1/company", &test_key).await.json().await.expect("json");
    let sandbox_site = company["data"]["sites"][0]["id"].as_str().expect("a sandbox site").to_owned();
    let mut test =
        Tenant { company: live.company.clone(), site: live.site.clone(), email: live.email.clone(), key: test_key };
    test.site.id = carbonpass_domain::model::SiteId::parse(&sandbox_site).expect("site id");
    Twins { live, test }
}

async fn json_ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn bill_of(app: &TestApp, tenant: &Tenant, marker: &str) -> String {
    let body = upload(app, tenant, tenant.site.id.as_str(), "electricity", marker).await;
    body["data"]["id"].as_str().unwrap_or_else(|| panic!("uploaded: {body}")).to_owned()
}

async fn confirm(app: &TestApp, key: &str, bill: &str) -> reqwest::Response {
    let body = json!({"consumption": 1000, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    post_json(app, key, &format!("/api/v1/bills/{bill}/confirm"), &body.to_string()).await
}

async fn sites_of_the_sandbox_are_its_own(app: TestApp) {
    let t = twins(&app).await;
    assert_ne!(t.test.site.id, t.live.site.id);
    // A bill for a live site with a test key, or a sandbox site with a live key: no such site.
    for (tenant, site) in [(&t.test, t.live.site.id.as_str()), (&t.live, t.test.site.id.as_str())] {
        let body = upload(&app, tenant, site, "electricity", "crossed").await;
        assert_eq!(body["error"], "not_found", "{body}");
    }
}

async fn bills_of_live_and_test_never_meet(app: TestApp) {
    let t = twins(&app).await;
    let live_bill = bill_of(&app, &t.live, "live").await;
    let test_bill = bill_of(&app, &t.test, "test").await;
    for (tenant, own, other) in [(&t.live, &live_bill, &test_bill), (&t.test, &test_bill, &live_bill)] {
        let listed = json_ok(app.get("/api/v1/bills", &tenant.key).await).await;
        let ids: Vec<&str> =
            listed["data"].as_array().expect("bills").iter().filter_map(|b| b["id"].as_str()).collect();
        assert_eq!(ids, [own.as_str()]);
        for path in [format!("/api/v1/bills/{other}"), format!("/api/v1/bills/{other}/file")] {
            expect_error(app.get(&path, &tenant.key).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        expect_error(confirm(&app, &tenant.key, other).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn sessions_of_live_and_test_never_meet(app: TestApp) {
    let t = twins(&app).await;
    bill_of(&app, &t.live, "live").await;
    let live = json_ok(app.get("/api/v1/sessions", &t.live.key).await).await;
    let session = live["data"][0]["id"].as_str().expect("a live session").to_owned();
    let sandbox = json_ok(app.get("/api/v1/sessions", &t.test.key).await).await;
    assert_eq!(sandbox["data"], json!([]));
    let res = post_json(&app, &t.test.key, &format!("/api/v1/sessions/{session}/complete"), "").await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    bill_of(&app, &t.test, "test").await;
    let live_again = json_ok(app.get("/api/v1/sessions", &t.live.key).await).await;
    assert_eq!(live_again["data"].as_array().map(Vec::len), Some(1), "a sandbox session is not live");
}

async fn emissions_of_live_and_test_never_meet(app: TestApp) {
    let t = twins(&app).await;
    let bill = bill_of(&app, &t.test, "test").await;
    json_ok(confirm(&app, &t.test.key, &bill).await).await;
    let sandbox = json_ok(app.get("/api/v1/emissions", &t.test.key).await).await;
    assert!(sandbox["data"]["totalTco2e"].is_string() || sandbox["data"]["totalTco2e"].is_number(), "{sandbox}");
    assert_ne!(sandbox["data"]["sessions"], json!([]), "{sandbox}");
    // Live has no confirmed data: zero, with no session; the sandbox's are not its.
    let live = json_ok(app.get("/api/v1/emissions", &t.live.key).await).await;
    assert_eq!(live["data"]["sessions"], json!([]), "{live}");
    assert_ne!(live["data"]["totalTco2e"], sandbox["data"]["totalTco2e"]);
    let company = json_ok(app.get("/api/v1/company", &t.live.key).await).await;
    let text = company.to_string();
    assert!(!text.contains(&bill), "the live company shows nothing of the sandbox");
}

async fn crp_inputs_of_live_and_test_never_meet(app: TestApp) {
    let t = twins(&app).await;
    let before = json_ok(app.get("/api/v1/crp-inputs", &t.live.key).await).await;
    let res = app
        .client
        .put(app.url("/api/v1/crp-inputs"))
        .bearer_auth(&t.test.key)
        .json(&crate::crp::complete_inputs())
        .send()
        .await
        .expect("request");
    let saved = json_ok(res).await;
    assert_eq!(json_ok(app.get("/api/v1/crp-inputs", &t.test.key).await).await, saved, "the sandbox keeps its own");
    let after = json_ok(app.get("/api/v1/crp-inputs", &t.live.key).await).await;
    assert_eq!(before, after, "a sandbox write never reaches live inputs");
    let plans = json_ok(app.get("/api/v1/crp", &t.test.key).await).await;
    assert_eq!(plans["data"], json!([]));
}

async fn sandbox_events_reach_sandbox_endpoints_only(app: TestApp) {
    let t = twins(&app).await;
    let (live_receiver, test_receiver) = (Receiver::start().await, Receiver::start().await);
    for (key, url) in [(&t.live.key, &live_receiver.url), (&t.test.key, &test_receiver.url)] {
        let body = json!({"url": url, "events": ["bill.uploaded"]}).to_string();
        json_ok(post_json(&app, key, "/api/v1/webhook-endpoints", &body).await).await;
    }
    let bill = bill_of(&app, &t.test, "test event").await;
    let got = test_receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["data"]["id"], bill.as_str());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(live_receiver.received().is_empty(), "a live endpoint hears no sandbox event");
}
