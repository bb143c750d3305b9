//! The catalogue of activity types: every family a plan needs, built from the shipped sets,
//! paged and filtered like every list, each type with its rows per set.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    the_catalogue_lists_every_family_with_its_rows,
    one_type_reads_with_its_rows_per_set_and_unknown_ones_are_404,
    filters_narrow_the_catalogue_and_bad_ones_are_named,
);

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn the_catalogue_lists_every_family_with_its_rows(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let mut seen: Vec<Value> = Vec::new();
    let mut path = "/api/v1/activity-types?limit=100&factorSet=2025".to_owned();
    loop {
        let page = ok(app.get(&path, &tenant.key).await).await;
        seen.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/activity-types?limit=100&factorSet=2025&cursor={cursor}"),
            None => break,
        }
    }
    let ids: Vec<&str> = seen.iter().map(|t| t["activityType"].as_str().expect("id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "by id, each once across pages");
    for family in [
        "vehicle",
        "refrigerant",
        "heat",
        "business_travel.air",
        "business_travel.land",
        "business_travel.ferry",
        "business_travel.hotel",
        "commuting.land",
        "commuting.ferry",
        "commuting.homeworking",
        "freight",
        "waste",
    ] {
        assert!(seen.iter().any(|t| t["family"] == family), "no {family} type");
    }
    let flight = seen.iter().find(|t| t["activityType"] == "business_travel.air.long_haul.economy").expect("flight");
    assert_eq!(flight["scope"], 3);
    assert_eq!(flight["category"]["number"], 6);
    assert_eq!(flight["category"]["name"], "Business travel");
    assert_eq!(flight["units"], serde_json::json!(["passenger_km"]));
    assert_eq!(flight["attributes"][0]["name"], "radiativeForcing");
    assert_eq!(flight["attributes"][0]["default"], true);
    let sets = flight["factorSets"].as_array().expect("sets");
    assert_eq!(sets.len(), 1, "factorSet=2025 shows that set only");
    let with_rf = sets[0]["variants"].as_array().expect("variants").iter().find(|v| v["radiativeForcing"] == true);
    let rows = with_rf.expect("with RF")["rows"].as_array().expect("rows");
    // The official 2025 value (data/README.md's key rows: long-haul economy with RF).
    assert_eq!(rows[0]["factorId"], "21_316_3170_11_1");
    assert_eq!(rows[0]["kgCo2ePerUnit"], "0.11704");
    assert_eq!((rows[1]["role"].as_str(), rows[1]["category"].as_u64()), (Some("well_to_tank"), Some(6)));
}

async fn one_type_reads_with_its_rows_per_set_and_unknown_ones_are_404(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let freight =
        ok(app.get("/api/v1/activity-types/freight.hgv_all_diesel.all_rigids.average_laden", &tenant.key).await).await;
    let freight = &freight["data"];
    assert_eq!(freight["category"], Value::Null, "freight's category follows its direction");
    let categories: Vec<u64> =
        freight["categories"].as_array().expect("categories").iter().filter_map(|c| c["number"].as_u64()).collect();
    assert_eq!(categories, [4, 9]);
    let direction = freight["attributes"].as_array().expect("attributes").iter().find(|a| a["name"] == "direction");
    assert_eq!(direction.expect("direction")["required"], true);
    let years: Vec<i64> =
        freight["factorSets"].as_array().expect("sets").iter().filter_map(|s| s["year"].as_i64()).collect();
    assert_eq!(years, [2019, 2020, 2021, 2022, 2023, 2024, 2025]);
    // The official 2019 row (data/README.md's key rows: HGV all rigids, average laden).
    let row_2019 = &freight["factorSets"][0]["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["unit"] == "tonne_km")
        .expect("tonne_km")["rows"][0];
    assert_eq!(
        (row_2019["factorId"].as_str(), row_2019["kgCo2ePerUnit"].as_str()),
        (Some("27_304_3124_14_1"), Some("0.21970"))
    );

    // Refrigerants have no rows in the 2019–2021 sets (their official files match no ID).
    let gas = ok(app.get("/api/v1/activity-types/refrigerant.r410a", &tenant.key).await).await;
    let first = gas["data"]["factorSets"][0]["year"].as_i64();
    assert_eq!(first, Some(2022), "{gas}");

    let missing = app.get("/api/v1/activity-types/vehicle.hovercraft", &tenant.key).await;
    expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let other = app.get("/api/v1/activity-types/waste.glass.closed_loop?colour=red", &tenant.key).await;
    expect_error(other, StatusCode::BAD_REQUEST, "bad_request").await;
    let no_key = app.request(reqwest::Method::GET, "/api/v1/activity-types", None).await;
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
}

async fn filters_narrow_the_catalogue_and_bad_ones_are_named(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let scope1 = ok(app.get("/api/v1/activity-types?scope=1&limit=100", &tenant.key).await).await;
    assert!(scope1["data"].as_array().expect("data").iter().all(|t| t["scope"] == 1));
    let commuting = ok(app.get("/api/v1/activity-types?category=7&limit=100", &tenant.key).await).await;
    let commuting = commuting["data"].as_array().expect("data");
    assert!(!commuting.is_empty());
    assert!(
        commuting.iter().all(|t| t["family"].as_str().is_some_and(|f| f.starts_with("commuting"))),
        "{commuting:?}"
    );
    let hotels = ok(app.get("/api/v1/activity-types?family=business_travel.hotel&limit=100", &tenant.key).await).await;
    assert!(hotels["data"].as_array().expect("data").iter().any(|t| t["activityType"] == "business_travel.hotel.uk"));
    for (query, param) in [
        ("family=spaceflight", "family"),
        ("scope=4", "scope"),
        ("category=16", "category"),
        ("factorSet=2018", "factorSet"),
        ("limit=0", "limit"),
        ("cursor=nonsense", "cursor"),
    ] {
        let res = app.get(&format!("/api/v1/activity-types?{query}"), &tenant.key).await;
        let body = expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(body["param"], param, "{query}: {body}");
    }
}
