//! A plan's PDF (issue 21): rendered once per status and served from storage with a strong
//! ETag; renders queued fairly between companies, bounded, and re-checked for access when they
//! start; plans capped per company and drafts deletable.

use std::time::{Duration, Instant};

use carbonpass_domain::model::{KeyMode, Plan};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::crp::{complete_inputs, generate, ready_tenant};
use crate::integrity::post_json;
use crate::support::{TestApp, expect_error, spawn, spawn_configured};

const PARALLEL: usize = 12;

carbonpass_testkit::on_both_backends!(spawn =>
    a_pdf_is_rendered_once_per_status_and_served_from_storage,
);

carbonpass_testkit::on_both_backends!(spawn_capped =>
    plans_are_capped_under_parallel_generates_and_drafts_are_deleted,
);

carbonpass_testkit::on_both_backends!(spawn_one_at_a_time =>
    a_burst_of_one_company_neither_starves_another_nor_waits_unbounded,
    a_key_revoked_while_its_render_waits_gets_no_pdf,
);

const CAP: usize = 5;

async fn spawn_capped(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, |s| s.max_plans_per_company = CAP as u64).await
}

async fn spawn_one_at_a_time(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, |s| {
        s.pdf_concurrency = 1;
        s.pdf_queue_per_tenant = 4;
        s.pdf_queue_deadline_secs = 120;
        s.max_plans_per_company = 1000;
    })
    .await
}

/// Inputs at the limits: 50 projects whose titles are letters with 3 combining marks each and
/// whose descriptions are 1,000 characters, about 55,000 characters in all.
fn worst_inputs() -> Value {
    let mut inputs = complete_inputs();
    let title: String = "a\u{301}\u{308}\u{323}".repeat(25);
    let description: String = "reduce emissions ".repeat(58) + "abcdefghijklmn";
    let year = inputs["projects"][0]["year"].clone();
    inputs["projects"] = (0..50)
        .map(|_| json!({"title": title, "description": description, "status": "completed", "year": year, "estimatedSavingTco2e": 1}))
        .collect();
    inputs
}

async fn pdf(app: &TestApp, key: &str, id: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/crp/{id}/pdf"), key).await
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn stored_pdfs(app: &TestApp, id: &str) -> usize {
    app.db.texts("SELECT status AS text FROM crp_plan_pdfs WHERE plan_id = $1", &[id]).len()
}

async fn a_pdf_is_rendered_once_per_status_and_served_from_storage(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme Widgets").await;
    let id = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/crp/{id}/pdf");

    let head = app.request(Method::HEAD, &path, Some(&tenant.key)).await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, "etag"), None, "HEAD does not render: nothing stored, no ETag");
    assert_eq!(header(&head, "content-length"), None, "no length is known before a render (0 would be a lie)");
    assert_eq!(stored_pdfs(&app, &id), 0, "HEAD rendered nothing");

    let first = join_all((0..PARALLEL).map(|_| pdf(&app, &tenant.key, &id))).await;
    let mut bodies = Vec::new();
    let mut tags = Vec::new();
    for res in first {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-content-type-options").as_deref(), Some("nosniff"));
        tags.push(header(&res, "etag").expect("etag"));
        bodies.push(res.bytes().await.expect("body"));
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every parallel first request got the same bytes");
    assert!(tags.iter().all(|t| *t == tags[0]));
    assert_eq!(stored_pdfs(&app, &id), 1, "one render stored for the draft");
    let tag = tags[0].clone();

    let again = app.client.get(app.url(&path)).bearer_auth(&tenant.key).header("if-none-match", &tag).send().await;
    let again = again.expect("request");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, "etag").as_deref(), Some(tag.as_str()));
    let head = app.request(Method::HEAD, &path, Some(&tenant.key)).await;
    assert_eq!(header(&head, "etag").as_deref(), Some(tag.as_str()), "HEAD answers from storage");
    assert_eq!(header(&head, "content-length"), Some(bodies[0].len().to_string()));

    let res = post_json(&app, &tenant.key, &format!("/api/v1/crp/{id}/publish"), "").await;
    assert_eq!(res.status(), StatusCode::OK);
    let published = pdf(&app, &tenant.key, &id).await;
    assert_ne!(header(&published, "etag").as_deref(), Some(tag.as_str()), "the published PDF is another");
    assert_eq!(stored_pdfs(&app, &id), 2, "one per status");
}

async fn plans_are_capped_under_parallel_generates_and_drafts_are_deleted(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    let other = app.tenant("Rival", Plan::Business, KeyMode::Live).await;
    let body = json!({"fyYear": generate(&app, &tenant.key).await["fyYear"]}).to_string();
    let outcomes = join_all((0..PARALLEL).map(|_| post_json(&app, &tenant.key, "/api/v1/crp", &body))).await;
    let mut created = 0;
    for res in outcomes {
        if res.status() == StatusCode::CREATED {
            created += 1;
        } else {
            expect_error(res, StatusCode::CONFLICT, "limit_reached").await;
        }
    }
    assert_eq!(created, CAP - 1, "exactly up to the cap, whatever the race");
    let list: Value = app.get("/api/v1/crp?limit=100", &tenant.key).await.json().await.expect("json");
    let ids: Vec<String> =
        list["data"].as_array().expect("plans").iter().map(|p| p["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids.len(), CAP);

    // A draft with a stored PDF is deleted with it; the cap lets one more in.
    assert_eq!(pdf(&app, &tenant.key, &ids[0]).await.status(), StatusCode::OK);
    let key = app.db.texts("SELECT blob_key AS text FROM crp_plan_pdfs WHERE plan_id = $1", &[&ids[0]]);
    assert_eq!(key.len(), 1);
    let delete = |key: String, id: String| {
        let app = &app;
        async move { app.request(Method::DELETE, &format!("/api/v1/crp/{id}"), Some(&key)).await }
    };
    expect_error(delete(other.key.clone(), ids[0].clone()).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(delete(tenant.key.clone(), ids[0].clone()).await.status(), StatusCode::NO_CONTENT);
    expect_error(pdf(&app, &tenant.key, &ids[0]).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(stored_pdfs(&app, &ids[0]), 0);
    assert_eq!(post_json(&app, &tenant.key, "/api/v1/crp", &body).await.status(), StatusCode::CREATED);
    expect_error(post_json(&app, &tenant.key, "/api/v1/crp", &body).await, StatusCode::CONFLICT, "limit_reached").await;

    // A published plan (and the one it supersedes) is never deleted.
    let res = post_json(&app, &tenant.key, &format!("/api/v1/crp/{}/publish", ids[1]), "").await;
    assert_eq!(res.status(), StatusCode::OK);
    expect_error(delete(tenant.key.clone(), ids[1].clone()).await, StatusCode::CONFLICT, "conflict").await;
}

/// A company with `plans` plans generated from the worst inputs.
async fn worst_plans(app: &TestApp, name: &str, plans: usize) -> (String, Vec<String>) {
    let tenant = ready_tenant(app, name).await;
    let res = app
        .client
        .put(app.url("/api/v1/crp-inputs"))
        .bearer_auth(&tenant.key)
        .header("content-type", "application/json")
        .body(worst_inputs().to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    let mut ids = Vec::new();
    for _ in 0..plans {
        ids.push(generate(app, &tenant.key).await["id"].as_str().expect("id").to_owned());
    }
    (tenant.key, ids)
}

async fn a_burst_of_one_company_neither_starves_another_nor_waits_unbounded(app: TestApp) {
    let (a_key, a_plans) = worst_plans(&app, "Burst Ltd", 10).await;
    let b = ready_tenant(&app, "Quiet Ltd").await;
    let b_stored = generate(&app, &b.key).await["id"].as_str().expect("id").to_owned();
    assert_eq!(pdf(&app, &b.key, &b_stored).await.status(), StatusCode::OK, "rendered and stored before the burst");
    let b_fresh = generate(&app, &b.key).await["id"].as_str().expect("id").to_owned();

    // A: 50 requests over 10 plans at once (10 renders: one runs, 4 wait, the rest are refused).
    let started = Instant::now();
    let burst = join_all((0..50).map(|i| {
        let (app, key, id) = (&app, a_key.clone(), a_plans[i % a_plans.len()].clone());
        async move {
            let res = pdf(app, &key, &id).await;
            (res.status(), header(&res, "retry-after"), started.elapsed())
        }
    }));
    let quiet = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // B's new plan needs a render: it gets the next turn, ahead of A's waiting renders.
        let fresh = async {
            let res = pdf(&app, &b.key, &b_fresh).await;
            (res.status(), started.elapsed())
        };
        // B's stored plan is served from storage meanwhile, whatever A's queue holds.
        let stored = async {
            let mut latencies = Vec::new();
            for _ in 0..15 {
                let sent = Instant::now();
                assert_eq!(pdf(&app, &b.key, &b_stored).await.status(), StatusCode::OK);
                latencies.push(sent.elapsed());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            latencies
        };
        tokio::join!(fresh, stored)
    };
    let (a, ((fresh_status, fresh_done), latencies)) = tokio::join!(burst, quiet);
    assert_eq!(fresh_status, StatusCode::OK);
    let worst = latencies.iter().max().copied().unwrap_or_default();
    assert!(worst < Duration::from_secs(2), "B's stored PDF took {worst:?} during A's burst");
    let a_done: Vec<Duration> = a.iter().filter(|(s, _, _)| *s == StatusCode::OK).map(|(_, _, at)| *at).collect();
    let refused = a.iter().filter(|(s, _, _)| *s == StatusCode::SERVICE_UNAVAILABLE).count();
    assert!(refused > 0, "A's renders past its bound are refused");
    assert!(
        a.iter()
            .all(|(s, retry, _)| *s == StatusCode::OK || (*s == StatusCode::SERVICE_UNAVAILABLE && retry.is_some())),
        "every answer is the PDF or a 503 with Retry-After"
    );
    let a_last = a_done.iter().max().copied().unwrap_or_default();
    assert!(
        fresh_done < a_last,
        "B's render ({fresh_done:?}) came before A's last ({a_last:?}): it did not queue behind A"
    );
}

async fn a_key_revoked_while_its_render_waits_gets_no_pdf(app: TestApp) {
    let (a_key, a_plans) = worst_plans(&app, "Burst Ltd", 3).await;
    let b = ready_tenant(&app, "Quiet Ltd").await;
    let b_key = app.issue(&b.email, &b.company, KeyMode::Live).await;
    let b_plan = generate(&app, &b.key).await["id"].as_str().expect("id").to_owned();
    let burst = join_all(a_plans.iter().map(|id| pdf(&app, &a_key, id)));
    let waiting = async {
        // A's first render holds the one slot by then (a worst-case render takes seconds).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let res = pdf(&app, &b_key, &b_plan);
        let revoke = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            app.db.execute(
                "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE company_id = $1",
                &[b.company.id.as_str()],
            );
        };
        tokio::join!(res, revoke).0
    };
    let (_, res) = tokio::join!(burst, waiting);
    expect_error(res, StatusCode::UNAUTHORIZED, "revoked_api_key").await;
    assert_eq!(stored_pdfs(&app, &b_plan), 0, "nothing was rendered for it");
}
