//! HTTP hygiene: bodies that stall or overflow, multipart forms with parts we did not ask for,
//! HEAD, encodings the server does not decode, ambiguous framing, doubled or foreign
//! `Authorization` headers, and downloads that are exactly what was stored or a server error.

use std::time::Duration;

use carbonpass_blobs::LocalBlobs;
use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{BODY_IDLE_TIMEOUT_SECS, MAX_UPLOAD_BYTES, Tenant, TestApp, expect_error, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_stalled_body_is_cut_off_with_a_408_and_leaves_nothing,
    a_multipart_body_is_bounded_as_a_whole,
    unknown_and_repeated_parts_are_refused,
    head_works_wherever_get_does,
    unsupported_encodings_and_ambiguous_framing_are_refused,
    authorization_must_be_one_bearer_header,
    downloads_are_attachments_never_sniffed,
    a_stored_file_that_changed_is_a_server_error_not_a_short_download,
    markup_is_not_accepted_as_csv,
    an_answer_before_the_body_ends_closes_the_connection,
);

const BOUNDARY: &str = "hygieneBoundary42";

fn pdf(marker: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {marker}\ntrailer << >>\n%%EOF\n").into_bytes()
}

fn blobs(app: &TestApp) -> LocalBlobs {
    LocalBlobs::open(app.data.path().join("blobs")).expect("blob folder")
}

async fn bill_count(app: &TestApp, tenant: &Tenant) -> usize {
    let listed: Value = app.get("/api/v1/bills", &tenant.key).await.json().await.expect("json");
    listed["data"].as_array().map_or(0, Vec::len)
}

async fn upload(app: &TestApp, key: &str, form: Form) -> reqwest::Response {
    upload_keyed(app, key, &[], form).await
}

/// An upload sent with these `Idempotency-Key` headers.
async fn upload_keyed(app: &TestApp, key: &str, idempotency_keys: &[&str], form: Form) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/bills")).bearer_auth(key);
    for idempotency_key in idempotency_keys {
        request = request.header("Idempotency-Key", *idempotency_key);
    }
    request.multipart(form).send().await.expect("request")
}

fn file(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

/// Sends `request` as raw bytes and reads what comes back until the server closes the
/// connection (or `wait` passes: then `closed` is false).
async fn raw(app: &TestApp, request: &[u8], wait: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut received = Vec::new();
    let closed = tokio::time::timeout(wait, stream.read_to_end(&mut received)).await.is_ok();
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

fn status_of(response: &str) -> Option<u16> {
    response.split_whitespace().nth(1)?.parse().ok()
}

async fn a_stalled_body_is_cut_off_with_a_408_and_leaves_nothing(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let start = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ngas\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.pdf\"\r\n\r\n%PDF-1.4\n"
    );
    let head = format!(
        "POST /api/v1/bills HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Idempotency-Key: stalled-1\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: 100000\r\n\r\n{start}",
        tenant.key
    );
    // The client sends the start of the file, then nothing more.
    let wait = Duration::from_secs(BODY_IDLE_TIMEOUT_SECS * 5);
    let (response, closed) = raw(&app, head.as_bytes(), wait).await;
    assert_eq!(status_of(&response), Some(408), "{response}");
    assert!(response.contains("\"error\":\"request_timeout\""), "{response}");
    assert!(closed, "the connection is closed after a cut-off body");
    assert_eq!(bill_count(&app, &tenant).await, 0);
    assert!(blobs(&app).keys().expect("keys").is_empty(), "no stored file");
    assert_eq!(blobs(&app).staged().expect("staged"), 0, "nothing left in staging");

    // The key was not burnt: the same upload, sent whole, is made.
    let form = Form::new().part("file", file(pdf("whole"), "b.pdf")).text("type", "gas");
    let res = upload_keyed(&app, &tenant.key, &["stalled-1"], form).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// A response sent before the request's body was read to the end (no key: 401; wrong method:
/// 405) closes the connection, so nobody can stream an endless body into it.
async fn an_answer_before_the_body_ends_closes_the_connection(app: TestApp) {
    let host = app.base.trim_start_matches("http://").to_owned();
    for (path, status) in [("/api/v1/keys", 401), ("/api/v1/company", 405)] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n"
        );
        let mut stream = TcpStream::connect(&host).await.expect("connect");
        stream.write_all(head.as_bytes()).await.expect("head");
        let chunk = [format!("{:x}\r\n", 64 * 1024).into_bytes(), vec![b'x'; 64 * 1024], b"\r\n".to_vec()].concat();
        // Keep sending; the server must answer and close (after at most its one-second linger)
        // instead of reading on. Sending ends only when the connection is gone.
        let sending = async { while stream.write_all(&chunk).await.is_ok() {} };
        let closed = tokio::time::timeout(Duration::from_secs(15), sending).await.is_ok();
        assert!(closed, "{path}: the server kept reading a body it had answered");
        let mut received = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received)).await;
        let response = String::from_utf8_lossy(&received);
        assert_eq!(status_of(&response), Some(status), "{path}: {response}");
        assert!(response.to_ascii_lowercase().contains("connection: close"), "{path}: {response}");
    }
}

async fn a_multipart_body_is_bounded_as_a_whole(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    // Declared too long: refused before a byte of it is read.
    let declared = MAX_UPLOAD_BYTES + 1024 * 1024;
    let head = format!(
        "POST /api/v1/bills HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {declared}\r\n\
         Connection: close\r\n\r\n",
        tenant.key
    );
    let (response, _) = raw(&app, head.as_bytes(), Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), Some(413), "{response}");
    assert!(response.contains("payload_too_large"), "{response}");

    // Chunked, with no length to refuse: a preamble (which multipart parsers skip) longer than
    // the bound is cut off while it streams.
    let chunked = format!(
        "POST /api/v1/bills HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n",
        tenant.key
    );
    let mut stream = TcpStream::connect(&host).await.expect("connect");
    stream.write_all(chunked.as_bytes()).await.expect("head");
    let chunk = vec![b'x'; 16 * 1024];
    let mut sent = 0;
    // The server may refuse and close before all of it is sent: a failed write ends the sending.
    while sent <= MAX_UPLOAD_BYTES + 128 * 1024 {
        let framed = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await;
    let response = String::from_utf8_lossy(&received);
    assert_eq!(status_of(&response), Some(413), "{response}");
    assert_eq!(bill_count(&app, &tenant).await, 0);
    assert_eq!(blobs(&app).staged().expect("staged"), 0);
}

async fn unknown_and_repeated_parts_are_refused(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let site = tenant.site.id.to_string();
    let cases = [
        (
            "unknown part",
            Form::new().part("file", file(pdf("a"), "a.pdf")).text("type", "gas").text("site_id", site.clone()),
            "site_id",
        ),
        (
            "repeated type",
            Form::new().part("file", file(pdf("b"), "b.pdf")).text("type", "gas").text("type", "water"),
            "type",
        ),
        (
            "repeated siteId",
            Form::new().part("file", file(pdf("c"), "c.pdf")).text("siteId", site.clone()).text("siteId", site.clone()),
            "siteId",
        ),
        (
            "repeated file",
            Form::new().part("file", file(pdf("d"), "d.pdf")).part("file", file(pdf("e"), "e.pdf")).text("type", "gas"),
            "file",
        ),
    ];
    for (case, form, field) in cases {
        let body = expect_error(upload(&app, &tenant.key, form).await, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(body["message"].as_str().unwrap_or_default().contains(&format!("\"{field}\"")), "{case}: {body}");
        assert!(blobs(&app).keys().expect("keys").is_empty(), "{case}: no file kept");
        assert_eq!(blobs(&app).staged().expect("staged"), 0, "{case}: nothing staged");
    }
    assert_eq!(bill_count(&app, &tenant).await, 0);
}

async fn head_works_wherever_get_does(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for path in ["/healthz", "/readyz", "/api/v1/company", "/api/v1/bills", "/api/v1/emissions", "/api/v1/keys"] {
        let get = app.request(Method::GET, path, Some(&tenant.key)).await;
        let head = app.request(Method::HEAD, path, Some(&tenant.key)).await;
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert_eq!(head.headers().get("content-type"), get.headers().get("content-type"), "HEAD {path}");
        assert!(head.bytes().await.expect("body").is_empty(), "HEAD {path} has no body");
    }
    // And HEAD is authenticated like GET.
    let anonymous = app.request(Method::HEAD, "/api/v1/company", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn unsupported_encodings_and_ambiguous_framing_are_refused(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for coding in ["gzip", "br", "deflate, gzip", "x-unknown"] {
        let res = app
            .client
            .post(app.url("/api/v1/keys"))
            .bearer_auth(&tenant.key)
            .header("content-type", "application/json")
            .header("content-encoding", coding)
            .body(r#"{"name":"zipped"}"#)
            .send()
            .await
            .expect("request");
        expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
    let identity = app
        .client
        .post(app.url("/api/v1/keys"))
        .bearer_auth(&tenant.key)
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(r#"{"name":"plain"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(identity.status(), StatusCode::CREATED, "identity is no encoding at all");

    // Content-Length and Transfer-Encoding together: refused, and the connection closed even
    // though the client asked to keep it (what follows might be a smuggled request).
    let host = app.base.trim_start_matches("http://").to_owned();
    let smuggle = format!(
        "POST /api/v1/keys HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\
         Connection: keep-alive\r\n\r\n0\r\n\r\nGET /api/v1/company HTTP/1.1\r\nHost: {host}\r\n\r\n",
        tenant.key
    );
    let (response, closed) = raw(&app, smuggle.as_bytes(), Duration::from_secs(10)).await;
    assert_eq!(status_of(&response), Some(400), "{response}");
    assert!(closed, "the connection is closed");
    assert_eq!(response.matches("HTTP/1.1 ").count(), 1, "the request behind it is never served: {response}");
}

async fn authorization_must_be_one_bearer_header(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let twice = app
        .client
        .get(app.url("/api/v1/company"))
        .header("authorization", format!("Bearer {}", tenant.key))
        .header("authorization", format!("Bearer {}", tenant.key))
        .send()
        .await
        .expect("request");
    let body = expect_error(twice, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "Authorization");

    // Two Idempotency-Key headers: which one is meant is a guess.
    let form = Form::new().part("file", file(pdf("twice"), "t.pdf")).text("type", "gas");
    let keyed = upload_keyed(&app, &tenant.key, &["one", "two"], form).await;
    let body = expect_error(keyed, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(body["param"], "Idempotency-Key");
    assert_eq!(bill_count(&app, &tenant).await, 0);

    for scheme in [format!("Basic {}", tenant.key), "Token abc".to_owned(), "Digest username=\"x\"".to_owned()] {
        let res =
            app.client.get(app.url("/api/v1/company")).header("authorization", scheme).send().await.expect("request");
        assert!(res.headers().contains_key("www-authenticate"));
        expect_error(res, StatusCode::UNAUTHORIZED, "invalid_auth_scheme").await;
    }
}

async fn uploaded_pdf(app: &TestApp, tenant: &Tenant, marker: &str) -> (String, Vec<u8>) {
    let bytes = pdf(marker);
    let form = Form::new().part("file", file(bytes.clone(), "bill.pdf")).text("type", "gas");
    let created: Value = upload(app, &tenant.key, form).await.json().await.expect("json");
    (created["data"]["id"].as_str().expect("id").to_owned(), bytes)
}

async fn downloads_are_attachments_never_sniffed(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (bill, bytes) = uploaded_pdf(&app, &tenant, "download").await;
    let res = app.get(&format!("/api/v1/bills/{bill}/file"), &tenant.key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-disposition").starts_with("attachment"), "{}", header("content-disposition"));
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(res.bytes().await.expect("body").to_vec(), bytes);
}

/// The path of the one stored file.
fn stored_file(app: &TestApp) -> std::path::PathBuf {
    let keys = blobs(app).keys().expect("keys");
    let key = keys.first().expect("a stored file");
    app.data.path().join("blobs").join(&key[..2]).join(key)
}

async fn a_stored_file_that_changed_is_a_server_error_not_a_short_download(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let (bill, bytes) = uploaded_pdf(&app, &tenant, "changes").await;
    let path = stored_file(&app);
    let url = format!("/api/v1/bills/{bill}/file");
    for (case, content) in
        [("shorter", bytes[..bytes.len() / 2].to_vec()), ("longer", [bytes.clone(), b"tail".to_vec()].concat())]
    {
        std::fs::write(&path, &content).expect("change the stored file");
        let res = app.get(&url, &tenant.key).await;
        expect_error(res, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
        let _ = case;
    }
    std::fs::remove_file(&path).expect("remove the stored file");
    let missing = app.get(&url, &tenant.key).await;
    expect_error(missing, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;

    std::fs::write(&path, &bytes).expect("put it back");
    assert_eq!(app.get(&url, &tenant.key).await.bytes().await.expect("body").to_vec(), bytes);
}

async fn markup_is_not_accepted_as_csv(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    for markup in [
        "<html><body><script>alert(document.cookie)</script>a,b</body></html>",
        "date,kwh\n2026-03-01,<script>fetch('//evil')</script>\n",
        "name,logo\nacme,<svg onload=alert(1)>\n",
    ] {
        let form = Form::new().part("file", file(markup.as_bytes().to_vec(), "bill.csv")).text("type", "electricity");
        expect_error(
            upload(&app, &tenant.key, form).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    let csv = "date,kwh\n2026-03-01,120.5\n";
    let form = Form::new().part("file", file(csv.as_bytes().to_vec(), "bill.csv")).text("type", "electricity");
    assert_eq!(upload(&app, &tenant.key, form).await.status(), StatusCode::CREATED);
}
