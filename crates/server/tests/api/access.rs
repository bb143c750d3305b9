//! Partner companies chosen per request with `CarbonPass-Company`, rolling keys, and removing a
//! user from a company.

use carbonpass_domain::model::{KeyMode, MembershipRole, Plan};
use carbonpass_testkit::on_both_backends;
use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::integrity::post_json;
use crate::support::{Tenant, TestApp, expect_error, spawn_configured};

/// Partner users' buckets refill one request a minute, so every request shows in the count.
async fn spawn(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    spawn_configured(backend, |settings| {
        settings.rate_limits.partner = carbonpass_server::settings::QuotaSettings { per_minute: 1, burst: 10_000 };
    })
    .await
}

on_both_backends!(spawn =>
    a_partner_acts_on_the_client_company_they_choose,
    the_company_header_on_every_route_refuses_companies_not_served,
    only_partner_keys_choose_another_company,
    removing_a_user_from_a_company_revokes_their_keys_there,
    keys_created_while_a_user_is_removed_are_all_revoked,
    a_rolled_key_works_until_its_grace_period_ends,
    rolling_refuses_bad_grace_periods_and_other_peoples_keys,
    racing_rolls_of_one_key_make_exactly_one_replacement,
);

const COMPANY: &str = "CarbonPass-Company";

async fn as_company(app: &TestApp, method: Method, path: &str, key: &str, company: &str) -> Response {
    app.client.request(method, app.url(path)).bearer_auth(key).header(COMPANY, company).send().await.expect("request")
}

async fn json_ok(res: Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A consultancy on the Partner plan whose owner serves `client` as a consultant.
async fn partner_serving(app: &TestApp, client: &Tenant) -> Tenant {
    let partner = app.tenant("Green Advisers", Plan::Partner, KeyMode::Live).await;
    let user = app.services.tenants.find_user_by_email(&partner.email).await.expect("lookup").expect("user");
    app.services.tenants.add_member(&user.id, &client.company.id, MembershipRole::Consultant).await.expect("linked");
    partner
}

fn remaining(res: &Response) -> u64 {
    res.headers()["x-ratelimit-remaining"].to_str().ok().and_then(|v| v.parse().ok()).expect("remaining")
}

async fn a_partner_acts_on_the_client_company_they_choose(app: TestApp) {
    let client = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let partner = partner_serving(&app, &client).await;
    let client_id = client.company.id.as_str();

    let own = app.get("/api/v1/company", &partner.key).await;
    let first = remaining(&own);
    assert_eq!(json_ok(own).await["data"]["id"], partner.company.id.as_str(), "without the header: home");
    let chosen = as_company(&app, Method::GET, "/api/v1/company", &partner.key, client_id).await;
    assert_eq!(remaining(&chosen), first - 1, "one bucket, the user's, whatever company");
    assert_eq!(json_ok(chosen).await["data"]["id"], client_id);

    // A bill uploaded for the client is the client's: its owner sees it, the partner's own
    // company does not.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(crate::bills::pdf("partner")).file_name("bill.pdf"))
        .text("type", "electricity")
        .text("siteId", client.site.id.as_str().to_owned());
    let res = app
        .client
        .post(app.url("/api/v1/bills"))
        .bearer_auth(&partner.key)
        .header(COMPANY, client_id)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let bill = json_ok(res).await["data"]["id"].as_str().expect("id").to_owned();
    let seen_by_owner = json_ok(app.get(&format!("/api/v1/bills/{bill}"), &client.key).await).await;
    assert_eq!(seen_by_owner["data"]["id"], bill.as_str());
    expect_error(app.get(&format!("/api/v1/bills/{bill}"), &partner.key).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    let listed = json_ok(as_company(&app, Method::GET, "/api/v1/bills", &partner.key, client_id).await).await;
    assert_eq!(listed["data"][0]["id"], bill.as_str());

    // A test key with the header acts on the client's sandbox.
    let test_key = app.issue(&partner.email, &partner.company, KeyMode::Test).await;
    let sandbox = json_ok(as_company(&app, Method::GET, "/api/v1/company", &test_key, client_id).await).await;
    assert_eq!(sandbox["data"]["name"], "Acme");
    assert_ne!(sandbox["data"]["id"], client_id, "the client's sandbox twin, not its live data");
    let sandbox_bills = json_ok(as_company(&app, Method::GET, "/api/v1/bills", &test_key, client_id).await).await;
    assert_eq!(sandbox_bills["data"], json!([]), "live bills never reach the sandbox");
    // A key issued to the partner for the client draws on the same bucket, the Partner allowance.
    let client_key = app.issue(&partner.email, &client.company, KeyMode::Live).await;
    let before = remaining(&app.get("/api/v1/company", &partner.key).await);
    let res = app.get("/api/v1/company", &client_key).await;
    assert_eq!(res.headers()["x-ratelimit-limit"], "10000", "the Partner allowance, not the client's Business one");
    assert_eq!(remaining(&res), before - 1, "one bucket per user");
    assert_eq!(json_ok(res).await["data"]["id"], client_id);
    // Keys are the partner's own wherever they act: the same listing with or without the header.
    let keys_here = json_ok(app.get("/api/v1/keys", &partner.key).await).await;
    let keys_there = json_ok(as_company(&app, Method::GET, "/api/v1/keys", &partner.key, client_id).await).await;
    assert_eq!(keys_here["data"], keys_there["data"]);
    assert_eq!(keys_here["data"].as_array().map(Vec::len), Some(1), "the key issued for the client is the client's");
    // The twin's own id is not a company anyone serves.
    let twin = sandbox["data"]["id"].as_str().expect("id").to_owned();
    let res = as_company(&app, Method::GET, "/api/v1/company", &test_key, &twin).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
}

async fn the_company_header_on_every_route_refuses_companies_not_served(app: TestApp) {
    let client = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let stranger = app.tenant("Stranger", Plan::Business, KeyMode::Live).await;
    let partner = partner_serving(&app, &client).await;
    let document: Value =
        app.request(Method::GET, "/api/v1/openapi.json", None).await.json().await.expect("the document");
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            if operation["security"].as_array().is_none_or(Vec::is_empty) {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let path = path.replace("{id}", "x_nothing");
            for company in [stranger.company.id.as_str(), "comp_doesnotexist", "not-an-id"] {
                let res = as_company(&app, method.clone(), &path, &partner.key, company).await;
                assert!(res.headers().contains_key("x-ratelimit-remaining"), "the request was counted: {path}");
                let body = expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
                assert_eq!(body["message"], "Company not found.", "{method} {path} with {company}");
            }
            // The company's own members name it and reach the handler (whatever it answers).
            let res = as_company(&app, method.clone(), &path, &client.key, client.company.id.as_str()).await;
            let reached: Value = res.json().await.unwrap_or(Value::Null);
            assert_ne!(reached["message"], "Company not found.", "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "every authenticated operation: {checked}");
}

async fn only_partner_keys_choose_another_company(app: TestApp) {
    let client = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let colleague = app.tenant("Beta", Plan::Business, KeyMode::Live).await;
    // A Business-plan user who is also a member of Acme: their Beta key does not reach Acme.
    let user = app.services.tenants.find_user_by_email(&colleague.email).await.expect("lookup").expect("user");
    app.services.tenants.add_member(&user.id, &client.company.id, MembershipRole::Member).await.expect("member");
    let res = as_company(&app, Method::GET, "/api/v1/company", &colleague.key, client.company.id.as_str()).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let own = as_company(&app, Method::GET, "/api/v1/company", &colleague.key, colleague.company.id.as_str()).await;
    assert_eq!(json_ok(own).await["data"]["id"], colleague.company.id.as_str(), "naming its own company is fine");
}

async fn removing_a_user_from_a_company_revokes_their_keys_there(app: TestApp) {
    let client = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let partner = partner_serving(&app, &client).await;
    // A member of Acme with a live and a test key for it.
    let member = app
        .services
        .tenants
        .create_user(carbonpass_domain::model::NewUser { email: "member@acme.example".into(), name: "Member".into() });
    let member = member.await.expect("user");
    app.services.tenants.add_member(&member.id, &client.company.id, MembershipRole::Member).await.expect("member");
    let live = app.issue("member@acme.example", &client.company, KeyMode::Live).await;
    let test = app.issue("member@acme.example", &client.company, KeyMode::Test).await;
    assert_eq!(app.get("/api/v1/company", &live).await.status(), StatusCode::OK);

    let revoked =
        app.services.tenants.remove_member(&member.id, &client.company.id, Utc::now()).await.expect("removed");
    assert_eq!(revoked, 2);
    for key in [&live, &test] {
        expect_error(app.get("/api/v1/company", key).await, StatusCode::UNAUTHORIZED, "revoked_api_key").await;
    }
    assert_eq!(app.get("/api/v1/company", &client.key).await.status(), StatusCode::OK, "others keep theirs");

    // A consultant removed from a client no longer reaches it; their own company still.
    let user = app.services.tenants.find_user_by_email(&partner.email).await.expect("lookup").expect("user");
    app.services.tenants.remove_member(&user.id, &client.company.id, Utc::now()).await.expect("removed");
    let res = as_company(&app, Method::GET, "/api/v1/company", &partner.key, client.company.id.as_str()).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.get("/api/v1/company", &partner.key).await.status(), StatusCode::OK);
    let again = app.services.tenants.remove_member(&member.id, &client.company.id, Utc::now()).await;
    assert!(matches!(again, Err(carbonpass_domain::DomainError::NotFound { .. })), "{again:?}");
}

/// The id of the key `key` (the only key of its owner with its prefix).
async fn id_of(app: &TestApp, key: &str) -> String {
    let listed = json_ok(app.get("/api/v1/keys", key).await).await;
    let entry = listed["data"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| key.starts_with(k["prefix"].as_str().unwrap_or("-")))
        .expect("listed")
        .clone();
    entry["id"].as_str().expect("id").to_owned()
}

async fn roll(app: &TestApp, key: &str, id: &str, body: Option<&str>) -> Response {
    match body {
        Some(body) => post_json(app, key, &format!("/api/v1/keys/{id}/roll"), body).await,
        None => app.request(Method::POST, &format!("/api/v1/keys/{id}/roll"), Some(key)).await,
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("a time: {value}"))
}

async fn a_rolled_key_works_until_its_grace_period_ends(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let old_id = id_of(&app, &tenant.key).await;
    let before = Utc::now();
    let res = roll(&app, &tenant.key, &old_id, None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let rolled = json_ok(res).await;
    let new_key = rolled["data"]["key"].as_str().expect("the new key, once").to_owned();
    assert!(new_key.starts_with("cp_live_"));
    assert_ne!(rolled["data"]["id"], old_id.as_str());
    assert_eq!(rolled["data"]["replaces"]["id"], old_id.as_str());
    let expiry = time(&rolled["data"]["replaces"]["expiresAt"]);
    let day = chrono::TimeDelta::hours(24);
    assert!(expiry >= before + day - chrono::TimeDelta::seconds(1) && expiry <= Utc::now() + day, "{expiry}");
    // Both work during the grace period; the listing says until when, never a secret.
    assert_eq!(app.get("/api/v1/company", &tenant.key).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/company", &new_key).await.status(), StatusCode::OK);
    let listed = json_ok(app.get("/api/v1/keys", &new_key).await).await;
    let text = listed.to_string();
    assert!(!text.contains(&new_key) && !text.contains(&tenant.key));
    let old = listed["data"].as_array().expect("keys").iter().find(|k| k["id"] == old_id.as_str()).expect("old");
    assert_eq!(time(&old["expiresAt"]), expiry);
    assert_eq!(old["name"], rolled["data"]["name"], "the replacement keeps the name");

    // In its grace period the old key reads and writes data, but manages no keys.
    let minted = post_json(&app, &tenant.key, "/api/v1/keys", r#"{"name": "escape"}"#).await;
    expect_error(minted, StatusCode::CONFLICT, "conflict").await;
    let new_id_now = rolled["data"]["id"].as_str().expect("id").to_owned();
    expect_error(roll(&app, &tenant.key, &new_id_now, None).await, StatusCode::CONFLICT, "conflict").await;
    let res = app.request(Method::DELETE, &format!("/api/v1/keys/{new_id_now}"), Some(&tenant.key)).await;
    expect_error(res, StatusCode::CONFLICT, "conflict").await;
    // Rolled once: the next roll is of the replacement.
    expect_error(roll(&app, &new_key, &old_id, None).await, StatusCode::CONFLICT, "conflict").await;
    let new_id = rolled["data"]["id"].as_str().expect("id").to_owned();
    let now_res = roll(&app, &new_key, &new_id, Some(r#"{"gracePeriodHours": 0}"#)).await;
    let newest = json_ok(now_res).await["data"]["key"].as_str().expect("key").to_owned();
    let ended = expect_error(app.get("/api/v1/company", &new_key).await, StatusCode::UNAUTHORIZED, "expired_api_key");
    ended.await;
    assert_eq!(app.get("/api/v1/company", &newest).await.status(), StatusCode::OK);
}

async fn rolling_refuses_bad_grace_periods_and_other_peoples_keys(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let other = app.tenant("Beta", Plan::Business, KeyMode::Live).await;
    let id = id_of(&app, &tenant.key).await;
    for body in [
        r#"{"gracePeriodHours": 169}"#,
        r#"{"gracePeriodHours": -1}"#,
        r#"{"gracePeriodHours": 1.5}"#,
        r#"{"gracePeriodHours": "24"}"#,
        r#"{"gracePeriodHours": 99999999999999999999}"#,
        r#"{"grace": 1}"#,
        "[]",
        "{",
    ] {
        let refused =
            expect_error(roll(&app, &tenant.key, &id, Some(body)).await, StatusCode::BAD_REQUEST, "bad_request");
        let refused = refused.await;
        assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let listed = json_ok(app.get("/api/v1/keys", &tenant.key).await).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1), "nothing was rolled");
    // Another company's key, a test key naming a live key, an id of nothing: not found.
    expect_error(roll(&app, &other.key, &id, None).await, StatusCode::NOT_FOUND, "not_found").await;
    let test_key = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    expect_error(roll(&app, &test_key, &id, None).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(roll(&app, &tenant.key, "key_nothing", None).await, StatusCode::NOT_FOUND, "not_found").await;
    // A revoked key is not rolled.
    let spare = app.issue(&tenant.email, &tenant.company, KeyMode::Live).await;
    let spare_id = id_of(&app, &spare).await;
    let res = app.request(Method::DELETE, &format!("/api/v1/keys/{spare_id}"), Some(&tenant.key)).await;
    assert_eq!(res.status(), StatusCode::OK);
    expect_error(roll(&app, &tenant.key, &spare_id, None).await, StatusCode::CONFLICT, "conflict").await;
}

async fn racing_rolls_of_one_key_make_exactly_one_replacement(app: TestApp) {
    let tenant = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let id = id_of(&app, &tenant.key).await;
    let rolls = (0..12).map(|_| {
        let (client, url, key) = (app.client.clone(), app.url(&format!("/api/v1/keys/{id}/roll")), tenant.key.clone());
        tokio::spawn(async move { client.post(url).bearer_auth(key).send().await.expect("request").status() })
    });
    let mut statuses = Vec::new();
    for roll in rolls.collect::<Vec<_>>() {
        statuses.push(roll.await.expect("task"));
    }
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, conflicts), (1, 11), "{statuses:?}");
    let listed = json_ok(app.get("/api/v1/keys", &tenant.key).await).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2), "one replacement");
}

/// Twelve keys created through the API while a (co-)owner is being removed: whichever commits first,
/// no key of theirs for the company is left working (a removal waits for a key being written, or
/// the key finds no membership).
async fn keys_created_while_a_user_is_removed_are_all_revoked(app: TestApp) {
    let client = app.tenant("Acme", Plan::Business, KeyMode::Live).await;
    let member = app
        .services
        .tenants
        .create_user(carbonpass_domain::model::NewUser { email: "member@acme.example".into(), name: "Member".into() });
    let member = member.await.expect("user");
    app.services.tenants.add_member(&member.id, &client.company.id, MembershipRole::Owner).await.expect("member");
    let key = app.issue("member@acme.example", &client.company, KeyMode::Live).await;
    let creations: Vec<_> = (0..12)
        .map(|i| {
            let (http, url, key) = (app.client.clone(), app.url("/api/v1/keys"), key.clone());
            tokio::spawn(async move {
                let res = http.post(url).bearer_auth(key).json(&json!({"name": format!("racer {i}")})).send().await;
                let res = res.expect("request");
                let status = res.status();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                (status, body["data"]["key"].as_str().map(str::to_owned))
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.services.tenants.remove_member(&member.id, &client.company.id, Utc::now()).await.expect("removed");
    let mut made = Vec::new();
    for creation in creations {
        let (status, key) = creation.await.expect("task");
        assert!([StatusCode::CREATED, StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND].contains(&status), "{status}");
        made.extend(key);
    }
    for key in made.iter().chain([&key]) {
        let res = app.get("/api/v1/company", key).await;
        expect_error(res, StatusCode::UNAUTHORIZED, "revoked_api_key").await;
    }
    let keys = app.services.access.list_keys(&member.id).await.expect("keys");
    assert!(keys.iter().all(|k| k.revoked_at.is_some()), "{keys:?}");
}
