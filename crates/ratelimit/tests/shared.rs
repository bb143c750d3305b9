//! The Redis limiter against a real Redis (`REDIS_URL`, default redis://127.0.0.1:6379, which
//! CI starts). Every case here needs it and fails without one, never passing untested:
//! `cargo xtask test` leaves this test binary out, reported as skipped, where no Redis answers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use carbonpass_domain::model::{LimiterMode, RateQuota, UserId};
use carbonpass_domain::ports::RateLimiter;
use carbonpass_ratelimit::Shared;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test run uses.
fn fresh_prefix() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("carbonpass:test:{}:{nanos}:", std::process::id())
}

fn quota(per_minute: u32, burst: u32) -> RateQuota {
    RateQuota::new(per_minute, burst).expect("non-zero")
}

fn user(name: &str) -> UserId {
    UserId::parse(name).expect("id")
}

async fn connected(prefix: &str) -> Shared {
    let limiter = Shared::new(&redis_url(), prefix).expect("limiter");
    assert_eq!(
        limiter.check().await,
        LimiterMode::Shared,
        "this case needs Redis at {} (REDIS_URL): start one, or run `cargo xtask test`, which leaves \
         the Redis cases out when none answers",
        redis_url()
    );
    limiter
}

#[tokio::test]
async fn two_limiters_on_one_redis_share_a_bucket_counting_down_together() {
    let prefix = fresh_prefix();
    let (a, b) = (connected(&prefix).await, connected(&prefix).await);
    let q = quota(60, 6);
    let mut remaining = Vec::new();
    for i in 0..6 {
        let limiter = if i % 2 == 0 { &a } else { &b };
        let status = limiter.admit(&user("usr_shared"), q).await.expect("limits on");
        assert!(status.admitted(), "request {i} is within the burst");
        assert_eq!(status.limit, 6);
        remaining.push(status.remaining);
    }
    assert_eq!(remaining, [5, 4, 3, 2, 1, 0]);
    for limiter in [&a, &b] {
        let refused = limiter.admit(&user("usr_shared"), q).await.expect("limits on");
        let wait = refused.retry_after.expect("the shared bucket is empty");
        assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(refused.reset_after >= Duration::from_secs(5), "{:?}", refused.reset_after);
    }
    let other = a.admit(&user("usr_other"), q).await.expect("limits on");
    assert_eq!((other.admitted(), other.remaining), (true, 5), "another user has their own bucket");
}

#[tokio::test]
async fn a_request_after_the_wait_is_admitted() {
    let limiter = connected(&fresh_prefix()).await;
    let q = quota(600, 1); // one every 100 ms
    assert!(limiter.admit(&user("usr_wait"), q).await.expect("on").admitted());
    let wait = limiter.admit(&user("usr_wait"), q).await.expect("on").retry_after.expect("refused");
    tokio::time::sleep(wait).await;
    assert!(limiter.admit(&user("usr_wait"), q).await.expect("on").admitted());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_requests_never_pass_more_than_the_burst() {
    let prefix = fresh_prefix();
    let limiters = [std::sync::Arc::new(connected(&prefix).await), std::sync::Arc::new(connected(&prefix).await)];
    let q = quota(1, 10);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let limiter = limiters[i % 2].clone();
            tokio::spawn(async move { limiter.admit(&user("usr_race"), q).await.expect("on").admitted() })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        admitted += usize::from(task.await.expect("task"));
    }
    assert_eq!(admitted, 10);
}

#[tokio::test]
async fn an_unreachable_redis_falls_back_to_per_process_limits_and_says_so() {
    // Nothing listens on port 1.
    let limiter = Shared::new("redis://127.0.0.1:1", &fresh_prefix()).expect("limiter");
    let q = quota(60, 2);
    let first = limiter.admit(&user("usr_alone"), q).await.expect("still limiting");
    assert_eq!((first.admitted(), first.remaining), (true, 1));
    assert!(limiter.admit(&user("usr_alone"), q).await.expect("on").admitted());
    assert!(!limiter.admit(&user("usr_alone"), q).await.expect("on").admitted(), "the local bucket limits");
    match limiter.mode().await {
        LimiterMode::SharedUnavailable { reason } => assert!(!reason.is_empty()),
        other => panic!("reported {other:?}"),
    }
}

#[tokio::test]
async fn an_invalid_redis_url_is_refused_at_once() {
    assert!(Shared::new("http://127.0.0.1:6379", "x:").is_err());
}
