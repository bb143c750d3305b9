//! Every way a key can be refused: 401 with `WWW-Authenticate: Bearer`, or 403 for a plan
//! without API access.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::{Method, StatusCode};

use crate::support::{TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    missing_malformed_and_unknown_keys_are_refused,
    a_revoked_key_is_refused_on_its_next_request,
    a_starter_plan_gets_plan_required,
);

async fn expect_401(app: &TestApp, authorization: Option<&str>, code: &str) {
    let mut req = app.client.get(app.url("/api/v1/company"));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    let res = req.send().await.expect("request");
    let challenge = res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(challenge.starts_with("Bearer"), "WWW-Authenticate for {authorization:?}: {challenge:?}");
    expect_error(res, StatusCode::UNAUTHORIZED, code).await;
}

async fn missing_malformed_and_unknown_keys_are_refused(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    expect_401(&app, None, "missing_api_key").await;
    expect_401(&app, Some(&format!("Basic {}", tenant.key)), "invalid_auth_scheme").await;
    expect_401(&app, Some("Bearer"), "missing_api_key").await;
    expect_401(&app, Some("Bearer cp_live_short"), "malformed_api_key").await;
    expect_401(&app, Some("Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc"), "malformed_api_key").await;
    let truncated = &tenant.key[..tenant.key.len() - 1];
    expect_401(&app, Some(&format!("Bearer {truncated}")), "malformed_api_key").await;

    // Well formed, valid checksum, never issued: a key minted by another server.
    let stranger = carbonpass_auth::CarbonPassKeys;
    let unknown = carbonpass_domain::ports::ApiKeyCodec::generate(&stranger, KeyMode::Live).plaintext;
    expect_401(&app, Some(&format!("Bearer {unknown}")), "invalid_api_key").await;

    // The genuine key still works, with any case of the scheme.
    let res = app.client.get(app.url("/api/v1/company")).header("Authorization", format!("bearer {}", tenant.key));
    assert_eq!(res.send().await.expect("request").status(), StatusCode::OK);
}

async fn a_revoked_key_is_refused_on_its_next_request(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.issue(&tenant.email, &tenant.company, KeyMode::Live).await;
    assert_eq!(app.get("/api/v1/company", &other).await.status(), StatusCode::OK);

    let keys: serde_json::Value = app.get("/api/v1/keys", &tenant.key).await.json().await.expect("json");
    let other_id = keys["data"]
        .as_array()
        .expect("list")
        .iter()
        .find(|k| other.starts_with(k["prefix"].as_str().unwrap_or("-")) && k["revokedAt"].is_null())
        .and_then(|k| k["id"].as_str())
        .map(str::to_owned)
        .expect("the other key is listed");
    let res = app.request(Method::DELETE, &format!("/api/v1/keys/{other_id}"), Some(&tenant.key)).await;
    assert_eq!(res.status(), StatusCode::OK);

    expect_401(&app, Some(&format!("Bearer {other}")), "revoked_api_key").await;
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK, "other keys still work");
}

async fn a_starter_plan_gets_plan_required(app: TestApp) {
    let tenant = app.tenant("Corner Shop", Plan::Starter, KeyMode::Live).await;
    let res = app.get("/api/v1/company", &tenant.key).await;
    expect_error(res, StatusCode::FORBIDDEN, "plan_required").await;
}
