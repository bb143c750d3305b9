//! The guarded client against a real socket on loopback: refused when strict (by address and by
//! name), used when insecure targets are allowed; no redirect followed; Retry-After read.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use carbonpass_webhooks::client::GuardedClient;
use reqwest::header::{HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A receiver answering every request with `response` (raw HTTP/1.1), counting connections.
async fn receiver(response: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = vec![0_u8; 64 * 1024];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (port, hits)
}

fn headers() -> Vec<(HeaderName, HeaderValue)> {
    vec![(HeaderName::from_static("webhook-id"), HeaderValue::from_static("evt_1"))]
}

#[tokio::test]
async fn a_strict_client_never_connects_to_loopback_by_address_or_by_name() {
    let (port, hits) = receiver("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
    let client = GuardedClient::new(false).expect("client");
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ] {
        let attempt = client.post(&url, &headers(), b"{}".to_vec()).await;
        assert_eq!(attempt.status, None, "{url}");
        // Refused as plain http before any address is looked at.
        assert!(attempt.error.as_deref().is_some_and(|e| e.contains("https")), "{url}: {attempt:?}");
    }
    for url in [
        "https://127.0.0.1:9/hook".to_owned(),
        "https://localhost:9/hook".to_owned(),
        "https://[::ffff:127.0.0.1]:9/".to_owned(),
    ] {
        let attempt = client.post(&url, &headers(), b"{}".to_vec()).await;
        assert_eq!(attempt.status, None, "{url}");
        assert!(attempt.error.as_deref().is_some_and(|e| e.contains("public")), "{url}: {attempt:?}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no connection was made");
    for url in [
        "https://127.0.0.1/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://169.254.169.254/latest",
        "https://[fd00::1]/",
    ] {
        assert!(client.check(url).await.is_err(), "{url}");
    }
    assert!(client.check("not a url").await.is_err());
}

#[tokio::test]
async fn an_insecure_client_delivers_and_reports_what_came_back() {
    let (port, hits) = receiver("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
    let client = GuardedClient::new(true).expect("client");
    let attempt = client.post(&format!("http://127.0.0.1:{port}/hook"), &headers(), b"{}".to_vec()).await;
    assert_eq!(attempt.status, Some(200));
    assert_eq!(attempt.excerpt, "ok");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn redirects_are_not_followed_and_retry_after_is_read() {
    let (elsewhere, elsewhere_hits) = receiver("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
    let redirect: &'static str = Box::leak(
        format!("HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{elsewhere}/\r\ncontent-length: 0\r\n\r\n")
            .into_boxed_str(),
    );
    let (port, _) = receiver(redirect).await;
    let client = GuardedClient::new(true).expect("client");
    let attempt = client.post(&format!("http://127.0.0.1:{port}/"), &headers(), b"{}".to_vec()).await;
    assert_eq!(attempt.status, Some(302));
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "the redirect was not followed");
    assert!(!carbonpass_webhooks::client::delivered(302));

    let (busy, _) =
        receiver("HTTP/1.1 503 Service Unavailable\r\nretry-after: 120\r\ncontent-length: 4\r\n\r\nbusy").await;
    let attempt = client.post(&format!("http://127.0.0.1:{busy}/"), &headers(), b"{}".to_vec()).await;
    assert_eq!(attempt.status, Some(503));
    assert_eq!(attempt.retry_after, Some(Duration::from_secs(120)));
}
