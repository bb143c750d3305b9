//! What webhooks need: endpoints and their delivery log, the queue the worker draws from, and
//! the adapter's secrets and target checks.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::events::Event;
use crate::model::{CompanyId, DeliveryId, EndpointId};
use crate::webhooks::circuit::CircuitBreaker;
use crate::webhooks::model::{
    ClaimBatch, ClaimRequest, Delivery, DeliveryQuery, DueDelivery, EndpointChange, HistoryRemoved, ManualTarget,
    NewEndpoint, QueueDepth, WebhookEndpoint,
};
use crate::webhooks::verdict::{AttemptOutcome, Verdict};

/// A tenant's webhook endpoints and the log of their deliveries. Every method keeps to the
/// tenant `company` (the data space: a sandbox twin's endpoints are its own).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// `Conflict` if the tenant has `usecases::MAX_ENDPOINTS` already (counted in the same
    /// transaction, one creation of the tenant's at a time).
    async fn create_endpoint(&self, company: &CompanyId, new: NewEndpoint) -> Result<WebhookEndpoint, DomainError>;

    /// The tenant's endpoints, oldest first.
    async fn list_endpoints(&self, company: &CompanyId) -> Result<Vec<WebhookEndpoint>, DomainError>;

    async fn find_endpoint(&self, company: &CompanyId, id: &EndpointId)
    -> Result<Option<WebhookEndpoint>, DomainError>;

    /// Applies `change`; re-enabling clears the reason it was disabled and its failing clock,
    /// disabling fails its pending deliveries. `NotFound` if not the tenant's.
    async fn update_endpoint(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        change: EndpointChange,
        at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError>;

    /// Deletes the endpoint and its deliveries. `NotFound` if not the tenant's.
    async fn delete_endpoint(&self, company: &CompanyId, id: &EndpointId) -> Result<(), DomainError>;

    /// Makes `secret` the endpoint's signing secret; the one it replaces keeps signing until
    /// `old_expires_at`. One rotation at a time: `Conflict` within a minute of the last rotation
    /// (racing rotations: the first wins), so every secret ever shown signs. `NotFound` if not
    /// the tenant's.
    async fn rotate_secret(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        secret: String,
        at: DateTime<Utc>,
        old_expires_at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError>;

    /// In one transaction: writes a `ping` event for the endpoint and a delivery of it to that
    /// endpoint alone, due now. `NotFound` if not the tenant's.
    async fn enqueue_ping(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError>;

    /// The endpoint's deliveries, newest first, each with its attempts. `NotFound` if the
    /// endpoint is not the tenant's; `Invalid` (field `cursor`) for a cursor naming no delivery
    /// of it.
    async fn list_deliveries(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        query: DeliveryQuery,
    ) -> Result<Vec<Delivery>, DomainError>;

    /// Puts one delivery back on its way, due now, with a fresh schedule (a delivered one is
    /// sent again). `NotFound` if not the tenant's; `Conflict` if its endpoint is disabled.
    async fn retry_delivery(
        &self,
        company: &CompanyId,
        id: &DeliveryId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError>;

    /// Puts every failed delivery of the endpoint whose event happened at or after `since` back
    /// on its way; returns how many. `NotFound` if not the tenant's; `Conflict` if disabled.
    async fn recover_failed(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError>;

    /// Counts one manual operation against the endpoint of `target` in the current one-minute
    /// window, shared by every process: `Ok(None)` if admitted, `Ok(Some(wait))` if the endpoint
    /// has had `per_minute` already (nothing counted; `wait` until the window renews).
    /// `NotFound` if the endpoint (or delivery) is not the tenant's.
    async fn count_manual(
        &self,
        company: &CompanyId,
        target: &ManualTarget,
        at: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<Option<std::time::Duration>, DomainError>;

    /// Removes, for every tenant, at most `batch` each of: attempts of finished (delivered or
    /// failed) deliveries made before `before`, finished deliveries last changed before it,
    /// and events written before it that no delivery refers to. A delivery still pending (or in
    /// an attempt) is never touched, nor its attempts or event. What it removed.
    async fn remove_history_before(&self, before: DateTime<Utc>, batch: u32) -> Result<HistoryRemoved, DomainError>;
}

/// The queue of deliveries the worker draws from. Not a tenant's read: the worker serves every
/// tenant, and each claim carries its tenant for what follows.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait DeliveryQueue: Send + Sync {
    /// Claims up to `request.limit` pending deliveries due at `request.now` of enabled endpoints
    /// whose circuit is closed, not in `full_endpoints`, each for `lease`: no other claim takes
    /// them until it runs out (several processes never make the same attempt at once). Tenants
    /// take turns (round-robin, oldest due first within each), each at most its room, and at
    /// most `sends_per_minute` in a minute across every process; tenants over that are named in
    /// `throttled` and their deliveries wait.
    async fn claim_due(&self, request: ClaimRequest) -> Result<ClaimBatch, DomainError>;

    /// Gives claims back unattempted (the endpoint had no free slot), due as they were.
    async fn release(&self, claims: Vec<DueDelivery>) -> Result<(), DomainError>;

    /// Records an attempt and its verdict, if the claim's lease is still held (`false` if it
    /// ran out and another claim may have the delivery: nothing is written).
    /// A failure counts towards the endpoint's circuit `breaker` (opening it), a success closes it.
    async fn record_attempt(
        &self,
        claim: &DueDelivery,
        outcome: &AttemptOutcome,
        verdict: &Verdict,
        breaker: CircuitBreaker,
    ) -> Result<bool, DomainError>;

    /// When the next pending delivery of an enabled endpoint with a closed circuit, not in
    /// `busy` and not of a tenant in `waiting`, falls due, if any.
    async fn next_due(
        &self,
        busy: Vec<EndpointId>,
        waiting: Vec<CompanyId>,
    ) -> Result<Option<DateTime<Utc>>, DomainError>;

    /// Pending deliveries by where they stand at `now`.
    async fn depth(&self, now: DateTime<Utc>) -> Result<QueueDepth, DomainError>;
}

/// What managing endpoints needs of the webhooks adapter: fresh secrets, and whether a target may
/// be reached (its host resolving to public addresses only).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookTargets: Send + Sync {
    /// `whsec_` + base64 of 32 random bytes.
    fn mint_secret(&self) -> String;

    /// The rules of the URL itself (`TargetPolicy`) are the domain's; this checks where it
    /// leads. `Invalid` (field `url`) if it may not be delivered to.
    async fn check(&self, url: &str) -> Result<(), DomainError>;

    /// Whether plain `http` and private targets are allowed (development and tests only).
    fn policy(&self) -> crate::webhooks::TargetPolicy;
}

/// How events look on the wire. The payloads are the edge's (one set of wire types, from which
/// the published document's `webhooks` section is generated); storage keeps what this writes.
pub trait EventPayloads: Send + Sync {
    /// The event's `data` as receivers get it (JSON text), kept in the outbox with the change.
    fn data(&self, event: &Event<'_>) -> String;

    /// A delivery's body, `{"id","event","timestamp","data"}` around an event's kept `data`:
    /// the same bytes on every attempt.
    fn body(&self, event_id: &str, event_type: &str, at: DateTime<Utc>, data: &str) -> String;
}
