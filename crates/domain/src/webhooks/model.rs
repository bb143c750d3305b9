//! Webhook endpoints, deliveries and attempts as the domain knows them: what the API shows and
//! what the delivery worker acts on.

use chrono::{DateTime, TimeDelta, Utc};

use super::EventType;
use crate::model::{ApiKeyId, CompanyId, DeliveryId, EndpointId, EventId, UserId};

/// A receiver of a tenant's events. Its secrets are never part of it: they are shown once, when
/// created or rotated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: EndpointId,
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub enabled: bool,
    /// Why it was disabled by the service (410 Gone, failing for 5 days); `None` when enabled or
    /// disabled by its owner.
    pub disabled_reason: Option<String>,
    /// Since when every attempt to it has failed; `None` once one succeeds.
    pub failing_since: Option<DateTime<Utc>>,
    /// Who made it; empty for endpoints made before this was recorded.
    pub created_by: Creator,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who made an endpoint: the user, and the key they used (none for an operator at the CLI).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Creator {
    pub user: Option<UserId>,
    pub key: Option<ApiKeyId>,
}

/// An endpoint to create, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    /// `whsec_…`, minted by the webhooks adapter.
    pub secret: String,
    pub created_by: Creator,
    pub created_at: DateTime<Utc>,
}

/// A change to an endpoint, checked: only what is `Some` changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

impl EndpointChange {
    pub fn is_empty(&self) -> bool {
        self.url.is_none() && self.events.is_none() && self.description.is_none() && self.enabled.is_none()
    }
}

/// An endpoint with a secret shown this once (creation, rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointWithSecret {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or in one).
    Pending,
    /// A 2xx answered one attempt.
    Delivered,
    /// Every scheduled attempt failed, or the endpoint was disabled: only retrying or
    /// recovering sends it again.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// One attempt to deliver, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub at: DateTime<Utc>,
    /// The receiver's status code, when it answered.
    pub status_code: Option<u16>,
    pub latency_ms: u32,
    /// Why there was no answer (timeout, refused address, connection failure).
    pub error: Option<String>,
    /// The start of the receiver's answer (at most 1 KiB).
    pub excerpt: String,
}

/// One event on its way to one endpoint, with its attempts, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub endpoint_id: EndpointId,
    pub event_id: EventId,
    pub event_type: String,
    pub status: DeliveryStatus,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempts: Vec<AttemptRecord>,
}

/// Which deliveries of an endpoint to list: newest first, after `after` (the previous page's last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuery {
    pub after: Option<DeliveryId>,
    pub limit: u32,
}

/// A delivery claimed by a worker for one attempt: everything the attempt needs. `lease` proves
/// the claim when the outcome is recorded; a claim whose lease ran out is someone else's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub id: DeliveryId,
    pub lease: String,
    pub company: CompanyId,
    pub endpoint: EndpointId,
    pub url: String,
    /// Every live secret of the endpoint, newest first (two during a rotation).
    pub secrets: Vec<String>,
    pub event_id: EventId,
    /// The exact body: the same bytes on every attempt.
    pub body: String,
    /// Attempts made before this one (in this run: a retry by hand starts again from 0).
    pub attempts_made: u32,
    pub failing_since: Option<DateTime<Utc>>,
    /// Failed attempts in a row to the endpoint when claimed (the circuit breaker's count).
    pub consecutive_failures: u32,
}

/// What a worker asks the queue for: due deliveries, shared fairly between tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    pub now: DateTime<Utc>,
    /// Free slots: the most deliveries claimed in all.
    pub limit: u32,
    /// How long each claim keeps its delivery from other claims.
    pub lease: TimeDelta,
    /// Endpoints this worker has no free slot for.
    pub full_endpoints: Vec<EndpointId>,
    /// The most one tenant may have in flight in this worker.
    pub per_tenant: u32,
    /// Free slots of the tenants with attempts in flight in this worker (others have
    /// `per_tenant`); a tenant with none is not claimed for.
    pub tenant_room: Vec<(CompanyId, u32)>,
    /// Attempts a tenant may have claimed in a minute, by every worker together.
    pub sends_per_minute: u32,
}

/// What a claim took, and the tenants left waiting for their minute's sends to renew.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimBatch {
    pub claims: Vec<DueDelivery>,
    pub throttled: Vec<CompanyId>,
}

/// Pending deliveries by where they stand (the queue's depth, for operators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Due now and waiting for a worker.
    pub due: u64,
    /// Waiting for a later attempt (a retry on the schedule).
    pub scheduled: u64,
    /// In an attempt now (claimed, the lease running).
    pub in_flight: u64,
    /// Due, but their endpoint's circuit is open.
    pub circuit_open: u64,
}

/// What a manual operation (a test ping, a retry, a recovery) is counted against: its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManualTarget {
    Endpoint(EndpointId),
    /// The delivery's endpoint.
    Delivery(DeliveryId),
}

/// What one retention sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryRemoved {
    pub events: u64,
    pub deliveries: u64,
    pub attempts: u64,
}
