//! Events, as the webhooks will carry them: written to the outbox in the same transaction as the
//! change they report. This file fixes their names and the shape of their `data`.

use serde::Serialize;

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
}

fn bill_data(bill: &Bill) -> String {
    let data = BillData {
        id: bill.id.as_str(),
        status: bill.status.as_str(),
        bill_type: bill.bill_type.as_str(),
        session_id: bill.session_id.as_str(),
        site_id: bill.site_id.as_str(),
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
struct PlanData<'a> {
    id: &'a str,
    status: &'a str,
}

fn plan_data(plan: &CarbonReductionPlan) -> String {
    // Serialising plain strings cannot fail.
    serde_json::to_string(&PlanData { id: plan.id.as_str(), status: plan.status.as_str() }).unwrap_or_default()
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
}
