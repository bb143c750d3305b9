//! Seed conformance: every example request on the public API page (a copy of it is in
//! `tests/fixtures/seed/`), run against this server with its base URL, key, site and file swapped
//! for the test's, answers with a body of exactly the field names and JSON types of the example
//! beside it. The page is parsed, not retyped, so an example added to it is run too.

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{Tenant, TestApp, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    every_example_request_answers_in_the_shape_beside_it,
);

const PAGE: &str = include_str!("../fixtures/seed/api-page.txt");
const SEED_BASE: &str = "https://carbonpass.co";
const SEED_KEY: &str = "cp_live_your_key_here";
const SEED_SITE: &str = "site_3rZ1";
const SEED_PLAN: &str = "crp_5tN8xBmQ";

/// Examples on the page whose endpoints later issues build; each such issue removes its entry
/// here, and the test fails if the page's examples and these lists stop adding up.
const NOT_REQUESTS: [(&str, &str); 1] = [("\"event\": \"crp.generated\"", "issue 11: webhook payloads")];

/// One `curl` on the page and the JSON example printed right after it.
#[derive(Debug)]
struct Example {
    curl: Vec<String>,
    response: Value,
}

/// The JSON value starting at `text`, and the rest.
fn json_at(text: &str) -> (Value, &str) {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = values.next().expect("a value").expect("valid JSON on the page");
    (value, &text[values.byte_offset()..])
}

/// The words of a shell command: double quotes grouped, line continuations dropped.
fn shell_words(command: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut started) = (Vec::new(), String::new(), false, false);
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            '\\' if quoted => word.extend(chars.next()),
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Every JSON example on the page: those right after a `curl` with the command, and the others.
fn examples() -> (Vec<Example>, Vec<Value>) {
    let (mut requests, mut others) = (Vec::new(), Vec::new());
    let mut rest = PAGE;
    while let Some(at) = rest.find("json{") {
        let before = &rest[..at];
        let (value, after) = json_at(&rest[at + "json".len()..]);
        // The page runs a command's URL straight into "json{": the last curl since the previous
        // example is this one's request; an example with none before it is not a response.
        match before.rfind("curl ").map(|start| &before[start..]) {
            Some(command) => requests.push(Example { curl: shell_words(command), response: value }),
            None => others.push(value),
        }
        rest = after;
    }
    (requests, others)
}

/// Fields the page's examples lack that a later issue added on purpose, where they appear (the
/// end of the path `same_shape` reports) : every other extra field fails.
const ADDITIONS: &[(&str, &str)] = &[
    // Issue 22: scope 3 by GHG Protocol category, and what activities contributed.
    ("/api/v1/emissions?siteId=site_3rZ1.data", "activities"),
    ("/api/v1/emissions?siteId=site_3rZ1.data.scope3", "categories"),
    // Issue 22: market-based scope 2, beside the location-based `total`.
    ("/api/v1/emissions?siteId=site_3rZ1.data.scope2", "locationBased"),
    ("/api/v1/emissions?siteId=site_3rZ1.data.scope2", "marketBased"),
    ("/api/v1/emissions?siteId=site_3rZ1.data.scope2", "marketBasedMethod"),
];

/// Same field names at every level (besides [`ADDITIONS`]), and the same JSON type for every
/// value (integers and numbers with a fraction told apart). A `null` in the example says nothing
/// of the type (the field is present, and may hold a value); an example array's first item
/// describes every item.
fn same_shape(example: &Value, actual: &Value, at: &str) {
    match (example, actual) {
        (Value::Null, _) => {}
        (Value::Object(example), Value::Object(actual)) => {
            let added = |name: &&String| ADDITIONS.iter().any(|(path, field)| at.ends_with(path) && name == field);
            let (mut want, mut got): (Vec<_>, Vec<_>) =
                (example.keys().collect(), actual.keys().filter(|name| !added(name)).collect());
            want.sort();
            got.sort();
            assert_eq!(got, want, "field names at {at}");
            for (name, value) in example {
                same_shape(value, &actual[name], &format!("{at}.{name}"));
            }
        }
        (Value::Array(example), Value::Array(actual)) => {
            if let Some(first) = example.first() {
                assert!(!actual.is_empty(), "{at}: the example lists items, the response none");
                for (i, item) in actual.iter().enumerate() {
                    same_shape(first, item, &format!("{at}[{i}]"));
                }
            }
        }
        (Value::Number(example), Value::Number(actual)) => {
            assert_eq!(
                example.is_f64(),
                actual.is_f64(),
                "{at}: {example} and {actual} are not the same kind of number"
            );
        }
        (Value::String(_), Value::String(_)) | (Value::Bool(_), Value::Bool(_)) => {}
        (example, actual) => panic!("{at}: the example has {example}, the response {actual}"),
    }
}

/// A confirmed bill in the current reporting period, so that the examples' figures and sessions
/// have something to show.
async fn with_a_confirmed_bill(app: &TestApp, tenant: &Tenant) {
    let form = Form::new()
        .part("file", Part::bytes(b"%PDF-1.4\n% February\n%%EOF\n".to_vec()).file_name("feb.pdf"))
        .text("type", "electricity")
        .text("siteId", tenant.site.id.to_string());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(&tenant.key).multipart(form).send().await;
    let bill: Value = res.expect("upload").json().await.expect("json");
    let id = bill["data"]["id"].as_str().expect("bill id");
    let today = chrono::Utc::now().date_naive();
    let start = today - chrono::Days::new(30);
    let body =
        json!({"consumption": "1200", "unit": "kWh", "periodStart": start.to_string(), "periodEnd": today.to_string()});
    let res = app.client.post(app.url(&format!("/api/v1/bills/{id}/confirm"))).bearer_auth(&tenant.key).json(&body);
    assert_eq!(res.send().await.expect("confirm").status(), StatusCode::OK);
}

/// A plan of the current reporting period, to stand for the page's `crp_5tN8xBmQ`.
async fn a_plan(app: &TestApp, tenant: &Tenant) -> String {
    let period = carbonpass_domain::calculation::ReportingPeriod::containing(
        chrono::Utc::now().date_naive(),
        carbonpass_domain::model::ReportingYearStart::APRIL,
    );
    let body = json!({"fyYear": period.end_year().to_string()});
    let res = app.client.post(app.url("/api/v1/crp")).bearer_auth(&tenant.key).json(&body).send().await;
    let plan: Value = res.expect("generate").json().await.expect("json");
    plan["data"]["id"].as_str().unwrap_or_else(|| panic!("a plan: {plan}")).to_owned()
}

/// Runs the page's `curl` on this server: its URL, key, site and file swapped for the test's.
async fn run(
    app: &TestApp,
    tenant: &Tenant,
    plan: &str,
    curl: &[String],
    files: &std::path::Path,
) -> reqwest::Response {
    let swap = |text: &str| {
        text.replace(SEED_KEY, &tenant.key).replace(SEED_SITE, tenant.site.id.as_str()).replace(SEED_PLAN, plan)
    };
    let (mut method, mut url, mut headers, mut form) = (reqwest::Method::GET, None, Vec::new(), None::<Form>);
    let mut words = curl.iter().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "-X" => method = words.next().expect("a method").parse().expect("method"),
            "-H" => headers.push(swap(words.next().expect("a header"))),
            "-F" => {
                let field = swap(words.next().expect("a field"));
                let (name, value) = field.split_once('=').expect("name=value");
                let part = match value.strip_prefix('@') {
                    Some(file) => {
                        let path = files.join(file);
                        std::fs::write(&path, b"%PDF-1.4\n% the seed's invoice\n%%EOF\n").expect("file");
                        Part::bytes(std::fs::read(&path).expect("read")).file_name(file.to_owned())
                    }
                    None => Part::text(value.to_owned()),
                };
                form = Some(form.unwrap_or_default().part(name.to_owned(), part));
                if method == reqwest::Method::GET {
                    method = reqwest::Method::POST;
                }
            }
            other => url = Some(swap(other).replacen(SEED_BASE, &app.base, 1)),
        }
    }
    let mut request = app.client.request(method, url.expect("a URL"));
    for header in headers {
        let (name, value) = header.split_once(':').expect("name: value");
        request = request.header(name.trim(), value.trim());
    }
    if let Some(form) = form {
        request = request.multipart(form);
    }
    request.send().await.expect("request")
}

async fn every_example_request_answers_in_the_shape_beside_it(app: TestApp) {
    let tenant = app.tenant("Acme Industries Ltd", Plan::Business, KeyMode::Live).await;
    with_a_confirmed_bill(&app, &tenant).await;
    let plan = a_plan(&app, &tenant).await;
    let files = tempfile::tempdir().expect("folder");
    let (requests, others) = examples();
    assert_eq!(requests.len() + others.len(), 6, "the page's JSON examples: {requests:?} {others:?}");

    let mut run_count = 0;
    for example in &requests {
        let url = example.curl.iter().find(|w| w.starts_with(SEED_BASE)).expect("a URL");
        let res = run(&app, &tenant, &plan, &example.curl, files.path()).await;
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let body: Value = res.json().await.expect("JSON");
        same_shape(&example.response, &body, url);
        run_count += 1;
    }
    assert_eq!(run_count, requests.len(), "every request example is run");
    assert_eq!(run_count, 4, "company, emissions, the upload and the plan");

    // The error example: the upload it quotes, without its "type".
    let error = others.iter().find(|v| v.get("error").is_some()).expect("the error example");
    let form = Form::new()
        .part("file", Part::bytes(b"%PDF-1.4\n% no type\n%%EOF\n".to_vec()).file_name("x.pdf"))
        .text("siteId", tenant.site.id.to_string());
    let res = app.client.post(app.url("/api/v1/bills")).bearer_auth(&tenant.key).multipart(form).send().await;
    let res = res.expect("upload");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("JSON");
    let mut body_without_param = body.clone();
    body_without_param.as_object_mut().expect("object").remove("param");
    same_shape(error, &body_without_param, "the error example");
    assert_eq!(body["message"], error["message"], "the seed's own words");
    assert_eq!(body["param"], "type");

    let rest: Vec<&Value> = others.iter().filter(|v| v.get("error").is_none()).collect();
    for value in &rest {
        let text = value.to_string().replace(' ', "");
        assert!(
            NOT_REQUESTS.iter().any(|(marker, _)| text.contains(&marker.replace(' ', ""))),
            "an example this test does not know: {value}"
        );
    }
}
