//! Races, each with 12 parallel requests, on both backends: what SQLite's single writer gives for
//! free must hold on PostgreSQL too (the tenant lock, see `carbonpass-store`'s `tenancy`).

use carbonpass_domain::model::{KeyMode, Plan};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::integrity::{post_json, upload, uploaded};
use crate::support::{TestApp, spawn};

const PARALLEL: usize = 12;

carbonpass_testkit::on_both_backends!(spawn =>
    one_of_many_overlapping_confirmations_wins,
    a_bill_with_a_meter_point_overlaps_one_without,
    concurrent_first_uploads_share_one_session,
    racing_identical_files_make_one_bill,
    uploads_racing_a_completion_land_in_a_valid_session,
    concurrent_voids_take_a_bill_out_once,
    reports_are_one_snapshot_under_concurrent_changes,
);

async fn status_and_body(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.expect("json"))
}

async fn one_of_many_overlapping_confirmations_wins(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let mut bills = Vec::new();
    for i in 0..PARALLEL {
        bills.push(uploaded(&app, &tenant, "electricity", &format!("overlap-{i}")).await);
    }
    let body =
        json!({"consumption": 100, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"}).to_string();
    let results =
        join_all(
            bills.iter().map(|bill| {
                let (app, key, body) = (&app, &tenant.key, &body);
                async move {
                    status_and_body(post_json(app, key, &format!("/api/v1/bills/{bill}/confirm"), body).await).await
                }
            }),
        )
        .await;
    let winners: Vec<&Value> = results.iter().filter(|(s, _)| *s == StatusCode::OK).map(|(_, b)| b).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0]["data"]["id"].as_str().expect("id");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!((*status, body["error"].as_str()), (StatusCode::CONFLICT, Some("overlapping_bill")), "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(winner)), "names the winner: {body}");
    }
    let report: Value = app.get("/api/v1/emissions?period=2025-26", &tenant.key).await.json().await.expect("json");
    assert_eq!(report["data"]["scope2"]["total"], json!(0.018), "counted once: 100 kWh × 0.177");
}

async fn a_bill_with_a_meter_point_overlaps_one_without(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let confirm = |bill: String, meter_point: Option<&str>| {
        let mut body =
            json!({"consumption": 10, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
        if let Some(mp) = meter_point {
            body["meterPoint"] = json!(mp);
        }
        let (app, key) = (&app, tenant.key.clone());
        async move { post_json(app, &key, &format!("/api/v1/bills/{bill}/confirm"), &body.to_string()).await }
    };
    let with = uploaded(&app, &tenant, "electricity", "with").await;
    let without = uploaded(&app, &tenant, "electricity", "without").await;
    assert_eq!(confirm(with.clone(), Some("1200023305967")).await.status(), StatusCode::OK);
    let (status, body) = status_and_body(confirm(without, None).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("overlapping_bill")), "{body}");
    // And the other way round, on another supply type.
    let gas_without = uploaded(&app, &tenant, "gas", "gas-without").await;
    let gas_with = uploaded(&app, &tenant, "gas", "gas-with").await;
    assert_eq!(confirm(gas_without, None).await.status(), StatusCode::OK);
    let (status, body) = status_and_body(confirm(gas_with, Some("1234567890")).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("overlapping_bill")), "{body}");
}

async fn concurrent_first_uploads_share_one_session(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    let results = join_all((0..PARALLEL).map(|i| {
        let (app, tenant, site) = (&app, &tenant, &site);
        async move { upload(app, tenant, site, "electricity", &format!("first-{i}")).await }
    }))
    .await;
    let sessions: std::collections::BTreeSet<&str> =
        results.iter().map(|b| b["data"]["sessionId"].as_str().unwrap_or_else(|| panic!("{b}"))).collect();
    assert_eq!(sessions.len(), 1, "one session: {results:?}");
    let listed: Value = app.get("/api/v1/sessions", &tenant.key).await.json().await.expect("json");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
}

async fn racing_identical_files_make_one_bill(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    let results = join_all((0..PARALLEL).map(|_| {
        let (app, tenant, site) = (&app, &tenant, &site);
        async move { upload(app, tenant, site, "electricity", "the-same-file").await }
    }))
    .await;
    let created: Vec<&str> = results.iter().filter_map(|b| b["data"]["id"].as_str()).collect();
    assert_eq!(created.len(), 1, "{results:?}");
    for body in results.iter().filter(|b| b["data"].is_null()) {
        assert_eq!(body["error"], "duplicate_bill", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(created[0])), "{body}");
    }
}

async fn uploads_racing_a_completion_land_in_a_valid_session(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    let first = upload(&app, &tenant, &site, "electricity", "opener").await;
    let session = first["data"]["sessionId"].as_str().expect("session").to_owned();
    let complete = async {
        let res = post_json(&app, &tenant.key, &format!("/api/v1/sessions/{session}/complete"), "").await;
        assert_eq!(res.status(), StatusCode::OK);
    };
    let uploads = join_all((0..PARALLEL).map(|i| {
        let (app, tenant, site) = (&app, &tenant, &site);
        async move { upload(app, tenant, site, "gas", &format!("racer-{i}")).await }
    }));
    let ((), results) = tokio::join!(complete, uploads);
    let listed: Value = app.get("/api/v1/sessions", &tenant.key).await.json().await.expect("json");
    let sessions = listed["data"].as_array().expect("sessions");
    let in_progress: Vec<&Value> = sessions.iter().filter(|s| s["status"] == "in_progress").collect();
    assert!(in_progress.len() <= 1, "at most one session in progress: {listed}");
    for body in &results {
        let landed = body["data"]["sessionId"].as_str().unwrap_or_else(|| panic!("every upload lands: {body}"));
        assert!(sessions.iter().any(|s| s["id"] == landed), "{landed} is a listed session");
        if landed != session {
            assert_eq!(Some(landed), in_progress.first().and_then(|s| s["id"].as_str()), "a new one, in progress");
        }
    }
}

async fn concurrent_voids_take_a_bill_out_once(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let keep = uploaded(&app, &tenant, "electricity", "keep").await;
    let bill = uploaded(&app, &tenant, "electricity", "void-me").await;
    let body = |from: &str, to: &str| {
        json!({"consumption": 1000, "unit": "kWh", "periodStart": from, "periodEnd": to}).to_string()
    };
    assert_eq!(
        post_json(&app, &tenant.key, &format!("/api/v1/bills/{keep}/confirm"), &body("2025-05-01", "2025-05-31"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), &body("2025-06-01", "2025-06-30"))
            .await
            .status(),
        StatusCode::OK
    );
    let path = format!("/api/v1/bills/{bill}/void");
    let results = join_all((0..PARALLEL).map(|_| {
        let (app, key, path) = (&app, &tenant.key, &path);
        async move { post_json(app, key, path, r#"{"reason": "race"}"#).await.status() }
    }))
    .await;
    assert_eq!(results.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{results:?}");
    let report: Value = app.get("/api/v1/emissions?period=2025-26", &tenant.key).await.json().await.expect("json");
    assert_eq!(report["data"]["totalTco2e"], json!(0.245), "taken out exactly once");
}

/// Reports read while bills are confirmed and voided never mix the states before and after a
/// change: the sessions listed add up to the total, and `currentEmissions` is null or a real total.
async fn reports_are_one_snapshot_under_concurrent_changes(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    // A bill that stays, in an earlier period: the default report always has data to show.
    let kept = uploaded(&app, &tenant, "gas", "kept").await;
    let body = json!({"consumption": 1000, "unit": "kWh", "periodStart": "2024-05-01", "periodEnd": "2024-05-31"});
    assert_eq!(
        post_json(&app, &tenant.key, &format!("/api/v1/bills/{kept}/confirm"), &body.to_string()).await.status(),
        StatusCode::OK
    );
    let writer = async {
        for i in 0..25 {
            let bill = uploaded(&app, &tenant, "electricity", &format!("flip-{i}")).await;
            let body =
                json!({"consumption": 1000, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
            let confirmed =
                post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), &body.to_string()).await;
            assert_eq!(confirmed.status(), StatusCode::OK);
            let voided =
                post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/void"), r#"{"reason": "flip"}"#).await;
            assert_eq!(voided.status(), StatusCode::OK);
        }
    };
    let readers = join_all((0..PARALLEL).map(|_| {
        let (app, key) = (&app, &tenant.key);
        async move {
            for _ in 0..40 {
                let report: Value = app.get("/api/v1/emissions?period=2025-26", key).await.json().await.expect("json");
                let total = report["data"]["totalTco2e"].as_f64().expect("total");
                let sessions: f64 = report["data"]["sessions"]
                    .as_array()
                    .expect("sessions")
                    .iter()
                    .filter_map(|s| s["totalTco2e"].as_f64())
                    .sum();
                assert!((total - sessions).abs() < 0.002, "one snapshot: {report}");
                let latest: Value = app.get("/api/v1/emissions", key).await.json().await.expect("json");
                assert!(latest["data"]["totalTco2e"].as_f64() > Some(0.0), "the latest period has data: {latest}");
                let company: Value = app.get("/api/v1/company", key).await.json().await.expect("json");
                let current = &company["data"]["currentEmissions"];
                assert!(current.is_null() || current["totalTco2e"].as_f64() > Some(0.0), "{current}");
            }
        }
    }));
    tokio::join!(writer, readers);
}
