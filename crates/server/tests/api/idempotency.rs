//! `Idempotency-Key` on `POST /api/v1/bills`: a retry gets the first response and stores nothing
//! new; the key with a different request is 422; concurrent requests never make two bills.

use carbonpass_blobs::LocalBlobs;
use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::{IDEMPOTENCY_LEASE_SECS, Tenant, TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_retry_gets_the_first_response_and_stores_nothing,
    a_key_reused_for_another_request_is_refused,
    concurrent_requests_with_one_key_make_one_bill,
    a_body_that_never_arrived_burns_no_key,
    a_database_failure_mid_request_burns_no_key,
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
    let pdf = b"%PDF-1.4\n% first\n".to_vec();
    let other_type = Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", "gas")
        .text("siteId", tenant.site.id.to_string());
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

/// An upload sent by hand over TCP, so a test can stop between its parts.
struct RawUpload {
    head: Vec<u8>,
    body: Vec<u8>,
}

const BOUNDARY: &str = "cp-test-boundary";

impl RawUpload {
    fn new(app: &TestApp, tenant: &Tenant, idempotency_key: &str, marker: &str) -> Self {
        let pdf = format!("%PDF-1.4\n% {marker}\n{}\n%%EOF\n", "x".repeat(64 * 1024));
        let body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nelectricity\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"siteId\"\r\n\r\n{}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n{pdf}\r\n--{BOUNDARY}--\r\n",
            tenant.site.id
        )
        .into_bytes();
        let host = app.base.trim_start_matches("http://");
        let head = format!(
            "POST /api/v1/bills HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
             Idempotency-Key: {idempotency_key}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
             Content-Length: {}\r\n\r\n",
            tenant.key,
            body.len()
        )
        .into_bytes();
        Self { head, body }
    }

    /// Sends the head and the first half of the body; returns the open connection.
    async fn start(&self, app: &TestApp) -> TcpStream {
        let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect");
        stream.write_all(&self.head).await.expect("head");
        stream.write_all(&self.body[..self.body.len() / 2]).await.expect("half the body");
        stream.flush().await.expect("flush");
        // Let the server read the head, claim the key and start on the body.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream
    }

    /// The same request in full, through an ordinary client.
    async fn send_whole(&self, app: &TestApp, tenant: &Tenant, idempotency_key: &str) -> reqwest::Response {
        app.client
            .post(app.url("/api/v1/bills"))
            .bearer_auth(&tenant.key)
            .header("Idempotency-Key", idempotency_key)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(self.body.clone())
            .send()
            .await
            .expect("request")
    }
}

async fn bill_count(app: &TestApp, tenant: &Tenant) -> usize {
    let listed: Value = app.get("/api/v1/bills", &tenant.key).await.json().await.expect("json");
    listed["data"].as_array().map_or(0, Vec::len)
}

async fn a_body_that_never_arrived_burns_no_key(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let upload = RawUpload::new(&app, &tenant, "dropped-1", "dropped");
    let connection = upload.start(&app).await;
    drop(connection);
    assert_eq!(bill_count(&app, &tenant).await, 0);
    // The server notices the dropped connection and releases the key; until then a retry is told
    // the first request is still in progress (and a client waits, as it would on any 409).
    let mut retry = upload.send_whole(&app, &tenant, "dropped-1").await;
    for _ in 0..20 {
        if retry.status() != StatusCode::CONFLICT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        retry = upload.send_whole(&app, &tenant, "dropped-1").await;
    }
    assert_eq!(retry.status(), StatusCode::CREATED, "the retry runs afresh: {:?}", retry.text().await);
    assert_eq!(bill_count(&app, &tenant).await, 1);
    let again = upload.send_whole(&app, &tenant, "dropped-1").await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(bill_count(&app, &tenant).await, 1, "exactly one bill");
    assert_eq!(stored_blobs(&app), 1, "the dropped body left no file");
}

async fn a_database_failure_mid_request_burns_no_key(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let upload = RawUpload::new(&app, &tenant, "outage-1", "outage");
    let mut connection = upload.start(&app).await;
    // The key is claimed; now the database stops taking the tenant's writes.
    let block = app.db.block_writes(tenant.company.id.as_str());
    connection.write_all(&upload.body[upload.body.len() / 2..]).await.expect("rest of the body");
    connection.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.db.end_waiting_connections();
    let mut response = Vec::new();
    let read = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::io::AsyncReadExt::read_to_end(&mut connection, &mut response),
    );
    let _ = read.await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 5"), "a server-side failure: {text}");
    drop(block);
    // Whether the claim was released or its lease has to run out, the retry then runs afresh.
    tokio::time::sleep(Duration::from_secs(IDEMPOTENCY_LEASE_SECS + 1)).await;
    let retry = upload.send_whole(&app, &tenant, "outage-1").await;
    assert_eq!(retry.status(), StatusCode::CREATED, "{:?}", retry.text().await);
    assert_eq!(bill_count(&app, &tenant).await, 1, "exactly one bill");
}
