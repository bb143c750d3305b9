//! `GET /api/v1/company` in the seed's shape, and what each key may see of it.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{PUBLIC_BASE_URL, TestApp, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    returns_the_seed_shape,
    a_test_key_sees_only_the_sandbox_twin,
    a_key_of_one_company_never_sees_another,
);

async fn returns_the_seed_shape(app: TestApp) {
    let tenant = app.tenant("Acme Industries Ltd", Plan::Business, KeyMode::Live).await;
    let res = app.get("/api/v1/company", &tenant.key).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(fields(&body), ["data"]);
    let data = &body["data"];
    assert_eq!(
        fields(data),
        [
            "city",
            "currentEmissions",
            "employeeCount",
            "id",
            "name",
            "passportActivated",
            "passportUrl",
            "planName",
            "sector",
            "sites"
        ]
    );
    assert_eq!(data["id"], tenant.company.id.as_str());
    assert!(data["id"].as_str().is_some_and(|id| id.starts_with("comp_") && id.len() >= 5 + 12));
    assert_eq!(data["name"], "Acme Industries Ltd");
    assert_eq!(data["sector"], "Manufacturing");
    assert_eq!(data["city"], "Birmingham");
    assert_eq!(data["employeeCount"], 42);
    assert!(data["employeeCount"].is_u64());
    assert_eq!(data["planName"], "business");
    assert_eq!(data["currentEmissions"], Value::Null, "null until emissions exist");
    assert_eq!(data["passportUrl"], format!("{PUBLIC_BASE_URL}/company/acme-industries-ltd"));
    assert_eq!(data["passportActivated"], true);
    let sites = data["sites"].as_array().expect("sites array");
    assert_eq!(sites.len(), 1);
    assert_eq!(fields(&sites[0]), ["city", "employeeCount", "id", "name"]);
    assert_eq!(sites[0]["id"], tenant.site.id.as_str());
    assert_eq!(sites[0]["name"], "Birmingham Warehouse");
    assert_eq!(sites[0]["employeeCount"], 28);
}

async fn a_test_key_sees_only_the_sandbox_twin(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let test_key = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    assert!(test_key.starts_with("cp_test_"));

    let live: Value = app.get("/api/v1/company", &tenant.key).await.json().await.expect("json");
    let sandbox: Value = app.get("/api/v1/company", &test_key).await.json().await.expect("json");
    assert_ne!(sandbox["data"]["id"], live["data"]["id"], "the sandbox is its own data space");
    assert_eq!(sandbox["data"]["name"], live["data"]["name"], "with the same shape and profile");
    let live_site = &live["data"]["sites"][0]["id"];
    let sandbox_site = &sandbox["data"]["sites"][0]["id"];
    assert!(sandbox_site.is_string() && sandbox_site != live_site, "sandbox sites are not live sites");
}

async fn a_key_of_one_company_never_sees_another(app: TestApp) {
    let a = app.tenant("Alpha Ltd", Plan::Business, KeyMode::Live).await;
    let b = app.tenant("Beta Ltd", Plan::Partner, KeyMode::Live).await;
    let seen_by_a: Value = app.get("/api/v1/company", &a.key).await.json().await.expect("json");
    let seen_by_b: Value = app.get("/api/v1/company", &b.key).await.json().await.expect("json");
    assert_eq!(seen_by_a["data"]["id"], a.company.id.as_str());
    assert_eq!(seen_by_b["data"]["id"], b.company.id.as_str());
    assert_eq!(seen_by_a["data"]["sites"][0]["id"], a.site.id.as_str());
    let a_text = seen_by_a.to_string();
    assert!(!a_text.contains(b.company.id.as_str()) && !a_text.contains(b.site.id.as_str()));
}
