//! The contract as served: `GET /api/v1/openapi.json` without a key, the live router agreeing
//! with it method by method, and the docs UI at `/docs/` loading nothing from anywhere else.

use std::collections::BTreeSet;

use carbonpass_testkit::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, spawn};

async fn app() -> TestApp {
    spawn(Backend::Sqlite).await.expect("SQLite is always available")
}

async fn document(app: &TestApp) -> Value {
    let res = app.request(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()["content-type"].to_str().expect("text").to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    res.json().await.expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_served_without_a_key_as_openapi_3_1() {
    let app = app().await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "CarbonPass API");
    let bearer = &document["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    let head = app.request(Method::HEAD, "/api/v1/openapi.json", None).await;
    assert_eq!(head.status(), StatusCode::OK);
}

/// A concrete path for a documented one: `{id}` filled with an id that exists nowhere.
fn concrete(path: &str) -> String {
    path.replace("{id}", "x_nothing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_router_serves_exactly_the_documented_methods_of_each_path() {
    let app = app().await;
    let document = document(&app).await;
    let all = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    for (path, item) in document["paths"].as_object().expect("paths") {
        let documented: BTreeSet<String> = item.as_object().expect("item").keys().map(|m| m.to_uppercase()).collect();
        for method in &all {
            let res = app.request(method.clone(), &concrete(path), None).await;
            let status = res.status();
            let allow = res.headers().get("allow").map(|v| v.to_str().expect("text").to_owned());
            let body: Value = res.json().await.expect("JSON body");
            if documented.contains(method.as_str()) {
                // Routed: whatever the answer (401 without a key, 404 for the made-up id), it is
                // not the router's.
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                let message = body["message"].as_str().unwrap_or_default();
                assert!(!message.starts_with("No route matches"), "{method} {path}: {body}");
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not documented");
                let mut expected: Vec<String> = documented.iter().cloned().collect();
                if documented.contains("GET") {
                    expected.push("HEAD".into());
                }
                let mut allowed: Vec<String> = allow.expect("Allow").split(',').map(|m| m.trim().to_owned()).collect();
                allowed.sort();
                expected.sort();
                assert_eq!(allowed, expected, "{path}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_ui_loads_every_asset_from_this_server_and_nothing_from_elsewhere() {
    let app = app().await;
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().expect("c");
    let moved = client.get(app.url("/docs")).send().await.expect("request");
    assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(moved.headers()["location"], "/docs/");

    let page = client.get(app.url("/docs/")).send().await.expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().expect("text").to_owned();
    assert!(csp.starts_with("default-src 'self';"), "{csp}");
    assert!(page.headers()["content-type"].to_str().expect("text").starts_with("text/html"));
    let html = page.text().await.expect("text");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page names no other origin:\n{html}");

    // Every URL the page loads: its scripts, styles and icons.
    let mut loaded = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            loaded.push(piece.split('"').next().unwrap_or_default().to_owned());
        }
    }
    assert!(loaded.iter().any(|u| u.ends_with("swagger-ui-bundle.js")), "{loaded:?}");
    assert!(loaded.iter().any(|u| u.ends_with("swagger-initializer.js")), "{loaded:?}");
    for url in &loaded {
        assert!(!url.contains("//"), "{url} is on another origin");
        let asset = client.get(app.url(&format!("/docs/{}", url.trim_start_matches("./")))).send().await.expect("get");
        assert_eq!(asset.status(), StatusCode::OK, "{url}");
        assert!(asset.bytes().await.expect("bytes").len() > 100, "{url} is empty");
    }

    // The initializer loads the document from here, and asks no online validator about it.
    let initializer = client.get(app.url("/docs/swagger-initializer.js")).send().await.expect("get");
    let initializer = initializer.text().await.expect("text");
    assert!(initializer.contains("\"/api/v1/openapi.json\""), "{initializer}");
    assert!(initializer.contains("\"validatorUrl\": \"none\""), "{initializer}");
    assert!(!initializer.contains("http://") && !initializer.contains("https://"), "{initializer}");

    let bundle = client.get(app.url("/docs/swagger-ui-bundle.js")).send().await.expect("get");
    let cache = bundle.headers()["cache-control"].to_str().expect("text").to_owned();
    assert!(cache.contains("max-age"), "the bundle is cacheable: {cache}");
    assert_eq!(bundle.headers()["content-security-policy"].to_str().expect("text"), csp);

    // Only the files the page loads: not the distribution's other bundles, nothing outside it.
    for missing in ["nothing-here.js", "swagger-ui-es-bundle.js", "swagger-ui.js", "../Cargo.toml", "%2e%2e/x"] {
        let res = client.get(app.url(&format!("/docs/{missing}"))).send().await.expect("get");
        let body: Value = res.json().await.expect("a JSON error body");
        assert_eq!(body["error"], "not_found", "{missing}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.starts_with("No route matches")), "{body}");
    }
}
