//! Liveness and readiness.

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

// The two cases below exist on PostgreSQL only (SQLite has no server to lose). Each is a
// `postgres` test inside a module of the case's name, as `on_both_backends!` makes them, so that
// `cargo xtask test` leaves them out, reported as skipped, where no PostgreSQL is configured
// (and under CI, `spawn` fails instead of skipping).
mod readyz_is_503_when_the_database_is_gone {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::support::spawn(carbonpass_testkit::Backend::Postgres).await {
            super::readyz_is_503_when_the_database_is_gone(app).await;
        }
    }
}

mod the_service_recovers_when_the_database_drops_its_connections {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::support::spawn(carbonpass_testkit::Backend::Postgres).await {
            super::the_service_recovers_when_the_database_drops_its_connections(app).await;
        }
    }
}

/// Readiness follows the database: with it gone, `/readyz` is 503 while `/healthz` stays up.
async fn readyz_is_503_when_the_database_is_gone(mut app: TestApp) {
    app.db.destroy();
    let res = app.request(Method::GET, "/readyz", None).await;
    expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert_eq!(app.request(Method::GET, "/healthz", None).await.status(), StatusCode::OK);
}

/// Connections the database dropped (a restart, a failover) are replaced, not reused forever:
/// after at most one failed request per pooled connection, the service answers again.
async fn the_service_recovers_when_the_database_drops_its_connections(app: TestApp) {
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
