//! What is delivered is what is published: every event type of the catalogue reaches a real
//! receiver, and each body is validated against the schema the served OpenAPI document gives
//! for that event (its `webhooks` section), by a JSON Schema validator that is not ours.

use std::collections::BTreeSet;
use std::time::Duration;

use carbonpass_domain::webhooks::EventType;
use carbonpass_testkit::Receiver;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::crp::{generate, ready_tenant};
use crate::integrity::{post_json, uploaded};
use crate::support::{TestApp, spawn};

const WAIT: Duration = Duration::from_secs(20);

carbonpass_testkit::on_both_backends!(spawn => every_event_delivered_matches_the_published_schema);

/// The served document with a `$ref` at its root to the body schema of `event`: refs inside it
/// then resolve against the whole document, as they do for a reader of the document.
fn body_schema(document: &Value, event: &str) -> Value {
    let pointer = format!("#/webhooks/{event}/post/requestBody/content/application~1json/schema");
    assert!(document.pointer(&pointer[1..]).is_some(), "the document publishes no body schema for {event}");
    let mut schema = document.clone();
    schema["$ref"] = json!(pointer);
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema
}

async fn every_event_delivered_matches_the_published_schema(app: TestApp) {
    let receiver = Receiver::start().await;
    let t = ready_tenant(&app, "Payload Ltd").await;
    let every: Vec<&str> = EventType::ALL.iter().filter(|e| **e != EventType::Ping).map(|e| e.as_str()).collect();
    let res = post_json(
        &app,
        &t.key,
        "/api/v1/webhook-endpoints",
        &json!({"url": receiver.url, "events": every}).to_string(),
    )
    .await;
    let created: Value = res.json().await.expect("json");
    let endpoint = created["data"]["id"].as_str().unwrap_or_else(|| panic!("endpoint: {created}")).to_owned();

    // bill.uploaded, bill.confirmed and bill.voided on one bill, bill.rejected on another.
    let voided = uploaded(&app, &t, "gas", "payload-void").await;
    let confirm = json!({"consumption": "1234.5", "unit": "kWh", "periodStart": "2025-01-01", "periodEnd": "2025-01-31", "allowOverlap": true});
    let res = post_json(&app, &t.key, &format!("/api/v1/bills/{voided}/confirm"), &confirm.to_string()).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    let res = post_json(&app, &t.key, &format!("/api/v1/bills/{voided}/void"), r#"{"reason":"duplicate"}"#).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rejected = uploaded(&app, &t, "water", "payload-reject").await;
    let res = post_json(&app, &t.key, &format!("/api/v1/bills/{rejected}/reject"), r#"{"reason":"not ours"}"#).await;
    assert_eq!(res.status(), StatusCode::OK);
    // crp.generated and crp.published.
    let plan = generate(&app, &t.key).await["id"].as_str().expect("plan id").to_owned();
    let res = post_json(&app, &t.key, &format!("/api/v1/crp/{plan}/publish"), "").await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    // activity.recorded and activity.voided on one record.
    let flight = json!({"activityType": "business_travel.air.domestic.average", "quantity": "800", "unit": "passenger_km", "periodStart": "2025-05-01", "periodEnd": "2025-05-02"});
    let res = post_json(&app, &t.key, "/api/v1/activities", &flight.to_string()).await;
    let recorded: Value = res.json().await.expect("json");
    let activity = recorded["data"]["id"].as_str().unwrap_or_else(|| panic!("activity: {recorded}")).to_owned();
    let res =
        post_json(&app, &t.key, &format!("/api/v1/activities/{activity}/void"), r#"{"reason":"cancelled"}"#).await;
    assert_eq!(res.status(), StatusCode::OK);
    // ping.
    let ping = app.request(Method::POST, &format!("/api/v1/webhook-endpoints/{endpoint}/test"), Some(&t.key)).await;
    assert_eq!(ping.status(), StatusCode::ACCEPTED);

    // uploaded ×2, confirmed, voided, rejected, activity recorded and voided, generated, published, ping
    let expected = 2 + 1 + 1 + 1 + 2 + 1 + 1 + 1;
    let got = receiver.wait_for(expected, WAIT).await;
    let document: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("doc").json().await.expect("json");

    let mut seen = BTreeSet::new();
    for received in &got {
        let body = received.json();
        let event = body["event"].as_str().unwrap_or_else(|| panic!("no event in {body}")).to_owned();
        let validator = jsonschema::validator_for(&body_schema(&document, &event))
            .unwrap_or_else(|e| panic!("the schema of {event} is not valid JSON Schema: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{event} does not match its published schema: {errors:?}\n{body}");
        // The validator is not vacuous: the same body with a field of the wrong type fails.
        let mut broken = body.clone();
        let field = if event == EventType::Ping.as_str() { "endpointId" } else { "id" };
        broken["data"][field] = json!(42);
        assert!(!validator.is_valid(&broken), "{event}: a numeric id passed its schema");
        seen.insert(event);
    }
    let all: BTreeSet<String> = EventType::ALL.iter().map(|e| e.as_str().to_owned()).collect();
    assert_eq!(seen, all, "every event type was delivered and checked");
}
