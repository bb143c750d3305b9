//! Every non-2xx response, on every path, is `{"error","message","status"}` with the right status.

use std::collections::HashSet;

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::{Method, StatusCode};

use crate::support::{TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    unknown_routes_are_404,
    wrong_methods_are_405_with_allow,
    bad_bodies_are_4xx_and_write_nothing,
    every_response_has_its_own_request_id,
);

async fn unknown_routes_are_404(app: TestApp) {
    for path in ["/", "/nope", "/api/v1", "/api/v1/companies", "/api/v2/company"] {
        let res = app.request(Method::GET, path, None).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn wrong_methods_are_405_with_allow(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for (method, path, allow) in [
        (Method::POST, "/api/v1/company", "GET, HEAD, PATCH"),
        (Method::DELETE, "/api/v1/company", "GET, HEAD, PATCH"),
        (Method::PUT, "/api/v1/keys", "GET, HEAD, POST"),
        (Method::GET, "/api/v1/keys/key_abc", "DELETE"),
        (Method::POST, "/healthz", "GET, HEAD"),
    ] {
        let res = app.request(method.clone(), path, Some(&tenant.key)).await;
        assert_eq!(res.headers().get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
        expect_error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

async fn bad_bodies_are_4xx_and_write_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let post = |body: String, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/keys"))
            .bearer_auth(&tenant.key)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let malformed = post("{\"name\": ".into(), "application/json").await.expect("request");
    expect_error(malformed, StatusCode::BAD_REQUEST, "bad_request").await;
    let wrong_shape = post("{\"name\": 42}".into(), "application/json").await.expect("request");
    expect_error(wrong_shape, StatusCode::BAD_REQUEST, "bad_request").await;
    let missing_field = post("{}".into(), "application/json").await.expect("request");
    expect_error(missing_field, StatusCode::BAD_REQUEST, "bad_request").await;
    let not_json = post("name=ci".into(), "application/x-www-form-urlencoded").await.expect("request");
    expect_error(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(65 * 1024));
    let oversized = post(huge, "application/json").await.expect("request");
    expect_error(oversized, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let long_name = post(format!("{{\"name\": \"{}\"}}", "x".repeat(101)), "application/json").await.expect("request");
    let body = expect_error(long_name, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "name");

    // None of them created a key.
    let keys: serde_json::Value = app.get("/api/v1/keys", &tenant.key).await.json().await.expect("json");
    assert_eq!(keys["data"].as_array().map(Vec::len), Some(1));
}

async fn every_response_has_its_own_request_id(app: TestApp) {
    let mut seen = HashSet::new();
    for path in ["/healthz", "/api/v1/company", "/nope", "/healthz"] {
        let res = app.request(Method::GET, path, None).await;
        let id = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("X-Request-Id").to_owned();
        assert!(id.starts_with("req_") && id.len() > 12, "{id}");
        assert!(seen.insert(id), "request ids are unique");
    }
}
