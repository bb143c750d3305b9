//! `GET /api/v1/company` in the seed's shape, and what each key may see of it.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use serde_json::Value;

use carbonpass_domain::model::NewSite;

use crate::support::{PUBLIC_BASE_URL, TestApp, fields, second_instance, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    returns_the_seed_shape,
    a_test_key_sees_only_the_sandbox_twin,
    a_key_of_one_company_never_sees_another,
    a_write_is_visible_to_the_next_read_in_every_server_process,
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

async fn a_write_is_visible_to_the_next_read_in_every_server_process(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other_process = second_instance(&app).await;
    let sites_seen_by = |base: String| {
        let (client, key) = (app.client.clone(), tenant.key.clone());
        async move {
            let res = client.get(format!("{base}/api/v1/company")).bearer_auth(key).send().await.expect("request");
            assert_eq!(res.status(), StatusCode::OK);
            let body: Value = res.json().await.expect("json");
            body["data"]["sites"].as_array().map(Vec::len).expect("sites")
        }
    };
    // Both processes have read (and may hold) the company with its one site.
    assert_eq!(sites_seen_by(app.base.clone()).await, 1);
    assert_eq!(sites_seen_by(other_process.clone()).await, 1);

    let depot = NewSite { name: "Depot".into(), city: "Leeds".into(), employee_count: 3 };
    app.services.tenants.add_site(&tenant.company.id, depot).await.expect("site");
    assert_eq!(sites_seen_by(other_process.clone()).await, 2, "the other process sees the write at once");
    assert_eq!(sites_seen_by(app.base.clone()).await, 2);

    // A key revoked through one process is refused by the other on its next request.
    let keys: Value = app.get("/api/v1/keys", &tenant.key).await.json().await.expect("json");
    let id = keys["data"][0]["id"].as_str().expect("id").to_owned();
    let revoke = app.request(reqwest::Method::DELETE, &format!("/api/v1/keys/{id}"), Some(&tenant.key)).await;
    assert_eq!(revoke.status(), StatusCode::OK);
    let res = app.client.get(format!("{other_process}/api/v1/company")).bearer_auth(&tenant.key).send().await;
    assert_eq!(res.expect("request").status(), StatusCode::UNAUTHORIZED);
}
