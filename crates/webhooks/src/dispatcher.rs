//! The delivery worker: claims due deliveries from the queue, sends each signed attempt through
//! the guarded client, and records the outcome with the domain's verdict.
//!
//! Parallel across endpoints, bounded twice: at most `concurrency` attempts at once in the
//! process, and at most `per_endpoint` to one endpoint, so one slow receiver (15 s a timeout)
//! cannot hold every slot. It wakes when a delivery commits (the store's signal), when an attempt
//! ends and frees a slot, or when the next retry falls due; `poll` bounds every sleep, as a safety
//! net should a signal be lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use carbonpass_domain::model::EndpointId;
use carbonpass_domain::ports::DeliveryQueue;
use carbonpass_domain::webhooks::model::DueDelivery;
use carbonpass_domain::webhooks::verdict::{AttemptOutcome, judge};
use chrono::{TimeDelta, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use crate::client::{Attempt, GuardedClient};
use crate::signing::sign;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// Attempts in flight at once, in all.
    pub concurrency: usize,
    /// Attempts in flight at once to one endpoint.
    pub per_endpoint: usize,
    /// How long a claim keeps a delivery from other workers: longer than an attempt can take.
    pub lease: Duration,
    /// The longest the worker sleeps without looking at the queue.
    pub poll: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self { concurrency: 64, per_endpoint: 8, lease: Duration::from_secs(30), poll: Duration::from_secs(1) }
    }
}

/// After the queue fails (the database away), the worker waits this long before trying again.
const AFTER_QUEUE_ERROR: Duration = Duration::from_secs(1);

/// The worker. Runs until told to stop, then lets the attempts in flight finish and be recorded
/// (within a grace period). Attempts lost with a killed process have their leases run out, and
/// another worker sends them again.
pub struct Dispatcher {
    queue: Arc<dyn DeliveryQueue>,
    client: GuardedClient,
    wake: Arc<Notify>,
    config: DispatcherConfig,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Dispatcher {
    pub fn new(
        queue: Arc<dyn DeliveryQueue>,
        client: GuardedClient,
        wake: Arc<Notify>,
        config: DispatcherConfig,
    ) -> Self {
        let config = DispatcherConfig {
            concurrency: config.concurrency.max(1),
            per_endpoint: config.per_endpoint.max(1),
            ..config
        };
        Self { queue, client, wake, config }
    }

    /// Delivers until `stop` turns true, then waits at most `grace` for the attempts in flight.
    pub async fn run(self, mut stop: watch::Receiver<bool>, grace: Duration) {
        let mut attempts = JoinSet::new();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<EndpointId>();
        let mut in_flight: HashMap<EndpointId, usize> = HashMap::new();
        let mut total = 0_usize;
        let lease = TimeDelta::from_std(self.config.lease).unwrap_or(TimeDelta::seconds(30));
        while !*stop.borrow() {
            while attempts.try_join_next().is_some() {}
            while let Ok(endpoint) = done_rx.try_recv() {
                finished(&mut in_flight, &mut total, &endpoint);
            }
            let free = self.config.concurrency.saturating_sub(total);
            let mut wait = self.config.poll;
            if free > 0 {
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self.queue.claim_due(Utc::now(), limit, lease, self.full(&in_flight)).await {
                    Ok(claims) => {
                        let claimed = claims.len();
                        let mut give_back = Vec::new();
                        for claim in claims {
                            let count = in_flight.entry(claim.endpoint.clone()).or_default();
                            if *count >= self.config.per_endpoint {
                                give_back.push(claim);
                                continue;
                            }
                            *count += 1;
                            total += 1;
                            attempts.spawn(attempt(self.queue.clone(), self.client.clone(), claim, done_tx.clone()));
                        }
                        let gave_back = !give_back.is_empty();
                        if let Err(err) = self.queue.release(give_back).await {
                            tracing::warn!(error = %err, "giving claims back failed; their leases will run out");
                        }
                        // A full batch may leave more due: the loop looks again when a slot frees.
                        if claimed == 0 || gave_back {
                            // Deliveries of endpoints with no free slot wait for an attempt to end
                            // (which wakes this loop), not for a timer.
                            wait = self.until_next_due(self.full(&in_flight)).await;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot claim webhook deliveries; trying again shortly");
                        wait = AFTER_QUEUE_ERROR;
                    }
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                Some(endpoint) = done_rx.recv() => finished(&mut in_flight, &mut total, &endpoint),
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
        let in_flight = attempts.len();
        if in_flight > 0 {
            tracing::info!(in_flight, "webhook worker stopping: letting attempts in flight finish");
        }
        let drained = tokio::time::timeout(grace, async { while attempts.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(
                left = attempts.len(),
                "webhook attempts still in flight at shutdown; they are sent again once their leases run out"
            );
        }
    }

    /// The endpoints with no free slot in this process.
    fn full(&self, in_flight: &HashMap<EndpointId, usize>) -> Vec<EndpointId> {
        in_flight.iter().filter(|(_, n)| **n >= self.config.per_endpoint).map(|(e, _)| e.clone()).collect()
    }

    /// How long until the next delivery falls due, within the polling bound.
    async fn until_next_due(&self, busy: Vec<EndpointId>) -> Duration {
        match self.queue.next_due(busy).await {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(MIN_SLEEP).clamp(MIN_SLEEP, self.config.poll),
            Ok(None) => self.config.poll,
            Err(_) => AFTER_QUEUE_ERROR,
        }
    }
}

/// Never spin: even a delivery due "now" that could not be claimed is looked at again only
/// after this (a lease of another worker running out, say).
const MIN_SLEEP: Duration = Duration::from_millis(20);

fn finished(in_flight: &mut HashMap<EndpointId, usize>, total: &mut usize, endpoint: &EndpointId) {
    *total = total.saturating_sub(1);
    if let Some(count) = in_flight.get_mut(endpoint) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            in_flight.remove(endpoint);
        }
    }
}

/// One attempt: sign, send, judge, record; then frees its slot.
async fn attempt(
    queue: Arc<dyn DeliveryQueue>,
    client: GuardedClient,
    claim: DueDelivery,
    done: mpsc::UnboundedSender<EndpointId>,
) {
    let started = Utc::now();
    let result = send(&client, &claim, started.timestamp()).await;
    let outcome = AttemptOutcome {
        at: started,
        status_code: result.status,
        latency_ms: u32::try_from(result.latency.as_millis()).unwrap_or(u32::MAX),
        error: result.error,
        excerpt: result.excerpt,
        retry_after: result.retry_after,
    };
    let verdict = judge(&outcome, claim.attempts_made, claim.failing_since, rand::random::<f64>());
    match queue.record_attempt(&claim, &outcome, &verdict).await {
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
    let _ = done.send(claim.endpoint);
}

/// The signed POST of one attempt.
async fn send(client: &GuardedClient, claim: &DueDelivery, timestamp: i64) -> Attempt {
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
