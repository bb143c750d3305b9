//! Webhooks over HTTP, on both backends: managing endpoints (the secret shown once, the rules
//! of a target), events reaching a real receiver signed both ways and checked here with code
//! written apart from the service's, retries and the delivery log, 410 disabling, recovery,
//! the sandbox kept apart, tenant isolation, and racing pings over two server processes.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_testkit::{Received, Receiver};
use futures_util::future::join_all;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::integrity::{post_json, uploaded};
use crate::support::{TestApp, expect_error, spawn, spawn_strict};

const PARALLEL: usize = 12;
const WAIT: Duration = Duration::from_secs(15);

carbonpass_testkit::on_both_backends!(spawn =>
    endpoints_are_managed_and_the_secret_is_shown_once,
    events_reach_subscribed_endpoints_signed_both_ways,
    failures_are_retried_logged_and_recovered_and_gone_disables,
    a_rotated_secret_signs_beside_the_new_one,
    the_sandbox_and_other_companies_never_meet,
    racing_pings_over_two_processes_are_each_delivered_once,
    racing_creations_never_pass_the_limit,
    racing_uploads_while_attempts_are_recorded_all_succeed,
    racing_retries_never_send_one_event_twice_at_once,
    endpoints_deleted_while_events_are_written_fail_no_request,
);

mod strict {
    carbonpass_testkit::on_both_backends!(spawn_strict => targets_must_be_https_and_public);
    use super::*;
}

async fn create(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    post_json(app, key, "/api/v1/webhook-endpoints", &body.to_string()).await
}

async fn created(app: &TestApp, key: &str, url: &str, events: &[&str]) -> (String, String) {
    let res = create(app, key, json!({"url": url, "events": events})).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (body["data"]["id"].as_str().expect("id").to_owned(), body["data"]["secret"].as_str().expect("secret").to_owned())
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(got, status, "{body}");
    body
}

async fn send(app: &TestApp, method: Method, path: &str, key: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(key);
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    req.send().await.expect("request")
}

async fn deliveries(app: &TestApp, key: &str, endpoint: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries"), key).await;
    json_of(res, StatusCode::OK).await["data"].as_array().cloned().unwrap_or_default()
}

/// Waits until the endpoint's newest delivery is in `status`; returns it.
async fn newest_delivery_in(app: &TestApp, key: &str, endpoint: &str, status: &str) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let list = deliveries(app, key, endpoint).await;
        if let Some(first) = list.first()
            && first["status"] == status
        {
            return first.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no delivery became {status}: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- verification written apart from the service's signing code ----

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The seed's check: lowercase hex HMAC-SHA256 of the raw body keyed with the whole secret.
fn seed_signature_valid(secret: &str, received: &Received) -> bool {
    let expected: String =
        hmac_sha256(secret.as_bytes(), &[&received.body]).iter().map(|b| format!("{b:02x}")).collect();
    received.header("x-carbonpass-signature") == Some(expected.as_str())
}

/// The Standard Webhooks check: some `v1,` entry is the base64 HMAC of `id.timestamp.body`
/// keyed with the base64-decoded secret.
fn standard_signature_valid(secret: &str, received: &Received) -> bool {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).expect("base64 secret");
    let (Some(id), Some(timestamp), Some(signatures)) =
        (received.header("webhook-id"), received.header("webhook-timestamp"), received.header("webhook-signature"))
    else {
        return false;
    };
    let expected =
        STANDARD.encode(hmac_sha256(&key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", &received.body]));
    signatures.split(' ').any(|entry| entry.strip_prefix("v1,") == Some(expected.as_str()))
}

fn with_body(received: &Received, body: Vec<u8>) -> Received {
    Received { body, ..received.clone() }
}

// ---- cases ----

async fn endpoints_are_managed_and_the_secret_is_shown_once(app: TestApp) {
    let t = app.tenant("Hooks Ltd", Plan::Business, KeyMode::Live).await;
    let res = create(&app, &t.key, json!({"url": "http://127.0.0.1:9/hook", "events": ["bill.confirmed", "crp.generated"], "description": "Accounts"})).await;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = json_of(res, StatusCode::CREATED).await;
    let data = &body["data"];
    let id = data["id"].as_str().expect("id");
    assert!(id.starts_with("ep_"));
    assert_eq!(location.as_deref(), Some(format!("/api/v1/webhook-endpoints/{id}").as_str()));
    let secret = data["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"));
    assert_eq!(STANDARD.decode(&secret[6..]).expect("base64").len(), 32);
    assert_eq!(data["events"], json!(["bill.confirmed", "crp.generated"]));
    assert_eq!((data["enabled"].clone(), data["description"].clone()), (json!(true), json!("Accounts")));

    // Never shown again.
    let one = json_of(app.get(&format!("/api/v1/webhook-endpoints/{id}"), &t.key).await, StatusCode::OK).await;
    assert!(one["data"].get("secret").is_none(), "{one}");
    let list = json_of(app.get("/api/v1/webhook-endpoints", &t.key).await, StatusCode::OK).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(secret));

    let path = format!("/api/v1/webhook-endpoints/{id}");
    let patched =
        send(&app, Method::PATCH, &path, &t.key, Some(json!({"events": ["bill.voided"], "enabled": false}))).await;
    let patched = json_of(patched, StatusCode::OK).await;
    assert_eq!(
        (patched["data"]["events"].clone(), patched["data"]["enabled"].clone()),
        (json!(["bill.voided"]), json!(false))
    );

    // Bad input: a clear 400 naming the field, and nothing changed.
    for (body, param) in [
        (json!({"url": "ftp://x.test/", "events": ["bill.confirmed"]}), "url"),
        (json!({"url": "http://127.0.0.1:9/", "events": []}), "events"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["ping"]}), "events"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["bill.confirmed", "bill.confirmed"]}), "events"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["bill.confirmed"], "description": "a\u{7}b"}), "description"),
        (json!({"url": "http://127.0.0.1:9/", "events": ["bill.confirmed"], "secret": "mine"}), "secret"),
        (json!({"events": ["bill.confirmed"]}), "url"),
    ] {
        let refused =
            expect_error(create(&app, &t.key, body.clone()).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(refused["param"], param, "{body}: {refused}");
    }
    let empty = send(&app, Method::PATCH, &path, &t.key, Some(json!({}))).await;
    expect_error(empty, StatusCode::BAD_REQUEST, "bad_request").await;
    let list = json_of(app.get("/api/v1/webhook-endpoints", &t.key).await, StatusCode::OK).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "nothing half-written");

    let deleted = send(&app, Method::DELETE, &path, &t.key, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    expect_error(app.get(&path, &t.key).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(send(&app, Method::DELETE, &path, &t.key, None).await, StatusCode::NOT_FOUND, "not_found").await;
}

async fn targets_must_be_https_and_public(app: TestApp) {
    let t = app.tenant("Strict Ltd", Plan::Business, KeyMode::Live).await;
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ] {
        let refused = create(&app, &t.key, json!({"url": url, "events": ["bill.confirmed"]})).await;
        let body = expect_error(refused, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(body["param"], "url", "{url}: {body}");
    }
    // A public address literal passes the check (nothing is sent until an event).
    let res = create(&app, &t.key, json!({"url": "https://1.1.1.1/hook", "events": ["bill.confirmed"]})).await;
    let body = json_of(res, StatusCode::CREATED).await;
    let id = body["data"]["id"].as_str().expect("id");
    let path = format!("/api/v1/webhook-endpoints/{id}");
    let moved = send(&app, Method::PATCH, &path, &t.key, Some(json!({"url": "https://10.0.0.1/"}))).await;
    let refused = expect_error(moved, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(refused["param"], "url");
    let kept = json_of(app.get(&path, &t.key).await, StatusCode::OK).await;
    assert_eq!(kept["data"]["url"], "https://1.1.1.1/hook");
}

async fn events_reach_subscribed_endpoints_signed_both_ways(app: TestApp) {
    let receiver = Receiver::start().await;
    let t = app.tenant("Signed Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, secret) = created(&app, &t.key, &receiver.url, &["bill.uploaded", "crp.generated"]).await;
    let bill = uploaded(&app, &t, "electricity", "signed").await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1, "one event for one upload");
    let first = &got[0];
    let body = first.json();
    assert_eq!(crate::support::fields(&body), ["data", "event", "id", "timestamp"]);
    assert_eq!(body["event"], "bill.uploaded");
    assert_eq!(body["data"]["id"], bill);
    assert_eq!(body["data"]["status"], "uploaded");
    assert_eq!(body["data"]["type"], "electricity");
    assert_eq!(body["data"]["siteId"], t.site.id.as_str());
    assert!(body["id"].as_str().is_some_and(|id| id.starts_with("evt_")));
    assert_eq!(first.header("webhook-id"), body["id"].as_str(), "webhook-id is the event id");
    let stamp: i64 = first.header("webhook-timestamp").and_then(|t| t.parse().ok()).expect("unix seconds");
    assert!((chrono::Utc::now().timestamp() - stamp).abs() < 60);
    assert_eq!(first.header("content-type"), Some("application/json"));

    assert!(seed_signature_valid(&secret, first), "X-CarbonPass-Signature");
    assert!(standard_signature_valid(&secret, first), "webhook-signature");
    // One flipped byte anywhere fails both.
    for i in [0, first.body.len() / 2, first.body.len() - 1] {
        let mut tampered = first.body.clone();
        tampered[i] ^= 0x01;
        assert!(!seed_signature_valid(&secret, &with_body(first, tampered.clone())));
        assert!(!standard_signature_valid(&secret, &with_body(first, tampered)));
    }
    // Another secret fails too.
    let (_, other) = created(&app, &t.key, "http://127.0.0.1:9/unused", &["bill.voided"]).await;
    assert!(!seed_signature_valid(&other, first) && !standard_signature_valid(&other, first));

    // The delivery log shows the attempt.
    let logged = newest_delivery_in(&app, &t.key, &endpoint, "delivered").await;
    assert_eq!(logged["eventId"], body["id"]);
    assert_eq!(logged["event"], "bill.uploaded");
    assert_eq!(logged["attempts"][0]["statusCode"], 200);
    assert_eq!(logged["attempts"][0]["responseExcerpt"], "answered 200");

    // An event the endpoint does not subscribe to never reaches it.
    let reject = post_json(&app, &t.key, &format!("/api/v1/bills/{bill}/reject"), r#"{"reason":"duplicate"}"#).await;
    assert_eq!(reject.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "bill.rejected is not subscribed to");

    // A test ping goes to the endpoint whatever it subscribes to.
    let ping = json_of(
        send(&app, Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), &t.key, None).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(ping["data"]["event"], "ping");
    let got = receiver.wait_for(2, WAIT).await;
    let ping_body = got[1].json();
    assert_eq!(ping_body["event"], "ping");
    assert_eq!(ping_body["id"], ping["data"]["eventId"]);
    assert!(seed_signature_valid(&secret, &got[1]) && standard_signature_valid(&secret, &got[1]));
}

async fn failures_are_retried_logged_and_recovered_and_gone_disables(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.answer(500, 0);
    let t = app.tenant("Flaky Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    uploaded(&app, &t, "electricity", "flaky").await;
    receiver.wait_for(1, WAIT).await;
    let pending = newest_delivery_in(&app, &t.key, &endpoint, "pending").await;
    let pending = if pending["attempts"].as_array().is_some_and(|a| a.is_empty()) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        deliveries(&app, &t.key, &endpoint).await.remove(0)
    } else {
        pending
    };
    assert_eq!(pending["attempts"][0]["statusCode"], 500, "{pending}");
    assert_eq!(pending["attempts"][0]["responseExcerpt"], "answered 500");
    // The second attempt is due about 5 s after the first (±10 % jitter).
    let tried = chrono::DateTime::parse_from_rfc3339(pending["attempts"][0]["attemptedAt"].as_str().expect("at"))
        .expect("time");
    let next = chrono::DateTime::parse_from_rfc3339(pending["nextAttemptAt"].as_str().expect("next")).expect("time");
    let wait = (next - tried).num_milliseconds();
    assert!((3_500..=6_500).contains(&wait), "next attempt {wait} ms after the first");
    let endpoint_now =
        json_of(app.get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &t.key).await, StatusCode::OK).await;
    assert!(endpoint_now["data"]["failingSince"].is_string());

    // A retry by hand goes at once; the receiver has recovered.
    receiver.answer(200, 0);
    let delivery = pending["id"].as_str().expect("id");
    let retried = send(&app, Method::POST, &format!("/api/v1/webhook-deliveries/{delivery}/retry"), &t.key, None).await;
    json_of(retried, StatusCode::ACCEPTED).await;
    let delivered = newest_delivery_in(&app, &t.key, &endpoint, "delivered").await;
    assert_eq!(delivered["attempts"][0]["statusCode"], 200);
    let endpoint_now =
        json_of(app.get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &t.key).await, StatusCode::OK).await;
    assert!(endpoint_now["data"]["failingSince"].is_null(), "a success clears the failing clock");

    // 410 Gone disables the endpoint, with the reason.
    receiver.answer(410, 0);
    uploaded(&app, &t, "electricity", "gone").await;
    newest_delivery_in(&app, &t.key, &endpoint, "failed").await;
    let gone = json_of(app.get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &t.key).await, StatusCode::OK).await;
    assert_eq!(gone["data"]["enabled"], false);
    assert!(gone["data"]["disabledReason"].as_str().is_some_and(|r| r.contains("410")), "{gone}");
    let before = receiver.received().len();
    uploaded(&app, &t, "electricity", "while disabled").await;
    let ping = send(&app, Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), &t.key, None).await;
    expect_error(ping, StatusCode::CONFLICT, "conflict").await;
    let recover = post_json(
        &app,
        &t.key,
        &format!("/api/v1/webhook-endpoints/{endpoint}/recover"),
        r#"{"since":"2020-01-01T00:00:00Z"}"#,
    )
    .await;
    expect_error(recover, StatusCode::CONFLICT, "conflict").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), before, "nothing goes to a disabled endpoint");

    // Enabled again, the failed event is recovered and arrives.
    receiver.answer(200, 0);
    let enabled = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/webhook-endpoints/{endpoint}"),
        &t.key,
        Some(json!({"enabled": true})),
    )
    .await;
    let enabled = json_of(enabled, StatusCode::OK).await;
    assert!(enabled["data"]["disabledReason"].is_null());
    let bad_since =
        post_json(&app, &t.key, &format!("/api/v1/webhook-endpoints/{endpoint}/recover"), r#"{"since":"yesterday"}"#)
            .await;
    assert_eq!(expect_error(bad_since, StatusCode::BAD_REQUEST, "bad_request").await["param"], "since");
    let recover = post_json(
        &app,
        &t.key,
        &format!("/api/v1/webhook-endpoints/{endpoint}/recover"),
        r#"{"since":"2020-01-01T00:00:00Z"}"#,
    )
    .await;
    let recovered = json_of(recover, StatusCode::ACCEPTED).await;
    assert_eq!(recovered["data"]["recovered"], 2, "the 410's event and the one while disabled: {recovered}");
    receiver.wait_for(before + 2, WAIT).await;
    newest_delivery_in(&app, &t.key, &endpoint, "delivered").await;

    // Retry-After on a 429 is honoured.
    receiver.answer(429, 120);
    uploaded(&app, &t, "electricity", "busy").await;
    receiver.wait_for(before + 3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = deliveries(&app, &t.key, &endpoint).await.remove(0);
    let tried =
        chrono::DateTime::parse_from_rfc3339(busy["attempts"][0]["attemptedAt"].as_str().expect("at")).expect("time");
    let next = chrono::DateTime::parse_from_rfc3339(busy["nextAttemptAt"].as_str().expect("next")).expect("time");
    assert!(((next - tried).num_seconds() - 120).abs() <= 1, "{busy}");
}

async fn a_rotated_secret_signs_beside_the_new_one(app: TestApp) {
    let receiver = Receiver::start().await;
    let t = app.tenant("Rotating Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, old) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let rotated =
        send(&app, Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret"), &t.key, None).await;
    let rotated = json_of(rotated, StatusCode::OK).await;
    let new = rotated["data"]["secret"].as_str().expect("new secret").to_owned();
    assert_ne!(new, old);
    uploaded(&app, &t, "electricity", "rotated").await;
    let got = receiver.wait_for(1, WAIT).await;
    assert!(seed_signature_valid(&new, &got[0]), "the seed's header uses the new secret");
    assert!(standard_signature_valid(&new, &got[0]) && standard_signature_valid(&old, &got[0]), "both sign for 24 h");
    assert_eq!(got[0].header("webhook-signature").map(|s| s.split(' ').count()), Some(2));
}

async fn the_sandbox_and_other_companies_never_meet(app: TestApp) {
    let receiver = Receiver::start().await;
    let sandboxed = Receiver::start().await;
    let t = app.tenant("Twin Ltd", Plan::Business, KeyMode::Live).await;
    let test_key = app.issue(&t.email, &t.company, KeyMode::Test).await;
    let (live_ep, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let (test_ep, _) = created(&app, &test_key, &sandboxed.url, &["bill.uploaded"]).await;
    let listed = json_of(app.get("/api/v1/webhook-endpoints", &test_key).await, StatusCode::OK).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["data"][0]["id"], test_ep.as_str());
    expect_error(
        app.get(&format!("/api/v1/webhook-endpoints/{live_ep}"), &test_key).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    uploaded(&app, &t, "electricity", "live event").await;
    receiver.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sandboxed.received().len(), 0, "a sandbox endpoint hears no live event");

    // Another company reaches none of it: every route answers 404, as if nothing existed.
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let delivery = deliveries(&app, &t.key, &live_ep).await[0]["id"].as_str().expect("delivery").to_owned();
    let path = format!("/api/v1/webhook-endpoints/{live_ep}");
    for (method, route, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"enabled": false}))),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/rotate-secret"), None),
        (Method::POST, format!("{path}/test"), None),
        (Method::GET, format!("{path}/deliveries"), None),
        (Method::POST, format!("{path}/recover"), Some(json!({"since": "2020-01-01T00:00:00Z"}))),
        (Method::POST, format!("/api/v1/webhook-deliveries/{delivery}/retry"), None),
    ] {
        let res = send(&app, method.clone(), &route, &other.key, body).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    let untouched = json_of(app.get(&path, &t.key).await, StatusCode::OK).await;
    assert_eq!(untouched["data"]["enabled"], true);
    assert_eq!(receiver.received().len(), 1, "no ping went out for another company");
}

/// Twelve pings at once, over two server processes delivering from one database: every event
/// arrives, and none is attempted twice.
async fn racing_pings_over_two_processes_are_each_delivered_once(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.delay(Duration::from_millis(50));
    let second = crate::support::second_instance(&app).await;
    let t = app.tenant("Busy Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let pings = (0..PARALLEL).map(|i| {
        let base = if i % 2 == 0 { app.base.clone() } else { second.clone() };
        let (client, key) = (app.client.clone(), t.key.clone());
        let url = format!("{base}/api/v1/webhook-endpoints/{endpoint}/test");
        async move { client.post(url).bearer_auth(key).send().await.expect("ping") }
    });
    let mut events = Vec::new();
    for res in join_all(pings).await {
        let body = json_of(res, StatusCode::ACCEPTED).await;
        events.push(body["data"]["eventId"].as_str().expect("event").to_owned());
    }
    let got = receiver.wait_for(PARALLEL, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = if got.len() < receiver.received().len() { receiver.received() } else { got };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *counts.entry(r.header("webhook-id").unwrap_or_default().to_owned()).or_default() += 1;
    }
    for event in &events {
        assert_eq!(counts.get(event), Some(&1), "{event} arrived once: {counts:?}");
    }
    assert_eq!(got.len(), PARALLEL);
}

/// Fifteen endpoints, then twelve more at once: five are created, seven refused with 409, and
/// the data space holds exactly twenty.
async fn racing_creations_never_pass_the_limit(app: TestApp) {
    let t = app.tenant("Many Ltd", Plan::Business, KeyMode::Live).await;
    for i in 0..15 {
        created(&app, &t.key, &format!("http://127.0.0.1:9/{i}"), &["bill.uploaded"]).await;
    }
    let racing = (0..PARALLEL).map(|i| {
        let body = json!({"url": format!("http://127.0.0.1:9/racing/{i}"), "events": ["bill.uploaded"]});
        let (app, key) = (&app, t.key.clone());
        async move { create(app, &key, body).await.status() }
    });
    let statuses = join_all(racing).await;
    let made = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((made, refused), (5, PARALLEL - 5), "{statuses:?}");
    let list = json_of(app.get("/api/v1/webhook-endpoints", &t.key).await, StatusCode::OK).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(20));
}

/// Twelve uploads at once to a tenant whose three endpoints are being delivered to: every upload
/// succeeds (an event's transaction and an attempt's record never wait on each other) and every
/// event arrives at every endpoint.
async fn racing_uploads_while_attempts_are_recorded_all_succeed(app: TestApp) {
    let receiver = Receiver::start().await;
    let t = app.tenant("Uploads Ltd", Plan::Business, KeyMode::Live).await;
    for _ in 0..3 {
        created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    }
    for round in 0..2 {
        let uploads = (0..PARALLEL).map(|i| {
            let (app, t) = (&app, &t);
            async move {
                let form = reqwest::multipart::Form::new()
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(crate::bills::pdf(&format!("race {round} {i}")))
                            .file_name("bill.pdf"),
                    )
                    .text("type", "electricity")
                    .text("siteId", t.site.id.to_string());
                app.client
                    .post(app.url("/api/v1/bills"))
                    .bearer_auth(&t.key)
                    .multipart(form)
                    .send()
                    .await
                    .expect("upload")
                    .status()
            }
        });
        let statuses = join_all(uploads).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    }
    let got = receiver.wait_for(3 * 2 * PARALLEL, WAIT).await;
    let ids: std::collections::HashSet<(String, String)> = got
        .iter()
        .map(|r| (r.header("webhook-id").unwrap_or_default().to_owned(), r.json()["data"]["id"].to_string()))
        .collect();
    assert_eq!(ids.len(), 2 * PARALLEL, "every upload's event");
    assert!(got.len() >= 3 * 2 * PARALLEL, "to every endpoint: {}", got.len());
}

/// Ten retries at once of one delivery, over two processes, while its receiver is slow: no two
/// attempts of the event are ever in flight together.
async fn racing_retries_never_send_one_event_twice_at_once(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.delay(Duration::from_millis(300));
    let second = crate::support::second_instance(&app).await;
    let t = app.tenant("Retries Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let ping = send(&app, Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), &t.key, None).await;
    let delivery = json_of(ping, StatusCode::ACCEPTED).await["data"]["id"].as_str().expect("id").to_owned();
    newest_delivery_in(&app, &t.key, &endpoint, "delivered").await;
    let retries = (0..10).map(|i| {
        let base = if i % 2 == 0 { app.base.clone() } else { second.clone() };
        let (client, key) = (app.client.clone(), t.key.clone());
        let url = format!("{base}/api/v1/webhook-deliveries/{delivery}/retry");
        async move { client.post(url).bearer_auth(key).send().await.expect("retry").status() }
    });
    let statuses = join_all(retries).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED || *s == StatusCode::CONFLICT), "{statuses:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut arrivals: Vec<std::time::SystemTime> = receiver.received().iter().map(|r| r.at).collect();
    arrivals.sort();
    for pair in arrivals.windows(2) {
        let apart = pair[1].duration_since(pair[0]).unwrap_or_default();
        assert!(apart >= Duration::from_millis(250), "two attempts overlapped: {apart:?} apart ({arrivals:?})");
    }
}

/// An endpoint deleted while events are being written (and fanned out to it) never fails the
/// change the event reports: on PostgreSQL the delete waits for the event, or commits first and
/// the endpoint is not fanned out to. (Before the fan-out held the endpoints it read, about one
/// upload in six failed here with a foreign-key violation.)
async fn endpoints_deleted_while_events_are_written_fail_no_request(app: TestApp) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let t = app.tenant("Churn Ltd", Plan::Business, KeyMode::Live).await;
    let uploading = AtomicBool::new(true);
    let churn = || async {
        let mut deleted = 0;
        while uploading.load(Ordering::Relaxed) {
            let (id, _) = created(&app, &t.key, "http://127.0.0.1:9/churn", &["bill.uploaded"]).await;
            let res = send(&app, Method::DELETE, &format!("/api/v1/webhook-endpoints/{id}"), &t.key, None).await;
            assert_eq!(res.status(), StatusCode::NO_CONTENT);
            deleted += 1;
        }
        deleted
    };
    let uploads = async {
        for round in 0..10 {
            let bodies = join_all((0..PARALLEL).map(|i| {
                let (app, t, marker) = (&app, &t, format!("churn-{round}-{i}"));
                async move { crate::integrity::upload(app, t, t.site.id.as_str(), "gas", &marker).await }
            }))
            .await;
            for body in bodies {
                assert!(
                    body["data"]["id"].as_str().is_some(),
                    "an upload failed while endpoints came and went: {body}"
                );
            }
        }
        uploading.store(false, Ordering::Relaxed);
    };
    // Three clients creating and deleting endpoints, while 12 upload at a time.
    let (deleted, ()) = futures_util::future::join(join_all([churn(), churn(), churn()]), uploads).await;
    assert!(deleted.iter().all(|n| *n > 0), "endpoints were deleted during the uploads: {deleted:?}");
}
