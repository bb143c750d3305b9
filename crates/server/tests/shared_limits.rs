//! Two `carbonpass serve` processes on one database and one Redis enforce one rate limit, set
//! through the environment variables the operations guide names. Each process prints its own
//! key for the one demo user: two keys of one user, on two servers, sharing one bucket.
//! On SQLite, and on PostgreSQL when `DATABASE_URL` is set (CI sets it). Every case here needs
//! Redis (`REDIS_URL`, default redis://127.0.0.1:6379) and fails without one: `cargo xtask test`
//! leaves this test binary out, reported as skipped, where no Redis answers.

use std::path::Path;
use std::process::Stdio;

use carbonpass_testkit::{Backend, DemoServer, TestDatabase};

const BIN: &str = env!("CARGO_BIN_EXE_carbonpass");
const BURST: u64 = 6;

#[test]
fn sqlite() {
    if let Some(db) = TestDatabase::of(Backend::Sqlite) {
        two_processes_share_one_bucket(&db);
    }
}

#[test]
fn postgres() {
    if let Some(db) = TestDatabase::of(Backend::Postgres) {
        two_processes_share_one_bucket(&db);
    }
}

/// `serve --demo` limited through Redis; stopped when dropped.
struct Server(DemoServer);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

fn serve(database: &str, data: &Path) -> Server {
    let redis = carbonpass_testkit::redis_url();
    let burst = BURST.to_string();
    let env = [
        ("DATABASE_URL", database),
        ("CARBONPASS_RATE_LIMITS__STORE", "redis"),
        ("CARBONPASS_REDIS_URL", redis.as_str()),
        ("CARBONPASS_RATE_LIMITS__BUSINESS__PER_MINUTE", "1"),
        ("CARBONPASS_RATE_LIMITS__BUSINESS__BURST", burst.as_str()),
    ];
    Server(DemoServer::start(BIN, data, &env, Stdio::null()))
}

fn two_processes_share_one_bucket(db: &TestDatabase) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let data = tempfile::tempdir().expect("data");
    let first = serve(db.url(), &data.path().join("data"));
    let second = serve(db.url(), &data.path().join("data"));
    assert_ne!(first.0.key, second.0.key, "each process issued its own key");
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    runtime.block_on(async {
        let get = |server: &Server| {
            client.get(format!("http://{}/api/v1/company", server.0.address)).bearer_auth(&server.0.key).send()
        };
        let mut seen = Vec::new();
        for i in 0..BURST {
            let server = if i % 2 == 0 { &first } else { &second };
            let res = get(server).await.expect("request");
            assert_eq!(res.status(), reqwest::StatusCode::OK, "request {i}");
            let remaining = res.headers()["x-ratelimit-remaining"].to_str().expect("text").to_owned();
            seen.push(remaining.parse::<u64>().expect("a number"));
        }
        assert_eq!(seen, (0..BURST).rev().collect::<Vec<_>>(), "one bucket counting down across both");
        for server in [&first, &second] {
            let res = get(server).await.expect("request");
            assert_eq!(res.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
            assert!(res.headers().contains_key("retry-after"));
        }
        let ready: serde_json::Value = client
            .get(format!("http://{}/readyz", second.0.address))
            .send()
            .await
            .expect("readyz")
            .json()
            .await
            .expect("json");
        assert_eq!(ready["rateLimits"], "shared (redis)");
    });
}
