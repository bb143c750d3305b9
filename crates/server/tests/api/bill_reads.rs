//! `GET /api/v1/bills` (filters, cursor pages) and `GET /api/v1/bills/{id}/file`.

use carbonpass_domain::model::{KeyMode, NewSite, Plan};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    bills_are_listed_newest_first_in_pages_with_filters,
    the_original_file_comes_back_byte_for_byte,
);

async fn upload(app: &TestApp, key: &str, site: &str, bytes: Vec<u8>) -> String {
    let form = Form::new()
        .part("file", Part::bytes(bytes).file_name("bill"))
        .text("type", "electricity")
        .text("siteId", site.to_owned());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(key).multipart(form).send().await;
    let body: Value = res.expect("request").json().await.expect("json");
    body["data"]["id"].as_str().expect("id").to_owned()
}

async fn list(app: &TestApp, key: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/bills{query}"), key).await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.expect("json")
}

fn ids(page: &Value) -> Vec<String> {
    page["data"].as_array().expect("list").iter().map(|b| b["id"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn bills_are_listed_newest_first_in_pages_with_filters(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let depot = NewSite { name: "Depot".into(), city: "Leeds".into(), employee_count: 2 };
    let depot = app.services.tenants.add_site(&tenant.company.id, depot).await.expect("site");
    let main_site = tenant.site.id.to_string();
    let first = upload(&app, &tenant.key, &main_site, b"%PDF-1 first".to_vec()).await;
    let second = upload(&app, &tenant.key, &main_site, b"%PDF-1 second".to_vec()).await;
    let third = upload(&app, &tenant.key, depot.id.as_str(), b"%PDF-1 third".to_vec()).await;
    let foreign = upload(&app, &other.key, other.site.id.as_str(), b"%PDF-1 foreign".to_vec()).await;
    let confirm = json!({"consumption": 5, "unit": "kWh", "periodStart": "2025-05-01", "periodEnd": "2025-05-31"});
    let url = app.url(&format!("/api/v1/bills/{first}/confirm"));
    let res = app.client.post(url).bearer_auth(&tenant.key).json(&confirm).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);

    let page = list(&app, &tenant.key, "?limit=2").await;
    assert_eq!(fields(&page), ["data", "nextCursor"]);
    assert_eq!(ids(&page), [third.clone(), second.clone()]);
    assert_eq!(fields(&page["data"][0]), ["createdAt", "id", "sessionId", "siteId", "status", "type"]);
    let cursor = page["nextCursor"].as_str().expect("more to come").to_owned();
    let last = list(&app, &tenant.key, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&last), vec![first.clone()]);
    assert_eq!(last["nextCursor"], Value::Null);
    assert!(!ids(&list(&app, &tenant.key, "").await).contains(&foreign), "another company's bills never appear");

    assert_eq!(ids(&list(&app, &tenant.key, "?status=confirmed").await), vec![first.clone()]);
    assert_eq!(ids(&list(&app, &tenant.key, "?status=uploaded").await), [third.clone(), second.clone()]);
    assert_eq!(ids(&list(&app, &tenant.key, &format!("?siteId={}", depot.id)).await), [third]);

    for (query, status, code) in [
        (format!("?siteId={}", other.site.id), StatusCode::NOT_FOUND, "not_found"),
        ("?status=lost".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?limit=0".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?limit=101".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        ("?cursor=nonsense".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
        (format!("?cursor={foreign}"), StatusCode::BAD_REQUEST, "bad_request"),
        ("?colour=blue".to_owned(), StatusCode::BAD_REQUEST, "bad_request"),
    ] {
        let res = app.request(Method::GET, &format!("/api/v1/bills{query}"), Some(&tenant.key)).await;
        expect_error(res, status, code).await;
    }
}

async fn the_original_file_comes_back_byte_for_byte(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    // Bigger than one read chunk, so the download streams in several.
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..200_000u32).map(|i| (i % 251) as u8));
    let bill = upload(&app, &tenant.key, tenant.site.id.as_str(), bytes.clone()).await;

    let res = app.get(&format!("/api/v1/bills/{bill}/file"), &tenant.key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("content-length"), bytes.len().to_string());
    assert!(header("content-disposition").contains(&format!("{bill}.pdf")));
    assert_eq!(res.bytes().await.expect("body").to_vec(), bytes);

    let res = app.request(Method::GET, &format!("/api/v1/bills/{bill}/file"), Some(&other.key)).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
}
