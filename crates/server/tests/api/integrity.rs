//! Issue 7's guarantees, through HTTP on both backends: exact figures, the largest bills, dates,
//! corrections (reject, void) and what they leave behind.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::support::{Tenant, TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    shares_do_not_depend_on_the_decimals_typed,
    amounts_are_read_exactly_from_the_json_text,
    bills_at_the_limit_add_up_in_every_report,
    billing_dates_and_factor_sets,
    every_reported_period_can_be_asked_for_again,
    a_rejected_bill_never_counts_and_its_file_comes_back,
    a_voided_bill_leaves_every_total_and_stays_readable,
    free_text_and_dates_must_be_plain_and_exact,
);

pub(crate) async fn upload(app: &TestApp, tenant: &Tenant, site: &str, bill_type: &str, marker: &str) -> Value {
    let pdf = format!("%PDF-1.4\n% {marker}\n%%EOF\n").into_bytes();
    let form = Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", bill_type.to_owned())
        .text("siteId", site.to_owned());
    app.client
        .post(app.url("/api/v1/bills"))
        .bearer_auth(&tenant.key)
        .multipart(form)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

pub(crate) async fn uploaded(app: &TestApp, tenant: &Tenant, bill_type: &str, marker: &str) -> String {
    let body = upload(app, tenant, tenant.site.id.as_str(), bill_type, marker).await;
    body["data"]["id"].as_str().unwrap_or_else(|| panic!("uploaded: {body}")).to_owned()
}

pub(crate) async fn post_json(app: &TestApp, key: &str, path: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
}

async fn confirm(app: &TestApp, key: &str, bill: &str, body: Value) -> reqwest::Response {
    post_json(app, key, &format!("/api/v1/bills/{bill}/confirm"), &body.to_string()).await
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn d(value: &Value) -> Decimal {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse().unwrap_or_else(|_| panic!("not a decimal: {value}"))
}

fn tonnes(micrograms: i128) -> Decimal {
    Decimal::from_i128_with_scale(micrograms, 12).round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
}

async fn shares_do_not_depend_on_the_decimals_typed(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let mut shares = Vec::new();
    for (marker, consumption) in [("plain", "1000"), ("zeros", "\"1000.000\"")] {
        let bill = uploaded(&app, &tenant, "diesel", marker).await;
        let body = format!(
            r#"{{"consumption": {consumption}, "unit": "litres", "periodStart": "2024-03-01", "periodEnd": "2024-04-30", "allowOverlap": true}}"#
        );
        let confirmed =
            ok_json(post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), &body).await).await;
        let parts = &confirmed["data"]["confirmation"]["calculation"]["parts"];
        shares.push((parts[0]["quantity"].clone(), parts[1]["quantity"].clone()));
    }
    assert_eq!(shares[0], shares[1], "the same bill, however it was typed");
    assert_eq!(shares[0].0, "508.196721311475", "1000 l × 31/61 days in 2023-24");
    assert_eq!(shares[0].1, "491.803278688525");
}

async fn amounts_are_read_exactly_from_the_json_text(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "electricity", "exact").await;
    let body = r#"{"consumption": 1234.567890123456789012, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"}"#;
    let confirmed = ok_json(post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), body).await).await;
    let confirmation = &confirmed["data"]["confirmation"];
    assert_eq!(confirmation["consumption"], "1234.567890123456789012", "kept to the last digit");
    assert_eq!(confirmation["calculation"]["parts"][0]["quantity"], "1234.567890123456789012");
    let line = &confirmation["calculation"]["parts"][0]["lines"][0];
    assert_eq!(d(&line["kgCo2e"]), "1234.567890123456789012".parse::<Decimal>().expect("d") * d(&line["factor"]));

    let other = uploaded(&app, &tenant, "electricity", "too-many-digits").await;
    let body = r#"{"consumption": 1234.567890123456789012345678901, "unit": "kWh", "periodStart": "2025-06-01", "periodEnd": "2025-06-30"}"#;
    let res = post_json(&app, &tenant.key, &format!("/api/v1/bills/{other}/confirm"), body).await;
    let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["param"], "consumption");
}

/// Bills at the largest accepted quantity, over two sites and seven years: every report answers,
/// and its figures are the sums of the bills' own records.
async fn bills_at_the_limit_add_up_in_every_report(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let second = app
        .services
        .tenants
        .add_site(
            &tenant.company.id,
            carbonpass_domain::model::NewSite { name: "Depot".into(), city: "Leeds".into(), employee_count: 3 },
        )
        .await
        .expect("site");
    // Over the limit: 400 naming the field.
    let over = uploaded(&app, &tenant, "electricity", "over").await;
    let body = json!({"consumption": "1000000000.000001", "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    let error =
        expect_error(confirm(&app, &tenant.key, &over, body).await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["param"], "consumption");

    let mut per_period: std::collections::BTreeMap<String, i128> = std::collections::BTreeMap::new();
    let mut n = 0;
    for year in 2019..=2025 {
        for (site, bill_type, body) in [
            (tenant.site.id.as_str(), "electricity", json!({"consumption": 1_000_000_000, "unit": "kWh"})),
            (
                second.id.as_str(),
                "gas",
                json!({"consumption": 100_000_000, "unit": "m3", "calorificValue": 100, "volumeCorrectionFactor": 2}),
            ),
            (second.id.as_str(), "diesel", json!({"consumption": "100000000", "unit": "litres"})),
        ] {
            n += 1;
            let uploaded = upload(&app, &tenant, site, bill_type, &format!("max-{n}")).await;
            let bill = uploaded["data"]["id"].as_str().expect("id").to_owned();
            let mut body = body;
            body["periodStart"] = json!(format!("{year}-06-01"));
            body["periodEnd"] = json!(format!("{}-05-31", year + 1));
            let confirmed = ok_json(confirm(&app, &tenant.key, &bill, body).await).await;
            for part in confirmed["data"]["confirmation"]["calculation"]["parts"].as_array().expect("parts") {
                for scope in 1..=3 {
                    let kg: Decimal = part["lines"]
                        .as_array()
                        .expect("lines")
                        .iter()
                        .filter(|l| l["scope"] == scope)
                        .map(|l| d(&l["kgCo2e"]))
                        .sum();
                    let ug = (kg * Decimal::from(1_000_000_000))
                        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                    *per_period.entry(part["period"].as_str().expect("p").to_owned()).or_default() +=
                        i128::try_from(ug).expect("fits");
                }
            }
        }
    }
    for (period, ug) in &per_period {
        let report = ok_json(app.get(&format!("/api/v1/emissions?period={period}"), &tenant.key).await).await;
        assert_eq!(d(&report["data"]["totalTco2e"]), tonnes(*ug), "{period}");
        let total: Decimal = ["scope1", "scope2", "scope3"].iter().map(|s| d(&report["data"][s]["total"])).sum();
        assert!(
            (total - tonnes(*ug)).abs() <= Decimal::new(2, 3),
            "{period}: rounded parts within rounding of the total"
        );
        let site =
            ok_json(app.get(&format!("/api/v1/emissions?period={period}&siteId={}", second.id), &tenant.key).await)
                .await;
        assert!(d(&site["data"]["totalTco2e"]) > Decimal::ZERO, "{period}");
    }
    let company = ok_json(app.get("/api/v1/company", &tenant.key).await).await;
    let latest = per_period.keys().next_back().expect("periods");
    assert_eq!(company["data"]["currentEmissions"]["reportingPeriod"], latest.as_str());
    assert_eq!(d(&company["data"]["currentEmissions"]["totalTco2e"]), tonnes(per_period[latest]));
    let sessions = ok_json(app.get("/api/v1/sessions", &tenant.key).await).await;
    let session_total: Decimal =
        sessions["data"].as_array().expect("sessions").iter().map(|s| d(&s["totalTco2e"])).sum();
    let all: i128 = per_period.values().sum();
    assert!((session_total - tonnes(all)).abs() <= Decimal::new(2, 3), "{session_total} vs {}", tonnes(all));
    assert!(all > i128::from(i64::MAX), "more micrograms than a 64-bit sum holds: {}", tonnes(all));
}

async fn billing_dates_and_factor_sets(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let body = |from: &str, to: &str| json!({"consumption": 10, "unit": "kWh", "periodStart": from, "periodEnd": to});
    let one_day = uploaded(&app, &tenant, "electricity", "one-day").await;
    let confirmed = ok_json(confirm(&app, &tenant.key, &one_day, body("2025-05-01", "2025-05-01")).await).await;
    assert_eq!(confirmed["data"]["confirmation"]["calculation"]["totalDays"], 1);

    for (marker, from, to, field) in
        [("early", "1999-12-01", "2000-01-31", "periodStart"), ("ahead", "2027-12-01", "2027-12-31", "periodEnd")]
    {
        let bill = uploaded(&app, &tenant, "electricity", marker).await;
        let error = expect_error(
            confirm(&app, &tenant.key, &bill, body(from, to)).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert_eq!(error["param"], field, "{marker}");
    }
    let old = uploaded(&app, &tenant, "electricity", "2018").await;
    let res = confirm(&app, &tenant.key, &old, body("2018-06-01", "2018-06-30")).await;
    let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "factor_set_unavailable").await;
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("2018-19") && message.contains("2019") && message.contains("2025"), "{message}");
    let still = ok_json(app.get(&format!("/api/v1/bills/{old}"), &tenant.key).await).await;
    assert_eq!(still["data"]["status"], "uploaded");

    let baseline = uploaded(&app, &tenant, "electricity", "2019").await;
    let c = ok_json(confirm(&app, &tenant.key, &baseline, body("2019-06-01", "2019-06-30")).await).await;
    let set = &c["data"]["confirmation"]["calculation"]["parts"][0]["factorSet"];
    assert_eq!(
        (set["year"].as_i64(), set["fallback"].as_bool(), set["idsDerived"].as_bool()),
        (Some(2019), Some(false), Some(true))
    );
    assert!(set["gwpBasis"].as_str().is_some_and(|g| g.contains("AR4")), "{set}");

    // A bill straddling 1 April 2019: its 2019-20 share counts, its 2018-19 share is left out and
    // said (March: 31 of 61 days), and the 2019-20 report holds exactly the share counted.
    let straddling = uploaded(&app, &tenant, "electricity", "straddling").await;
    let mut straddle_body = body("2019-03-01", "2019-04-30");
    straddle_body["consumption"] = json!("6100");
    let c = ok_json(confirm(&app, &tenant.key, &straddling, straddle_body).await).await;
    let calculation = &c["data"]["confirmation"]["calculation"];
    assert_eq!(calculation["parts"].as_array().map(Vec::len), Some(1), "{calculation}");
    assert_eq!(calculation["parts"][0]["period"], "2019-20");
    let quantity = |v: &Value| v.as_str().and_then(|q| q.parse::<Decimal>().ok());
    assert_eq!(quantity(&calculation["parts"][0]["quantity"]), Some(Decimal::from(3000)));
    let left = &calculation["leftOut"][0];
    assert_eq!((left["period"].as_str(), left["days"].as_u64()), (Some("2018-19"), Some(31)));
    assert_eq!(quantity(&left["quantity"]), Some(Decimal::from(3100)));
    assert!(left["reason"].as_str().is_some_and(|r| r.contains("no figure")), "{left}");
    // 3000 kWh at 2019's 0.25560 and the 10 kWh of June at the same: 769.356 kg of scope 2.
    let report = ok_json(app.get("/api/v1/emissions?period=2019-20", &tenant.key).await).await;
    assert_eq!(report["data"]["scope2"]["total"], json!(0.769), "{report}");

    let future = uploaded(&app, &tenant, "electricity", "2027").await;
    let c = ok_json(confirm(&app, &tenant.key, &future, body("2027-05-01", "2027-05-31")).await).await;
    let set = &c["data"]["confirmation"]["calculation"]["parts"][0]["factorSet"];
    assert_eq!((set["year"].as_i64(), set["fallback"].as_bool()), (Some(2025), Some(true)));
}

async fn every_reported_period_can_be_asked_for_again(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for (marker, from, to) in
        [("a", "2019-04-01", "2019-04-30"), ("b", "2020-03-15", "2020-04-14"), ("c", "2027-06-01", "2027-06-30")]
    {
        let bill = uploaded(&app, &tenant, "water", marker).await;
        let body = json!({"consumption": 5, "unit": "m3", "periodStart": from, "periodEnd": to});
        ok_json(confirm(&app, &tenant.key, &bill, body).await).await;
        let record = ok_json(app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await).await;
        for part in record["data"]["confirmation"]["calculation"]["parts"].as_array().expect("parts") {
            let period = part["period"].as_str().expect("period");
            let report = ok_json(app.get(&format!("/api/v1/emissions?period={period}"), &tenant.key).await).await;
            assert_eq!(report["data"]["reportingPeriod"], period);
            assert!(d(&report["data"]["totalTco2e"]) > Decimal::ZERO, "{period}");
        }
    }
    let latest = ok_json(app.get("/api/v1/emissions", &tenant.key).await).await;
    let period = latest["data"]["reportingPeriod"].as_str().expect("period").to_owned();
    assert_eq!(period, "2027-28");
    ok_json(app.get(&format!("/api/v1/emissions?period={period}"), &tenant.key).await).await;
}

async fn a_rejected_bill_never_counts_and_its_file_comes_back(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "gas", "wrong").await;
    let path = format!("/api/v1/bills/{bill}/reject");
    let error =
        expect_error(post_json(&app, &tenant.key, &path, "{}").await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["param"], "reason");
    expect_error(
        post_json(&app, &tenant.key, &path, r#"{"reason": "  "}"#).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let other = app.tenant("Other", Plan::Business, KeyMode::Live).await;
    expect_error(post_json(&app, &other.key, &path, r#"{"reason": "x"}"#).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    let void = format!("/api/v1/bills/{bill}/void");
    expect_error(post_json(&app, &tenant.key, &void, r#"{"reason": "x"}"#).await, StatusCode::CONFLICT, "conflict")
        .await;

    let rejected = ok_json(post_json(&app, &tenant.key, &path, r#"{"reason": "a water bill, not gas"}"#).await).await;
    assert_eq!(rejected["data"]["status"], "rejected");
    assert_eq!(rejected["data"]["correction"]["action"], "rejected");
    assert_eq!(rejected["data"]["correction"]["reason"], "a water bill, not gas");
    expect_error(post_json(&app, &tenant.key, &path, r#"{"reason": "again"}"#).await, StatusCode::CONFLICT, "conflict")
        .await;
    let confirm_it = json!({"consumption": 1, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    expect_error(confirm(&app, &tenant.key, &bill, confirm_it).await, StatusCode::CONFLICT, "conflict").await;
    let listed = ok_json(app.get("/api/v1/bills?status=rejected", &tenant.key).await).await;
    assert_eq!(listed["data"][0]["id"], bill.as_str());

    // The same file, as the right type this time.
    let again = upload(&app, &tenant, tenant.site.id.as_str(), "water", "wrong").await;
    assert!(again["data"]["id"].as_str().is_some_and(|id| id != bill), "{again}");
    let events: Vec<String> = outbox(&app, &tenant).await;
    assert!(events.contains(&"bill.rejected".to_owned()), "{events:?}");
}

async fn outbox(app: &TestApp, tenant: &Tenant) -> Vec<String> {
    let store = carbonpass_store::Store::connect(
        &carbonpass_store::StoreConfig::new(app.db.url()),
        std::sync::Arc::new(carbonpass_http::WirePayloads),
    )
    .expect("connect");
    store.outbox(&tenant.company.id).await.expect("outbox").into_iter().map(|(t, _)| t).collect()
}

async fn a_voided_bill_leaves_every_total_and_stays_readable(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let keep = uploaded(&app, &tenant, "electricity", "keep").await;
    let mistake = uploaded(&app, &tenant, "electricity", "mistake").await;
    let may = json!({"consumption": 1000, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    let june = json!({"consumption": 5000, "unit": "kWh", "periodStart": "2025-06-01", "periodEnd": "2025-06-30"});
    ok_json(confirm(&app, &tenant.key, &keep, may.clone()).await).await;
    ok_json(confirm(&app, &tenant.key, &mistake, june).await).await;
    let before = ok_json(app.get("/api/v1/emissions?period=2025-26", &tenant.key).await).await;
    assert_eq!(before["data"]["totalTco2e"], json!(1.472), "(1000 + 5000) kWh × 0.2454 kg");

    let path = format!("/api/v1/bills/{mistake}/void");
    let voided =
        ok_json(post_json(&app, &tenant.key, &path, r#"{"reason": "duplicate of the June invoice"}"#).await).await;
    assert_eq!(voided["data"]["status"], "voided");
    assert_eq!(voided["data"]["correction"]["reason"], "duplicate of the June invoice");
    assert_eq!(voided["data"]["confirmation"]["calculation"]["totalTco2e"], json!(1.227), "the record stays");
    expect_error(post_json(&app, &tenant.key, &path, r#"{"reason": "again"}"#).await, StatusCode::CONFLICT, "conflict")
        .await;

    let after = ok_json(app.get("/api/v1/emissions?period=2025-26", &tenant.key).await).await;
    assert_eq!(after["data"]["totalTco2e"], json!(0.245));
    assert_eq!(after["data"]["scope2"]["breakdown"]["electricity"], json!(0.177));
    let company = ok_json(app.get("/api/v1/company", &tenant.key).await).await;
    assert_eq!(company["data"]["currentEmissions"]["totalTco2e"], json!(0.245));
    let sessions = ok_json(app.get("/api/v1/sessions", &tenant.key).await).await;
    assert_eq!(sessions["data"][0]["totalTco2e"], json!(0.245));
    let read = ok_json(app.get(&format!("/api/v1/bills/{mistake}"), &tenant.key).await).await;
    assert_eq!(read["data"]["status"], "voided");
    // Its period is free again: a corrected bill for June confirms without allowOverlap.
    let fixed = uploaded(&app, &tenant, "electricity", "june-fixed").await;
    let june = json!({"consumption": 500, "unit": "kWh", "periodStart": "2025-06-01", "periodEnd": "2025-06-30"});
    ok_json(confirm(&app, &tenant.key, &fixed, june).await).await;
    // Voiding the only bill of a period removes the period's data entirely.
    for bill in [&keep, &fixed] {
        ok_json(post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/void"), r#"{"reason": "test"}"#).await)
            .await;
    }
    let company = ok_json(app.get("/api/v1/company", &tenant.key).await).await;
    assert_eq!(company["data"]["currentEmissions"], Value::Null);
    let events = outbox(&app, &tenant).await;
    assert_eq!(events.iter().filter(|e| *e == "bill.voided").count(), 3, "{events:?}");
}

async fn free_text_and_dates_must_be_plain_and_exact(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "electricity", "text").await;
    let base = json!({"consumption": 1, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    let with = |field: &str, value: &str| {
        let mut body = base.clone();
        body[field] = json!(value);
        body
    };
    for (field, value) in [
        ("supplier", "Octopus\u{0}Energy"),
        ("supplier", "\u{1b}]0;owned\u{7}"),
        ("periodStart", "2025-5-1"),
        ("periodEnd", "+2025-05-31"),
    ] {
        let res = confirm(&app, &tenant.key, &bill, with(field, value)).await;
        let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(error["param"], field, "{value:?}");
    }
    let res = post_json(&app, &tenant.key, "/api/v1/keys", &json!({"name": "ci\u{0}"}).to_string()).await;
    assert_eq!(expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await["param"], "name");
    let path = format!("/api/v1/bills/{bill}/reject");
    for reason in ["\u{200b}", "\u{202e}reversed", "two\nlines"] {
        let res = post_json(&app, &tenant.key, &path, &json!({"reason": reason}).to_string()).await;
        assert_eq!(expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await["param"], "reason", "{reason:?}");
    }
    let res = post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), r#"{"consumption": [1]}"#).await;
    let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(!error["message"].as_str().unwrap_or_default().contains("ConfirmIn"), "{error}");
    let res = post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/confirm"), "[1]").await;
    let error = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(!error["message"].as_str().unwrap_or_default().contains("struct"), "{error}");
    // A body must be a JSON object, not an array of the fields in order.
    for (path, body) in [
        (format!("/api/v1/bills/{bill}/reject"), r#"["wrong site"]"#),
        (
            format!("/api/v1/bills/{bill}/confirm"),
            r#"[5, "kWh", "2025-05-01", "2025-05-01", null, null, null, null, null, true]"#,
        ),
        ("/api/v1/keys".to_owned(), r#"["array key"]"#),
    ] {
        expect_error(post_json(&app, &tenant.key, &path, body).await, StatusCode::BAD_REQUEST, "bad_request").await;
    }
    let error =
        expect_error(app.get("/api/v1/bills?limit=-1", &tenant.key).await, StatusCode::BAD_REQUEST, "bad_request")
            .await;
    assert!(!error["message"].as_str().unwrap_or_default().contains("Query deserialize"), "{error}");
    let still = ok_json(app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await).await;
    assert_eq!(still["data"]["status"], "uploaded");
}
