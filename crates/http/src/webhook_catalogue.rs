//! The event catalogue in the OpenAPI document: its `webhooks` section (OpenAPI 3.1) describes
//! each event CarbonPass POSTs to an endpoint, with the body and signature headers, written from
//! the domain's catalogue so it cannot fall behind it.

use carbonpass_domain::webhooks::EventType;
use serde_json::{Value, json};

/// `data` of each event.
fn data_schema(event: EventType) -> Value {
    let tonnes = json!({"type": "number", "description": "tCO2e, exact to 3 decimals (the kilogram)."});
    let bill = |with_emissions: bool| {
        let mut properties = json!({
            "id": {"type": "string", "pattern": "^bill_[0-9A-Za-z]+$"},
            "status": {"type": "string", "enum": ["uploaded", "confirmed", "rejected", "voided"]},
            "type": {"type": "string", "description": "The bill type (electricity, gas, …)."},
            "sessionId": {"type": "string", "pattern": "^sess_[0-9A-Za-z]+$"},
            "siteId": {"type": "string", "pattern": "^site_[0-9A-Za-z]+$"},
        });
        let mut required = vec!["id", "status", "type", "sessionId", "siteId"];
        if with_emissions {
            properties["emissions"] = json!({
                "type": "object",
                "description": "The bill's scope totals (for bill.voided: what left the totals).",
                "required": ["totalTco2e", "scope1", "scope2", "scope3"],
                "properties": {"totalTco2e": tonnes, "scope1": tonnes, "scope2": tonnes, "scope3": tonnes},
            });
            required.push("emissions");
        }
        json!({"type": "object", "required": required, "properties": properties})
    };
    match event {
        EventType::BillUploaded | EventType::BillRejected => bill(false),
        EventType::BillConfirmed | EventType::BillVoided => bill(true),
        EventType::CrpGenerated | EventType::CrpPublished => json!({
            "type": "object",
            "required": ["id", "status", "fyYear", "targetYear"],
            "properties": {
                "id": {"type": "string", "pattern": "^crp_[0-9A-Za-z]+$"},
                "status": {"type": "string", "enum": ["draft", "published", "superseded"]},
                "fyYear": {"type": "integer", "description": "The year in which the plan's reporting period ends."},
                "targetYear": {"type": "integer", "description": "The net-zero year the plan commits to."},
            },
        }),
        EventType::Ping => json!({
            "type": "object",
            "required": ["endpointId", "message"],
            "properties": {"endpointId": {"type": "string"}, "message": {"type": "string"}},
        }),
    }
}

fn header(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "header", "required": true, "description": description, "schema": {"type": "string"}})
}

/// The `webhooks` section: one entry per event type.
pub(crate) fn section() -> Value {
    let headers = json!([
        header(
            "X-CarbonPass-Signature",
            "Lowercase hex HMAC-SHA256 of the raw body, keyed with the endpoint's whole secret string (`whsec_…`)."
        ),
        header("webhook-id", "The event's id, the same on every attempt: de-duplicate by it."),
        header("webhook-timestamp", "The attempt's Unix seconds: refuse one more than 5 minutes off your clock."),
        header(
            "webhook-signature",
            "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded secret; one per live secret, space-separated, during a rotation."
        ),
    ]);
    let mut section = serde_json::Map::new();
    for event in EventType::ALL {
        let name = event.as_str();
        let body = json!({
            "type": "object",
            "required": ["id", "event", "timestamp", "data"],
            "properties": {
                "id": {"type": "string", "pattern": "^evt_[0-9A-Za-z]+$", "description": "The event's id."},
                "event": {"type": "string", "const": name},
                "timestamp": {"type": "string", "format": "date-time", "description": "When the change happened."},
                "data": data_schema(event),
            },
        });
        section.insert(
            name.to_owned(),
            json!({"post": {
                "summary": event.meaning(),
                "description": "POSTed to every enabled endpoint subscribed to it (`ping`: to one endpoint, on request), at least once; see docs/webhooks.md.",
                "tags": ["Webhooks"],
                "parameters": headers,
                "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
                "responses": {
                    "2XX": {"description": "Received. Any other answer, a redirect, or none within 15 s is retried on the schedule; 410 Gone disables the endpoint; Retry-After on 429 or 503 is honoured."}
                },
            }}),
        );
    }
    Value::Object(section)
}
