//! Events: the changes webhooks report, each written to the outbox in the transaction of the
//! change itself. Their wire form (`data`, and the body around it) is the edge's: the
//! [`EventPayloads`](crate::ports::EventPayloads) port writes it, so the domain fixes what
//! happened and never how it is spelled.

use crate::crp::CarbonReductionPlan;
use crate::model::{ActivityRecord, Bill, EndpointId};
use crate::webhooks::EventType;

/// What happened, with what it happened to.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A bill was uploaded.
    BillUploaded(&'a Bill),
    /// A bill's activity was confirmed and calculated.
    BillConfirmed(&'a Bill),
    /// An uploaded bill was rejected (it never counted).
    BillRejected(&'a Bill),
    /// A confirmed bill was voided and left every total.
    BillVoided(&'a Bill),
    /// An activity was recorded and calculated.
    ActivityRecorded(&'a ActivityRecord),
    /// An activity record was voided and left every total.
    ActivityVoided(&'a ActivityRecord),
    /// A plan was generated, as a draft.
    CrpGenerated(&'a CarbonReductionPlan),
    /// A plan was published.
    CrpPublished(&'a CarbonReductionPlan),
    /// A test delivery, sent to one endpoint on request.
    Ping(&'a EndpointId),
}

impl Event<'_> {
    pub fn event_type(&self) -> EventType {
        match self {
            Event::BillUploaded(_) => EventType::BillUploaded,
            Event::BillConfirmed(_) => EventType::BillConfirmed,
            Event::BillRejected(_) => EventType::BillRejected,
            Event::BillVoided(_) => EventType::BillVoided,
            Event::ActivityRecorded(_) => EventType::ActivityRecorded,
            Event::ActivityVoided(_) => EventType::ActivityVoided,
            Event::CrpGenerated(_) => EventType::CrpGenerated,
            Event::CrpPublished(_) => EventType::CrpPublished,
            Event::Ping(_) => EventType::Ping,
        }
    }
}

/// An event as the outbox keeps it: its type, and its `data` in wire form (JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub event_type: &'static str,
    pub data: String,
}
