//! `GET /api/v1/emissions` and sessions, against a fixture company whose expected totals are
//! worked out here by hand from the official factors (data/README.md).

use carbonpass_domain::model::{KeyMode, NewSite, Plan};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::support::{TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_year_of_bills_adds_up_to_the_hand_computed_totals,
    sessions_are_listed_completed_and_replaced,
    no_data_is_zero_and_bad_queries_are_refused,
);

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// kg → tCO2e as the API rounds it.
fn t(kg: Decimal) -> f64 {
    (kg / d("1000")).round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero).to_f64().expect("f64")
}

async fn bill(app: &TestApp, key: &str, site: &str, bill_type: &str, marker: usize, confirm: Value) {
    let pdf = format!("%PDF-1.4\n% fixture {marker}\n").into_bytes();
    let form = Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", bill_type.to_owned())
        .text("siteId", site.to_owned());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(key).multipart(form).send().await.expect("upload");
    let body: Value = res.json().await.expect("json");
    let id = body["data"]["id"].as_str().expect("bill id").to_owned();
    let url = app.url(&format!("/api/v1/bills/{id}/confirm"));
    let res = app.client.post(url).bearer_auth(key).json(&confirm).send().await.expect("confirm");
    assert_eq!(res.status(), StatusCode::OK, "{bill_type} {confirm}");
}

fn activity(consumption: &str, unit: &str, from: &str, to: &str) -> Value {
    json!({"consumption": consumption, "unit": unit, "periodStart": from, "periodEnd": to})
}

async fn emissions(app: &TestApp, key: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/emissions{query}"), key).await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    let body: Value = res.json().await.expect("json");
    body["data"].clone()
}

fn scopes(data: &Value) -> (f64, f64, f64, f64) {
    let f = |v: &Value| v.as_f64().expect("number");
    (f(&data["scope1"]["total"]), f(&data["scope2"]["total"]), f(&data["scope3"]["total"]), f(&data["totalTco2e"]))
}

async fn a_year_of_bills_adds_up_to_the_hand_computed_totals(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await; // 42 employees
    let a = tenant.site.id.to_string(); // Birmingham Warehouse, 28 employees
    let office = NewSite { name: "Office".into(), city: "Leeds".into(), employee_count: 14 };
    let b = app.services.tenants.add_site(&tenant.company.id, office).await.expect("site").id.to_string();
    let key = tenant.key.as_str();

    bill(&app, key, &a, "electricity", 1, activity("1000", "kWh", "2025-05-01", "2025-05-31")).await;
    // 31 days in 2024-25 (2024 set) and 30 in 2025-26 (2025 set): 3100 + 3000 kWh.
    bill(&app, key, &b, "electricity", 2, activity("6100", "kWh", "2025-03-01", "2025-04-30")).await;
    bill(&app, key, &b, "gas", 3, activity("5000", "kWh", "2025-06-01", "2025-06-30")).await;
    let mut gas_volume = activity("100", "m3", "2025-07-01", "2025-07-31");
    gas_volume["calorificValue"] = json!("39.5");
    bill(&app, key, &a, "gas", 4, gas_volume).await;
    bill(&app, key, &a, "water", 5, activity("200", "m3", "2025-08-01", "2025-10-31")).await;
    // Across the calendar year, inside one reporting period.
    bill(&app, key, &b, "heating_oil", 6, activity("500", "litres", "2025-12-01", "2026-01-31")).await;
    bill(&app, key, &a, "diesel", 7, activity("100", "litres", "2025-03-20", "2025-03-31")).await;
    bill(&app, key, &b, "petrol", 8, activity("50", "litres", "2025-09-01", "2025-09-30")).await;
    bill(&app, key, &b, "gas_oil", 9, activity("80", "litres", "2025-10-01", "2025-10-31")).await;
    bill(&app, key, &b, "lpg", 10, activity("40", "litres", "2025-11-01", "2025-11-30")).await;
    // 17 days in 2025-26 and 14 in 2026-27 (no 2026 set is shipped: the newest, 2025, is used).
    bill(&app, key, &a, "electricity", 11, activity("3100", "kWh", "2026-03-15", "2026-04-14")).await;

    // Worked out by hand, kg CO2e.
    let elec_2025 = d("0.01853") + d("0.04590") + d("0.00397");
    let elec_2024 = d("0.01830") + d("0.04590") + d("0.00397");
    let gas_kwh = d("100") * d("1.02264") * d("39.5") / d("3.6");
    let s1_gas = d("5000") * d("0.18296") + gas_kwh * d("0.18296");
    let s1_2526 =
        s1_gas + d("500") * d("2.54016") + d("50") * d("2.06916") + d("80") * d("2.75541") + d("40") * d("1.55713");
    let s2_2526 = (d("1000") + d("3000") + d("1700")) * d("0.17700");
    let s3_elec = (d("1000") + d("3000") + d("1700")) * elec_2025;
    let s3_gas = d("5000") * d("0.03021") + gas_kwh * d("0.03021");
    let s3_water = d("200") * d("0.19130") + d("190") * d("0.17088");
    let s3_fuels = d("500") * d("0.53078") + d("50") * d("0.58094") + d("80") * d("0.62665") + d("40") * d("0.18551");
    let s3_2526 = s3_elec + s3_gas + s3_water + s3_fuels;

    let year = emissions(&app, key, "?period=2025-26").await;
    assert_eq!(
        fields(&year),
        ["activities", "perEmployee", "reportingPeriod", "scope1", "scope2", "scope3", "sessions", "totalTco2e"]
    );
    assert_eq!(year["activities"], json!([]), "no activities recorded");
    assert_eq!(year["reportingPeriod"], "2025-26");
    assert_eq!(scopes(&year), (t(s1_2526), t(s2_2526), t(s3_2526), t(s1_2526 + s2_2526 + s3_2526)));
    assert_eq!(year["scope2"]["breakdown"], json!({"electricity": t(s2_2526)}));
    assert_eq!(year["scope1"]["breakdown"]["gas"], t(s1_gas));
    assert_eq!(year["scope3"]["breakdown"]["water"], t(s3_water));
    // Scope 3 by GHG Protocol category: water supply in 1, treatment in 5, WTT and losses in 3.
    assert_eq!(
        year["scope3"]["categories"],
        json!([
            {"category": 1, "name": "Purchased goods and services", "tco2e": t(d("200") * d("0.19130"))},
            {"category": 3, "name": "Fuel- and energy-related activities", "tco2e": t(s3_elec + s3_gas + s3_fuels)},
            {"category": 5, "name": "Waste generated in operations", "tco2e": t(d("190") * d("0.17088"))},
        ])
    );
    assert_eq!(fields(&year["scope1"]), ["breakdown", "total"], "categories are scope 3's alone");
    let per_employee = ((s1_2526 + s2_2526 + s3_2526) / d("1000") / d("42"))
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
        .to_f64();
    assert_eq!(year["perEmployee"].as_f64(), per_employee);
    let sessions = year["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2, "one session in progress per site contributed");
    for session in sessions {
        assert_eq!(fields(session), ["createdAt", "id", "siteId", "siteName", "totalTco2e"]);
        assert_eq!(session["createdAt"].as_str().map(str::len), Some(10), "a date, as the seed shows");
    }

    // One site: its bills only, per its own employees.
    let site_a = emissions(&app, key, &format!("?period=2025-26&siteId={a}")).await;
    let s1_a = gas_kwh * d("0.18296");
    let s2_a = (d("1000") + d("1700")) * d("0.17700");
    let s3_a = (d("1000") + d("1700")) * elec_2025 + gas_kwh * d("0.03021") + s3_water;
    assert_eq!(scopes(&site_a), (t(s1_a), t(s2_a), t(s3_a), t(s1_a + s2_a + s3_a)));
    assert_eq!(site_a["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(site_a["sessions"][0]["siteName"], "Birmingham Warehouse");

    // The previous year, on the 2024 set.
    let previous = emissions(&app, key, "?period=2024-25").await;
    let (s1, s2, s3) =
        (d("100") * d("2.51279"), d("3100") * d("0.20705"), d("3100") * elec_2024 + d("100") * d("0.61101"));
    assert_eq!(scopes(&previous), (t(s1), t(s2), t(s3), t(s1 + s2 + s3)));
    assert_eq!(previous["scope2"]["breakdown"], json!({"electricity": t(s2)}));

    // By default: the latest period with confirmed data (the 14 April days of 2026-27).
    let latest = emissions(&app, key, "").await;
    assert_eq!(latest["reportingPeriod"], "2026-27");
    assert_eq!(
        scopes(&latest),
        (0.0, t(d("1400") * d("0.17700")), t(d("1400") * elec_2025), t(d("1400") * (d("0.17700") + elec_2025)))
    );
    assert_eq!(latest["scope1"]["breakdown"], Value::Null, "null when the scope has no data");
    assert_eq!(
        latest["scope3"]["categories"],
        json!([{"category": 3, "name": "Fuel- and energy-related activities", "tco2e": t(d("1400") * elec_2025)}])
    );
    let company: Value = app.get("/api/v1/company", key).await.json().await.expect("json");
    assert_eq!(company["data"]["currentEmissions"]["reportingPeriod"], "2026-27");
    assert_eq!(company["data"]["currentEmissions"]["totalTco2e"], latest["totalTco2e"]);
}

async fn sessions_are_listed_completed_and_replaced(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    bill(&app, &tenant.key, &site, "electricity", 1, activity("1000", "kWh", "2025-05-01", "2025-05-31")).await;
    let listed: Value = app.get("/api/v1/sessions", &tenant.key).await.json().await.expect("json");
    let first = listed["data"][0].clone();
    assert_eq!(
        fields(&first),
        ["completedAt", "createdAt", "id", "reportingPeriod", "siteId", "siteName", "status", "totalTco2e"]
    );
    assert_eq!((first["status"].as_str(), first["totalTco2e"].as_f64()), (Some("in_progress"), Some(0.245)));
    let id = first["id"].as_str().expect("id").to_owned();

    let complete = |key: String, id: String| {
        let url = app.url(&format!("/api/v1/sessions/{id}/complete"));
        let client = app.client.clone();
        async move { client.post(url).bearer_auth(key).send().await.expect("request") }
    };
    expect_error(complete(other.key.clone(), id.clone()).await, StatusCode::NOT_FOUND, "not_found").await;
    let done = complete(tenant.key.clone(), id.clone()).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.expect("json");
    assert_eq!(done["data"]["status"], "completed");
    assert!(done["data"]["completedAt"].is_string());
    expect_error(complete(tenant.key.clone(), id.clone()).await, StatusCode::CONFLICT, "conflict").await;

    // The site's next upload opens a new session.
    bill(&app, &tenant.key, &site, "gas", 2, activity("10", "kWh", "2025-06-01", "2025-06-30")).await;
    let listed: Value = app.get("/api/v1/sessions", &tenant.key).await.json().await.expect("json");
    let statuses: Vec<&str> =
        listed["data"].as_array().expect("list").iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(statuses, ["in_progress", "completed"], "newest first");
    assert_ne!(listed["data"][0]["id"], json!(id));
    let others: Value = app.get("/api/v1/sessions", &other.key).await.json().await.expect("json");
    assert_eq!(others["data"].as_array().map(Vec::len), Some(0), "another company's sessions never appear");
}

async fn no_data_is_zero_and_bad_queries_are_refused(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let empty = emissions(&app, &tenant.key, "").await;
    assert_eq!(scopes(&empty), (0.0, 0.0, 0.0, 0.0));
    assert_eq!(empty["scope1"]["breakdown"], Value::Null);
    assert_eq!(empty["sessions"], json!([]));
    let today = chrono::Utc::now().date_naive();
    let start_year = if chrono::Datelike::month(&today) >= 4 {
        chrono::Datelike::year(&today)
    } else {
        chrono::Datelike::year(&today) - 1
    };
    assert_eq!(empty["reportingPeriod"], format!("{start_year}-{:02}", (start_year + 1) % 100), "the current period");
    for (query, status, code) in [
        ("?period=2025".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?period=2025-27".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?period=last".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?colour=blue".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        (format!("?siteId={}", other.site.id), StatusCode::NOT_FOUND, "not_found"),
        ("?siteId=site_nothere0000".to_owned(), StatusCode::NOT_FOUND, "not_found"),
    ] {
        let res = app.request(Method::GET, &format!("/api/v1/emissions{query}"), Some(&tenant.key)).await;
        expect_error(res, status, code).await;
    }
}
