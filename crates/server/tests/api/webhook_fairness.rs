//! Webhook delivery shared fairly and bounded, on both backends: a tenant whose endpoints hang
//! takes only its share of the worker's slots, so another tenant's events still arrive at once;
//! manual operations limited per endpoint across processes; each tenant's sends per minute
//! bounded (deliveries wait, never fail); the circuit breaker leaving a failing endpoint alone;
//! rotations serialised so every secret shown signs; who made an endpoint; and the retention
//! sweep.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_domain::services::webhooks::CreateEndpoint;
use carbonpass_domain::webhooks::model::Creator;
use carbonpass_server::settings::Settings;
use carbonpass_testkit::Receiver;
use futures_util::future::join_all;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;

use crate::integrity::post_json;
use crate::support::{TestApp, second_instance, spawn_configured};

const WAIT: Duration = Duration::from_secs(15);

carbonpass_testkit::on_both_backends!(fair =>
    a_tenant_whose_endpoints_hang_does_not_delay_another_tenants_events,
);

carbonpass_testkit::on_both_backends!(limited =>
    manual_operations_are_limited_per_endpoint_across_processes,
    a_tenants_sends_past_its_minute_wait_and_are_not_failed,
    an_endpoint_that_keeps_failing_is_left_alone,
);

carbonpass_testkit::on_both_backends!(plain =>
    racing_rotations_give_one_secret_and_it_signs,
    endpoints_record_who_made_them,
    the_history_past_its_retention_is_swept_and_pending_stays,
);

/// The fairness under test: the default per-tenant share of the test's 16 slots. (Set it to 16,
/// the whole worker, and the first case fails: tenant B's pings wait for A's timeouts.)
fn fair_settings(settings: &mut Settings) {
    settings.webhooks.concurrency = 16;
    settings.webhooks.per_tenant_concurrency = 8;
    settings.webhooks.per_endpoint_concurrency = 4;
}

async fn fair(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, fair_settings).await
}

/// Small limits, so a test reaches them.
fn limited_settings(settings: &mut Settings) {
    settings.webhooks.manual_per_minute = 3;
    settings.webhooks.sends_per_minute = 4;
    settings.webhooks.circuit_failures = 2;
}

async fn limited(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, limited_settings).await
}

async fn plain(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    crate::support::spawn(backend).await
}

async fn send(
    app: &TestApp,
    base: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, format!("{base}{path}")).bearer_auth(key);
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    req.send().await.expect("request")
}

async fn created(app: &TestApp, key: &str, url: &str, events: &[&str]) -> (String, String) {
    let res =
        post_json(app, key, "/api/v1/webhook-endpoints", &json!({"url": url, "events": events}).to_string()).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (body["data"]["id"].as_str().expect("id").to_owned(), body["data"]["secret"].as_str().expect("secret").to_owned())
}

async fn ping(app: &TestApp, key: &str, endpoint: &str) -> reqwest::Response {
    send(app, &app.base, Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), key, None).await
}

async fn deliveries(app: &TestApp, key: &str, endpoint: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries?limit=100"), key).await;
    let body: Value = res.json().await.expect("json");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// A listener that accepts every connection and never answers: a receiver that hangs.
async fn hanging_listener() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// Tenant A has 20 endpoints that accept the connection and never answer, and keeps uploading
/// (40 bills, each an event to all 20: 800 deliveries that each hold a slot for the 15 s
/// timeout); tenant B pings its one good endpoint 20 times through A's load. Every ping of B's
/// arrives within 2 s of being sent: A holds only its share of the slots. (With the share set to
/// the whole worker, B's pings wait behind A's timeouts, 10 s and more.)
async fn a_tenant_whose_endpoints_hang_does_not_delay_another_tenants_events(app: TestApp) {
    let hanging = hanging_listener().await;
    let receiver = Receiver::start().await;
    let a = app.tenant("Hanging Ltd", Plan::Business, KeyMode::Live).await;
    let b = app.tenant("Prompt Ltd", Plan::Business, KeyMode::Live).await;
    for i in 0..20 {
        created(&app, &a.key, &format!("{hanging}/hook/{i}"), &["bill.uploaded"]).await;
    }
    let (good, _) = created(&app, &b.key, &receiver.url, &["bill.uploaded"]).await;

    let a_load = async {
        for i in 0..40 {
            let body = crate::integrity::upload(&app, &a, a.site.id.as_str(), "gas", &format!("hanging {i}")).await;
            assert!(body["data"]["id"].as_str().is_some(), "{body}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    };
    let b_pings = async {
        // A's first uploads go first, so its deliveries are already claiming slots.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut sent: HashMap<String, SystemTime> = HashMap::new();
        for _ in 0..20 {
            let at = SystemTime::now();
            let res = ping(&app, &b.key, &good).await;
            assert_eq!(res.status(), StatusCode::ACCEPTED);
            let body: Value = res.json().await.expect("json");
            sent.insert(body["data"]["eventId"].as_str().expect("event").to_owned(), at);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        sent
    };
    let ((), sent) = futures_util::future::join(a_load, b_pings).await;
    let got = receiver.wait_for(sent.len(), Duration::from_secs(30)).await;
    let mut latencies: Vec<Duration> = got
        .iter()
        .filter_map(|r| {
            let sent_at = sent.get(r.header("webhook-id")?)?;
            r.at.duration_since(*sent_at).ok()
        })
        .collect();
    latencies.sort();
    assert_eq!(latencies.len(), sent.len(), "every ping of B's arrived: {latencies:?}");
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    eprintln!(
        "tenant B's ping latency under tenant A's hanging load: p50 {:?}, p99 {:?}",
        latencies[latencies.len() / 2],
        p99
    );
    assert!(p99 < Duration::from_secs(2), "B's pings waited behind A's hanging endpoints: {latencies:?}");
}

/// Three manual operations a minute per endpoint (the test's setting), counted in the database:
/// ten pings at once over two processes give three 202s and seven 429s with `Retry-After`; a
/// retry and a recovery of that endpoint are refused too; another endpoint is untouched.
async fn manual_operations_are_limited_per_endpoint_across_processes(app: TestApp) {
    let receiver = Receiver::start().await;
    let second = second_instance(&app).await;
    let t = app.tenant("Pinging Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let (other, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let path = format!("/api/v1/webhook-endpoints/{endpoint}/test");
    let pings = (0..10).map(|i| {
        let base = if i % 2 == 0 { app.base.clone() } else { second.clone() };
        let (app, key, path) = (&app, t.key.clone(), path.clone());
        async move { send(app, &base, Method::POST, &path, &key, None).await }
    });
    let mut accepted = Vec::new();
    let mut refused = 0;
    for res in join_all(pings).await {
        match res.status() {
            StatusCode::ACCEPTED => {
                let body: Value = res.json().await.expect("json");
                accepted.push(body["data"]["id"].as_str().expect("delivery").to_owned());
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait: u64 = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After in seconds");
                assert!((1..=60).contains(&wait), "{wait}");
                let body: Value = res.json().await.expect("json");
                assert_eq!(body["error"], "rate_limited", "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((accepted.len(), refused), (3, 7));
    let retry =
        send(&app, &app.base, Method::POST, &format!("/api/v1/webhook-deliveries/{}/retry", accepted[0]), &t.key, None)
            .await;
    assert_eq!(retry.status(), StatusCode::TOO_MANY_REQUESTS, "a retry counts against its endpoint");
    let recover = send(
        &app,
        &second,
        Method::POST,
        &format!("/api/v1/webhook-endpoints/{endpoint}/recover"),
        &t.key,
        Some(json!({"since": "2020-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(recover.status(), StatusCode::TOO_MANY_REQUESTS, "so does a recovery");
    assert_eq!(ping(&app, &t.key, &other).await.status(), StatusCode::ACCEPTED, "another endpoint has its own");
    // Only what was admitted went out.
    let got = receiver.wait_for(4, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(got.len().max(receiver.received().len()), 4);
}

/// Four sends a minute per tenant (the test's setting): of seven pings, four are sent at once
/// and three wait, still pending (not failed, never attempted) for the next minute.
async fn a_tenants_sends_past_its_minute_wait_and_are_not_failed(app: TestApp) {
    let receiver = Receiver::start().await;
    let t = app.tenant("Chatty Ltd", Plan::Business, KeyMode::Live).await;
    let mut endpoints = Vec::new();
    for _ in 0..3 {
        endpoints.push(created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await.0);
    }
    for i in 0..7 {
        assert_eq!(ping(&app, &t.key, &endpoints[i % 3]).await.status(), StatusCode::ACCEPTED);
    }
    receiver.wait_for(4, WAIT).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.received().len(), 4, "no more than the minute allows");
    let mut pending = 0;
    for endpoint in &endpoints {
        for delivery in deliveries(&app, &t.key, endpoint).await {
            match delivery["status"].as_str() {
                Some("delivered") => {}
                Some("pending") => {
                    assert_eq!(delivery["attempts"].as_array().map(Vec::len), Some(0), "{delivery}");
                    pending += 1;
                }
                other => panic!("a delivery over the limit is {other:?}: {delivery}"),
            }
        }
    }
    assert_eq!(pending, 3);
    // Another tenant's minute is its own.
    let other = app.tenant("Quiet Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &other.key, &receiver.url, &["bill.uploaded"]).await;
    assert_eq!(ping(&app, &other.key, &endpoint).await.status(), StatusCode::ACCEPTED);
    receiver.wait_for(5, WAIT).await;
}

/// Two failed attempts in a row open an endpoint's circuit (the test's setting): a third
/// event, due at once, is not attempted while it is open, and waits pending.
async fn an_endpoint_that_keeps_failing_is_left_alone(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.answer(500, 0);
    let t = app.tenant("Failing Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    for n in 1..=2 {
        assert_eq!(ping(&app, &t.key, &endpoint).await.status(), StatusCode::ACCEPTED);
        receiver.wait_for(n, WAIT).await;
        // Its record (the failure counted) before the next.
        let deadline = Instant::now() + WAIT;
        while deliveries(&app, &t.key, &endpoint)
            .await
            .iter()
            .map(|d| d["attempts"].as_array().map_or(0, Vec::len))
            .sum::<usize>()
            < n
        {
            assert!(Instant::now() < deadline, "attempt {n} was not recorded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    receiver.answer(200, 0);
    assert_eq!(ping(&app, &t.key, &endpoint).await.status(), StatusCode::ACCEPTED);
    // The first two are due again in 5 s; the circuit holds all three back for 30 s.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(receiver.received().len(), 2, "nothing is sent while the circuit is open");
    let list = deliveries(&app, &t.key, &endpoint).await;
    assert!(list.iter().all(|d| d["status"] == "pending"), "they wait, none failed: {list:?}");
}

fn seed_signature_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    header == Some(expected.as_str())
}

/// Twelve rotations at once over two processes: one 200, eleven 409 `conflict`; the secret
/// the 200 showed signs the next delivery (and the one it replaced still does, for the day).
async fn racing_rotations_give_one_secret_and_it_signs(app: TestApp) {
    let receiver = Receiver::start().await;
    let second = second_instance(&app).await;
    let t = app.tenant("Rotating Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, first) = created(&app, &t.key, &receiver.url, &["bill.uploaded"]).await;
    let path = format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret");
    let rotations = (0..12).map(|i| {
        let base = if i % 2 == 0 { app.base.clone() } else { second.clone() };
        let (app, key, path) = (&app, t.key.clone(), path.clone());
        async move { send(app, &base, Method::POST, &path, &key, None).await }
    });
    let mut shown = Vec::new();
    let mut conflicts = 0;
    for res in join_all(rotations).await {
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        match status {
            StatusCode::OK => shown.push(body["data"]["secret"].as_str().expect("secret").to_owned()),
            StatusCode::CONFLICT => {
                assert_eq!(body["error"], "conflict", "{body}");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((shown.len(), conflicts), (1, 11));
    assert_eq!(ping(&app, &t.key, &endpoint).await.status(), StatusCode::ACCEPTED);
    let got = receiver.wait_for(1, WAIT).await;
    assert!(
        seed_signature_valid(&shown[0], &got[0].body, got[0].header("x-carbonpass-signature")),
        "the secret shown signs the next delivery"
    );
    assert_eq!(
        got[0].header("webhook-signature").map(|s| s.split(' ').count()),
        Some(2),
        "the secret it replaced ({first}) still signs beside it"
    );
    // Asked again at once, one at a time: the same rotation, still refused.
    let again = send(&app, &app.base, Method::POST, &path, &t.key, None).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

/// An endpoint made with a key records its user and key, shown in the list and in one
/// endpoint's view; one an operator made records the user and no key.
async fn endpoints_record_who_made_them(app: TestApp) {
    let t = app.tenant("Makers Ltd", Plan::Business, KeyMode::Live).await;
    let (endpoint, _) = created(&app, &t.key, "http://127.0.0.1:9/made", &["bill.uploaded"]).await;
    let user = app.services.tenants.find_user_by_email(&t.email).await.expect("lookup").expect("user");
    let keys: Value = app.get("/api/v1/keys", &t.key).await.json().await.expect("json");
    let key_id = keys["data"][0]["id"].as_str().expect("key id").to_owned();
    let expected = json!({"userId": user.id.to_string(), "keyId": key_id});
    let one: Value =
        app.get(&format!("/api/v1/webhook-endpoints/{endpoint}"), &t.key).await.json().await.expect("json");
    assert_eq!(one["data"]["createdBy"], expected, "{one}");
    let list: Value = app.get("/api/v1/webhook-endpoints", &t.key).await.json().await.expect("json");
    assert_eq!(list["data"][0]["createdBy"], expected, "{list}");

    let tenant = app.services.tenants.operator_tenant(&t.company.id, false).await.expect("tenant");
    let by = Creator { user: Some(user.id.clone()), key: None };
    let request = CreateEndpoint {
        url: "http://127.0.0.1:9/operator".into(),
        events: vec!["bill.uploaded".into()],
        description: None,
    };
    let made = app.services.webhooks.create_endpoint(&tenant, by, request, chrono::Utc::now()).await.expect("created");
    let one: Value =
        app.get(&format!("/api/v1/webhook-endpoints/{}", made.endpoint.id), &t.key).await.json().await.expect("json");
    assert_eq!(one["data"]["createdBy"], json!({"userId": user.id.to_string(), "keyId": null}), "{one}");
}

/// A delivered ping and a pending one (its receiver failing): a sweep now removes nothing; one
/// as if 31 days had passed (30 days' retention) removes the delivered one with its attempt and
/// event, and keeps the pending one with its attempt and event.
async fn the_history_past_its_retention_is_swept_and_pending_stays(app: TestApp) {
    let good = Receiver::start().await;
    let failing = Receiver::start().await;
    failing.answer(500, 0);
    let t = app.tenant("Old Ltd", Plan::Business, KeyMode::Live).await;
    let (delivered, _) = created(&app, &t.key, &good.url, &["bill.uploaded"]).await;
    let (pending, _) = created(&app, &t.key, &failing.url, &["bill.uploaded"]).await;
    assert_eq!(ping(&app, &t.key, &delivered).await.status(), StatusCode::ACCEPTED);
    assert_eq!(ping(&app, &t.key, &pending).await.status(), StatusCode::ACCEPTED);
    let deadline = Instant::now() + WAIT;
    loop {
        let done = deliveries(&app, &t.key, &delivered).await.first().is_some_and(|d| d["status"] == "delivered");
        let tried = deliveries(&app, &t.key, &pending)
            .await
            .first()
            .is_some_and(|d| d["status"] == "pending" && d["attempts"].as_array().is_some_and(|a| !a.is_empty()));
        if done && tried {
            break;
        }
        assert!(Instant::now() < deadline, "the pings were not attempted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let retention = chrono::TimeDelta::days(30);
    let now = chrono::Utc::now();
    let removed = app.services.webhooks.sweep_history(now, retention).await.expect("sweep");
    assert_eq!((removed.events, removed.deliveries, removed.attempts), (0, 0, 0), "nothing recent goes");
    let later = now + chrono::TimeDelta::days(31);
    let removed = app.services.webhooks.sweep_history(later, retention).await.expect("sweep");
    assert_eq!((removed.deliveries, removed.attempts), (1, 1), "{removed:?}");
    assert!(removed.events >= 1, "the delivered ping's event (and any event with no delivery) goes: {removed:?}");
    let again = app.services.webhooks.sweep_history(later, retention).await.expect("sweep");
    assert_eq!((again.events, again.deliveries, again.attempts), (0, 0, 0), "all of it went the first time");
    let left = deliveries(&app, &t.key, &pending).await;
    assert_eq!(left.len(), 1, "the pending delivery stays");
    assert_eq!(left[0]["attempts"].as_array().map(Vec::len), Some(1), "with its attempt");
    // Its event too: a delivery goes with its event (ON DELETE CASCADE), and it names its type.
    assert_eq!(left[0]["event"], "ping", "{left:?}");
    assert!(deliveries(&app, &t.key, &delivered).await.is_empty());
}
