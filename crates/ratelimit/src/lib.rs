//! Rate-limit adapter: implements the domain's [`RateLimiter`] port three ways.
//!
//! - [`PerProcess`]: governor's keyed GCRA in memory; each process limits alone (the default).
//! - [`Shared`]: buckets in Redis, shared by every process; while Redis cannot be reached it
//!   limits per process, logs the change both ways and reports it as its mode.
//! - [`Unlimited`]: limits off (benchmarks, and operators who limit at a proxy).
//!
//! Unauthenticated requests are always limited per process, by client address: they are refused
//! before any lookup, so the cheap check must stay local.

mod local;
mod redis;

use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use carbonpass_domain::model::{LimiterMode, RateLimitStatus, RateQuota, UserId};
use carbonpass_domain::ports::RateLimiter;

pub use local::{Buckets, ClientGuard};
pub use redis::RedisBuckets;

/// Limits off: every request is admitted and no header is sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unlimited;

#[async_trait]
impl RateLimiter for Unlimited {
    async fn admit(&self, _user: &UserId, _quota: RateQuota) -> Option<RateLimitStatus> {
        None
    }

    fn client_refused(&self, _client: &str) -> Option<RateLimitStatus> {
        None
    }

    fn count_client(&self, _client: &str, _quota: RateQuota) {}

    async fn mode(&self) -> LimiterMode {
        LimiterMode::Off
    }
}

/// Buckets in this process's memory.
#[derive(Debug, Default)]
pub struct PerProcess {
    users: Buckets<UserId>,
    clients: ClientGuard,
}

impl PerProcess {
    fn admit_user(&self, user: &UserId, quota: RateQuota) -> RateLimitStatus {
        self.users.reclaim_when_due();
        self.users.admit(user, quota)
    }

    /// How many user buckets are held (tests, benchmarks).
    pub fn buckets(&self) -> usize {
        self.users.len()
    }
}

#[async_trait]
impl RateLimiter for PerProcess {
    async fn admit(&self, user: &UserId, quota: RateQuota) -> Option<RateLimitStatus> {
        Some(self.admit_user(user, quota))
    }

    fn client_refused(&self, client: &str) -> Option<RateLimitStatus> {
        self.clients.refused(client)
    }

    fn count_client(&self, client: &str, quota: RateQuota) {
        self.clients.count(client, quota);
    }

    async fn mode(&self) -> LimiterMode {
        LimiterMode::PerProcess
    }
}

/// After Redis failed, how long requests use local buckets before Redis is tried again: one
/// failed attempt a second, not one per request.
const RETRY_REDIS_AFTER: Duration = Duration::from_secs(1);

/// Buckets shared through Redis, with this process's own as the fallback.
#[derive(Debug)]
pub struct Shared {
    redis: RedisBuckets,
    local: PerProcess,
    /// Set while Redis is failing: why, and when to try it again.
    outage: Mutex<Option<(String, Instant)>>,
}

impl Shared {
    /// A limiter sharing buckets through the Redis at `url`, under keys starting with `prefix`.
    /// Connects lazily: call [`check`](Self::check) to learn at start-up whether Redis answers.
    /// Call it inside a Tokio runtime (its connection manager starts a task there).
    pub fn new(url: &str, prefix: &str) -> Result<Self, String> {
        let redis = RedisBuckets::new(url, prefix).map_err(|e| format!("invalid redis_url: {e}"))?;
        Ok(Self { redis, local: PerProcess::default(), outage: Mutex::new(None) })
    }

    /// Tries Redis now and records the outcome (logged if it changes the mode).
    pub async fn check(&self) -> LimiterMode {
        let outcome = self.redis.ping().await;
        self.record(outcome.as_ref().err());
        self.current_mode()
    }

    fn current_mode(&self) -> LimiterMode {
        let outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        match &*outage {
            None => LimiterMode::Shared,
            Some((reason, _)) => LimiterMode::SharedUnavailable { reason: reason.clone() },
        }
    }

    /// Whether Redis should be skipped now (it failed less than a second ago).
    fn skipping_redis(&self) -> bool {
        let outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        outage.as_ref().is_some_and(|(_, retry_at)| Instant::now() < *retry_at)
    }

    fn record(&self, failure: Option<&String>) {
        let mut outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        match (failure, outage.is_some()) {
            (Some(reason), was_down) => {
                if !was_down {
                    tracing::warn!(%reason, "redis unreachable: rate limits are per process until it answers again");
                }
                *outage = Some((reason.clone(), Instant::now() + RETRY_REDIS_AFTER));
            }
            (None, true) => {
                tracing::info!("redis answers again: rate limits are shared");
                *outage = None;
            }
            (None, false) => {}
        }
    }
}

#[async_trait]
impl RateLimiter for Shared {
    async fn admit(&self, user: &UserId, quota: RateQuota) -> Option<RateLimitStatus> {
        if self.skipping_redis() {
            return Some(self.local.admit_user(user, quota));
        }
        match self.redis.admit(user.as_str(), quota).await {
            Ok(status) => {
                self.record(None);
                Some(status)
            }
            Err(reason) => {
                self.record(Some(&reason));
                Some(self.local.admit_user(user, quota))
            }
        }
    }

    fn client_refused(&self, client: &str) -> Option<RateLimitStatus> {
        self.local.client_refused(client)
    }

    fn count_client(&self, client: &str, quota: RateQuota) {
        self.local.count_client(client, quota);
    }

    async fn mode(&self) -> LimiterMode {
        if self.skipping_redis() { self.current_mode() } else { self.check().await }
    }
}
