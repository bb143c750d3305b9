//! Liveness and readiness.

use carbonpass_testkit::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn => healthz_and_readyz_answer_without_a_key);

async fn healthz_and_readyz_answer_without_a_key(app: TestApp) {
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let res = app.request(Method::GET, path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["status"], status);
    }
}

/// Readiness follows the database: with it gone, `/readyz` is 503 while `/healthz` stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_when_the_database_is_gone() {
    let Some(mut app) = spawn(Backend::Postgres).await else { return };
    app.db.destroy();
    let res = app.request(Method::GET, "/readyz", None).await;
    expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert_eq!(app.request(Method::GET, "/healthz", None).await.status(), StatusCode::OK);
}

/// Connections the database dropped (a restart, a failover) are replaced, not reused forever:
/// after at most one failed request per pooled connection, the service answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_recovers_when_the_database_drops_its_connections() {
    let Some(app) = spawn(Backend::Postgres).await else { return };
    let tenant =
        app.tenant("Acme", carbonpass_domain::model::Plan::Business, carbonpass_domain::model::KeyMode::Live).await;
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    app.db.terminate_connections();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let status = app.get("/api/v1/company", &tenant.key).await.status();
        statuses.push(status);
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a lost connection is a 503, never a 500");
    }
    assert_eq!(statuses.last(), Some(&StatusCode::OK), "recovered: {statuses:?}");
}
