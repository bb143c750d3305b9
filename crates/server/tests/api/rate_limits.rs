//! Rate limits: one bucket per user (all their keys, whatever company they act on), the
//! `X-RateLimit-*` headers, 429 with `Retry-After`, unauthenticated requests limited per address
//! before any lookup, and buckets shared by two servers through Redis.

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_server::settings::{LimitStore, QuotaSettings, Settings};
use carbonpass_testkit::on_both_backends;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, expect_error, second_instance, spawn_configured};

/// Business users: a bucket of 5 that refills one a minute, so a test never sees it refill.
fn five_a_minute(settings: &mut Settings) {
    settings.rate_limits.business = QuotaSettings { per_minute: 1, burst: 5 };
}

/// One request a second, at most one at once.
fn one_a_second(settings: &mut Settings) {
    settings.rate_limits.business = QuotaSettings { per_minute: 60, burst: 1 };
}

/// Requests without a valid key: 3 at once, then one a minute.
fn three_strikes(settings: &mut Settings) {
    settings.rate_limits.unauthenticated = QuotaSettings { per_minute: 1, burst: 3 };
}

/// Buckets in the Redis this machine runs (`REDIS_URL`, or the default port), which must answer:
/// a case that needs it ends in `_redis`, so `cargo xtask test` leaves it out where none does.
fn shared_through_redis(settings: &mut Settings) {
    five_a_minute(settings);
    settings.rate_limits.store = LimitStore::Redis;
    settings.redis_url = Some(carbonpass_testkit::redis_url().into());
}

/// Configured for Redis, but nothing listens where it should be.
fn redis_down(settings: &mut Settings) {
    five_a_minute(settings);
    settings.rate_limits.store = LimitStore::Redis;
    settings.redis_url = Some("redis://127.0.0.1:1".to_owned().into());
}

async fn limited_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, five_a_minute).await
}

async fn per_second_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, one_a_second).await
}

async fn strict_address_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, three_strikes).await
}

async fn redis_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, shared_through_redis).await
}

async fn redis_down_app(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, redis_down).await
}

on_both_backends!(limited_app =>
    two_keys_of_one_user_share_one_bucket_and_another_user_is_unaffected,
    every_authenticated_response_carries_the_headers_errors_included,
);
on_both_backends!(per_second_app => a_request_after_retry_after_succeeds);
on_both_backends!(strict_address_app =>
    an_address_without_a_valid_key_is_refused_before_any_lookup,
    a_flooded_address_locks_out_no_good_key_new_rolled_or_on_another_instance,
);
on_both_backends!(redis_app => two_servers_enforce_one_limit_through_redis);
on_both_backends!(redis_down_app => without_redis_each_server_limits_alone_and_says_so);

fn header(res: &Response, name: &str) -> Option<u64> {
    res.headers().get(name)?.to_str().ok()?.parse().ok()
}

/// `(limit, remaining, reset)` from a response's headers.
fn limits(res: &Response) -> (Option<u64>, Option<u64>, Option<u64>) {
    (header(res, "x-ratelimit-limit"), header(res, "x-ratelimit-remaining"), header(res, "x-ratelimit-reset"))
}

async fn get_at(app: &TestApp, base: &str, key: &str) -> Response {
    app.client.get(format!("{base}/api/v1/company")).bearer_auth(key).send().await.expect("request")
}

async fn two_keys_of_one_user_share_one_bucket_and_another_user_is_unaffected(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let second_key = app.issue(&tenant.email, &tenant.company, KeyMode::Live).await;
    let test_key = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    // Five requests over three keys (live, another live, test): one bucket counting down.
    let keys = [&tenant.key, &second_key, &test_key, &tenant.key, &second_key];
    for (i, key) in keys.iter().enumerate() {
        let res = app.get("/api/v1/company", key).await;
        assert_eq!(res.status(), StatusCode::OK, "request {i}");
        let remaining = 4 - i as u64;
        // One request back a minute: the bucket is full again after (5 - remaining) minutes.
        assert_eq!(limits(&res), (Some(5), Some(remaining), Some(60 * (5 - remaining))), "request {i}");
    }
    for key in [&tenant.key, &second_key, &test_key] {
        let res = app.get("/api/v1/company", key).await;
        let retry_after = header(&res, "retry-after").expect("Retry-After on a 429");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let (limit, remaining, reset) = limits(&res);
        assert_eq!((limit, remaining), (Some(5), Some(0)));
        assert!(reset.is_some_and(|r| r > 240), "{reset:?}");
        let body = expect_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        assert!(body["message"].as_str().is_some_and(|m| m.contains("Retry after")), "{body}");
    }
    let other = app.tenant("Beta", Plan::Business, KeyMode::Live).await;
    let res = app.get("/api/v1/company", &other.key).await;
    assert_eq!(res.status(), StatusCode::OK, "another user has a bucket of their own");
    assert_eq!(limits(&res), (Some(5), Some(4), Some(60)));
}

async fn every_authenticated_response_carries_the_headers_errors_included(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let missing = app.get("/api/v1/bills/bill_doesnotexist", &tenant.key).await;
    assert_eq!(limits(&missing), (Some(5), Some(4), Some(60)));
    expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let bad_body = app
        .client
        .post(app.url("/api/v1/keys"))
        .bearer_auth(&tenant.key)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("request");
    assert_eq!(limits(&bad_body).1, Some(3));
    expect_error(bad_body, StatusCode::BAD_REQUEST, "bad_request").await;
    // Routes without a key have no bucket to show.
    let health = app.request(Method::GET, "/healthz", None).await;
    assert_eq!(limits(&health), (None, None, None));
    let readiness: Value = app.request(Method::GET, "/readyz", None).await.json().await.expect("json");
    assert_eq!(readiness["rateLimits"], "per-process");
}

async fn a_request_after_retry_after_succeeds(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    let refused = app.get("/api/v1/company", &tenant.key).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = header(&refused, "retry-after").expect("Retry-After");
    assert_eq!(wait, 1, "one request a second");
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    let again = app.get("/api/v1/company", &tenant.key).await;
    assert_eq!(again.status(), StatusCode::OK, "after Retry-After the request is admitted");
    assert_eq!(limits(&again), (Some(1), Some(0), Some(1)));
}

async fn an_address_without_a_valid_key_is_refused_before_any_lookup(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    // A key that works, used before: it keeps working from this address whatever others send.
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    let never_used = app.issue(&tenant.email, &tenant.company, KeyMode::Live).await;
    // Three tries without a valid key (an unknown key costs a lookup; another scheme, none) use
    // the allowance of 3: the third empties the bucket.
    let unknown = unknown_key();
    for _ in 0..2 {
        expect_error(app.get("/api/v1/company", &unknown).await, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
    }
    let basic = app.client.get(app.url("/api/v1/company")).header("authorization", "Basic dTpw").send().await;
    expect_error(basic.expect("request"), StatusCode::UNAUTHORIZED, "invalid_auth_scheme").await;
    // From now on, made-up keys are refused without looking them up...
    for token in [unknown.as_str(), "cp_live_nonsense"] {
        let res = app.get("/api/v1/company", token).await;
        assert!(header(&res, "retry-after").is_some_and(|wait| wait >= 1), "Retry-After");
        expect_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    let res = app.request(Method::GET, "/api/v1/company", None).await;
    expect_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // ...but a key that exists is looked up, even one never used: a shared address locks out
    // no good key.
    assert_eq!(app.get("/api/v1/company", &never_used).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    // Until it is refused itself: then it waits like any other.
    let listed: Value = app.get("/api/v1/keys", &tenant.key).await.json().await.expect("json");
    let id = listed["data"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| tenant.key.starts_with(k["prefix"].as_str().unwrap_or("-")))
        .and_then(|k| k["id"].as_str())
        .expect("id")
        .to_owned();
    let revoked = app.request(Method::DELETE, &format!("/api/v1/keys/{id}"), Some(&tenant.key)).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    expect_error(app.get("/api/v1/company", &tenant.key).await, StatusCode::UNAUTHORIZED, "revoked_api_key").await;
    expect_error(app.get("/api/v1/company", &tenant.key).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Routes without a key are not affected.
    assert_eq!(app.request(Method::GET, "/healthz", None).await.status(), StatusCode::OK);
}

/// What a request with `key` gets from the server at `base`.
async fn status_at(app: &TestApp, base: &str, key: &str) -> StatusCode {
    let res = app.client.get(format!("{base}/api/v1/company")).bearer_auth(key).send().await;
    res.expect("request").status()
}

/// An address flooded with made-up keys until refused, on this server and on a second one
/// started afterwards (a fresh process: what a restart is), where no good key was ever seen.
async fn a_flooded_address_locks_out_no_good_key_new_rolled_or_on_another_instance(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = second_instance(&app).await;
    for base in [app.base.as_str(), other.as_str()] {
        for _ in 0..20 {
            status_at(&app, base, &unknown_key()).await;
        }
        assert_eq!(status_at(&app, base, &unknown_key()).await, StatusCode::TOO_MANY_REQUESTS, "{base} refuses");
    }
    // The tenant's key, never used on the second server: served at its first attempt there.
    assert_eq!(status_at(&app, &other, &tenant.key).await, StatusCode::OK);
    // A key created (on the first server) after the second read the keys: served there at the
    // first attempt made a refresh interval after its creation.
    let created = crate::integrity::post_json(&app, &tenant.key, "/api/v1/keys", r#"{"name": "new"}"#).await;
    let created: Value = created.json().await.expect("json");
    let new_key = created["data"]["key"].as_str().expect("new key").to_owned();
    let new_id = created["data"]["id"].as_str().expect("id").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status_at(&app, &other, &new_key).await, StatusCode::OK, "a new key");
    // Its replacement after a roll, likewise.
    let rolled = crate::integrity::post_json(&app, &new_key, &format!("/api/v1/keys/{new_id}/roll"), "{}").await;
    let rolled: Value = rolled.json().await.expect("json");
    let replacement = rolled["data"]["key"].as_str().expect("replacement").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status_at(&app, &other, &replacement).await, StatusCode::OK, "a rolled key's replacement");
    // Made-up keys are still refused there, without a lookup.
    assert_eq!(status_at(&app, &other, &unknown_key()).await, StatusCode::TOO_MANY_REQUESTS);
}

/// A key of the right form and checksum that no one holds.
fn unknown_key() -> String {
    use carbonpass_domain::ports::ApiKeyCodec;
    carbonpass_auth::CarbonPassKeys.generate(KeyMode::Live).plaintext
}

async fn two_servers_enforce_one_limit_through_redis(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other_server = second_instance(&app).await;
    let mut remaining = Vec::new();
    for i in 0..5 {
        let base = if i % 2 == 0 { app.base.clone() } else { other_server.clone() };
        let res = get_at(&app, &base, &tenant.key).await;
        assert_eq!(res.status(), StatusCode::OK, "request {i}");
        remaining.push(limits(&res).1.expect("remaining"));
    }
    assert_eq!(remaining, [4, 3, 2, 1, 0], "one bucket, whichever server counts");
    for base in [&app.base, &other_server] {
        let res = get_at(&app, base, &tenant.key).await;
        expect_error(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    let readiness: Value = app.request(Method::GET, "/readyz", None).await.json().await.expect("json");
    assert_eq!(readiness["rateLimits"], "shared (redis)");
}

async fn without_redis_each_server_limits_alone_and_says_so(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for remaining in [4, 3, 2, 1, 0] {
        let res = app.get("/api/v1/company", &tenant.key).await;
        assert_eq!(res.status(), StatusCode::OK, "still serving");
        assert_eq!(limits(&res).1, Some(remaining), "and still limiting, in this process");
    }
    expect_error(app.get("/api/v1/company", &tenant.key).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let res = app.request(Method::GET, "/readyz", None).await;
    assert_eq!(res.status(), StatusCode::OK, "ready: limits per process are limits");
    let readiness: Value = res.json().await.expect("json");
    let said = readiness["rateLimits"].as_str().unwrap_or_default().to_owned();
    assert!(said.starts_with("per-process: redis unreachable"), "{said}");
}
