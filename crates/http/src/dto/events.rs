//! Webhook payloads: what CarbonPass POSTs to an endpoint, in one set of wire types. The store
//! keeps each event's `data` as these types write it (through the domain's `EventPayloads`
//! port), and the published document's `webhooks` section is generated from their schemas
//! (`webhook_catalogue`), so what is delivered and what is documented cannot drift apart.

use carbonpass_domain::calculation::Scope;
use carbonpass_domain::crp::CarbonReductionPlan;
use carbonpass_domain::events::Event;
use carbonpass_domain::model::{ActivityRecord, Bill};
use carbonpass_domain::ports::EventPayloads;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::figures::Tonnes;

/// `data` of the `bill.*` events: the bill, as the upload's response names it, and once it is
/// calculated (`bill.confirmed`, `bill.voided`) its scope totals (for `bill.voided`, what left
/// the totals).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillEventData<'a> {
    #[schema(pattern = "^bill_[0-9A-Za-z]+$")]
    pub id: &'a str,
    #[schema(pattern = "^(uploaded|confirmed|rejected|voided)$")]
    pub status: &'a str,
    /// The bill type (electricity, gas, …).
    #[serde(rename = "type")]
    pub bill_type: &'a str,
    #[schema(pattern = "^sess_[0-9A-Za-z]+$")]
    pub session_id: &'a str,
    #[schema(pattern = "^site_[0-9A-Za-z]+$")]
    pub site_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emissions: Option<EventEmissions>,
}

/// A bill's scope totals, in tCO2e to the kilogram.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventEmissions {
    pub total_tco2e: Tonnes,
    pub scope1: Tonnes,
    pub scope2: Tonnes,
    pub scope3: Tonnes,
}

/// `data` of `activity.recorded` and `activity.voided`: the record, and its scope totals (for
/// `activity.voided`, what left the totals).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActivityEventData<'a> {
    #[schema(pattern = "^act_[0-9A-Za-z]+$")]
    pub id: &'a str,
    #[schema(pattern = "^(recorded|voided)$")]
    pub status: &'a str,
    /// The record's type, as `GET /api/v1/activity-types` lists it.
    pub activity_type: &'a str,
    #[schema(pattern = "^site_[0-9A-Za-z]+$")]
    pub site_id: Option<&'a str>,
    pub emissions: EventEmissions,
}

/// `data` of `crp.generated` and `crp.published`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanEventData<'a> {
    #[schema(pattern = "^crp_[0-9A-Za-z]+$")]
    pub id: &'a str,
    #[schema(pattern = "^(draft|published|superseded)$")]
    pub status: &'a str,
    /// The year in which the plan's reporting period ends.
    pub fy_year: i32,
    /// The net-zero year the plan commits to.
    pub target_year: i32,
}

/// `data` of `ping`: a test delivery, sent to one endpoint on request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PingEventData<'a> {
    #[schema(pattern = "^ep_[0-9A-Za-z]+$")]
    pub endpoint_id: &'a str,
    pub message: &'a str,
}

/// The body of every delivery. `timestamp` is when the event happened, to the second.
#[derive(Debug, Serialize)]
struct EventBody<'a> {
    id: &'a str,
    event: &'a str,
    timestamp: String,
    data: &'a RawValue,
}

fn bill_data(bill: &Bill) -> BillEventData<'_> {
    let emissions = bill.confirmed.as_ref().map(|confirmed| {
        let calc = &confirmed.calculation;
        let (s1, s2, s3) = (calc.total(Scope::One), calc.total(Scope::Two), calc.total(Scope::Three));
        EventEmissions {
            total_tco2e: Tonnes::of_kilograms(s1 + s2 + s3),
            scope1: Tonnes::of_kilograms(s1),
            scope2: Tonnes::of_kilograms(s2),
            scope3: Tonnes::of_kilograms(s3),
        }
    });
    BillEventData {
        id: bill.id.as_str(),
        status: bill.status.as_str(),
        bill_type: bill.bill_type.as_str(),
        session_id: bill.session_id.as_str(),
        site_id: bill.site_id.as_str(),
        emissions,
    }
}

fn activity_data(record: &ActivityRecord) -> Result<String, serde_json::Error> {
    let calc = &record.calculation;
    let (s1, s2, s3) = (calc.total(Scope::One), calc.total(Scope::Two), calc.total(Scope::Three));
    serde_json::to_string(&ActivityEventData {
        id: record.id.as_str(),
        status: record.status.as_str(),
        activity_type: &record.input.activity_type,
        site_id: record.input.site_id.as_ref().map(|s| s.as_str()),
        emissions: EventEmissions {
            total_tco2e: Tonnes::of_kilograms(s1 + s2 + s3),
            scope1: Tonnes::of_kilograms(s1),
            scope2: Tonnes::of_kilograms(s2),
            scope3: Tonnes::of_kilograms(s3),
        },
    })
}

fn plan_data(plan: &CarbonReductionPlan) -> Result<String, serde_json::Error> {
    serde_json::to_string(&PlanEventData {
        id: plan.id.as_str(),
        status: plan.status.as_str(),
        fy_year: plan.fy_year,
        target_year: plan.target_year,
    })
}

/// The wire form of events, for the store's outbox and the delivery worker.
#[derive(Debug, Clone, Copy, Default)]
pub struct WirePayloads;

impl EventPayloads for WirePayloads {
    fn data(&self, event: &Event<'_>) -> String {
        let data = match event {
            Event::BillUploaded(bill)
            | Event::BillConfirmed(bill)
            | Event::BillRejected(bill)
            | Event::BillVoided(bill) => serde_json::to_string(&bill_data(bill)),
            Event::ActivityRecorded(record) | Event::ActivityVoided(record) => activity_data(record),
            Event::CrpGenerated(plan) | Event::CrpPublished(plan) => plan_data(plan),
            Event::Ping(endpoint) => serde_json::to_string(&PingEventData {
                endpoint_id: endpoint.as_str(),
                message: "A test delivery from CarbonPass.",
            }),
        };
        // Strings, integers and exact numbers always serialise.
        data.unwrap_or_else(|_| "{}".to_owned())
    }

    fn body(&self, event_id: &str, event_type: &str, at: DateTime<Utc>, data: &str) -> String {
        let fallback;
        let data = match serde_json::from_str::<&RawValue>(data) {
            Ok(raw) => raw,
            Err(_) => {
                // Kept data is always JSON this type wrote; should it not be, it travels as a string.
                fallback = RawValue::from_string(serde_json::Value::from(data).to_string()).unwrap_or_default();
                &fallback
            }
        };
        let timestamp = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        serde_json::to_string(&EventBody { id: event_id, event: event_type, timestamp, data }).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use carbonpass_domain::calculation::BillType;
    use carbonpass_domain::model::{BillId, BillStatus, SessionId, SiteId, StoredFile};

    use super::*;

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
        assert_eq!(
            WirePayloads.data(&Event::BillUploaded(&bill)),
            r#"{"id":"bill_b1","status":"uploaded","type":"heating_oil","sessionId":"sess_x1","siteId":"site_s1"}"#
        );
    }

    #[test]
    fn the_body_holds_the_data_as_json_in_the_seeds_order() {
        let at = chrono::TimeZone::timestamp_opt(&Utc, 1_775_486_148, 0).single().expect("time");
        let body = WirePayloads.body("evt_1", "crp.generated", at, r#"{"id":"crp_5tN8xBmQ","status":"draft"}"#);
        assert_eq!(
            body,
            r#"{"id":"evt_1","event":"crp.generated","timestamp":"2026-04-06T14:35:48Z","data":{"id":"crp_5tN8xBmQ","status":"draft"}}"#
        );
    }
}
