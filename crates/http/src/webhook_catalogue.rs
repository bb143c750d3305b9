//! The event catalogue in the OpenAPI document: its `webhooks` section (OpenAPI 3.1) describes
//! each event CarbonPass POSTs to an endpoint, with the body and signature headers. Each event's
//! `data` schema is generated from the wire types that write it (`dto::events`), one per event
//! of the domain's catalogue, so the document cannot fall behind what is delivered.

use carbonpass_domain::webhooks::EventType;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::dto::events::{ActivityEventData, BillEventData, PingEventData, PlanEventData};

/// A wire type's schema with every schema it refers to written in place, so the section stands
/// on its own whatever the components hold.
fn inline_schema<T: ToSchema>() -> Value {
    let mut referred: Vec<(String, RefOr<Schema>)> = Vec::new();
    T::schemas(&mut referred);
    let referred: serde_json::Map<String, Value> =
        referred.into_iter().map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default())).collect();
    let mut schema = serde_json::to_value(T::schema()).unwrap_or_default();
    inline_refs(&mut schema, &referred, 0);
    schema
}

fn inline_refs(value: &mut Value, referred: &serde_json::Map<String, Value>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Some(target) =
        value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
        && let Some(schema) = referred.get(target)
    {
        *value = schema.clone();
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| inline_refs(v, referred, depth + 1)),
        Value::Array(items) => items.iter_mut().for_each(|v| inline_refs(v, referred, depth + 1)),
        _ => {}
    }
}

/// `data` of each event, from its wire type. A calculated bill's event always carries its
/// totals, which the type makes optional for the others.
fn data_schema(event: EventType) -> Value {
    match event {
        EventType::BillUploaded | EventType::BillRejected => inline_schema::<BillEventData<'static>>(),
        EventType::BillConfirmed | EventType::BillVoided => {
            let mut schema = inline_schema::<BillEventData<'static>>();
            if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
                required.push(json!("emissions"));
            }
            schema
        }
        EventType::ActivityRecorded | EventType::ActivityVoided => inline_schema::<ActivityEventData<'static>>(),
        EventType::CrpGenerated | EventType::CrpPublished => inline_schema::<PlanEventData<'static>>(),
        EventType::Ping => inline_schema::<PingEventData<'static>>(),
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
            "Lowercase hex HMAC-SHA256 of the raw body, keyed with the endpoint's whole secret string (`whsec_…`). It covers the body only, so it is the same on every attempt and cannot stop a replay by itself: de-duplicate by the event `id` and refuse stale events, or better, check `webhook-signature` with `webhook-timestamp`."
        ),
        header("webhook-id", "The event's id, the same on every attempt: de-duplicate by it."),
        header("webhook-timestamp", "The attempt's Unix seconds: refuse one more than 5 minutes off your clock."),
        header(
            "webhook-signature",
            "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded secret; one per live secret, space-separated, during a rotation. The stronger check: it covers the attempt's time, so with `webhook-timestamp` and `webhook-id` it refuses replays."
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
