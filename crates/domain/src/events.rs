//! Events, as the webhooks will carry them: written to the outbox in the same transaction as the
//! change they report. This file fixes their names and the shape of their `data`.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::calculation::Scope;
use crate::crp::CarbonReductionPlan;
use crate::model::Bill;
use crate::webhooks::EventType;

/// An event to write to the outbox: its type and its `data` as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub event_type: &'static str,
    pub data: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BillData<'a> {
    id: &'a str,
    status: &'a str,
    #[serde(rename = "type")]
    bill_type: &'a str,
    session_id: &'a str,
    site_id: &'a str,
    /// The bill's scope totals, once it is calculated (kept when it is voided: what left the
    /// totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    emissions: Option<Emissions>,
}

/// tCO2e as the API shows them everywhere: exact JSON numbers, rounded to the kilogram.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Emissions {
    total_tco2e: Box<RawValue>,
    scope1: Box<RawValue>,
    scope2: Box<RawValue>,
    scope3: Box<RawValue>,
}

/// Kilograms as tonnes to 3 decimals (half away from zero), as an exact JSON number.
fn tonnes(kg: Decimal) -> Box<RawValue> {
    let t = (kg / Decimal::ONE_THOUSAND).round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero).normalize();
    let text = t.to_string();
    let text = if text.contains('.') { text } else { format!("{text}.0") };
    // A decimal's text is a valid JSON number.
    RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

fn bill_data(bill: &Bill) -> String {
    let emissions = bill.confirmed.as_ref().map(|c| {
        let calc = &c.calculation;
        let (s1, s2, s3) = (calc.total(Scope::One), calc.total(Scope::Two), calc.total(Scope::Three));
        Emissions { total_tco2e: tonnes(s1 + s2 + s3), scope1: tonnes(s1), scope2: tonnes(s2), scope3: tonnes(s3) }
    });
    let data = BillData {
        id: bill.id.as_str(),
        status: bill.status.as_str(),
        bill_type: bill.bill_type.as_str(),
        session_id: bill.session_id.as_str(),
        site_id: bill.site_id.as_str(),
        emissions,
    };
    // Serialising plain strings cannot fail.
    serde_json::to_string(&data).unwrap_or_default()
}

/// `bill.confirmed`, when a bill's activity is confirmed and calculated.
pub fn bill_confirmed(bill: &Bill) -> OutboxEvent {
    OutboxEvent { event_type: EventType::BillConfirmed.as_str(), data: bill_data(bill) }
}

/// `bill.rejected`, when an uploaded bill is rejected (it never counted).
pub fn bill_rejected(bill: &Bill) -> OutboxEvent {
    OutboxEvent { event_type: EventType::BillRejected.as_str(), data: bill_data(bill) }
}

/// `bill.voided`, when a confirmed bill is voided and leaves every total.
pub fn bill_voided(bill: &Bill) -> OutboxEvent {
    OutboxEvent { event_type: EventType::BillVoided.as_str(), data: bill_data(bill) }
}

/// `bill.uploaded`, with the same fields as the upload's response.
pub fn bill_uploaded(bill: &Bill) -> OutboxEvent {
    OutboxEvent { event_type: EventType::BillUploaded.as_str(), data: bill_data(bill) }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanData<'a> {
    id: &'a str,
    status: &'a str,
    fy_year: i32,
    target_year: i32,
}

fn plan_data(plan: &CarbonReductionPlan) -> String {
    let data = PlanData {
        id: plan.id.as_str(),
        status: plan.status.as_str(),
        fy_year: plan.fy_year,
        target_year: plan.target_year,
    };
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_string(&data).unwrap_or_default()
}

/// `ping`, sent to one endpoint on request.
pub fn ping(endpoint: &str) -> OutboxEvent {
    let data = serde_json::json!({ "endpointId": endpoint, "message": "A test delivery from CarbonPass." });
    OutboxEvent { event_type: EventType::Ping.as_str(), data: data.to_string() }
}

/// The body receivers get: `{"id","event","timestamp","data"}`, the same bytes on every attempt.
/// `timestamp` is when the event happened, to the second, as in the seed's example.
pub fn envelope(id: &str, event_type: &str, at: DateTime<Utc>, data: &str) -> String {
    #[derive(Serialize)]
    struct Envelope<'a> {
        id: &'a str,
        event: &'a str,
        timestamp: String,
        data: &'a RawValue,
    }
    let fallback;
    let data = match serde_json::from_str::<&RawValue>(data) {
        Ok(raw) => raw,
        Err(_) => {
            // Stored data is always JSON we wrote; should it not be, it travels as a string.
            fallback = RawValue::from_string(serde_json::Value::from(data).to_string()).unwrap_or_default();
            &fallback
        }
    };
    let timestamp = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    serde_json::to_string(&Envelope { id, event: event_type, timestamp, data }).unwrap_or_default()
}

/// `crp.generated`, when a plan is generated (as a draft), with the seed's `data`.
pub fn crp_generated(plan: &CarbonReductionPlan) -> OutboxEvent {
    OutboxEvent { event_type: EventType::CrpGenerated.as_str(), data: plan_data(plan) }
}

/// `crp.published`, when a plan is published.
pub fn crp_published(plan: &CarbonReductionPlan) -> OutboxEvent {
    OutboxEvent { event_type: EventType::CrpPublished.as_str(), data: plan_data(plan) }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::calculation::BillType;
    use crate::model::{BillId, BillStatus, SessionId, SiteId, StoredFile};

    #[test]
    fn bill_uploaded_carries_the_bill_in_wire_names() {
        let bill = Bill {
            id: BillId::parse("bill_b1").expect("id"),
            site_id: SiteId::parse("site_s1").expect("id"),
            session_id: SessionId::parse("sess_x1").expect("id"),
            bill_type: BillType::HeatingOil,
            status: BillStatus::Uploaded,
            file: StoredFile {
                blob_key: "k".into(),
                content_type: "application/pdf".into(),
                size_bytes: 1,
                sha256: "h".into(),
            },
            created_at: Utc::now(),
            confirmed: None,
            correction: None,
        };
        let event = bill_uploaded(&bill);
        assert_eq!(event.event_type, "bill.uploaded");
        assert_eq!(
            event.data,
            r#"{"id":"bill_b1","status":"uploaded","type":"heating_oil","sessionId":"sess_x1","siteId":"site_s1"}"#
        );
    }

    #[test]
    fn tonnes_are_exact_numbers_to_the_kilogram() {
        assert_eq!(tonnes(Decimal::new(12_345_678, 4)).get(), "1.235");
        assert_eq!(tonnes(Decimal::from(2000)).get(), "2.0");
        assert_eq!(tonnes(Decimal::new(-5, 1)).get(), "-0.001");
    }

    #[test]
    fn the_envelope_holds_the_data_as_json_in_the_seeds_order() {
        let at = chrono::TimeZone::timestamp_opt(&Utc, 1_775_486_148, 0).single().expect("time");
        let body = envelope("evt_1", "crp.generated", at, r#"{"id":"crp_5tN8xBmQ","status":"draft"}"#);
        assert_eq!(
            body,
            r#"{"id":"evt_1","event":"crp.generated","timestamp":"2026-04-06T14:35:48Z","data":{"id":"crp_5tN8xBmQ","status":"draft"}}"#
        );
    }
}
