//! `/api/v1/keys`: a caller manages their own keys, never another's.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_created_key_is_shown_once_and_works,
    keys_of_another_company_or_space_are_out_of_reach,
);

async fn a_created_key_is_shown_once_and_works(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let res =
        app.client.post(app.url("/api/v1/keys")).bearer_auth(&tenant.key).json(&json!({"name": "ci"})).send().await;
    let res = res.expect("request");
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.expect("json");
    let key = created["data"]["key"].as_str().expect("the key, once").to_owned();
    assert!(key.starts_with("cp_live_") && key.len() >= 8 + 32);
    assert_eq!(created["data"]["mode"], "live");
    assert_eq!(created["data"]["name"], "ci");
    assert_eq!(app.get("/api/v1/company", &key).await.status(), StatusCode::OK);

    let listed: Value = app.get("/api/v1/keys", &key).await.json().await.expect("json");
    let listed = listed["data"].as_array().expect("list").clone();
    assert_eq!(listed.len(), 2);
    for entry in &listed {
        assert_eq!(
            fields(entry),
            ["createdAt", "expiresAt", "id", "lastUsedAt", "mode", "name", "prefix", "revokedAt"]
        );
        assert!(!entry.to_string().contains(&key), "a listing never holds a whole key");
    }
    let used = listed.iter().find(|k| k["name"] == "ci").expect("new key listed");
    assert!(used["lastUsedAt"].is_string(), "its use was recorded");

    // A key made through the API is named; each refusal names the field at fault.
    for (body, field) in [(json!({}), "name"), (json!({"name": "  "}), "name"), (json!({"nme": "x"}), "nme")] {
        let res = app.client.post(app.url("/api/v1/keys")).bearer_auth(&tenant.key).json(&body).send().await;
        let refused = expect_error(res.expect("request"), StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(refused["param"], field, "{body}: {refused}");
    }
}

async fn keys_of_another_company_or_space_are_out_of_reach(app: TestApp) {
    let a = app.tenant("Alpha Ltd", Plan::Business, KeyMode::Live).await;
    let b = app.tenant("Beta Ltd", Plan::Business, KeyMode::Live).await;
    let b_keys: Value = app.get("/api/v1/keys", &b.key).await.json().await.expect("json");
    let b_key_id = b_keys["data"][0]["id"].as_str().expect("id").to_owned();

    let a_keys: Value = app.get("/api/v1/keys", &a.key).await.json().await.expect("json");
    assert!(!a_keys.to_string().contains(&b_key_id));
    let res = app.request(Method::DELETE, &format!("/api/v1/keys/{b_key_id}"), Some(&a.key)).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.get("/api/v1/company", &b.key).await.status(), StatusCode::OK, "B's key survived");

    // A test key of A neither sees nor revokes A's live keys, and mints only test keys.
    let a_test = app.issue(&a.email, &a.company, KeyMode::Test).await;
    let sandbox_keys: Value = app.get("/api/v1/keys", &a_test).await.json().await.expect("json");
    assert!(sandbox_keys["data"].as_array().expect("list").iter().all(|k| k["mode"] == "test"));
    let a_live_id = a_keys["data"][0]["id"].as_str().expect("id");
    let res = app.request(Method::DELETE, &format!("/api/v1/keys/{a_live_id}"), Some(&a_test)).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let minted = app.client.post(app.url("/api/v1/keys")).bearer_auth(&a_test).json(&json!({"name": "x"})).send().await;
    let minted: Value = minted.expect("request").json().await.expect("json");
    assert!(minted["data"]["key"].as_str().is_some_and(|k| k.starts_with("cp_test_")));
    let unknown = app.request(Method::DELETE, "/api/v1/keys/not-an-id", Some(&a.key)).await;
    expect_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
}
