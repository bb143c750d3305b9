//! What operators see and what protects them: `GET /metrics` on its own listener only, and
//! connections bounded per client address.

use std::net::SocketAddr;
use std::time::Duration;

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_server::startup::Application;
use carbonpass_testkit::{Backend, TestDatabase, on_both_backends};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::{TestApp, settings};

/// A running server with a metrics listener and at most 20 connections per client address.
struct Observed {
    app: TestApp,
    metrics: SocketAddr,
    address: SocketAddr,
}

async fn observed(backend: Backend) -> Option<Observed> {
    let db = TestDatabase::of(backend)?;
    let data = tempfile::tempdir().expect("data folder");
    let mut settings = settings(db.url(), data.path(), None);
    settings.metrics_bind = Some("127.0.0.1:0".into());
    settings.max_connections_per_client = 20;
    let application = Application::build(&settings).await.expect("build");
    let (address, metrics) = (application.address(), application.metrics_address().expect("metrics listener"));
    let services = application.services().clone();
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    let app = TestApp { base: format!("http://{address}"), client, services, db, data, s3: None, configure: |_| {} };
    Some(Observed { app, metrics, address })
}

on_both_backends!(observed =>
    metrics_are_served_on_their_own_listener_only,
    idle_connections_from_one_address_cannot_starve_others,
);

async fn metrics_are_served_on_their_own_listener_only(observed: Observed) {
    let Observed { app, metrics, .. } = observed;
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    }
    assert_eq!(app.get("/api/v1/bills/bill_nosuchbill", &tenant.key).await.status(), StatusCode::NOT_FOUND);
    let res = app.client.get(format!("http://{metrics}/metrics")).send().await.expect("scrape");
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()["content-type"].to_str().expect("text").to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = res.text().await.expect("text");
    let company = text
        .lines()
        .find(|l| {
            l.starts_with("carbonpass_http_requests_total{")
                && l.contains(r#"route="/api/v1/company""#)
                && l.contains(r#"status="200""#)
        })
        .unwrap_or_else(|| panic!("no request count for /company:\n{text}"));
    let count: f64 = company.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a number");
    assert!(count >= 3.0, "{company}");
    // Routes by pattern, never by id.
    assert!(text.contains(r#"route="/api/v1/bills/{id}""#), "{text}");
    assert!(!text.contains("bill_nosuchbill"), "a raw path leaked into a label");
    for series in [
        "carbonpass_http_request_duration_seconds_bucket",
        "carbonpass_db_pool_wait_seconds_bucket",
        "carbonpass_db_pool_connections{state=\"in_use\"}",
    ] {
        assert!(text.contains(series), "{series} missing:\n{text}");
    }
    // Never on the public listener.
    let public = app.client.get(app.url("/metrics")).send().await.expect("request");
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
}

/// A connection from `source` that has sent nothing.
async fn idle_from(source: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{source}:0").parse().expect("address")).expect("bind");
    socket.connect(server).await.expect("connect")
}

/// Whether the server closed `stream` (EOF) at once (within 0.3 s), having been sent nothing.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(Duration::from_millis(300), stream.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

/// `GET /healthz` over a connection from `source`: the status line.
async fn healthz_from(source: &str, server: SocketAddr) -> String {
    let mut stream = idle_from(source, server).await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 5 s");
    answer.lines().next().unwrap_or_default().to_owned()
}

async fn idle_connections_from_one_address_cannot_starve_others(observed: Observed) {
    let Observed { address, .. } = observed;
    let mut held = Vec::new();
    for _ in 0..30 {
        held.push(idle_from("127.0.0.1", address).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut closed = 0;
    for stream in &mut held {
        if closed_by_server(stream).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 10, "the 10 past the limit of 20 are closed at once, the 20 kept");
    // Another client is served at once.
    assert!(healthz_from("127.0.0.2", address).await.contains(" 200 "));
    // Closing its connections gives the address room again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(healthz_from("127.0.0.1", address).await.contains(" 200 "));
}
