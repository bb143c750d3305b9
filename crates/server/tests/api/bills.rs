//! `POST /api/v1/bills`: the seed's upload, every refused upload (each leaving no blob behind),
//! sessions, and isolation between companies and between live and sandbox.

use carbonpass_blobs::LocalBlobs;
use carbonpass_domain::model::{KeyMode, NewSite, Plan};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{MAX_UPLOAD_BYTES, TestApp, expect_error, fields, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    the_seed_example_uploads_a_pdf_into_a_session,
    refused_uploads_leave_nothing_behind,
    a_key_uploads_only_to_its_own_sites,
);

/// A small, well-formed PDF.
pub(crate) fn pdf(marker: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {marker}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn file_part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

async fn upload(app: &TestApp, key: &str, form: Form) -> reqwest::Response {
    app.client.post(app.url("/api/v1/bills")).bearer_auth(key).multipart(form).send().await.expect("request")
}

fn blobs(app: &TestApp) -> LocalBlobs {
    LocalBlobs::open(app.data.path().join("blobs")).expect("blob folder")
}

async fn the_seed_example_uploads_a_pdf_into_a_session(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let form = Form::new()
        .part("file", file_part(pdf("mar-2026"), "invoice-mar-2026.pdf"))
        .text("type", "electricity")
        .text("siteId", tenant.site.id.to_string());
    let res = upload(&app, &tenant.key, form).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    assert_eq!(fields(&body), ["data"]);
    let data = &body["data"];
    assert_eq!(fields(data), ["createdAt", "id", "sessionId", "siteId", "status", "type"]);
    assert!(data["id"].as_str().is_some_and(|id| id.starts_with("bill_") && id.len() >= 5 + 12));
    assert!(data["sessionId"].as_str().is_some_and(|id| id.starts_with("sess_")));
    assert_eq!(data["status"], "uploaded");
    assert_eq!(data["type"], "electricity");
    assert_eq!(data["siteId"], tenant.site.id.as_str());
    let created = data["createdAt"].as_str().expect("createdAt");
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok() && created.ends_with('Z'), "{created}");
    assert_eq!(blobs(&app).keys().expect("keys").len(), 1, "the file is stored");

    // The next bill of the site joins the same session in progress; siteId may be left out
    // when the company has one site.
    let form = Form::new().part("file", file_part(pdf("apr-2026"), "apr.pdf")).text("type", "gas");
    let next: Value = upload(&app, &tenant.key, form).await.json().await.expect("json");
    assert_eq!(next["data"]["sessionId"], data["sessionId"]);
    assert_eq!(next["data"]["siteId"], tenant.site.id.as_str());
    assert_eq!(blobs(&app).keys().expect("keys").len(), 2);
}

async fn refused_uploads_leave_nothing_behind(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Other Ltd", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    let first =
        Form::new().part("file", file_part(pdf("one"), "one.pdf")).text("type", "water").text("siteId", site.clone());
    let first: Value = upload(&app, &tenant.key, first).await.json().await.expect("json");
    let first_id = first["data"]["id"].as_str().expect("id").to_owned();

    let good = || file_part(pdf("two"), "two.pdf");
    let cases: Vec<(&str, Form, StatusCode, &str)> = vec![
        (
            "no file",
            Form::new().text("type", "gas").text("siteId", site.clone()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "no type",
            Form::new().part("file", good()).text("siteId", site.clone()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "unknown type",
            Form::new().part("file", good()).text("type", "coal").text("siteId", site.clone()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "unknown site",
            Form::new().part("file", good()).text("type", "gas").text("siteId", "site_doesnotexist1"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "another company's site",
            Form::new().part("file", good()).text("type", "gas").text("siteId", other.site.id.to_string()),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "empty file",
            Form::new()
                .part("file", file_part(Vec::new(), "empty.pdf"))
                .text("type", "gas")
                .text("siteId", site.clone()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "not a bill file (a zip named .pdf)",
            Form::new()
                .part("file", file_part(b"PK\x03\x04\x14\x00\x00\x00".to_vec(), "bill.pdf"))
                .text("type", "gas")
                .text("siteId", site.clone()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "over the size limit",
            Form::new()
                .part("file", file_part([pdf("big"), vec![b'0'; MAX_UPLOAD_BYTES as usize]].concat(), "big.pdf"))
                .text("type", "gas")
                .text("siteId", site.clone()),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "the same file again",
            Form::new()
                .part("file", file_part(pdf("one"), "copy.pdf"))
                .text("type", "water")
                .text("siteId", site.clone()),
            StatusCode::CONFLICT,
            "duplicate_bill",
        ),
    ];
    for (case, form, status, code) in cases {
        let body = expect_error(upload(&app, &tenant.key, form).await, status, code).await;
        let message = body["message"].as_str().unwrap_or_default().to_owned();
        match case {
            "no file" => assert_eq!(message, "Missing required field \"file\" in bill upload."),
            "no type" => assert_eq!(message, "Missing required field \"type\" in bill upload."),
            "the same file again" => assert!(message.contains(&first_id), "names the existing bill: {message}"),
            _ => {}
        }
        assert_eq!(blobs(&app).keys().expect("keys").len(), 1, "{case}: no blob left behind");
        assert_eq!(blobs(&app).staged().expect("staged"), 0, "{case}: nothing left in staging");
    }

    // And no row: the company still has exactly the one bill.
    let listed: Value = app.get("/api/v1/bills", &tenant.key).await.json().await.expect("json");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1), "no bill row from a refused upload");

    // siteId is required once the company has several sites.
    let depot = NewSite { name: "Depot".into(), city: "Leeds".into(), employee_count: 2 };
    app.services.tenants.add_site(&tenant.company.id, depot).await.expect("site");
    let form = Form::new().part("file", good()).text("type", "gas");
    let body = expect_error(upload(&app, &tenant.key, form).await, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "siteId");

    // A body that is not multipart at all.
    let res = app
        .client
        .post(app.url("/api/v1/bills"))
        .bearer_auth(&tenant.key)
        .json(&serde_json::json!({"type": "gas"}))
        .send()
        .await
        .expect("request");
    expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    assert_eq!(blobs(&app).keys().expect("keys").len(), 1);
}

async fn a_key_uploads_only_to_its_own_sites(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let sandbox = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    let live_site = tenant.site.id.to_string();
    let form = Form::new().part("file", file_part(pdf("x"), "x.pdf")).text("type", "gas").text("siteId", live_site);
    expect_error(upload(&app, &sandbox, form).await, StatusCode::NOT_FOUND, "not_found").await;

    // The sandbox has its own site (the only one), and its bills are its own.
    let form = Form::new().part("file", file_part(pdf("x"), "x.pdf")).text("type", "gas");
    let res = upload(&app, &sandbox, form).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    assert_ne!(body["data"]["siteId"], tenant.site.id.as_str());

    // The same file is no duplicate for the live site: they are different data spaces.
    let form = Form::new().part("file", file_part(pdf("x"), "x.pdf")).text("type", "gas");
    assert_eq!(upload(&app, &tenant.key, form).await.status(), StatusCode::CREATED);
}

/// The same upload and download with the blobs in an S3-compatible store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_round_trip_through_s3() {
    let Some(app) = crate::support::spawn_on_s3().await else { return };
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let mut bytes = pdf("s3");
    bytes.extend(vec![7u8; 100_000]);
    let form = Form::new().part("file", file_part(bytes.clone(), "bill.pdf")).text("type", "gas");
    let res = upload(&app, &tenant.key, form).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    let id = body["data"]["id"].as_str().expect("id");
    let file = app.get(&format!("/api/v1/bills/{id}/file"), &tenant.key).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.expect("body").to_vec(), bytes);
    assert_eq!(blobs(&app).keys().expect("keys").len(), 0, "nothing went to the local folder");
    let refused = Form::new().part("file", file_part(b"GIF89a".to_vec(), "x.pdf")).text("type", "gas");
    expect_error(
        upload(&app, &tenant.key, refused).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // A file stored in the bucket whose bill was never recorded (a crash between the two) is
    // swept once older than the grace period; the bill's file stays.
    let settings = crate::support::settings(app.db.url(), app.data.path(), app.s3.clone());
    let bucket = carbonpass_server::startup::open_blobs(&settings).expect("the bucket");
    let mut orphan = bucket.create().await.expect("create");
    orphan.write(b"%PDF-1.4\n% orphan\n").await.expect("write");
    let orphan = orphan.finish().await.expect("finish").key;
    let later = chrono::Utc::now() + chrono::TimeDelta::minutes(2);
    let swept = app.services.bills.sweep_leftovers(later, chrono::TimeDelta::minutes(1)).await.expect("sweep");
    assert_eq!(swept.orphans_removed, 1, "{swept:?}");
    assert!(bucket.open(&orphan).await.is_err(), "the orphan is gone");
    let file = app.get(&format!("/api/v1/bills/{id}/file"), &tenant.key).await;
    assert_eq!(file.status(), StatusCode::OK, "the bill's file stays");
}
