//! `POST /api/v1/bills/{id}/confirm` and `GET /api/v1/bills/{id}`: calculation with the official
//! factors, double-counting checks, bad bodies naming their field, and tenant isolation.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Tenant, TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_confirmed_bill_carries_its_calculation,
    double_counting_is_refused_unless_allowed,
    bad_confirmations_name_the_field_and_change_nothing,
    bills_of_another_company_are_out_of_reach,
);

async fn uploaded(app: &TestApp, tenant: &Tenant, bill_type: &str, marker: &str) -> String {
    let pdf = format!("%PDF-1.4\n% {marker}\n%%EOF\n").into_bytes();
    let form = Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", bill_type.to_owned())
        .text("siteId", tenant.site.id.to_string());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(&tenant.key).multipart(form).send().await;
    let body: Value = res.expect("request").json().await.expect("json");
    body["data"]["id"].as_str().expect("bill id").to_owned()
}

async fn confirm(app: &TestApp, key: &str, bill: &str, body: Value) -> reqwest::Response {
    let url = app.url(&format!("/api/v1/bills/{bill}/confirm"));
    app.client.post(url).bearer_auth(key).json(&body).send().await.expect("request")
}

fn may_2025(consumption: Value) -> Value {
    json!({"consumption": consumption, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"})
}

async fn a_confirmed_bill_carries_its_calculation(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "electricity", "may").await;
    let company: Value = app.get("/api/v1/company", &tenant.key).await.json().await.expect("json");
    assert_eq!(company["data"]["currentEmissions"], Value::Null, "null until a bill is confirmed");
    let before: Value = app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await.json().await.expect("json");
    assert_eq!(before["data"]["status"], "uploaded");
    assert_eq!(before["data"]["confirmation"], Value::Null);
    assert_eq!(before["data"]["file"]["contentType"], "application/pdf");

    let mut body = may_2025(json!(1000));
    body["meterPoint"] = json!("12 0002 3305 967");
    body["supplier"] = json!("Octopus Energy");
    let res = confirm(&app, &tenant.key, &bill, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let confirmed: Value = res.json().await.expect("json");
    let data = &confirmed["data"];
    assert_eq!(data["status"], "confirmed");
    let confirmation = &data["confirmation"];
    assert_eq!(confirmation["meterPoint"], "1200023305967");
    assert_eq!(confirmation["periodStart"], "2025-05-01");
    // 2025 set: 1000 kWh × 0.17700 = 177.0 kg (scope 2); × (0.01853 + 0.04590 + 0.00397) = 68.4 kg.
    let calculation = &confirmation["calculation"];
    assert_eq!(calculation["scope1"], 0.0);
    assert_eq!(calculation["scope2"], 0.177);
    assert_eq!(calculation["scope3"], 0.068);
    assert_eq!(calculation["totalTco2e"], 0.245);
    let part = &calculation["parts"][0];
    assert_eq!(
        (part["period"].as_str(), part["factorSetYear"].as_i64(), part["days"].as_i64()),
        (Some("2025-26"), Some(2025), Some(31))
    );
    assert_eq!(part["lines"][0]["factorId"], "7_400_4000_5_1");
    assert_eq!(part["lines"][0]["factor"], "0.17700");
    assert_eq!(part["lines"][0]["kgCo2e"], "177.00000");

    let after: Value = app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await.json().await.expect("json");
    assert_eq!(after["data"]["confirmation"], confirmed["data"]["confirmation"], "stored as returned");

    let again = confirm(&app, &tenant.key, &bill, may_2025(json!(1000))).await;
    expect_error(again, StatusCode::CONFLICT, "conflict").await;

    // The company's currentEmissions now shows the period, in the seed's shape.
    let company: Value = app.get("/api/v1/company", &tenant.key).await.json().await.expect("json");
    let current = &company["data"]["currentEmissions"];
    assert_eq!(fields(current), ["reportingPeriod", "scope1", "scope2", "scope3", "totalTco2e"]);
    assert_eq!(current["reportingPeriod"], "2025-26");
    assert_eq!(
        (current["scope1"].as_f64(), current["scope2"].as_f64(), current["scope3"].as_f64()),
        (Some(0.0), Some(0.177), Some(0.068))
    );
    assert_eq!(current["totalTco2e"], 0.245);
}

async fn double_counting_is_refused_unless_allowed(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let first = uploaded(&app, &tenant, "electricity", "first").await;
    assert_eq!(confirm(&app, &tenant.key, &first, may_2025(json!("500.5"))).await.status(), StatusCode::OK);

    let second = uploaded(&app, &tenant, "electricity", "second").await;
    let overlapping = json!({"consumption": 10, "unit": "kWh", "periodStart": "2025-05-31", "periodEnd": "2025-06-30"});
    let body = expect_error(
        confirm(&app, &tenant.key, &second, overlapping.clone()).await,
        StatusCode::CONFLICT,
        "overlapping_bill",
    )
    .await;
    assert!(body["message"].as_str().is_some_and(|m| m.contains(&first)), "names the bill: {body}");

    // The next month does not overlap; another type of supply never does.
    let june = json!({"consumption": 10, "unit": "kWh", "periodStart": "2025-06-01", "periodEnd": "2025-06-30"});
    let gas = uploaded(&app, &tenant, "gas", "gas").await;
    assert_eq!(confirm(&app, &tenant.key, &gas, may_2025(json!(10))).await.status(), StatusCode::OK);
    let mut allowed = overlapping;
    allowed["allowOverlap"] = json!(true);
    let res = confirm(&app, &tenant.key, &second, allowed).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["data"]["confirmation"]["allowOverlap"], true, "recorded");
    let third = uploaded(&app, &tenant, "electricity", "third").await;
    assert_eq!(
        confirm(&app, &tenant.key, &third, june).await.status(),
        StatusCode::CONFLICT,
        "June overlaps the allowed one"
    );
}

async fn bad_confirmations_name_the_field_and_change_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "electricity", "bad").await;
    let gas = uploaded(&app, &tenant, "gas", "gas").await;
    let base = may_2025(json!(100));
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases = [
        (bill.clone(), with("consumption", json!(0)), "consumption"),
        (bill.clone(), with("consumption", json!("lots")), "consumption"),
        (bill.clone(), with("unit", json!("litres")), "unit"),
        (bill.clone(), with("unit", json!("furlongs")), "unit"),
        (bill.clone(), with("unit", json!("kwh")), "unit"),
        (bill.clone(), with("periodStart", json!("01/05/2025")), "periodStart"),
        (bill.clone(), with("periodEnd", json!("2025-04-30")), "periodEnd"),
        (bill.clone(), with("periodEnd", json!("2026-12-31")), "periodEnd"),
        (bill.clone(), with("meterPoint", json!("1200023305968")), "meterPoint"),
        (gas.clone(), with("unit", json!("m3")), "calorificValue"),
        // As strings, amounts are digits with an optional point: nothing else a parser might take.
        (bill.clone(), with("consumption", json!("+12")), "consumption"),
        (bill.clone(), with("consumption", json!(" 12 ")), "consumption"),
        (bill.clone(), with("consumption", json!("1e3")), "consumption"),
        (bill.clone(), with("consumption", json!(".5")), "consumption"),
        (bill.clone(), with("consumption", json!("5.")), "consumption"),
    ];
    for (id, body, field) in cases {
        let res =
            expect_error(confirm(&app, &tenant.key, &id, body).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(res["param"], field, "{res}");
    }
    for (body, field) in [
        (json!({"unit": "kWh"}), "consumption"),
        (
            json!({"consumption": 1, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31", "extra": 1}),
            "extra",
        ),
    ] {
        let res =
            expect_error(confirm(&app, &tenant.key, &bill, body).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(res["param"], field, "the field missing, or not expected: {res}");
    }
    let still: Value = app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await.json().await.expect("json");
    assert_eq!(still["data"]["status"], "uploaded", "nothing was half-written");
    // Gas by volume with its calorific value is fine.
    let mut body = with("unit", json!("m3"));
    body["calorificValue"] = json!(39.5);
    assert_eq!(confirm(&app, &tenant.key, &gas, body).await.status(), StatusCode::OK);
}

async fn bills_of_another_company_are_out_of_reach(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let bill = uploaded(&app, &tenant, "electricity", "mine").await;
    let sandbox = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    for key in [&other.key, &sandbox] {
        let res = app.request(Method::GET, &format!("/api/v1/bills/{bill}"), Some(key)).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(confirm(&app, key, &bill, may_2025(json!(1))).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    let res = app.request(Method::GET, "/api/v1/bills/not-a-bill", Some(&tenant.key)).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let still: Value = app.get(&format!("/api/v1/bills/{bill}"), &tenant.key).await.json().await.expect("json");
    assert_eq!(still["data"]["status"], "uploaded");
}
