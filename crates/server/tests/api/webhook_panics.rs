//! An attempt that panics, on both backends: it frees its endpoint's slot (the next delivery to
//! that endpoint goes out through the one slot there is), it is in the delivery log as a failed
//! attempt tried again on the schedule, and the worker goes on. The panic is injected by a
//! transport of this test's own, in front of the guarded client.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_store::Store;
use carbonpass_testkit::{Backend, Receiver};
use carbonpass_webhooks::dispatcher::PANICKED;
use carbonpass_webhooks::{Dispatcher, DispatcherConfig, GuardedClient, Sending, Transport};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::integrity::post_json;
use crate::support::{TestApp, settings, spawn_configured};

const WAIT: Duration = Duration::from_secs(15);

carbonpass_testkit::on_both_backends!(spawn_without_worker =>
    a_panicking_attempt_frees_its_slot_and_is_recorded_as_failed,
);

/// The server, delivering nothing itself: the test runs the worker.
async fn spawn_without_worker(backend: Backend) -> Option<TestApp> {
    spawn_configured(backend, |settings| settings.webhooks.deliver_in_server = false).await
}

/// Panics on its first attempt; sends the others through the guarded client.
struct PanicsOnce {
    client: GuardedClient,
    panicked: AtomicBool,
}

impl Transport for PanicsOnce {
    fn post<'a>(&'a self, url: &'a str, headers: &'a [(HeaderName, HeaderValue)], body: Vec<u8>) -> Sending<'a> {
        Box::pin(async move {
            if !self.panicked.swap(true, Ordering::SeqCst) {
                panic!("injected: the transport panics");
            }
            self.client.post(url, headers, body).await
        })
    }
}

async fn ping(app: &TestApp, key: &str, endpoint: &str) -> String {
    let res = app.request(Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), Some(key)).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let body: Value = res.json().await.expect("json");
    body["data"]["eventId"].as_str().expect("event id").to_owned()
}

async fn a_panicking_attempt_frees_its_slot_and_is_recorded_as_failed(app: TestApp) {
    let config = settings(app.db.url(), app.data.path(), None).store_config();
    let store = Store::connect(&config, std::sync::Arc::new(carbonpass_http::WirePayloads)).expect("store");
    let transport = PanicsOnce { client: GuardedClient::new(true).expect("client"), panicked: AtomicBool::new(false) };
    // One slot per endpoint: were the panicked attempt's never freed, nothing more would go out.
    let config = DispatcherConfig {
        concurrency: 4,
        per_endpoint: 1,
        lease: Duration::from_secs(20),
        poll: Duration::from_millis(50),
        ..DispatcherConfig::default()
    };
    let dispatcher = Dispatcher::new(Arc::new(store), transport, Arc::new(tokio::sync::Notify::new()), config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(dispatcher.run(stopped, Duration::from_secs(1)));

    let receiver = Receiver::start().await;
    let t = app.tenant("Panicky Ltd", Plan::Business, KeyMode::Live).await;
    let created = post_json(
        &app,
        &t.key,
        "/api/v1/webhook-endpoints",
        &json!({"url": receiver.url, "events": ["bill.uploaded"]}).to_string(),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("json");
    let endpoint = created["data"]["id"].as_str().expect("id").to_owned();

    // The first attempt panics: recorded as failed, due again on the schedule (about 5 s on).
    ping(&app, &t.key, &endpoint).await;
    let deadline = std::time::Instant::now() + WAIT;
    let failed = loop {
        let res = app.get(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries"), &t.key).await;
        let list: Value = res.json().await.expect("json");
        if let Some(first) = list["data"].as_array().and_then(|l| l.first())
            && first["attempts"].as_array().is_some_and(|a| !a.is_empty())
        {
            break first.clone();
        }
        assert!(std::time::Instant::now() < deadline, "the panicked attempt was never recorded: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed["status"], "pending", "{failed}");
    assert_eq!(failed["attempts"][0]["error"], PANICKED, "{failed}");
    assert!(failed["attempts"][0]["statusCode"].is_null(), "{failed}");
    let tried =
        chrono::DateTime::parse_from_rfc3339(failed["attempts"][0]["attemptedAt"].as_str().expect("at")).expect("time");
    let next = chrono::DateTime::parse_from_rfc3339(failed["nextAttemptAt"].as_str().expect("next")).expect("time");
    let wait = (next - tried).num_milliseconds();
    assert!((3_500..=6_500).contains(&wait), "next attempt {wait} ms after the panicked one");

    // The slot is free and the worker still runs: the next delivery to the endpoint goes out.
    let second = ping(&app, &t.key, &endpoint).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert!(got.iter().any(|r| r.header("webhook-id") == Some(second.as_str())), "the second ping arrived");
    assert!(!worker.is_finished(), "the worker goes on after a panicked attempt");

    let _ = stop.send(true);
    tokio::time::timeout(WAIT, worker).await.expect("the worker stops when told").expect("it never panicked");
}
