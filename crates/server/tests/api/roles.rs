//! Roles: owners run the account (keys, webhook endpoints, publishing); members and consultants
//! record, plan and read; a rolled key manages neither keys nor webhook endpoints.

use carbonpass_domain::model::{KeyMode, MembershipRole, NewUser, Plan};
use carbonpass_testkit::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::crp::{complete_inputs, generate, ready_tenant};
use crate::integrity::{post_json, upload};
use crate::support::{Tenant, TestApp, expect_error, spawn};

on_both_backends!(spawn =>
    members_record_and_plan_but_manage_nothing,
    consultants_act_as_members_for_their_clients,
    a_rolled_key_may_not_create_or_change_webhook_endpoints,
);

const HOOK: &str = r#"{"url": "https://hooks.example.com/carbonpass", "events": ["bill.confirmed"]}"#;

/// A new user of `tenant`'s company with `role`, and a live key of theirs.
async fn colleague(app: &TestApp, tenant: &Tenant, role: MembershipRole) -> Tenant {
    let email = format!("{}@{}.example", role.as_str(), tenant.company.passport.slug);
    let user = app
        .services
        .tenants
        .create_user(NewUser { email: email.clone(), name: "Colleague".into() })
        .await
        .expect("user");
    app.services.tenants.add_member(&user.id, &tenant.company.id, role).await.expect("member");
    let key = app.issue(&email, &tenant.company, KeyMode::Live).await;
    Tenant { company: tenant.company.clone(), site: tenant.site.clone(), email, key }
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

async fn send_json(app: &TestApp, method: Method, path: &str, key: &str, body: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
}

async fn members_record_and_plan_but_manage_nothing(app: TestApp) {
    let owner = ready_tenant(&app, "Acme").await;
    let member = colleague(&app, &owner, MembershipRole::Member).await;

    // Records, plans and reads.
    let bill = upload(&app, &member, member.site.id.as_str(), "electricity", "member's").await;
    assert_eq!(bill["data"]["status"], "uploaded", "{bill}");
    json_of(
        send_json(&app, Method::PUT, "/api/v1/crp-inputs", &member.key, &complete_inputs().to_string()).await,
        StatusCode::OK,
    )
    .await;
    let plan = generate(&app, &member.key).await;
    let id = plan["id"].as_str().expect("id");
    assert_eq!(app.get(&format!("/api/v1/crp/{id}"), &member.key).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/webhook-endpoints", &member.key).await.status(), StatusCode::OK);

    // Publishes nothing, points events nowhere, mints no keys: and nothing was written.
    let refused = post_json(&app, &member.key, &format!("/api/v1/crp/{id}/publish"), "{}").await;
    let body = expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(body["message"].as_str().is_some_and(|m| m.contains("a member")), "{body}");
    let shown = json_of(app.get(&format!("/api/v1/crp/{id}"), &owner.key).await, StatusCode::OK).await;
    assert_eq!(shown["data"]["status"], "draft");
    expect_error(
        post_json(&app, &member.key, "/api/v1/webhook-endpoints", HOOK).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let listed = json_of(app.get("/api/v1/webhook-endpoints", &owner.key).await, StatusCode::OK).await;
    assert_eq!(listed["data"], json!([]), "no endpoint was created");
    expect_error(
        post_json(&app, &member.key, "/api/v1/keys", r#"{"name": "more"}"#).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The owner may do all of it.
    json_of(post_json(&app, &owner.key, &format!("/api/v1/crp/{id}/publish"), "{}").await, StatusCode::OK).await;
    json_of(post_json(&app, &owner.key, "/api/v1/webhook-endpoints", HOOK).await, StatusCode::CREATED).await;
    json_of(post_json(&app, &owner.key, "/api/v1/keys", r#"{"name": "ci"}"#).await, StatusCode::CREATED).await;
}

async fn consultants_act_as_members_for_their_clients(app: TestApp) {
    let client = ready_tenant(&app, "Acme").await;
    let partner = app.tenant("Green Advisers", Plan::Partner, KeyMode::Live).await;
    let user = app.services.tenants.find_user_by_email(&partner.email).await.expect("lookup").expect("user");
    app.services.tenants.add_member(&user.id, &client.company.id, MembershipRole::Consultant).await.expect("linked");
    let for_client = |method: Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&partner.key)
            .header("CarbonPass-Company", client.company.id.as_str())
            .header("content-type", "application/json")
    };

    let plan = for_client(Method::POST, "/api/v1/crp").body(json!({"fyYear": crate::crp::fy_year()}).to_string());
    let plan = json_of(plan.send().await.expect("request"), StatusCode::CREATED).await;
    let id = plan["data"]["id"].as_str().expect("id").to_owned();
    let publish = for_client(Method::POST, &format!("/api/v1/crp/{id}/publish")).body("{}");
    expect_error(publish.send().await.expect("request"), StatusCode::FORBIDDEN, "forbidden").await;
    let hook = for_client(Method::POST, "/api/v1/webhook-endpoints").body(HOOK);
    expect_error(hook.send().await.expect("request"), StatusCode::FORBIDDEN, "forbidden").await;

    // In their own company the consultant is its owner.
    json_of(post_json(&app, &partner.key, "/api/v1/webhook-endpoints", HOOK).await, StatusCode::CREATED).await;
}

async fn a_rolled_key_may_not_create_or_change_webhook_endpoints(app: TestApp) {
    let owner = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let created =
        json_of(post_json(&app, &owner.key, "/api/v1/webhook-endpoints", HOOK).await, StatusCode::CREATED).await;
    let endpoint = created["data"]["id"].as_str().expect("id").to_owned();
    let keys = json_of(app.get("/api/v1/keys", &owner.key).await, StatusCode::OK).await;
    let key_id = keys["data"][0]["id"].as_str().expect("key id").to_owned();
    json_of(post_json(&app, &owner.key, &format!("/api/v1/keys/{key_id}/roll"), "{}").await, StatusCode::CREATED).await;

    // The retiring key still reads and records, but cannot leave a receiver of its own behind.
    assert_eq!(app.get("/api/v1/webhook-endpoints", &owner.key).await.status(), StatusCode::OK);
    expect_error(
        post_json(&app, &owner.key, "/api/v1/webhook-endpoints", HOOK).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let path = format!("/api/v1/webhook-endpoints/{endpoint}");
    let patch = send_json(&app, Method::PATCH, &path, &owner.key, r#"{"url": "https://evil.example.com/x"}"#).await;
    expect_error(patch, StatusCode::CONFLICT, "conflict").await;
    let rotate = post_json(&app, &owner.key, &format!("{path}/rotate-secret"), "{}").await;
    expect_error(rotate, StatusCode::CONFLICT, "conflict").await;
    let unchanged = json_of(app.get(&path, &owner.key).await, StatusCode::OK).await;
    assert_eq!(unchanged["data"]["url"], "https://hooks.example.com/carbonpass");
}
