//! Activity records: recorded and calculated with the bills' engine, read, listed and voided,
//! counted in `/emissions` by family, refused field by field with nothing written, kept to
//! their tenant and data space, idempotent, and safe under racing voids on both backends.

use std::time::Duration;

use carbonpass_domain::model::{KeyMode, Plan};
use carbonpass_testkit::{Receiver, on_both_backends};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::integrity::post_json;
use crate::support::{Tenant, TestApp, expect_error, spawn};

on_both_backends!(spawn =>
    a_flight_is_recorded_calculated_counted_and_voided,
    bad_records_are_refused_by_field_and_write_nothing,
    a_type_the_periods_set_lacks_is_422_naming_it,
    records_stay_with_their_tenant_and_data_space,
    a_keyed_record_is_made_once_and_replayed,
    racing_voids_void_once_and_totals_stay_exact,
    listing_filters_by_category_site_and_period,
    activity_events_reach_subscribed_endpoints,
    a_plan_counts_activities_in_their_scopes_and_categories,
    a_csv_import_records_every_row_or_none,
    a_commuting_estimate_records_its_modes_and_homeworking_with_the_estimate,
    racing_estimates_record_once_per_key_and_add_up_exactly,
    a_full_size_import_is_recorded_in_one_request,
);

fn flight(extra: Value) -> Value {
    let mut body = json!({
        "activityType": "business_travel.air.long_haul.economy",
        "quantity": "10000",
        "unit": "passenger_km",
        "periodStart": "2025-05-01",
        "periodEnd": "2025-05-01",
        "reference": "Trip to Toronto"
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

async fn record(app: &TestApp, tenant: &Tenant, body: &Value) -> reqwest::Response {
    post_json(app, &tenant.key, "/api/v1/activities", &body.to_string()).await
}

async fn status_json(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

async fn emissions(app: &TestApp, tenant: &Tenant, period: &str) -> Value {
    status_json(app.get(&format!("/api/v1/emissions?period={period}"), &tenant.key).await, StatusCode::OK).await["data"]
        .clone()
}

async fn a_flight_is_recorded_calculated_counted_and_voided(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let res = record(&app, &tenant, &flight(json!({}))).await;
    let location = res.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let created = status_json(res, StatusCode::CREATED).await;
    let data = &created["data"];
    let id = data["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("act_"), "{id}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/activities/{id}").as_str()));
    assert_eq!(data["status"], "recorded");
    assert_eq!(data["family"], "business_travel.air");
    assert_eq!(data["radiativeForcing"], true, "with RF by default, stated in the record");
    let line = &data["calculation"]["parts"][0]["lines"][0];
    // 10,000 passenger-km × 0.11704 kg (2025, long-haul economy, with RF) = 1,170.4 kg.
    assert_eq!((line["factorId"].as_str(), line["kgCo2e"].as_str()), (Some("21_316_3170_11_1"), Some("1170.40000")));
    assert_eq!(data["calculation"]["parts"][0]["factorSet"]["year"], 2025);
    let wtt = &data["calculation"]["parts"][0]["lines"][1];
    assert_eq!((wtt["scope"].as_u64(), wtt["category"].as_u64()), (Some(3), Some(6)));
    let scope3 = data["calculation"]["scope3"].as_f64().expect("scope 3");

    let shown = status_json(app.get(&format!("/api/v1/activities/{id}"), &tenant.key).await, StatusCode::OK).await;
    assert_eq!(shown["data"], created["data"]);
    let year = emissions(&app, &tenant, "2025-26").await;
    assert_eq!(year["scope3"]["breakdown"]["business_travel.air"].as_f64(), Some(scope3), "{year}");
    assert_eq!(year["scope3"]["total"].as_f64(), Some(scope3));
    let latest = status_json(app.get("/api/v1/emissions", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(latest["data"]["reportingPeriod"], "2025-26", "a period with only activities is the latest with data");

    let void_path = format!("/api/v1/activities/{id}/void");
    let void = post_json(&app, &tenant.key, &void_path, r#"{"reason": "Trip cancelled"}"#);
    let voided = status_json(void.await, StatusCode::OK).await;
    assert_eq!(
        (voided["data"]["status"].as_str(), voided["data"]["voided"]["reason"].as_str()),
        (Some("voided"), Some("Trip cancelled"))
    );
    let after = emissions(&app, &tenant, "2025-26").await;
    assert_eq!(after["scope3"]["total"], json!(0.0));
    assert_eq!(after["scope3"]["breakdown"], Value::Null);
    let again = post_json(&app, &tenant.key, &format!("/api/v1/activities/{id}/void"), r#"{"reason": "twice"}"#).await;
    expect_error(again, StatusCode::CONFLICT, "conflict").await;
}

async fn bad_records_are_refused_by_field_and_write_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let cases = [
        (json!({"activityType": "business_travel.air.to_the_moon"}), "activityType"),
        (json!({"unit": "km"}), "unit"),
        (json!({"unit": "parsecs"}), "unit"),
        (json!({"quantity": "0"}), "quantity"),
        (json!({"quantity": "-5"}), "quantity"),
        (json!({"quantity": "1e400"}), "quantity"),
        (json!({"quantity": "1000000001"}), "quantity"),
        (json!({"periodEnd": "2025-04-30"}), "periodEnd"),
        (json!({"periodStart": "2025-13-01"}), "periodStart"),
        (json!({"periodEnd": "2027-12-31"}), "periodEnd"),
        (json!({"direction": "upstream"}), "direction"),
        (json!({"direction": "sideways"}), "direction"),
        (json!({"reference": "x".repeat(201)}), "reference"),
        (json!({"note": "\u{0007}bell"}), "note"),
        (json!({"colour": "green"}), "colour"),
    ];
    for (extra, param) in cases {
        let res = record(&app, &tenant, &flight(extra.clone())).await;
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        assert!(status == StatusCode::BAD_REQUEST, "{extra}: {status} {body}");
        assert_eq!(body["error"], "bad_request", "{extra}: {body}");
        assert!(
            body["param"] == param || body["message"].as_str().is_some_and(|m| m.contains(param)),
            "{extra}: {body}"
        );
    }
    let freight = json!({"activityType": "freight.hgv_all_diesel.all_rigids.average_laden", "unit": "tonne_km"});
    let body =
        expect_error(record(&app, &tenant, &flight(freight)).await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "direction", "freight needs a direction: {body}");
    let list = status_json(app.get("/api/v1/activities", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(list["data"], json!([]), "nothing half-written");
    let company = status_json(app.get("/api/v1/emissions?period=2025-26", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(company["data"]["totalTco2e"], json!(0.0));
}

async fn a_type_the_periods_set_lacks_is_422_naming_it(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let gas = json!({
        "activityType": "refrigerant.r410a", "quantity": "2.5", "unit": "kg",
        "periodStart": "2022-03-01", "periodEnd": "2022-06-30"
    });
    let body =
        expect_error(record(&app, &tenant, &gas).await, StatusCode::UNPROCESSABLE_ENTITY, "factor_set_unavailable")
            .await;
    assert_eq!(body["param"], "activityType");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("refrigerant.r410a") && message.contains("2021-22"), "{message}");
    let list = status_json(app.get("/api/v1/activities", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(list["data"], json!([]), "not even the 2022-23 part, whose set has the type, is kept");
    let mut later = gas.clone();
    later["periodStart"] = json!("2024-05-01");
    later["periodEnd"] = json!("2024-05-01");
    let made = status_json(record(&app, &tenant, &later).await, StatusCode::CREATED).await;
    // 2.5 kg of R410A × its 2024 GWP-weighted factor, all scope 1.
    assert_eq!(made["data"]["calculation"]["scope2"], json!(0.0));
    assert!(made["data"]["calculation"]["scope1"].as_f64().is_some_and(|t| t > 4.0), "{made}");
}

async fn records_stay_with_their_tenant_and_data_space(app: TestApp) {
    let a = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let b = app.tenant("Other", Plan::Business, KeyMode::Live).await;
    let made =
        status_json(record(&app, &a, &flight(json!({"siteId": a.site.id.as_str()}))).await, StatusCode::CREATED).await;
    let id = made["data"]["id"].as_str().expect("id");
    expect_error(app.get(&format!("/api/v1/activities/{id}"), &b.key).await, StatusCode::NOT_FOUND, "not_found").await;
    let void = post_json(&app, &b.key, &format!("/api/v1/activities/{id}/void"), r#"{"reason": "not mine"}"#).await;
    expect_error(void, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(status_json(app.get("/api/v1/activities", &b.key).await, StatusCode::OK).await["data"], json!([]));
    assert_eq!(emissions(&app, &b, "2025-26").await["totalTco2e"], json!(0.0));
    // Another tenant's site is not a site of this one.
    let theirs = record(&app, &b, &flight(json!({"siteId": a.site.id.as_str()}))).await;
    expect_error(theirs, StatusCode::NOT_FOUND, "not_found").await;
    // The same company's sandbox sees none of its live records.
    let test_key = app.issue(&a.email, &a.company, KeyMode::Test).await;
    assert_eq!(status_json(app.get("/api/v1/activities", &test_key).await, StatusCode::OK).await["data"], json!([]));
    expect_error(app.get(&format!("/api/v1/activities/{id}"), &test_key).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    // Still A's, untouched.
    let mine = status_json(app.get(&format!("/api/v1/activities/{id}"), &a.key).await, StatusCode::OK).await;
    assert_eq!(mine["data"]["status"], "recorded");
    assert_eq!(mine["data"]["siteId"], a.site.id.as_str());
    let site = status_json(
        app.get(&format!("/api/v1/emissions?period=2025-26&siteId={}", a.site.id.as_str()), &a.key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(site["data"]["scope3"]["total"], mine["data"]["calculation"]["scope3"], "counted for its site");
}

async fn a_keyed_record_is_made_once_and_replayed(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let send = |body: Value, key: &'static str| {
        let (http, url, bearer) = (app.client.clone(), app.url("/api/v1/activities"), tenant.key.clone());
        async move {
            http.post(url).bearer_auth(bearer).header("Idempotency-Key", key).json(&body).send().await.expect("request")
        }
    };
    let firsts = join_all((0..12).map(|_| send(flight(json!({})), "trip-42"))).await;
    let mut ids = Vec::new();
    for res in firsts {
        let status = res.status();
        let replayed = res.headers().contains_key("idempotent-replayed");
        let body: Value = res.json().await.expect("json");
        match status {
            StatusCode::CREATED => ids.push((body["data"]["id"].as_str().expect("id").to_owned(), replayed)),
            StatusCode::CONFLICT => assert_eq!(body["error"], "idempotency_key_in_progress", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    let first = ids.iter().find(|(_, replayed)| !replayed).map(|(id, _)| id.clone()).expect("one made it");
    assert!(ids.iter().all(|(id, _)| *id == first), "one key, one record: {ids:?}");
    let again = send(flight(json!({})), "trip-42").await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(status_json(again, StatusCode::CREATED).await["data"]["id"], first.as_str());
    let other = send(flight(json!({"quantity": "20000"})), "trip-42").await;
    expect_error(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    let list = status_json(app.get("/api/v1/activities", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    // A refusal under a key is kept and replayed too.
    let bad = send(flight(json!({"quantity": "0"})), "bad-1").await;
    expect_error(bad, StatusCode::BAD_REQUEST, "bad_request").await;
    let bad_again = send(flight(json!({"quantity": "0"})), "bad-1").await;
    assert_eq!(bad_again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
}

async fn racing_voids_void_once_and_totals_stay_exact(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let keep = status_json(record(&app, &tenant, &flight(json!({}))).await, StatusCode::CREATED).await;
    let gone =
        status_json(record(&app, &tenant, &flight(json!({"quantity": "5000"}))).await, StatusCode::CREATED).await;
    let id = gone["data"]["id"].as_str().expect("id").to_owned();
    let voids = join_all((0..12).map(|i| {
        let (http, url, key) =
            (app.client.clone(), app.url(&format!("/api/v1/activities/{id}/void")), tenant.key.clone());
        async move {
            let res = http.post(url).bearer_auth(key).json(&json!({"reason": format!("racer {i}")})).send().await;
            res.expect("request").status()
        }
    }))
    .await;
    assert_eq!(voids.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{voids:?}");
    assert!(voids.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{voids:?}");
    // Racing records of the same figures all count, each once.
    let one = flight(json!({"quantity": "1"}));
    let made = join_all((0..12).map(|_| record(&app, &tenant, &one))).await;
    assert!(made.iter().all(|r| r.status() == StatusCode::CREATED));
    let year = emissions(&app, &tenant, "2025-26").await;
    // The voided 5,000 left; 10,000 + 12 × 1 passenger-km remain, at 0.11704 (with RF) + 0.02461
    // (its WTT) kg each in 2025: 10,012 × 0.14165 = 1,418.2 kg.
    assert_eq!(keep["data"]["calculation"]["scope3"], json!(1.417), "{keep}");
    assert_eq!(year["scope3"]["breakdown"]["business_travel.air"], json!(1.418), "{year}");
}

async fn listing_filters_by_category_site_and_period(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let waste = json!({"activityType": "waste.glass.closed_loop", "quantity": "2", "unit": "tonnes",
        "periodStart": "2024-05-01", "periodEnd": "2024-05-31", "siteId": tenant.site.id.as_str()});
    status_json(record(&app, &tenant, &waste).await, StatusCode::CREATED).await;
    status_json(record(&app, &tenant, &flight(json!({}))).await, StatusCode::CREATED).await;
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|r| r["activityType"].as_str().expect("type").to_owned())
            .collect()
    };
    let get = |query: &str| {
        let path = format!("/api/v1/activities?{query}");
        let (http, url, key) = (app.client.clone(), app.url(&path), tenant.key.clone());
        async move { http.get(url).bearer_auth(key).send().await.expect("request") }
    };
    assert_eq!(ids(&status_json(get("category=5").await, StatusCode::OK).await), ["waste.glass.closed_loop"]);
    assert_eq!(
        ids(&status_json(get("category=6").await, StatusCode::OK).await),
        ["business_travel.air.long_haul.economy"]
    );
    assert_eq!(ids(&status_json(get("period=2024-25").await, StatusCode::OK).await), ["waste.glass.closed_loop"]);
    let site = format!("siteId={}", tenant.site.id.as_str());
    assert_eq!(ids(&status_json(get(&site).await, StatusCode::OK).await), ["waste.glass.closed_loop"]);
    let first = status_json(get("limit=1").await, StatusCode::OK).await;
    assert_eq!(ids(&first), ["business_travel.air.long_haul.economy"], "newest first");
    let cursor = first["nextCursor"].as_str().expect("a cursor");
    let second = status_json(get(&format!("limit=1&cursor={cursor}")).await, StatusCode::OK).await;
    assert_eq!((ids(&second), second["nextCursor"].clone()), (vec!["waste.glass.closed_loop".to_owned()], Value::Null));
    for (query, param) in [
        ("category=0", "category"),
        ("period=2025-99", "period"),
        ("cursor=act_nope", "cursor"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
    ] {
        let body = expect_error(get(query).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(
            body["param"] == param || body["message"].as_str().is_some_and(|m| m.contains(param)),
            "{query}: {body}"
        );
    }
}

async fn activity_events_reach_subscribed_endpoints(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let receiver = Receiver::start().await;
    let endpoint = json!({"url": receiver.url, "events": ["activity.recorded", "activity.voided"]}).to_string();
    status_json(post_json(&app, &tenant.key, "/api/v1/webhook-endpoints", &endpoint).await, StatusCode::CREATED).await;
    let made = status_json(record(&app, &tenant, &flight(json!({}))).await, StatusCode::CREATED).await;
    let id = made["data"]["id"].as_str().expect("id");
    post_json(&app, &tenant.key, &format!("/api/v1/activities/{id}/void"), r#"{"reason": "cancelled"}"#).await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    let events: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            (
                r.json()["event"].as_str().unwrap_or_default().to_owned(),
                r.json()["data"]["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(events.contains(&("activity.recorded".into(), "recorded".into())), "{events:?}");
    assert!(events.contains(&("activity.voided".into(), "voided".into())), "{events:?}");
    let recorded = got.iter().find(|r| r.json()["event"] == "activity.recorded").expect("recorded");
    assert_eq!(recorded.json()["data"]["activityType"], "business_travel.air.long_haul.economy");
    assert_eq!(recorded.json()["data"]["emissions"]["scope3"], made["data"]["calculation"]["scope3"]);
}

async fn a_plan_counts_activities_in_their_scopes_and_categories(app: TestApp) {
    let tenant = crate::crp::ready_tenant(&app, "Planner Ltd").await;
    let period = crate::crp::last_period();
    let day = period.start().checked_add_days(chrono::Days::new(40)).expect("date").to_string();
    let at = |extra: Value| {
        let mut body = extra;
        body["periodStart"] = json!(day);
        body["periodEnd"] = json!(day);
        body
    };
    let trip =
        at(json!({"activityType": "business_travel.rail.national_rail", "quantity": "1000", "unit": "passenger_km"}));
    let van =
        at(json!({"activityType": "vehicle.vans.average_up_to_3_5_tonnes.diesel", "quantity": "500", "unit": "km"}));
    let shipped = at(
        json!({"activityType": "freight.hgv_all_diesel.all_hgvs.average_laden", "quantity": "2000", "unit": "tonne_km", "direction": "upstream"}),
    );
    for body in [&trip, &van, &shipped] {
        status_json(record(&app, &tenant, body).await, StatusCode::CREATED).await;
    }
    let plan = crate::crp::generate(&app, &tenant.key).await;
    let id = plan["id"].as_str().expect("id");
    let read =
        status_json(app.get(&format!("/api/v1/crp/{id}?expand=content"), &tenant.key).await, StatusCode::OK).await;
    let content = &read["data"]["content"];
    let category = |n: u64| {
        content["scope3Categories"]
            .as_array()
            .expect("categories")
            .iter()
            .find(|c| c["category"] == n)
            .cloned()
            .unwrap_or_default()
    };
    assert!(category(6)["tco2e"].as_f64().is_some_and(|t| t > 0.0), "rail travel in category 6: {content}");
    assert!(category(4)["tco2e"].as_f64().is_some_and(|t| t > 0.0), "upstream freight in category 4: {content}");
    assert!(content["currentEmissions"]["scope1"]["tco2e"].as_f64().is_some_and(|t| t > 0.0), "the van in scope 1");
    let source = content["currentEmissions"]["source"].as_str().expect("source");
    assert!(source.contains("bills and activity records"), "{source}");

    // The plan's scope 3 figures are /emissions' categories: bills' and activities' together.
    let report = emissions(&app, &tenant, &period.label()).await;
    let reported = report["scope3"]["categories"].as_array().expect("categories").clone();
    let numbers: Vec<u64> = reported.iter().filter_map(|c| c["category"].as_u64()).collect();
    assert_eq!(numbers, [3, 4, 6], "{report}");
    for c in &reported {
        let n = c["category"].as_u64().expect("number");
        assert_eq!(category(n)["tco2e"], c["tco2e"], "category {n}");
    }
    let sum: rust_decimal::Decimal =
        reported.iter().map(|c| c["tco2e"].to_string().parse::<rust_decimal::Decimal>().expect("tco2e")).sum();
    let total: rust_decimal::Decimal = report["scope3"]["total"].to_string().parse().expect("total");
    assert!((sum - total).abs() <= rust_decimal::Decimal::new(2, 3), "categories {sum} against total {total}");
    // Activities recorded without a site, listed as such.
    assert_eq!(report["activities"].as_array().map(Vec::len), Some(1), "{report}");
    assert_eq!(report["activities"][0]["siteId"], Value::Null);
    assert!(report["activities"][0]["totalTco2e"].as_f64().is_some_and(|t| t > 0.0));
}

async fn import(app: &TestApp, tenant: &Tenant, csv: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/activities/import")).bearer_auth(&tenant.key);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.header("content-type", "text/csv").body(csv.to_owned()).send().await.expect("request")
}

async fn a_csv_import_records_every_row_or_none(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let template = app.get("/api/v1/activities/import-template", &tenant.key).await;
    assert_eq!(template.status(), StatusCode::OK);
    assert!(
        template.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/csv"))
    );
    let header = template.text().await.expect("text");
    assert!(header.starts_with("activityType,quantity,unit,periodStart,periodEnd,"), "{header}");

    // One bad row among good ones: nothing is written, and each bad row is named.
    let site = tenant.site.id.as_str();
    let bad = format!(
        "{header}business_travel.rail.national_rail,1200,passenger_km,2025-05-01,2025-05-31,{site},,,,\r\n\
         waste.glass.closed_loop,-2,tonnes,2025-05-01,2025-05-31,,,,,\r\n\
         freight.rail.freight_train,500,tonne_km,2025-05-01,2025-05-31,,,,,\r\n\
         vehicle.cars_by_size.average_car.diesel,100,parsecs,2025-05-01,2025-05-31,,,,,\r\n"
    );
    let refused = expect_error(import(&app, &tenant, &bad, None).await, StatusCode::BAD_REQUEST, "bad_request").await;
    let rows: Vec<(u64, String)> = refused["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["line"].as_u64().unwrap_or_default(), r["column"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(rows, [(3, "quantity".to_owned()), (4, "direction".to_owned()), (5, "unit".to_owned())], "{refused}");
    assert_eq!(status_json(app.get("/api/v1/activities", &tenant.key).await, StatusCode::OK).await["data"], json!([]));

    // 2,000 good rows, recorded in one request, in order, and counted.
    let mut good = header.clone();
    for i in 0..2_000 {
        good.push_str(&format!(
            "business_travel.rail.national_rail,{},passenger_km,2025-05-01,2025-05-31,{site},,,trip {i},\r\n",
            i + 1
        ));
    }
    let made = status_json(import(&app, &tenant, &good, Some("import-may")).await, StatusCode::CREATED).await;
    assert_eq!(made["data"]["recorded"], 2_000);
    let again = import(&app, &tenant, &good, Some("import-may")).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(status_json(again, StatusCode::CREATED).await, made);
    let listed = status_json(app.get("/api/v1/activities?limit=100", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(100));
    // 1 + 2 + … + 2,000 = 2,001,000 passenger-km at the 2025 national rail factor and its WTT.
    let year = emissions(&app, &tenant, "2025-26").await;
    assert!(year["scope3"]["breakdown"]["business_travel.land"].as_f64().is_some_and(|t| t > 70.0), "{year}");

    let wrong_type = app
        .client
        .post(app.url("/api/v1/activities/import"))
        .bearer_auth(&tenant.key)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("request");
    expect_error(wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let unknown = "activityType,quantity,unit,periodStart,periodEnd,colour\r\n";
    let body = expect_error(import(&app, &tenant, unknown, None).await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "file", "{body}");
}

fn commuting_estimate(extra: Value) -> Value {
    let mut body = json!({
        "headcount": 12,
        "workingDays": 220,
        "homeShare": "0.4",
        "oneWayKm": 15,
        "modes": [
            {"activityType": "commuting.cars_by_size.average_car.petrol", "share": "0.5"},
            {"activityType": "commuting.rail.national_rail", "share": 0.3},
            {"activityType": "commuting.bus.average_local_bus", "share": "0.2"}
        ],
        "periodStart": "2025-04-01",
        "periodEnd": "2026-03-31",
        "reference": "Staff survey 2025"
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

async fn a_commuting_estimate_records_its_modes_and_homeworking_with_the_estimate(app: TestApp) {
    let tenant = app.tenant("Commuters Ltd", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Elsewhere Ltd", Plan::Business, KeyMode::Live).await;
    let path = "/api/v1/activities/commuting-estimates";
    let count = |tenant: &Tenant| {
        let (app, key) = (&app, tenant.key.clone());
        async move {
            let page = status_json(app.get("/api/v1/activities?limit=100", &key).await, StatusCode::OK).await;
            page["data"].as_array().map(Vec::len).unwrap_or_default()
        }
    };

    // Refused whole, naming the field, and nothing recorded.
    let mut uneven = commuting_estimate(json!({}));
    uneven["modes"][0]["share"] = json!("0.4");
    let body = expect_error(
        post_json(&app, &tenant.key, path, &uneven.to_string()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(body["param"], "modes", "{body}");
    let mut flight = commuting_estimate(json!({}));
    flight["modes"][1]["activityType"] = json!("business_travel.air.domestic.average");
    let body = expect_error(
        post_json(&app, &tenant.key, path, &flight.to_string()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(body["param"], "modes[1].activityType", "{body}");
    let crammed = commuting_estimate(json!({"periodStart": "2025-04-01", "periodEnd": "2025-04-10"}));
    let body = expect_error(
        post_json(&app, &tenant.key, path, &crammed.to_string()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(body["param"], "workingDays", "220 working days in a 10-day period: {body}");
    let theirs = commuting_estimate(json!({"siteId": other.site.id.to_string()}));
    expect_error(post_json(&app, &tenant.key, path, &theirs.to_string()).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    // No homeworking row in the 2020 set: named, not left out silently.
    let early = commuting_estimate(json!({"periodStart": "2020-04-01", "periodEnd": "2021-03-31"}));
    let body = expect_error(
        post_json(&app, &tenant.key, path, &early.to_string()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "factor_set_unavailable",
    )
    .await;
    assert!(body["message"].as_str().is_some_and(|m| m.contains("homeworking")), "{body}");
    assert_eq!(count(&tenant).await, 0, "nothing recorded by a refusal");

    let estimate = commuting_estimate(json!({"siteId": tenant.site.id.to_string()}));
    let send = || async {
        let res = app
            .client
            .post(app.url(path))
            .bearer_auth(&tenant.key)
            .header("Idempotency-Key", "survey-2025")
            .json(&estimate)
            .send()
            .await
            .expect("send");
        let replayed = res.headers().get("Idempotent-Replayed").is_some();
        (status_json(res, StatusCode::CREATED).await["data"].clone(), replayed)
    };
    let (made, replayed) = send().await;
    assert!(!replayed);
    assert_eq!(made["recorded"], 4, "{made}");
    assert_eq!(made["estimate"]["homeShare"], "0.4");
    assert_eq!(made["estimate"]["hoursPerDay"], "7.5", "the default working day at home");
    let (again, replayed) = send().await;
    assert!(replayed, "a retry is the first answer again");
    assert_eq!(again, made);
    assert_eq!(count(&tenant).await, 4, "recorded once");
    assert_eq!(count(&other).await, 0);

    // 12 people × 132 office days (220 × 0.6) × 2 × 15 km = 47,520 km of journeys, by share; and
    // 12 × 88 days at home × 7.5 hours.
    let expected = [
        ("commuting.cars_by_size.average_car.petrol", "23760", "km"),
        ("commuting.rail.national_rail", "14256", "passenger_km"),
        ("commuting.bus.average_local_bus", "9504", "passenger_km"),
        ("commuting.homeworking.homeworking_office_equipment_heating", "7920", "fte_hours"),
    ];
    let mut kilograms = rust_decimal::Decimal::ZERO;
    for (made, (activity_type, quantity, unit)) in
        made["activities"].as_array().expect("activities").iter().zip(expected)
    {
        let id = made["id"].as_str().expect("id");
        let record = status_json(app.get(&format!("/api/v1/activities/{id}"), &tenant.key).await, StatusCode::OK).await
            ["data"]
            .clone();
        assert_eq!(
            (record["activityType"].as_str(), record["quantity"].as_str(), record["unit"].as_str()),
            (Some(activity_type), Some(quantity), Some(unit))
        );
        assert_eq!(record["estimate"]["headcount"], 12, "each record keeps the estimate");
        assert_eq!(
            record["estimate"]["modes"][1],
            json!({"activityType": "commuting.rail.national_rail", "share": "0.3"})
        );
        assert_eq!(record["siteId"], tenant.site.id.to_string());
        assert_eq!(record["reference"], "Staff survey 2025");
        for line in record["calculation"]["parts"]
            .as_array()
            .expect("parts")
            .iter()
            .flat_map(|p| p["lines"].as_array().cloned().unwrap_or_default())
        {
            assert_eq!(line["category"], 7, "commuting is category 7: {line}");
            kilograms += line["kgCo2e"].as_str().expect("kg").parse::<rust_decimal::Decimal>().expect("decimal");
        }
    }
    let other_records = status_json(
        app.get(&format!("/api/v1/activities/{}", made["activities"][0]["id"].as_str().expect("id")), &other.key).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(other_records["error"], "not_found");

    let report = emissions(&app, &tenant, "2025-26").await;
    let category7 = report["scope3"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == 7)
        .cloned()
        .expect("category 7");
    let tonnes = (kilograms / rust_decimal::Decimal::from(1000))
        .round_dp_with_strategy(3, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(category7["tco2e"].to_string().parse::<rust_decimal::Decimal>().expect("tco2e"), tonnes, "{report}");
    assert_eq!(category7["name"], "Employee commuting");
}

async fn racing_estimates_record_once_per_key_and_add_up_exactly(app: TestApp) {
    let tenant = app.tenant("Racers Ltd", Plan::Business, KeyMode::Live).await;
    let send = |key: Option<&'static str>| {
        let (http, url, bearer) =
            (app.client.clone(), app.url("/api/v1/activities/commuting-estimates"), tenant.key.clone());
        async move {
            let mut request = http.post(url).bearer_auth(bearer).json(&commuting_estimate(json!({})));
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            request.send().await.expect("request")
        }
    };
    // Twelve at once under one key: one set of records, the rest replays or "in progress".
    let mut made = Vec::new();
    for res in join_all((0..12).map(|_| send(Some("survey")))).await {
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        match status {
            StatusCode::CREATED => made.push(body["data"]["activities"].clone()),
            StatusCode::CONFLICT => assert_eq!(body["error"], "idempotency_key_in_progress", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert!(!made.is_empty() && made.iter().all(|m| *m == made[0]), "one key, one set: {made:?}");
    let one = emissions(&app, &tenant, "2025-26").await["scope3"]["total"].to_string();
    // Twelve at once without keys: twelve sets, and the total exactly twelve of one (+ the first).
    for res in join_all((0..12).map(|_| send(None))).await {
        status_json(res, StatusCode::CREATED).await;
    }
    let page = status_json(app.get("/api/v1/activities?limit=100", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(4 * 13));
    let one: rust_decimal::Decimal = one.parse().expect("total");
    let all: rust_decimal::Decimal =
        emissions(&app, &tenant, "2025-26").await["scope3"]["total"].to_string().parse().expect("total");
    assert!(
        (all - one * rust_decimal::Decimal::from(13)).abs() <= rust_decimal::Decimal::new(7, 3),
        "{all} vs 13 × {one}"
    );
}

/// The largest file accepted (10,000 rows) is recorded in one request on both backends: within
/// the store's deadline for a bulk write, which grows with the rows.
async fn a_full_size_import_is_recorded_in_one_request(app: TestApp) {
    let tenant = app.tenant("Bulk Ltd", Plan::Business, KeyMode::Live).await;
    let mut csv = String::from("activityType,quantity,unit,periodStart,periodEnd\n");
    for i in 1..=10_000 {
        csv.push_str(&format!("business_travel.rail.national_rail,{i},passenger_km,2025-05-01,2025-05-31\n"));
    }
    let made = status_json(import(&app, &tenant, &csv, None).await, StatusCode::CREATED).await;
    assert_eq!(made["data"]["recorded"], 10_000);
    // 1 + 2 + … + 10,000 passenger-km of rail, all in category 6.
    let report = emissions(&app, &tenant, "2025-26").await;
    let rail =
        report["scope3"]["categories"].as_array().expect("categories").iter().find(|c| c["category"] == 6).cloned();
    assert!(rail.is_some_and(|c| c["tco2e"].as_f64().is_some_and(|t| t > 0.0)), "{report}");
}
