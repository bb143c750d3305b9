//! Market-based scope 2: electricity bills and heat records bought under a contractual
//! instrument (a supplier-specific factor, or a REGO-backed tariff) are also reported at its
//! factor, beside the location-based figure and never instead of it; figures worked out by hand
//! from the 2025 set (which also serves later periods).

use carbonpass_domain::model::{KeyMode, NewSite, Plan};
use futures_util::future::join_all;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::crp::{complete_inputs, generate, last_period, pdf_text};
use crate::support::{TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    market_based_scope2_stands_beside_location_based,
    an_instrument_that_does_not_fit_is_refused_and_writes_nothing,
    parallel_instrumented_records_all_count_exactly,
    the_plan_states_both_figures,
);

/// The 2025 set's grid electricity (scope 2) and district heat factors, kg CO2e per kWh.
const GRID: &str = "0.17700";
const HEAT: &str = "0.17529";

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// kg → tCO2e as the API rounds it.
fn t(kg: Decimal) -> f64 {
    (kg / d("1000")).round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero).to_f64().expect("f64")
}

/// The plan's period (the last that has ended), as text: its label and its first day + `days`.
fn period_day(days: u64) -> String {
    last_period().start().checked_add_days(chrono::Days::new(days)).expect("date").to_string()
}

async fn upload(app: &TestApp, key: &str, site: &str, bill_type: &str, marker: &str) -> String {
    let pdf = format!("%PDF-1.4\n% market {marker}\n").into_bytes();
    let form = Form::new()
        .part("file", Part::bytes(pdf).file_name("bill.pdf"))
        .text("type", bill_type.to_owned())
        .text("siteId", site.to_owned());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(key).multipart(form).send().await.expect("upload");
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    body["data"]["id"].as_str().expect("bill id").to_owned()
}

/// A month of `kwh` from the period's `day`th day, with `instrument` when given.
fn confirmation(kwh: &str, day: u64, instrument: Option<Value>) -> Value {
    let mut body = json!({
        "consumption": kwh, "unit": "kWh", "periodStart": period_day(day), "periodEnd": period_day(day + 29),
        "allowOverlap": true,
    });
    if let Some(instrument) = instrument {
        body["marketInstrument"] = instrument;
    }
    body
}

async fn confirm(app: &TestApp, key: &str, bill: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/bills/{bill}/confirm")))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("confirm")
}

async fn ok(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body["data"].clone()
}

fn heat(kwh: &str, site: Option<&str>, instrument: Option<Value>) -> Value {
    let mut body = json!({
        "activityType": "heat.district_heat_and_steam", "quantity": kwh, "unit": "kWh",
        "periodStart": period_day(60), "periodEnd": period_day(89),
    });
    if let Some(site) = site {
        body["siteId"] = json!(site);
    }
    if let Some(instrument) = instrument {
        body["marketInstrument"] = instrument;
    }
    body
}

async fn record(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.client.post(app.url("/api/v1/activities")).bearer_auth(key).json(body).send().await.expect("record")
}

async fn void(app: &TestApp, key: &str, path: &str) {
    let res = app
        .client
        .post(app.url(&format!("{path}/void")))
        .bearer_auth(key)
        .json(&json!({"reason": "Entered twice."}))
        .send()
        .await
        .expect("void");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
}

async fn scope2(app: &TestApp, key: &str, query: &str) -> (Value, Value) {
    let label = last_period().label();
    let res = app.get(&format!("/api/v1/emissions?period={label}{query}"), key).await;
    let data = ok(res, StatusCode::OK).await;
    (data["scope2"].clone(), data["totalTco2e"].clone())
}

fn supplier(factor: &str) -> Value {
    json!({"type": "supplier_specific", "kgCo2ePerKwh": factor, "source": "Supplier fuel mix disclosure 2024-25"})
}

fn rego() -> Value {
    json!({"type": "rego", "source": "100% renewable tariff backed by REGOs"})
}

async fn market_based_scope2_stands_beside_location_based(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (a, key) = (tenant.site.id.to_string(), tenant.key.as_str());
    let office = NewSite { name: "Office".into(), city: "Leeds".into(), employee_count: 14 };
    let b = app.services.tenants.add_site(&tenant.company.id, office).await.expect("site").id.to_string();

    let specific = upload(&app, key, &a, "electricity", "specific").await;
    let body =
        ok(confirm(&app, key, &specific, &confirmation("1000", 0, Some(supplier("0.120")))).await, StatusCode::OK)
            .await;
    let confirmation_out = &body["confirmation"];
    assert_eq!(
        confirmation_out["marketInstrument"],
        json!({"type": "supplier_specific", "kgCo2ePerKwh": "0.12", "source": "Supplier fuel mix disclosure 2024-25"})
    );
    let calculation = &confirmation_out["calculation"];
    assert_eq!(calculation["scope2"], json!(t(d("1000") * d(GRID))), "scope 2 stays location-based");
    assert_eq!(calculation["scope2MarketBased"], json!(t(d("120"))));
    let market_line = &calculation["parts"][0]["marketBased"][0];
    assert_eq!(market_line["factorId"], "supplier_specific");
    assert_eq!((market_line["activity"].as_str(), market_line["factor"].as_str()), (Some("1000"), Some("0.12")));
    assert_eq!(market_line["kgCo2e"].as_str().map(d), Some(d("120")));

    let green = upload(&app, key, &b, "electricity", "rego").await;
    ok(confirm(&app, key, &green, &confirmation("2000", 30, Some(rego()))).await, StatusCode::OK).await;
    let plain = upload(&app, key, &b, "electricity", "plain").await;
    let body = ok(confirm(&app, key, &plain, &confirmation("500", 90, None)).await, StatusCode::OK).await;
    assert_eq!(body["confirmation"]["marketInstrument"], Value::Null);
    assert_eq!(body["confirmation"]["calculation"]["scope2MarketBased"], json!(t(d("500") * d(GRID))));
    assert_eq!(body["confirmation"]["calculation"]["parts"][0]["marketBased"], json!([]));
    let heat_record =
        ok(record(&app, key, &heat("4000", Some(&a), Some(supplier("0.05")))).await, StatusCode::CREATED).await;
    assert_eq!(heat_record["marketInstrument"]["type"], "supplier_specific");
    let heat_id = heat_record["id"].as_str().expect("id").to_owned();

    let location = d("3500") * d(GRID) + d("4000") * d(HEAT);
    let (s2, total) = scope2(&app, key, "").await;
    assert_eq!(fields(&s2), ["breakdown", "locationBased", "marketBased", "marketBasedMethod", "total"]);
    assert_eq!(s2["total"], json!(t(location)), "the seed's figure is location-based");
    assert_eq!(s2["locationBased"], s2["total"]);
    let market = d("120") + d("0") + d("500") * d(GRID) + d("200");
    assert_eq!(s2["marketBased"], json!(t(market)));
    let method = &s2["marketBasedMethod"];
    assert_eq!(method["supplierSpecificTco2e"], json!(t(d("320"))));
    assert_eq!(method["regoTco2e"], json!(0.0));
    assert_eq!(method["gridAverageTco2e"], json!(t(d("500") * d(GRID))));
    assert!(method["note"].as_str().is_some_and(|n| n.contains("grid-average")), "{method}");
    // The total adds up the location-based figure: electricity's and heat's scope 3 (WTT, losses)
    // beside it.
    let scope3 = d("3500") * (d("0.01853") + d("0.04590") + d("0.00397"))
        + d("4000") * (d("0.03341") + d("0.00945") + d("0.00176"));
    assert_eq!(total, json!(t(location + scope3)), "the total is location-based");

    // One site: its records only.
    let (site_b, _) = scope2(&app, key, &format!("&siteId={b}")).await;
    assert_eq!(site_b["total"], json!(t(d("2500") * d(GRID))));
    assert_eq!(site_b["marketBased"], json!(t(d("500") * d(GRID))));
    assert_eq!(site_b["marketBasedMethod"]["supplierSpecificTco2e"], json!(0.0));

    // Another company sees none of it.
    let other = app.tenant("Other", Plan::Business, KeyMode::Live).await;
    let (theirs, _) = scope2(&app, &other.key, "").await;
    assert_eq!((theirs["total"].as_f64(), theirs["marketBased"].as_f64()), (Some(0.0), Some(0.0)));
    assert!(theirs["marketBasedMethod"]["note"].as_str().is_some_and(|n| n.contains("No record")), "{theirs}");

    // Voiding takes a record's market-based part out with its location-based one.
    void(&app, key, &format!("/api/v1/bills/{specific}")).await;
    void(&app, key, &format!("/api/v1/activities/{heat_id}")).await;
    let (s2, _) = scope2(&app, key, "").await;
    assert_eq!(s2["total"], json!(t(d("2500") * d(GRID))));
    assert_eq!(s2["marketBased"], json!(t(d("500") * d(GRID))));
    assert_eq!(s2["marketBasedMethod"]["supplierSpecificTco2e"], json!(0.0));
    // The voided bill keeps its instrument and calculation to read.
    let voided = ok(app.get(&format!("/api/v1/bills/{specific}"), key).await, StatusCode::OK).await;
    assert_eq!(voided["confirmation"]["marketInstrument"]["kgCo2ePerKwh"], "0.12");
}

async fn an_instrument_that_does_not_fit_is_refused_and_writes_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (site, key) = (tenant.site.id.to_string(), tenant.key.as_str());
    let electricity = upload(&app, key, &site, "electricity", "e").await;
    let gas = upload(&app, key, &site, "gas", "g").await;
    let cases = [
        (&gas, supplier("0.1"), "marketInstrument"),
        (&electricity, json!({"type": "green", "source": "s"}), "marketInstrument.type"),
        (&electricity, json!({"type": "rego", "kgCo2ePerKwh": "0", "source": "s"}), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, json!({"type": "supplier_specific", "source": "s"}), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, supplier("2.5"), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, supplier("-0.1"), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, supplier("0.12345678901"), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, supplier("abc"), "marketInstrument.kgCo2ePerKwh"),
        (&electricity, json!({"type": "rego"}), "marketInstrument.source"),
        (&electricity, json!({"type": "rego", "source": "\u{202E}"}), "marketInstrument.source"),
        (&electricity, json!({"type": "rego", "source": "x".repeat(501)}), "marketInstrument.source"),
        (&electricity, json!({"type": "rego", "source": "s", "colour": "green"}), "colour"),
        (&electricity, json!(["supplier_specific", "0.5", "a list"]), "marketInstrument"),
        (&electricity, json!("rego"), "marketInstrument"),
        (&electricity, json!({"type": "rego", "source": "s", "kgCo2ePerKwh": null}), "marketInstrument.kgCo2ePerKwh"),
        (
            &electricity,
            json!({"type": "supplier_specific", "source": "s", "kgCo2ePerKwh": null}),
            "marketInstrument.kgCo2ePerKwh",
        ),
        (&electricity, json!({"type": " rego ", "source": "s"}), "marketInstrument.type"),
        (&electricity, supplier("-0"), "marketInstrument.kgCo2ePerKwh"),
    ];
    for (bill, instrument, field) in cases {
        let res = confirm(&app, key, bill, &confirmation("1000", 0, Some(instrument.clone()))).await;
        let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(
            body["param"] == field || body["message"].as_str().is_some_and(|m| m.contains(field)),
            "{instrument}: {body}"
        );
    }
    let heat_cases = [
        (heat("1000", None, Some(rego())), "marketInstrument.type"),
        (
            json!({"activityType": "vehicle.cars_by_size.average_car.diesel", "quantity": "100", "unit": "km",
                   "periodStart": period_day(0), "periodEnd": period_day(0), "marketInstrument": supplier("0.1")}),
            "marketInstrument",
        ),
    ];
    for (body, field) in heat_cases {
        let refused = expect_error(record(&app, key, &body).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(refused["param"], field, "{refused}");
    }
    // Nothing was written: both bills are still uploaded, and the period holds nothing.
    for bill in [&electricity, &gas] {
        let read = ok(app.get(&format!("/api/v1/bills/{bill}"), key).await, StatusCode::OK).await;
        assert_eq!(read["status"], "uploaded");
    }
    let (s2, total) = scope2(&app, key, "").await;
    assert_eq!((s2["marketBased"].as_f64(), total.as_f64()), (Some(0.0), Some(0.0)));
    // And the same bill then confirms with a fitting instrument.
    ok(confirm(&app, key, &electricity, &confirmation("1000", 0, Some(rego()))).await, StatusCode::OK).await;
    let (s2, _) = scope2(&app, key, "").await;
    assert_eq!(s2["total"], json!(t(d("1000") * d(GRID))));
    assert_eq!(s2["marketBased"], json!(0.0));
    assert!(s2["marketBasedMethod"]["note"].as_str().is_some_and(|n| n.contains("Every record")), "{s2}");
}

/// Twelve confirmations and twelve heat records at once, each with an instrument: every one
/// counts once, both ways.
async fn parallel_instrumented_records_all_count_exactly(app: TestApp) {
    const PARALLEL: usize = 12;
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (site, key) = (tenant.site.id.to_string(), tenant.key.clone());
    let mut bills = Vec::new();
    for i in 0..PARALLEL {
        bills.push(upload(&app, &key, &site, "electricity", &format!("race {i}")).await);
    }
    let confirmations = bills.iter().map(|bill| {
        let (app, key) = (&app, key.as_str());
        async move { confirm(app, key, bill, &confirmation("100", 0, Some(supplier("0.1")))).await.status() }
    });
    let records = (0..PARALLEL).map(|_| {
        let (app, key) = (&app, key.as_str());
        async move { record(app, key, &heat("100", None, Some(supplier("0.02")))).await.status() }
    });
    let (confirmed, recorded) = tokio::join!(join_all(confirmations), join_all(records));
    assert!(confirmed.iter().all(|s| *s == StatusCode::OK), "{confirmed:?}");
    assert!(recorded.iter().all(|s| *s == StatusCode::CREATED), "{recorded:?}");
    let n = Decimal::from(PARALLEL);
    let (s2, _) = scope2(&app, &key, "").await;
    assert_eq!(s2["total"], json!(t(n * (d("100") * d(GRID) + d("100") * d(HEAT)))));
    assert_eq!(s2["marketBased"], json!(t(n * (d("10") + d("2")))));
    assert_eq!(s2["marketBasedMethod"]["gridAverageTco2e"], json!(0.0));
}

async fn the_plan_states_both_figures(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (site, key) = (tenant.site.id.to_string(), tenant.key.as_str());
    let bill = upload(&app, key, &site, "electricity", "plan").await;
    ok(confirm(&app, key, &bill, &confirmation("1000", 0, Some(supplier("0.1")))).await, StatusCode::OK).await;
    let plain = upload(&app, key, &site, "electricity", "plain").await;
    ok(confirm(&app, key, &plain, &confirmation("1000", 40, None)).await, StatusCode::OK).await;
    let res = app
        .client
        .put(app.url("/api/v1/crp-inputs"))
        .bearer_auth(key)
        .json(&complete_inputs())
        .send()
        .await
        .expect("inputs");
    assert_eq!(res.status(), StatusCode::OK);
    let plan = generate(&app, key).await;
    let id = plan["id"].as_str().expect("id").to_owned();
    let read = ok(app.get(&format!("/api/v1/crp/{id}?expand=content"), key).await, StatusCode::OK).await;
    let current = &read["content"]["currentEmissions"];
    assert_eq!(current["scope2"]["tco2e"], json!(t(d("2000") * d(GRID))), "location-based in the total");
    let market = &current["scope2MarketBased"];
    assert_eq!(market["tco2e"], json!(t(d("100") + d("1000") * d(GRID))));
    assert!(market["note"].as_str().is_some_and(|n| n.starts_with("1 of 2 records")), "{market}");
    let emissions: Value =
        ok(app.get(&format!("/api/v1/emissions?period={}", last_period().label()), key).await, StatusCode::OK).await;
    assert_eq!(market["tco2e"], emissions["scope2"]["marketBased"], "the plan and the report agree");
    // The PDF states both, the market-based figure outside the total.
    let res = app.get(&format!("/api/v1/crp/{id}/pdf"), key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = pdf_text(res.bytes().await.expect("bytes").to_vec());
    for expected in ["Scope 2 (location-based)", "Scope 2 (market-based)", "not in the total", "1 of 2 records"] {
        assert!(text.contains(expected), "{expected:?} is not in the PDF's text:\n{text}");
    }
}
