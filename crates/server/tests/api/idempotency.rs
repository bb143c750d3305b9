//! `Idempotency-Key` on `POST /api/v1/bills`: a retry gets the first response and stores nothing
//! new; the key with a different request is 422; concurrent requests never make two bills.

use carbonpass_blobs::LocalBlobs;
use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{Tenant, TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_retry_gets_the_first_response_and_stores_nothing,
    a_key_reused_for_another_request_is_refused,
    concurrent_requests_with_one_key_make_one_bill,
);

fn form(tenant: &Tenant, marker: &str) -> Form {
    let pdf = format!("%PDF-1.4\n% {marker}\n").into_bytes();
    Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", "electricity")
        .text("siteId", tenant.site.id.to_string())
}

async fn post(app: &TestApp, tenant: &Tenant, key: &str, form: Form) -> reqwest::Response {
    let req = app.client.post(app.url("/api/v1/bills")).bearer_auth(&tenant.key).header("Idempotency-Key", key);
    req.multipart(form).send().await.expect("request")
}

fn stored_blobs(app: &TestApp) -> usize {
    LocalBlobs::open(app.data.path().join("blobs")).expect("blobs").keys().expect("keys").len()
}

async fn a_retry_gets_the_first_response_and_stores_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let first = post(&app, &tenant, "retry-1", form(&tenant, "a")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.expect("json");

    let retry = post(&app, &tenant, "retry-1", form(&tenant, "a")).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let retry: Value = retry.json().await.expect("json");
    assert_eq!(retry, first, "the same response, the same bill");
    assert_eq!(stored_blobs(&app), 1, "nothing new stored");

    // Refusals are kept and replayed too.
    let no_type = || Form::new().part("file", Part::bytes(b"%PDF-1 b".to_vec()).file_name("b.pdf"));
    expect_error(post(&app, &tenant, "retry-2", no_type()).await, StatusCode::BAD_REQUEST, "bad_request").await;
    let again = post(&app, &tenant, "retry-2", no_type()).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    expect_error(again, StatusCode::BAD_REQUEST, "bad_request").await;

    // Keys are checked; one too long is a 400.
    let res = post(&app, &tenant, &"k".repeat(300), form(&tenant, "c")).await;
    let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "Idempotency-Key");
    assert_eq!(stored_blobs(&app), 1);
}

async fn a_key_reused_for_another_request_is_refused(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    assert_eq!(post(&app, &tenant, "k-1", form(&tenant, "first")).await.status(), StatusCode::CREATED);
    let other_file = post(&app, &tenant, "k-1", form(&tenant, "second")).await;
    expect_error(other_file, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    let other_type = form(&tenant, "first").text("type", "gas");
    expect_error(
        post(&app, &tenant, "k-1", other_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(stored_blobs(&app), 1);
    // Another company's identical key is its own.
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    assert_eq!(post(&app, &other, "k-1", form(&other, "first")).await.status(), StatusCode::CREATED);
}

async fn concurrent_requests_with_one_key_make_one_bill(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let requests = (0..6).map(|_| post(&app, &tenant, "race", form(&tenant, "same")));
    let responses = futures_util::future::join_all(requests).await;
    let mut bills = Vec::new();
    for res in responses {
        match res.status() {
            StatusCode::CREATED => {
                let body: Value = res.json().await.expect("json");
                bills.push(body["data"]["id"].as_str().expect("id").to_owned());
            }
            StatusCode::CONFLICT => {
                let body: Value = res.json().await.expect("json");
                assert_eq!(body["error"], "idempotency_key_in_progress");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(!bills.is_empty());
    assert!(bills.iter().all(|b| b == &bills[0]), "one bill: {bills:?}");
    assert_eq!(stored_blobs(&app), 1);
}
