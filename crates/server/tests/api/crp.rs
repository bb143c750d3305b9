//! Carbon Reduction Plans over HTTP, on both backends: inputs, generation (frozen figures),
//! publishing and superseding, reading in the seed's shape, the PDF, tenant isolation, races.

use std::panic::catch_unwind;

use carbonpass_domain::calculation::ReportingPeriod;
use carbonpass_domain::model::{KeyMode, Plan, ReportingYearStart};
use chrono::Utc;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::integrity::{post_json, uploaded};
use crate::support::{Tenant, TestApp, expect_error, fields, spawn};

const PARALLEL: usize = 12;

carbonpass_testkit::on_both_backends!(spawn =>
    inputs_round_trip_and_a_bad_field_changes_nothing,
    a_generated_plan_has_the_seed_shape_and_freezes_its_figures,
    publishing_needs_every_section_and_supersedes_the_older_plan,
    plans_are_listed_newest_first_a_page_at_a_time,
    the_pdf_is_a_real_document_of_the_plan,
    another_company_or_the_sandbox_never_sees_a_plan,
    racing_publications_leave_one_published_plan,
    racing_first_saves_of_the_inputs_all_succeed,
    scope3_statements_say_whether_a_category_happens,
    the_plan_names_its_sites_and_estimated_commuting,
);

/// The last reporting period that has ended (the plan's period), for an April start.
pub(crate) fn last_period() -> ReportingPeriod {
    let current = ReportingPeriod::containing(Utc::now().date_naive(), ReportingYearStart::APRIL);
    ReportingPeriod::ending_in(current.end_year() - 1, ReportingYearStart::APRIL)
}

pub(crate) fn fy_year() -> String {
    last_period().end_year().to_string()
}

pub(crate) fn complete_inputs() -> Value {
    let baseline = ReportingPeriod::ending_in(last_period().end_year() - 1, ReportingYearStart::APRIL);
    let year = last_period().end_year();
    json!({
        "organisation": {"registeredAddress": "1 High Street, Leeds LS1 1AA", "companyNumber": "01234567"},
        "baselinePeriod": baseline.label(),
        "baselineEmissions": {"scope1": 10, "scope2": "20.5", "scope3": 0, "source": "A footprint by Green Ltd"},
        "netZeroYear": 2045,
        "interimTarget": {"year": year + 3, "reductionPercent": 42.5},
        "projects": [{"title": "LED lighting", "description": "All sites", "status": "completed", "year": year - 1, "estimatedSavingTco2e": 12.5}],
        "measures": [{"title": "ISO 14001 certification"}],
        "scope3Statements": [
            {"category": 4, "status": "not_applicable", "reason": "Suppliers deliver at their cost."},
            {"category": 5, "status": "not_applicable", "reason": "Solid waste goes with the landlord's collection."},
            {"category": 6, "status": "not_applicable", "reason": "No business travel."},
            {"category": 7, "status": "not_applicable", "reason": "Staff live on site."},
            {"category": 9, "status": "not_applicable", "reason": "Customers collect."}
        ],
        "declaration": {"signatoryName": "Ada Lovelace", "signatoryRole": "Director", "signedOn": Utc::now().date_naive().to_string()}
    })
}

async fn put(app: &TestApp, key: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

/// Confirms a bill of `bill_type` inside the plan's period.
async fn confirmed(app: &TestApp, tenant: &Tenant, bill_type: &str, marker: &str, consumption: u32) {
    let bill = uploaded(app, tenant, bill_type, marker).await;
    let period = last_period();
    let unit = if bill_type == "water" { "m3" } else { "kWh" };
    let body = json!({
        "consumption": consumption, "unit": unit,
        "periodStart": period.start().to_string(),
        "periodEnd": period.start().checked_add_days(chrono::Days::new(29)).expect("date").to_string(),
        "allowOverlap": true,
    });
    let res = post_json(app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), &body.to_string()).await;
    json_of(res, StatusCode::OK).await;
}

pub(crate) async fn generate(app: &TestApp, key: &str) -> Value {
    let res = post_json(app, key, "/api/v1/crp", &json!({"fyYear": fy_year()}).to_string()).await;
    json_of(res, StatusCode::CREATED).await["data"].clone()
}

/// A tenant with a confirmed electricity bill in the plan's period and complete inputs.
pub(crate) async fn ready_tenant(app: &TestApp, name: &str) -> Tenant {
    let tenant = app.tenant(name, Plan::Business, KeyMode::Live).await;
    confirmed(app, &tenant, "electricity", "ready", 1000).await;
    json_of(put(app, &tenant.key, "/api/v1/crp-inputs", &complete_inputs()).await, StatusCode::OK).await;
    tenant
}

async fn inputs_round_trip_and_a_bad_field_changes_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let empty = json_of(app.get("/api/v1/crp-inputs", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(empty["data"]["updatedAt"], Value::Null);
    assert_eq!(empty["data"]["projects"], json!([]));

    let saved = json_of(put(&app, &tenant.key, "/api/v1/crp-inputs", &complete_inputs()).await, StatusCode::OK).await;
    let read = json_of(app.get("/api/v1/crp-inputs", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(saved, read);
    let data = &read["data"];
    assert_eq!(data["baselineEmissions"]["scope2"], json!(20.5), "exact, as sent");
    assert_eq!(data["interimTarget"]["reductionPercent"], json!(42.5));
    assert_eq!(data["measures"][0]["description"], json!(""));
    assert!(data["updatedAt"].is_string());

    let mut bad = complete_inputs();
    bad["projects"][0]["title"] = json!("   ");
    let error =
        expect_error(put(&app, &tenant.key, "/api/v1/crp-inputs", &bad).await, StatusCode::BAD_REQUEST, "bad_request")
            .await;
    assert_eq!(error["param"], json!("projects[0].title"), "{error}");
    let mut late = complete_inputs();
    late["netZeroYear"] = json!(2051);
    let error =
        expect_error(put(&app, &tenant.key, "/api/v1/crp-inputs", &late).await, StatusCode::BAD_REQUEST, "bad_request")
            .await;
    assert_eq!(error["param"], json!("netZeroYear"));
    let mut unknown = complete_inputs();
    unknown["declaration"]["signatory"] = json!("x");
    let error = expect_error(
        put(&app, &tenant.key, "/api/v1/crp-inputs", &unknown).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(error["param"], json!("declaration.signatory"), "the path to it, not only its name");
    let mut wrong_type = complete_inputs();
    wrong_type["interimTarget"]["year"] = json!("2030");
    let mut missing = complete_inputs();
    missing["baselineEmissions"].as_object_mut().expect("stated baseline").remove("source");
    let mut unshowable = complete_inputs();
    unshowable["measures"][0]["description"] = json!("Solar ☀ on the roof");
    let error = expect_error(
        put(&app, &tenant.key, "/api/v1/crp-inputs", &unshowable).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(error["param"], json!("measures[0].description"), "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("U+2600")), "{error}");
    let mut huge = complete_inputs();
    huge["projects"][0]["year"] = json!(99_999_999_999_u64);
    for (bad, param) in
        [(wrong_type, "interimTarget.year"), (missing, "baselineEmissions.source"), (huge, "projects[0].year")]
    {
        let res = put(&app, &tenant.key, "/api/v1/crp-inputs", &bad).await;
        let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(error["param"], json!(param), "{error}");
        assert!(!error["message"].as_str().unwrap_or_default().contains("i32"), "no Rust type names: {error}");
    }
    let error =
        expect_error(app.get("/api/v1/crp?limit=abc", &tenant.key).await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["param"], json!("limit"), "{error}");
    let after = json_of(app.get("/api/v1/crp-inputs", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(after, read, "a refused document leaves the saved one as it was");
}

async fn a_generated_plan_has_the_seed_shape_and_freezes_its_figures(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    confirmed(&app, &tenant, "water", "water", 100).await;
    let res = post_json(&app, &tenant.key, "/api/v1/crp", &json!({"fyYear": fy_year()}).to_string()).await;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let plan = json_of(res, StatusCode::CREATED).await["data"].clone();
    let id = plan["id"].as_str().expect("id").to_owned();
    assert_eq!(location, Some(format!("/api/v1/crp/{id}")));
    assert_eq!(fields(&plan), ["fyYear", "generatedAt", "id", "sections", "status", "targetYear"]);
    assert_eq!(plan["status"], json!("draft"));
    assert_eq!(plan["fyYear"], json!(fy_year()));
    assert_eq!(plan["targetYear"], json!("2045"), "the inputs' net-zero year");
    let sections = &plan["sections"];
    assert_eq!(
        fields(sections),
        [
            "baselineEmissions",
            "currentEmissions",
            "declaration",
            "environmentalMeasures",
            "organisationDetails",
            "reductionProjects",
            "reductionTargets"
        ]
    );
    assert!(sections.as_object().expect("object").values().all(|v| *v == json!(true)), "{sections}");

    let read = json_of(app.get(&format!("/api/v1/crp/{id}"), &tenant.key).await, StatusCode::OK).await;
    assert_eq!(read["data"], plan, "GET answers what POST did");
    let expanded =
        json_of(app.get(&format!("/api/v1/crp/{id}?expand=content"), &tenant.key).await, StatusCode::OK).await;
    let content = expanded["data"]["content"].clone();
    let current = &content["currentEmissions"];
    assert_eq!(current["scope1"]["tco2e"], json!(0.0));
    assert!(current["scope1"]["note"].as_str().is_some_and(|n| n.contains("No gas, fuel or vehicle use")), "{current}");
    let categories: Vec<u64> = content["scope3Categories"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["category"].as_u64().expect("n"))
        .collect();
    assert_eq!(categories, [1, 3, 4, 5, 6, 7, 9]);
    let wastewater = &content["scope3Categories"][3];
    assert!(wastewater["tco2e"].as_f64().is_some_and(|t| t > 0.0), "category 5 from the water bill: {wastewater}");
    assert_eq!(content["baseline"]["emissions"]["total"], json!(30.5));
    assert_eq!(content["trajectory"][0]["tco2e"], json!(30.5));
    assert_eq!(content["missingSections"], json!([]));
    assert_eq!(content["failedChecks"], json!([]));

    // A later bill and new inputs change nothing in the generated plan.
    confirmed(&app, &tenant, "gas", "gas", 5000).await;
    let mut changed = complete_inputs();
    changed["organisation"]["registeredAddress"] = json!("Somewhere else");
    json_of(put(&app, &tenant.key, "/api/v1/crp-inputs", &changed).await, StatusCode::OK).await;
    let again = json_of(app.get(&format!("/api/v1/crp/{id}?expand=content"), &tenant.key).await, StatusCode::OK).await;
    assert_eq!(again, expanded, "frozen");
    let newer = generate(&app, &tenant.key).await;
    let newer = json_of(
        app.get(&format!("/api/v1/crp/{}?expand=content", newer["id"].as_str().expect("id")), &tenant.key).await,
        StatusCode::OK,
    )
    .await;
    assert!(newer["data"]["content"]["currentEmissions"]["scope1"]["tco2e"].as_f64().is_some_and(|t| t > 0.0));
    assert_eq!(newer["data"]["content"]["organisation"]["registeredAddress"], json!("Somewhere else"));

    let store = carbonpass_store::Store::connect(
        &carbonpass_store::StoreConfig::new(app.db.url()),
        std::sync::Arc::new(carbonpass_http::WirePayloads),
    )
    .expect("connect");
    let events = store.outbox(&tenant.company.id).await.expect("outbox");
    let generated: Vec<&String> = events.iter().filter(|(t, _)| t == "crp.generated").map(|(_, d)| d).collect();
    assert_eq!(generated.len(), 2);
    // The seed's `data` and what a receiver needs to act without a second call.
    let year = |v: &Value| v.as_str().and_then(|y| y.parse::<i32>().ok()).expect("a year");
    let (fy, target) = (year(&plan["fyYear"]), year(&plan["targetYear"]));
    let data: Value = serde_json::from_str(generated[0]).expect("JSON");
    assert_eq!(data, json!({"id": id, "status": "draft", "fyYear": fy, "targetYear": target}));

    for (body, param) in [
        (json!({"fyYear": "26"}), "fyYear"),
        (json!({"fyYear": fy_year(), "targetYear": "2051"}), "targetYear"),
        (json!({"fyYear": fy_year(), "targetYear": fy_year()}), "targetYear"),
        (json!({"fyYear": "2099"}), "fyYear"),
        (json!({}), "fyYear"),
    ] {
        let res = post_json(&app, &tenant.key, "/api/v1/crp", &body.to_string()).await;
        let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(error["param"], json!(param), "{body}: {error}");
    }
}

async fn publishing_needs_every_section_and_supersedes_the_older_plan(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let draft = generate(&app, &tenant.key).await;
    let id = draft["id"].as_str().expect("id");
    let res = post_json(&app, &tenant.key, &format!("/api/v1/crp/{id}/publish"), "").await;
    let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "crp_incomplete").await;
    let missing: Vec<&str> =
        error["missingSections"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
    assert_eq!(missing.len(), 7, "{error}");
    for section in &missing {
        assert!(error["message"].as_str().is_some_and(|m| m.contains(section)), "the message names {section}");
    }
    assert!(error["failedChecks"].as_array().is_some_and(|c| c.contains(&json!("scope3_category_uncovered"))));

    confirmed(&app, &tenant, "electricity", "e", 1000).await;
    json_of(put(&app, &tenant.key, "/api/v1/crp-inputs", &complete_inputs()).await, StatusCode::OK).await;
    let oldest = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let first = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let second = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let publish = |id: String| {
        let app = &app;
        let key = tenant.key.clone();
        async move { post_json(app, &key, &format!("/api/v1/crp/{id}/publish"), "").await }
    };
    let published = json_of(publish(first.clone()).await, StatusCode::OK).await;
    assert_eq!(published["data"]["status"], json!("published"));
    let again = json_of(publish(first.clone()).await, StatusCode::OK).await;
    assert_eq!(again, published, "publishing twice changes nothing");
    json_of(publish(second.clone()).await, StatusCode::OK).await;
    let old = json_of(app.get(&format!("/api/v1/crp/{first}"), &tenant.key).await, StatusCode::OK).await;
    assert_eq!(old["data"]["status"], json!("superseded"));
    expect_error(publish(first.clone()).await, StatusCode::CONFLICT, "conflict").await;
    let refused = expect_error(publish(oldest.clone()).await, StatusCode::CONFLICT, "conflict").await;
    assert!(refused["message"].as_str().is_some_and(|m| m.contains(&second)), "names the published plan: {refused}");
    let store = carbonpass_store::Store::connect(
        &carbonpass_store::StoreConfig::new(app.db.url()),
        std::sync::Arc::new(carbonpass_http::WirePayloads),
    )
    .expect("connect");
    let events: Vec<String> =
        store.outbox(&tenant.company.id).await.expect("outbox").into_iter().map(|(t, _)| t).collect();
    assert_eq!(events.iter().filter(|t| *t == "crp.published").count(), 2, "{events:?}");
}

async fn plans_are_listed_newest_first_a_page_at_a_time(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/crp?limit=2&cursor={c}"),
            None => "/api/v1/crp?limit=2".to_owned(),
        };
        let page = json_of(app.get(&path, &tenant.key).await, StatusCode::OK).await;
        for plan in page["data"].as_array().expect("list") {
            assert!(plan.get("content").is_none());
            seen.push(plan["id"].as_str().expect("id").to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    expect_error(app.get("/api/v1/crp?limit=0", &tenant.key).await, StatusCode::BAD_REQUEST, "bad_request").await;
    expect_error(app.get("/api/v1/crp?cursor=crp_nope", &tenant.key).await, StatusCode::BAD_REQUEST, "bad_request")
        .await;
}

pub(crate) fn pdf_text(pdf: Vec<u8>) -> String {
    let text = catch_unwind(move || pdf_extract::extract_text_from_mem(&pdf)).expect("no panic").expect("text");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn the_pdf_is_a_real_document_of_the_plan(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme Widgets").await;
    let id = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let res = app.get(&format!("/api/v1/crp/{id}/pdf"), &tenant.key).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    let disposition = res.headers().get("content-disposition").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(disposition, Some(format!("attachment; filename=\"{id}.pdf\"")));
    let text = pdf_text(res.bytes().await.expect("body").to_vec());
    for expected in ["DRAFT", "Acme Widgets", "1 High Street, Leeds LS1 1AA", "Ada Lovelace", "LED lighting"] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert!(!text.contains(id.as_str()), "no internal id in a buyer's document: {text}");
    assert!(text.contains("will be at https://carbonpass.test/company/acme-widgets"), "{text}");
    json_of(post_json(&app, &tenant.key, &format!("/api/v1/crp/{id}/publish"), "").await, StatusCode::OK).await;
    let published =
        pdf_text(app.get(&format!("/api/v1/crp/{id}/pdf"), &tenant.key).await.bytes().await.expect("body").to_vec());
    assert!(!published.contains("DRAFT"), "{published}");
    let head = app.request(Method::HEAD, &format!("/api/v1/crp/{id}/pdf"), Some(&tenant.key)).await;
    assert_eq!(head.status(), StatusCode::OK);
}

async fn another_company_or_the_sandbox_never_sees_a_plan(app: TestApp) {
    let ours = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let theirs = app.tenant("Rival", Plan::Business, KeyMode::Live).await;
    let sandbox = app.issue(&ours.email, &ours.company, KeyMode::Test).await;
    json_of(put(&app, &ours.key, "/api/v1/crp-inputs", &complete_inputs()).await, StatusCode::OK).await;
    let id = generate(&app, &ours.key).await["id"].as_str().expect("id").to_owned();
    for key in [&theirs.key, &sandbox] {
        for path in [format!("/api/v1/crp/{id}"), format!("/api/v1/crp/{id}/pdf")] {
            expect_error(app.get(&path, key).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let res = post_json(&app, key, &format!("/api/v1/crp/{id}/publish"), "").await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let list = json_of(app.get("/api/v1/crp", key).await, StatusCode::OK).await;
        assert_eq!(list["data"], json!([]));
        let inputs = json_of(app.get("/api/v1/crp-inputs", key).await, StatusCode::OK).await;
        assert_eq!(inputs["data"]["updatedAt"], Value::Null, "their inputs are their own");
        let res = app.get(&format!("/api/v1/crp?cursor={id}"), key).await;
        expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    }
    for bad in
        ["crp_", "bill_abc", "crp_%2E%2E", "crp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    {
        expect_error(app.get(&format!("/api/v1/crp/{bad}"), &ours.key).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn racing_publications_leave_one_published_plan(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    let mut ids = Vec::new();
    for _ in 0..PARALLEL {
        ids.push(generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned());
    }
    // Every draft at once, then one draft many times at once.
    let results = join_all(ids.iter().map(|id| {
        let (app, key) = (&app, &tenant.key);
        async move { post_json(app, key, &format!("/api/v1/crp/{id}/publish"), "").await.status() }
    }))
    .await;
    assert!(results.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{results:?}");
    let newest = ids.last().expect("one").clone();
    let same = join_all((0..PARALLEL).map(|_| {
        let (app, key, id) = (&app, &tenant.key, &newest);
        async move { post_json(app, key, &format!("/api/v1/crp/{id}/publish"), "").await.status() }
    }))
    .await;
    assert!(same.iter().all(|s| *s == StatusCode::OK), "{same:?}");
    let list = json_of(app.get("/api/v1/crp?limit=100", &tenant.key).await, StatusCode::OK).await;
    let published: Vec<&str> = list["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|p| p["status"] == json!("published"))
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(published, [newest.as_str()]);
    let store = carbonpass_store::Store::connect(
        &carbonpass_store::StoreConfig::new(app.db.url()),
        std::sync::Arc::new(carbonpass_http::WirePayloads),
    )
    .expect("connect");
    let events = store.outbox(&tenant.company.id).await.expect("outbox");
    let publications = events.iter().filter(|(t, _)| t == "crp.published").count();
    assert_eq!(results.last(), Some(&StatusCode::OK), "the newest draft is never refused");
    let succeeded = results.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(publications, succeeded, "one event per publication, none for the repeats");
}

async fn racing_first_saves_of_the_inputs_all_succeed(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let results = join_all((0..PARALLEL).map(|i| {
        let (app, key) = (&app, &tenant.key);
        async move {
            let mut body = complete_inputs();
            body["organisation"]["registeredAddress"] = json!(format!("{i} High Street"));
            put(app, key, "/api/v1/crp-inputs", &body).await.status()
        }
    }))
    .await;
    assert!(results.iter().all(|s| *s == StatusCode::OK), "{results:?}");
    let read = json_of(app.get("/api/v1/crp-inputs", &tenant.key).await, StatusCode::OK).await;
    assert!(read["data"]["organisation"]["registeredAddress"].as_str().is_some_and(|a| a.ends_with("High Street")));
}

/// `not_applicable` is a figure (0, with its reason); `not_quantified` (the default) keeps a plan
/// from being published; bills and activities of a category give its figure whatever is stated.
async fn scope3_statements_say_whether_a_category_happens(app: TestApp) {
    let tenant = ready_tenant(&app, "Statements Ltd").await;
    let mut inputs = complete_inputs();
    inputs["scope3Statements"][3] = json!({"category": 7, "reason": "Commuting survey planned."});
    let saved = json_of(put(&app, &tenant.key, "/api/v1/crp-inputs", &inputs).await, StatusCode::OK).await;
    let statements = &saved["data"]["scope3Statements"];
    assert_eq!(statements[0]["status"], "not_applicable");
    assert_eq!(statements[3]["status"], "not_quantified", "the default: {statements}");

    let plan = generate(&app, &tenant.key).await;
    let id = plan["id"].as_str().expect("id");
    let content =
        json_of(app.get(&format!("/api/v1/crp/{id}?expand=content"), &tenant.key).await, StatusCode::OK).await;
    let content = &content["data"]["content"];
    let category = |n: u64| {
        content["scope3Categories"]
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["category"] == n)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!((category(4)["tco2e"].clone(), category(4)["status"].clone()), (json!(0.0), json!("not_applicable")));
    assert_eq!((category(7)["tco2e"].clone(), category(7)["status"].clone()), (Value::Null, json!("not_quantified")));
    let checks: Vec<&str> =
        content["failedChecks"].as_array().expect("checks").iter().filter_map(|c| c["check"].as_str()).collect();
    assert_eq!(checks, ["scope3_category_not_quantified"], "{content}");
    let refused = post_json(&app, &tenant.key, &format!("/api/v1/crp/{id}/publish"), "").await;
    let body = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "crp_incomplete").await;
    assert!(body["message"].as_str().is_some_and(|m| m.contains("category 7")), "{body}");

    // Commuting recorded for the period: its figure wins over the statement, and the plan passes.
    let period = last_period();
    let commute = json!({"activityType": "commuting.rail.national_rail", "quantity": "20000", "unit": "passenger_km",
        "periodStart": period.start().to_string(), "periodEnd": period.end().to_string()});
    json_of(post_json(&app, &tenant.key, "/api/v1/activities", &commute.to_string()).await, StatusCode::CREATED).await;
    let plan = generate(&app, &tenant.key).await;
    let id = plan["id"].as_str().expect("id");
    let content =
        json_of(app.get(&format!("/api/v1/crp/{id}?expand=content"), &tenant.key).await, StatusCode::OK).await;
    let seven = content["data"]["content"]["scope3Categories"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["category"] == 7)
        .cloned();
    assert!(seven.as_ref().is_some_and(|c| c["tco2e"].as_f64().is_some_and(|t| t > 0.0)), "{seven:?}");
    assert_eq!(content["data"]["content"]["failedChecks"], json!([]));
    let published = post_json(&app, &tenant.key, &format!("/api/v1/crp/{id}/publish"), "").await;
    assert_eq!(json_of(published, StatusCode::OK).await["data"]["status"], "published");

    let mut bad = complete_inputs();
    bad["scope3Statements"][0]["status"] = json!("maybe");
    let error =
        expect_error(put(&app, &tenant.key, "/api/v1/crp-inputs", &bad).await, StatusCode::BAD_REQUEST, "bad_request")
            .await;
    assert_eq!(error["param"], "scope3Statements[0].status", "{error}");
}

async fn the_plan_names_its_sites_and_estimated_commuting(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme Widgets").await;
    let period = last_period();
    let estimate = json!({
        "headcount": 12, "workingDays": 220, "homeShare": "0.4", "oneWayKm": 15,
        "modes": [{"activityType": "commuting.cars_by_size.average_car.petrol", "share": "1"}],
        "periodStart": period.start().to_string(), "periodEnd": period.end().to_string(),
        "reference": "Staff survey"
    });
    let res = post_json(&app, &tenant.key, "/api/v1/activities/commuting-estimates", &estimate.to_string()).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap_or_default());
    let id = generate(&app, &tenant.key).await["id"].as_str().expect("id").to_owned();
    let text =
        pdf_text(app.get(&format!("/api/v1/crp/{id}/pdf"), &tenant.key).await.bytes().await.expect("pdf").to_vec());
    assert!(text.contains("(1 site: Birmingham Warehouse (Birmingham))"), "the boundary names its sites: {text}");
    assert!(text.contains("estimated from a commuting estimate"), "commuting from an estimate is named: {text}");
}
