//! The delivery worker: claims due deliveries from the queue, sends each signed attempt through
//! the guarded client, and records the outcome with the domain's verdict.
//!
//! Parallel across endpoints, bounded three times: at most `concurrency` attempts at once in the
//! process, at most `per_tenant` of one tenant (data space), and at most `per_endpoint` to one
//! endpoint (one while its circuit is half open), so one tenant's slow or hanging receivers
//! (15 s a timeout) hold only that tenant's share of the slots and never delay another tenant's
//! events. The queue shares each claim between tenants in turns, and bounds each tenant's sends
//! per minute across every worker. It wakes when a delivery commits (the store's signal), when an
//! attempt ends and frees a slot, or when the next retry falls due; `poll` bounds every sleep, as
//! a safety net should a signal be lost. An attempt that panics frees its slot like any other, and is
//! recorded as failed (tried again on the schedule).

use std::sync::Arc;
use std::time::Duration;

use carbonpass_domain::model::{CompanyId, EndpointId};
use carbonpass_domain::ports::DeliveryQueue;
use carbonpass_domain::webhooks::circuit::CircuitBreaker;
use carbonpass_domain::webhooks::model::{ClaimRequest, DueDelivery};
use carbonpass_domain::webhooks::verdict::{AttemptOutcome, judge};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use tokio::sync::{Notify, watch};

use crate::client::Attempt;
use crate::in_flight::{Ended, InFlight};
use crate::signing::sign;
use crate::transport::Transport;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// Attempts in flight at once, in all.
    pub concurrency: usize,
    /// Attempts in flight at once to one endpoint.
    pub per_endpoint: usize,
    /// Attempts in flight at once of one tenant (data space), over all its endpoints.
    pub per_tenant: usize,
    /// Attempts one tenant may have claimed in a minute, by every worker together.
    pub sends_per_minute: u32,
    /// When an endpoint that keeps failing is left alone.
    pub breaker: CircuitBreaker,
    /// How long a claim keeps a delivery from other workers: longer than an attempt can take.
    pub lease: Duration,
    /// The longest the worker sleeps without looking at the queue.
    pub poll: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            concurrency: 64,
            per_endpoint: 8,
            per_tenant: 16,
            sends_per_minute: 600,
            breaker: CircuitBreaker::default(),
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
        }
    }
}

/// After the queue fails (the database away), the worker waits this long before trying again.
const AFTER_QUEUE_ERROR: Duration = Duration::from_secs(1);

/// The worker. Runs until told to stop, then lets the attempts in flight finish and be recorded
/// (within a grace period). Attempts lost with a killed process have their leases run out, and
/// another worker sends them again.
#[derive(Clone)]
pub struct Dispatcher {
    queue: Arc<dyn DeliveryQueue>,
    client: Arc<dyn Transport>,
    wake: Arc<Notify>,
    config: DispatcherConfig,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A worker sending through `client` (the guarded client, in production).
    pub fn new(
        queue: Arc<dyn DeliveryQueue>,
        client: impl Transport + 'static,
        wake: Arc<Notify>,
        config: DispatcherConfig,
    ) -> Self {
        let config = DispatcherConfig {
            concurrency: config.concurrency.max(1),
            per_endpoint: config.per_endpoint.max(1),
            per_tenant: config.per_tenant.max(1),
            sends_per_minute: config.sends_per_minute.max(1),
            ..config
        };
        Self { queue, client: Arc::new(client), wake, config }
    }

    /// Delivers until `stop` turns true, then waits at most `grace` for the attempts in flight.
    pub async fn run(self, mut stop: watch::Receiver<bool>, grace: Duration) {
        let mut in_flight = InFlight::default();
        let lease = TimeDelta::from_std(self.config.lease).unwrap_or(TimeDelta::seconds(30));
        let mut depth_read: Option<std::time::Instant> = None;
        while !*stop.borrow() {
            while let Some(ended) = in_flight.try_next() {
                self.ended(&mut in_flight, ended);
            }
            if depth_read.is_none_or(|at| at.elapsed() >= self.config.poll) {
                depth_read = Some(std::time::Instant::now());
                self.record_depth().await;
            }
            let free = self.config.concurrency.saturating_sub(in_flight.attempts());
            let mut wait = self.config.poll;
            if free > 0 {
                let request = ClaimRequest {
                    now: Utc::now(),
                    limit: u32::try_from(free).unwrap_or(u32::MAX),
                    lease,
                    full_endpoints: self.full(&in_flight),
                    per_tenant: u32::try_from(self.config.per_tenant).unwrap_or(u32::MAX),
                    tenant_room: in_flight
                        .tenant_room(self.config.per_tenant)
                        .into_iter()
                        .map(|(c, room)| (c, u32::try_from(room).unwrap_or(u32::MAX)))
                        .collect(),
                    sends_per_minute: self.config.sends_per_minute,
                };
                match self.queue.claim_due(request).await {
                    Ok(batch) => {
                        let claimed = batch.claims.len();
                        let throttled = batch.throttled;
                        let mut give_back = Vec::new();
                        for claim in batch.claims {
                            let cap = if self.config.breaker.half_open(claim.consecutive_failures) {
                                1
                            } else {
                                self.config.per_endpoint
                            };
                            if in_flight.to(&claim.endpoint) >= cap
                                || in_flight.of(&claim.company) >= self.config.per_tenant
                            {
                                give_back.push(claim);
                                continue;
                            }
                            let claim = Arc::new(claim);
                            let attempt =
                                attempt(self.queue.clone(), self.client.clone(), claim.clone(), self.config.breaker);
                            in_flight.start(claim, cap, attempt);
                        }
                        let gave_back = !give_back.is_empty();
                        if let Err(err) = self.queue.release(give_back).await {
                            tracing::warn!(error = %err, "giving claims back failed; their leases will run out");
                        }
                        // A full batch may leave more due: the loop looks again when a slot frees.
                        if claimed == 0 || gave_back {
                            // Deliveries of endpoints or tenants with no free slot wait for an
                            // attempt to end (which wakes this loop), not for a timer; tenants
                            // out of sends for the minute wait for the poll.
                            let mut waiting = throttled;
                            waiting.extend(self.full_tenants(&in_flight));
                            wait = self.until_next_due(self.full(&in_flight), waiting).await;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot claim webhook deliveries; trying again shortly");
                        wait = AFTER_QUEUE_ERROR;
                    }
                }
            }
            let busy = in_flight.tasks() > 0;
            tokio::select! {
                () = self.wake.notified() => {}
                Some(ended) = in_flight.next(), if busy => self.ended(&mut in_flight, ended),
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
        let left = in_flight.attempts();
        if left > 0 {
            tracing::info!(in_flight = left, "webhook worker stopping: letting attempts in flight finish");
        }
        let drained = tokio::time::timeout(grace, async {
            while let Some(ended) = in_flight.next().await {
                self.ended(&mut in_flight, ended);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                left = in_flight.attempts(),
                "webhook attempts still in flight at shutdown; they are sent again once their leases run out"
            );
        }
    }

    /// A task has ended (its slot is free). An attempt that panicked is recorded as failed, as
    /// any failed attempt is, so its delivery is tried again on the schedule rather than when
    /// its lease runs out; the receiver's owner is told it failed on our side, never why.
    fn ended(&self, in_flight: &mut InFlight, ended: Ended) {
        let Ended::Panicked { claim, started, message } = ended else { return };
        tracing::error!(
            delivery = claim.id.as_str(),
            panic = %message,
            "webhook attempt panicked; recording it as failed"
        );
        let outcome = AttemptOutcome {
            at: started,
            status_code: None,
            latency_ms: elapsed_ms(started),
            error: Some(PANICKED.to_owned()),
            excerpt: String::new(),
            retry_after: None,
        };
        metrics::counter!("carbonpass_webhook_attempts_total", "outcome" => "panicked").increment(1);
        in_flight.run(record(self.queue.clone(), claim, outcome, self.config.breaker));
    }

    /// The tenants with no free slot in this process.
    fn full_tenants(&self, in_flight: &InFlight) -> Vec<CompanyId> {
        in_flight
            .tenant_room(self.config.per_tenant)
            .into_iter()
            .filter(|(_, room)| *room == 0)
            .map(|(c, _)| c)
            .collect()
    }

    /// The queue's depth by state, for operators; a failure to read it is no reason to stop.
    async fn record_depth(&self) {
        let depth = match self.queue.depth(Utc::now()).await {
            Ok(depth) => depth,
            Err(err) => {
                tracing::debug!(error = %err, "cannot read the webhook queue's depth");
                return;
            }
        };
        for (state, n) in [
            ("due", depth.due),
            ("scheduled", depth.scheduled),
            ("in_flight", depth.in_flight),
            ("circuit_open", depth.circuit_open),
        ] {
            metrics::gauge!("carbonpass_webhook_queue_depth", "state" => state).set(n as f64);
        }
    }

    /// The endpoints with no free slot in this process.
    fn full(&self, in_flight: &InFlight) -> Vec<EndpointId> {
        in_flight.at_least(self.config.per_endpoint)
    }

    /// How long until the next delivery falls due, within the polling bound.
    async fn until_next_due(&self, busy: Vec<EndpointId>, waiting: Vec<CompanyId>) -> Duration {
        match self.queue.next_due(busy, waiting).await {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(MIN_SLEEP).clamp(MIN_SLEEP, self.config.poll),
            Ok(None) => self.config.poll,
            Err(_) => AFTER_QUEUE_ERROR,
        }
    }
}

/// Never spin: even a delivery due "now" that could not be claimed is looked at again only
/// after this (a lease of another worker running out, say).
const MIN_SLEEP: Duration = Duration::from_millis(20);

/// What the delivery log shows for an attempt that panicked: that it failed on our side.
pub const PANICKED: &str = "internal error: the attempt panicked";

/// One attempt: sign, send, judge, record. Its slot is freed when its task ends.
async fn attempt(
    queue: Arc<dyn DeliveryQueue>,
    client: Arc<dyn Transport>,
    claim: Arc<DueDelivery>,
    breaker: CircuitBreaker,
) {
    let started = Utc::now();
    let clock = std::time::Instant::now();
    let result = send(client.as_ref(), &claim, started.timestamp()).await;
    metrics::histogram!("carbonpass_webhook_attempt_seconds").record(clock.elapsed().as_secs_f64());
    metrics::counter!("carbonpass_webhook_attempts_total", "outcome" => outcome_label(&result)).increment(1);
    let outcome = AttemptOutcome {
        at: started,
        status_code: result.status,
        latency_ms: u32::try_from(result.latency.as_millis()).unwrap_or(u32::MAX),
        error: result.error,
        excerpt: result.excerpt,
        retry_after: result.retry_after,
    };
    record(queue, claim, outcome, breaker).await;
}

/// The attempt's outcome in a word, for the attempts counter (a bounded set of labels).
fn outcome_label(attempt: &Attempt) -> &'static str {
    match (attempt.status, &attempt.error) {
        (Some(code), _) if crate::client::delivered(code) => "delivered",
        (Some(_), _) => "failed",
        (None, Some(error)) if error.starts_with("no answer within") => "timeout",
        (None, _) => "error",
    }
}

/// Judges an attempt's outcome and records both under the claim's lease.
async fn record(
    queue: Arc<dyn DeliveryQueue>,
    claim: Arc<DueDelivery>,
    outcome: AttemptOutcome,
    breaker: CircuitBreaker,
) {
    let verdict = judge(&outcome, claim.attempts_made, claim.failing_since, rand::random::<f64>());
    match queue.record_attempt(&claim, &outcome, &verdict, breaker).await {
        Ok(true) => {
            tracing::debug!(delivery = claim.id.as_str(), status = ?outcome.status_code, next = ?verdict.next, "webhook attempt")
        }
        Ok(false) => tracing::info!(
            delivery = claim.id.as_str(),
            "webhook attempt not recorded: its claim is no longer held (the lease ran out, or the endpoint was deleted)"
        ),
        Err(err) => {
            tracing::warn!(delivery = claim.id.as_str(), error = %err, "webhook attempt not recorded; it will be sent again")
        }
    }
}

fn elapsed_ms(since: DateTime<Utc>) -> u32 {
    (Utc::now() - since).num_milliseconds().try_into().unwrap_or(0)
}

/// The signed POST of one attempt.
async fn send(client: &dyn Transport, claim: &DueDelivery, timestamp: i64) -> Attempt {
    let secrets: Vec<&str> = claim.secrets.iter().map(String::as_str).collect();
    let body = claim.body.as_bytes();
    let Some(signed) = sign(&secrets, claim.event_id.as_str(), timestamp, body) else {
        return Attempt {
            status: None,
            latency: Duration::ZERO,
            excerpt: String::new(),
            retry_after: None,
            error: Some("the endpoint has no usable secret; rotate it".into()),
        };
    };
    let header =
        |name: &'static str, value: &str| HeaderValue::from_str(value).ok().map(|v| (HeaderName::from_static(name), v));
    let headers: Vec<(HeaderName, HeaderValue)> = [
        header("x-carbonpass-signature", &signed.carbonpass),
        header("webhook-id", &signed.id),
        header("webhook-timestamp", &signed.timestamp.to_string()),
        header("webhook-signature", &signed.standard),
    ]
    .into_iter()
    .flatten()
    .collect();
    client.post(&claim.url, &headers, body.to_vec()).await
}
