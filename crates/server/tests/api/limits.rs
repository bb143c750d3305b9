//! Nothing grows without a limit: keys per user capped, every list paged with `limit` and
//! `cursor` and refusing parameters it does not know.

use carbonpass_domain::model::{KeyMode, MembershipRole, NewUser, Plan};
use carbonpass_server::settings::Settings;
use carbonpass_testkit::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::integrity::post_json;
use crate::support::{TestApp, expect_error, spawn_configured};

/// Five working keys a user.
fn five_keys(settings: &mut Settings) {
    settings.max_keys_per_user = 5;
}

async fn five_keys_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, five_keys).await
}

on_both_backends!(five_keys_app =>
    racing_key_creations_stop_at_the_cap_and_revoking_makes_room,
    keys_are_paged_and_owners_manage_their_users_keys,
    lists_refuse_parameters_they_do_not_know_and_page_alike,
);

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

async fn racing_key_creations_stop_at_the_cap_and_revoking_makes_room(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    // The tenant's own key is one of the five.
    let creations: Vec<_> = (0..12)
        .map(|i| {
            let (http, url, key) = (app.client.clone(), app.url("/api/v1/keys"), tenant.key.clone());
            tokio::spawn(async move {
                let res = http.post(url).bearer_auth(key).json(&serde_json::json!({"name": format!("racer {i}")}));
                let res = res.send().await.expect("request");
                let status = res.status();
                (status, res.json::<Value>().await.expect("json"))
            })
        })
        .collect();
    let mut created = Vec::new();
    for creation in creations {
        let (status, body) = creation.await.expect("task");
        match status {
            StatusCode::CREATED => created.push(body["data"]["id"].as_str().expect("id").to_owned()),
            StatusCode::CONFLICT => assert_eq!(body["error"], "limit_reached", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created.len(), 4, "four more than the one it had: exactly the cap");
    let refused = post_json(&app, &tenant.key, "/api/v1/keys", r#"{"name": "one too many"}"#).await;
    let body = expect_error(refused, StatusCode::CONFLICT, "limit_reached").await;
    assert!(body["message"].as_str().is_some_and(|m| m.contains('5')), "{body}");
    let revoked = app.request(Method::DELETE, &format!("/api/v1/keys/{}", created[0]), Some(&tenant.key)).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    json_of(post_json(&app, &tenant.key, "/api/v1/keys", r#"{"name": "room again"}"#).await, StatusCode::CREATED).await;
}

async fn keys_are_paged_and_owners_manage_their_users_keys(app: TestApp) {
    let owner = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for i in 0..3 {
        let body = format!(r#"{{"name": "key {i}"}}"#);
        json_of(post_json(&app, &owner.key, "/api/v1/keys", &body).await, StatusCode::CREATED).await;
    }
    let first = json_of(app.get("/api/v1/keys?limit=2", &owner.key).await, StatusCode::OK).await;
    assert_eq!(first["data"].as_array().map(Vec::len), Some(2));
    let cursor = first["nextCursor"].as_str().expect("more follow").to_owned();
    let rest =
        json_of(app.get(&format!("/api/v1/keys?limit=2&cursor={cursor}"), &owner.key).await, StatusCode::OK).await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest["nextCursor"], Value::Null, "four keys in all");
    let every = json_of(app.get("/api/v1/keys?limit=100", &owner.key).await, StatusCode::OK).await;
    let ids = |page: &Value| -> Vec<String> {
        page["data"].as_array().expect("keys").iter().map(|k| k["id"].as_str().expect("id").to_owned()).collect()
    };
    assert_eq!([ids(&first), ids(&rest)].concat(), ids(&every), "pages join up, newest first");

    // A member of the company: their keys are theirs; the owner lists and revokes them.
    let email = "member@acme.example".to_owned();
    let user =
        app.services.tenants.create_user(NewUser { email: email.clone(), name: "Member".into() }).await.expect("user");
    app.services.tenants.add_member(&user.id, &owner.company.id, MembershipRole::Member).await.expect("member");
    let member_key = app.issue(&email, &owner.company, KeyMode::Live).await;
    let theirs = json_of(app.get(&format!("/api/v1/keys?userId={}", user.id), &owner.key).await, StatusCode::OK).await;
    let member_key_id = theirs["data"][0]["id"].as_str().expect("the member's key").to_owned();
    assert_eq!(theirs["data"].as_array().map(Vec::len), Some(1));
    let owner_user = app.services.tenants.find_user_by_email(&owner.email).await.expect("lookup").expect("owner");
    let snooping = app.get(&format!("/api/v1/keys?userId={}", owner_user.id), &member_key).await;
    expect_error(snooping, StatusCode::FORBIDDEN, "forbidden").await;
    let own_id = ids(&every)[0].clone();
    let by_member = app.request(Method::DELETE, &format!("/api/v1/keys/{own_id}"), Some(&member_key)).await;
    expect_error(by_member, StatusCode::NOT_FOUND, "not_found").await;
    let by_owner = app.request(Method::DELETE, &format!("/api/v1/keys/{member_key_id}"), Some(&owner.key)).await;
    assert_eq!(by_owner.status(), StatusCode::OK);
    expect_error(app.get("/api/v1/company", &member_key).await, StatusCode::UNAUTHORIZED, "revoked_api_key").await;
}

async fn lists_refuse_parameters_they_do_not_know_and_page_alike(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for list in [
        "/api/v1/keys",
        "/api/v1/sessions",
        "/api/v1/bills",
        "/api/v1/crp",
        "/api/v1/webhook-endpoints",
        "/api/v1/activity-types",
    ] {
        let res = app.get(&format!("{list}?colour=green"), &tenant.key).await;
        let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(body["message"].as_str().is_some_and(|m| m.contains("colour")), "{list}: {body}");
        for limit in ["0", "101", "ten"] {
            let res = app.get(&format!("{list}?limit={limit}"), &tenant.key).await;
            let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
            assert_eq!(body["param"], "limit", "{list}?limit={limit}: {body}");
        }
        let res = app.get(&format!("{list}?cursor=nonsense"), &tenant.key).await;
        let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(body["param"], "cursor", "{list}: {body}");
        let page = json_of(app.get(&format!("{list}?limit=1"), &tenant.key).await, StatusCode::OK).await;
        assert!(page.get("nextCursor").is_some(), "{list}: {page}");
    }
    // Sessions page like the rest: one per site and period.
    for (i, bill_type) in ["electricity", "gas"].iter().enumerate() {
        crate::integrity::upload(&app, &tenant, tenant.site.id.as_str(), bill_type, &format!("b{i}")).await;
    }
    let sessions = json_of(app.get("/api/v1/sessions?limit=100", &tenant.key).await, StatusCode::OK).await;
    assert!(sessions["data"].as_array().is_some_and(|s| !s.is_empty()), "{sessions}");
}
