//! A webhook receiver for tests: a real HTTP server on loopback that keeps every request it gets
//! (when, headers, exact body bytes) and answers as the test says (status, `Retry-After`, a
//! delay before answering).

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// When its body had arrived.
    pub at: SystemTime,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Behaviour {
    status: AtomicU16,
    retry_after: AtomicU64,
    delay_ms: AtomicU64,
}

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Behaviour>,
    arrived: Arc<tokio::sync::Notify>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:port/hook`.
    pub url: String,
    shared: Shared,
    handle: ServerHandle,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("url", &self.url).finish_non_exhaustive()
    }
}

async fn hook(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    if let Ok(mut received) = shared.received.lock() {
        received.push(Received { at: SystemTime::now(), headers, body: body.to_vec() });
    }
    shared.arrived.notify_waiters();
    let behaviour = &shared.behaviour;
    let delay = behaviour.delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = actix_web::http::StatusCode::from_u16(behaviour.status.load(Ordering::Relaxed))
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut response = HttpResponse::build(status);
    let retry_after = behaviour.retry_after.load(Ordering::Relaxed);
    if retry_after > 0 {
        response.insert_header(("Retry-After", retry_after.to_string()));
    }
    response.body(format!("answered {}", status.as_u16()))
}

impl Receiver {
    /// Starts a receiver answering 200 at once.
    pub async fn start() -> Receiver {
        let shared = Shared {
            received: Arc::default(),
            behaviour: Arc::new(Behaviour { status: AtomicU16::new(200), ..Behaviour::default() }),
            arrived: Arc::default(),
        };
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hook", web::post().to(hook)))
            .workers(1)
            .bind("127.0.0.1:0")
            .expect("bind the receiver");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver { url: format!("http://{address}/hook"), shared, handle }
    }

    /// Answers every request from now on with `status` (and `Retry-After` seconds when not 0).
    pub fn answer(&self, status: u16, retry_after: u64) {
        self.shared.behaviour.status.store(status, Ordering::Relaxed);
        self.shared.behaviour.retry_after.store(retry_after, Ordering::Relaxed);
    }

    /// Waits this long before answering each request.
    pub fn delay(&self, delay: Duration) {
        self.shared.behaviour.delay_ms.store(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits until `done` holds for what was received, at most `within`; what was received.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if done(&received) || Instant::now() >= deadline {
                return received;
            }
            let _ = tokio::time::timeout(
                deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(200)),
                arrived,
            )
            .await;
        }
    }

    /// Waits for at least `n` requests, at most `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        self.wait_until(within, |r| r.len() >= n).await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Stopping is asynchronous; not waiting for it is fine in a test that is over.
        drop(self.handle.stop(false));
    }
}
