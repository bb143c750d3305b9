//! Nothing lost: the `carbonpass` binary is SIGKILLed while webhook deliveries are pending and in
//! flight, started again on the same database, and every event still reaches the receiver, each
//! with its one event id (at least once: duplicates allowed, losses not). On SQLite, and on
//! PostgreSQL when `DATABASE_URL` is set (CI sets it).

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use carbonpass_testkit::{Backend, DemoServer, Receiver, TestDatabase};

const BIN: &str = env!("CARGO_BIN_EXE_carbonpass");
/// Events sent before the crash.
const EVENTS: usize = 30;
/// The lease the servers run with: deliveries in flight at the crash are sent again after it.
const LEASE_SECS: &str = "20";

#[test]
fn sqlite() {
    if let Some(db) = TestDatabase::of(Backend::Sqlite) {
        every_event_survives_a_sigkill(&db);
    }
}

#[test]
fn postgres() {
    if let Some(db) = TestDatabase::of(Backend::Postgres) {
        every_event_survives_a_sigkill(&db);
    }
}

/// SIGTERM lets the attempts in flight finish and be recorded: after a restart the delivery log
/// shows them delivered, once, with nothing left to send again.
#[test]
fn sigterm_finishes_the_attempts_in_flight() {
    let Some(db) = TestDatabase::of(Backend::Sqlite) else { return };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let data = tempfile::tempdir().expect("data");
    let log = data.path().join("server.log");
    let receiver = runtime.block_on(Receiver::start());
    receiver.delay(Duration::from_millis(1500));
    let (server, address, key) = serve(db.url(), &data.path().join("data"), &log);
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    let endpoint = runtime.block_on(async {
        let endpoint = create_endpoint(&client, &address, &key, &receiver.url).await;
        for _ in 0..3 {
            ping(&client, &address, &key, &endpoint).await;
        }
        receiver.wait_for(3, Duration::from_secs(10)).await;
        endpoint
    });
    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let mut server = server;
    server.wait().expect("exited");
    let (mut again, address, key) = serve(db.url(), &data.path().join("data"), &log);
    let log: serde_json::Value = runtime.block_on(async {
        let res = client
            .get(format!("http://{address}/api/v1/webhook-endpoints/{endpoint}/deliveries"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("log");
        res.json().await.expect("json")
    });
    again.kill().expect("stop");
    again.wait().expect("reaped");
    let deliveries = log["data"].as_array().expect("list");
    assert_eq!(deliveries.len(), 3);
    for d in deliveries {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"].as_array().map(Vec::len), Some(1), "{d}");
    }
    assert_eq!(receiver.received().len(), 3, "nothing sent twice");
}

/// `serve --demo` on `database`: the process, its address and the demo key.
fn serve(database: &str, data: &Path, log: &Path) -> (Child, String, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log");
    let env = [
        ("DATABASE_URL", database),
        ("CARBONPASS_WEBHOOKS__ALLOW_INSECURE_TARGETS", "true"),
        ("CARBONPASS_WEBHOOKS__LEASE_SECS", LEASE_SECS),
        ("CARBONPASS_WEBHOOKS__CONCURRENCY", "4"),
        ("CARBONPASS_WEBHOOKS__PER_ENDPOINT_CONCURRENCY", "4"),
        // Pings in bulk to one endpoint: past the default allowance of manual operations.
        ("CARBONPASS_WEBHOOKS__MANUAL_PER_MINUTE", "1000000"),
    ];
    let server = DemoServer::start(BIN, data, &env, log.into());
    (server.child, server.address, server.key)
}

/// An endpoint for `bill.uploaded` delivering to `url`: its id.
async fn create_endpoint(client: &reqwest::Client, address: &str, key: &str, url: &str) -> String {
    let created = client
        .post(format!("http://{address}/api/v1/webhook-endpoints"))
        .bearer_auth(key)
        .json(&serde_json::json!({"url": url, "events": ["bill.uploaded"]}))
        .send()
        .await
        .expect("create");
    let endpoint: serde_json::Value = created.json().await.expect("json");
    endpoint["data"]["id"].as_str().expect("endpoint").to_owned()
}

/// A test ping to `endpoint`: its event id.
async fn ping(client: &reqwest::Client, address: &str, key: &str, endpoint: &str) -> String {
    let ping = client
        .post(format!("http://{address}/api/v1/webhook-endpoints/{endpoint}/test"))
        .bearer_auth(key)
        .send()
        .await
        .expect("ping");
    let body: serde_json::Value = ping.json().await.expect("json");
    body["data"]["eventId"].as_str().expect("event id").to_owned()
}

fn every_event_survives_a_sigkill(db: &TestDatabase) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let data = tempfile::tempdir().expect("data");
    let log = data.path().join("server.log");
    let receiver = runtime.block_on(Receiver::start());
    // Slow answers, so attempts are in flight when the server dies.
    receiver.delay(Duration::from_millis(300));
    let (mut server, address, key) = serve(db.url(), &data.path().join("data"), &log);
    let client = reqwest::Client::builder().no_proxy().build().expect("client");

    let events: Vec<String> = runtime.block_on(async {
        let endpoint = create_endpoint(&client, &address, &key, &receiver.url).await;
        let mut events = Vec::new();
        for _ in 0..EVENTS {
            events.push(ping(&client, &address, &key, &endpoint).await);
        }
        // Some delivered, some in flight, the rest pending: then the crash.
        receiver.wait_for(5, Duration::from_secs(30)).await;
        events
    });
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    let before = receiver.received().len();
    assert!(before < EVENTS, "the crash came while deliveries were pending ({before} of {EVENTS} arrived)");

    let (mut again, _, _) = serve(db.url(), &data.path().join("data"), &log);
    let wanted: HashSet<String> = events.iter().cloned().collect();
    let received = runtime.block_on(receiver.wait_until(Duration::from_secs(90), |got| {
        let ids: HashSet<&str> = got.iter().filter_map(|r| r.header("webhook-id")).collect();
        wanted.iter().all(|id| ids.contains(id.as_str()))
    }));
    again.kill().expect("stop");
    again.wait().expect("reaped");
    let ids: HashSet<&str> = received.iter().filter_map(|r| r.header("webhook-id")).collect();
    let lost: Vec<&String> = events.iter().filter(|id| !ids.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "lost {} of {EVENTS} events: {lost:?}", lost.len());
    // Each arrival is one of the events sent, with its own id in its body.
    for r in &received {
        assert_eq!(r.json()["id"].as_str(), r.header("webhook-id"));
        assert!(wanted.contains(r.header("webhook-id").unwrap_or_default()));
    }
}
