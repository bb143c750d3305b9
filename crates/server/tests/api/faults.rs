//! A database that stops answering, is locked, or goes away and comes back: every request gets a
//! bounded wait and a JSON 503 with `Retry-After`, never a hang or a 500, and service resumes by
//! itself. The PostgreSQL cases run on a private server the test freezes and restarts.

use std::time::Duration;

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_testkit::{Backend, PrivatePostgres, TestDatabase};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, expect_error, serve, settings, spawn};

/// Long past the bound the settings below give (1 s checkout + 2 s statement): a request still
/// unanswered by then hangs.
const HANG: Duration = Duration::from_secs(20);

/// A server on `pg` with short database timeouts.
async fn app_on(pg: &PrivatePostgres) -> TestApp {
    let data = tempfile::tempdir().expect("data folder");
    let mut settings = settings(&pg.url(), data.path(), None);
    settings.db_connect_timeout_secs = 2;
    settings.db_statement_timeout_secs = 2;
    settings.db_checkout_timeout_secs = 1;
    let (base, services) = serve(settings).await;
    let client = reqwest::Client::builder().no_proxy().timeout(HANG).build().expect("client");
    TestApp { base, client, services, db: TestDatabase::external(pg.url()), data, s3: None, configure: |_| {} }
}

mod frozen_database {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(pg) = carbonpass_testkit::PrivatePostgres::start() else { return };
        super::a_frozen_database_costs_a_bounded_wait_then_service_resumes(pg).await;
    }
}

mod restarted_database {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(pg) = carbonpass_testkit::PrivatePostgres::start() else { return };
        super::connections_left_from_before_a_restart_fail_no_request(pg).await;
    }
}

async fn a_frozen_database_costs_a_bounded_wait_then_service_resumes(pg: PrivatePostgres) {
    let app = app_on(&pg).await;
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4\n% frozen\n".to_vec()).file_name("bill.pdf"))
        .text("type", "electricity");
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(&tenant.key).multipart(form).send().await;
    let uploaded: serde_json::Value = res.expect("upload").json().await.expect("json");
    let bill = uploaded["data"]["id"].as_str().expect("bill id").to_owned();
    let green = json!({"consumption": "1000", "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31",
                       "marketInstrument": {"type": "supplier_specific", "kgCo2ePerKwh": "0.1", "source": "FMD"}});
    let confirm = || app.client.post(app.url(&format!("/api/v1/bills/{bill}/confirm"))).bearer_auth(&tenant.key);

    pg.freeze();
    // More requests than the pool has connections, so some wait for a connection and some for
    // an answer on one.
    let paths = ["/api/v1/company", "/api/v1/company", "/api/v1/company", "/api/v1/bills", "/api/v1/bills", "/readyz"];
    let calls = paths.map(|path| app.request(Method::GET, path, Some(&tenant.key)));
    for res in join_all(calls).await {
        assert!(res.headers().contains_key("retry-after"), "a 503 says when to retry");
        expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    }
    let live = app.request(Method::GET, "/healthz", None).await;
    assert_eq!(live.status(), StatusCode::OK, "the process itself is alive");

    // Writes of many records at once (an estimate) wait as long and leave nothing behind.
    let estimate = app.client.post(app.url("/api/v1/activities/commuting-estimates")).bearer_auth(&tenant.key);
    let res = estimate.json(&commuting_estimate()).send().await.expect("request");
    expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    // So does a confirmation with a market instrument (its market-based rows in the same
    // transaction).
    let res = confirm().json(&green).send().await.expect("request");
    expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;

    pg.thaw();
    for _ in 0..8 {
        let res = app.get("/api/v1/company", &tenant.key).await;
        assert_eq!(res.status(), StatusCode::OK, "service resumes once the database answers");
    }
    let listed: serde_json::Value = app.get("/api/v1/activities", &tenant.key).await.json().await.expect("json");
    assert_eq!(listed["data"], json!([]), "the estimate wrote nothing");
    let read: serde_json::Value =
        app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await.json().await.expect("json");
    assert_eq!(read["data"]["status"], "uploaded", "the confirmation wrote nothing");
    let res = confirm().json(&green).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK, "the retry confirms");
    let report: serde_json::Value =
        app.get("/api/v1/emissions?period=2025-26", &tenant.key).await.json().await.expect("json");
    assert_eq!(report["data"]["scope2"]["marketBased"], json!(0.1), "counted once, market-based: 1000 kWh × 0.1 kg");
    assert_eq!(report["data"]["scope2"]["total"], json!(0.177), "and location-based: 1000 kWh × 0.177 kg");
    assert_eq!(app.request(Method::GET, "/readyz", None).await.status(), StatusCode::OK);
}

async fn connections_left_from_before_a_restart_fail_no_request(mut pg: PrivatePostgres) {
    let app = app_on(&pg).await;
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    // Fill the pool (4 connections) with connections of the server about to go.
    let warm = (0..8).map(|_| app.get("/api/v1/company", &tenant.key));
    assert!(join_all(warm).await.iter().all(|res| res.status() == StatusCode::OK));

    pg.restart();
    for n in 0..8 {
        let res = app.get("/api/v1/company", &tenant.key).await;
        assert_eq!(res.status(), StatusCode::OK, "request {n} after the restart");
    }
    let together = join_all((0..8).map(|_| app.get("/api/v1/bills", &tenant.key))).await;
    assert!(together.iter().all(|res| res.status() == StatusCode::OK));
}

mod locked_database {
    #[tokio::test]
    async fn sqlite() {
        let Some(app) = super::spawn(carbonpass_testkit::Backend::Sqlite).await else { return };
        super::a_write_locked_past_the_busy_timeout_is_a_503_and_reads_go_on(app).await;
    }
}

async fn a_write_locked_past_the_busy_timeout_is_a_503_and_reads_go_on(app: TestApp) {
    assert_eq!(app.db.backend(), Backend::Sqlite);
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let block = app.db.block_writes(tenant.company.id.as_str());

    // The key was never used: reading records its use, which cannot be written now.
    let read = app.get("/api/v1/company", &tenant.key).await;
    assert_eq!(read.status(), StatusCode::OK, "a read does not need its key's use recorded");

    let write = app.client.post(app.url("/api/v1/keys")).bearer_auth(&tenant.key).json(&json!({"name": "ci"}));
    let res = write.send().await.expect("request");
    assert!(res.headers().contains_key("retry-after"), "a 503 says when to retry");
    expect_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;

    // An estimate's records: all or none, under a key that a retry may use once the lock goes.
    let estimate = || {
        let request = app.client.post(app.url("/api/v1/activities/commuting-estimates")).bearer_auth(&tenant.key);
        request.header("Idempotency-Key", "survey").json(&commuting_estimate()).send()
    };
    expect_error(estimate().await.expect("request"), StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;

    drop(block);
    let again = app.client.post(app.url("/api/v1/keys")).bearer_auth(&tenant.key).json(&json!({"name": "ci"}));
    assert_eq!(again.send().await.expect("request").status(), StatusCode::CREATED);
    let listed: serde_json::Value = app.get("/api/v1/activities", &tenant.key).await.json().await.expect("json");
    assert_eq!(listed["data"], json!([]), "the refused estimate wrote nothing");
    let retried = estimate().await.expect("request");
    assert_eq!(retried.status(), StatusCode::CREATED, "the key was not spent by a failure on our side");
    let listed: serde_json::Value = app.get("/api/v1/activities", &tenant.key).await.json().await.expect("json");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(3), "two modes and homeworking");
}

fn commuting_estimate() -> serde_json::Value {
    json!({
        "headcount": 12, "workingDays": 220, "homeShare": "0.4", "oneWayKm": 15,
        "modes": [
            {"activityType": "commuting.cars_by_size.average_car.petrol", "share": "0.5"},
            {"activityType": "commuting.rail.national_rail", "share": "0.5"}
        ],
        "periodStart": "2025-04-01", "periodEnd": "2026-03-31"
    })
}
