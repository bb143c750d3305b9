//! Buckets kept in this process's memory, with governor's keyed GCRA.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use carbonpass_domain::model::{RateLimitStatus, RateQuota};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// How often idle buckets are dropped. A bucket is idle once it has refilled completely: it is
/// then indistinguishable from a new one, so dropping it changes no decision.
const RECLAIM_EVERY: Duration = Duration::from_secs(60);

/// One keyed limiter per quota (plans differ), created on first use. Keyed by what is counted
/// (a user id, a client address), borrowed as it is: no key is copied to count a request.
#[derive(Debug)]
pub struct Buckets<K: Clone + Hash + Eq = String> {
    limiters: RwLock<Vec<(RateQuota, Arc<Keyed<K>>)>>,
    /// When idle buckets were last dropped, in milliseconds since `started`.
    last_reclaim_ms: AtomicU64,
    started: OnceInstant,
}

/// An `Instant` fixed at construction (for `Default`).
#[derive(Debug)]
struct OnceInstant(Instant);

impl Default for OnceInstant {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl<K: Clone + Hash + Eq> Default for Buckets<K> {
    fn default() -> Self {
        Self { limiters: RwLock::default(), last_reclaim_ms: AtomicU64::default(), started: OnceInstant::default() }
    }
}

impl<K: Clone + Hash + Eq> Buckets<K> {
    fn limiter(&self, quota: RateQuota) -> Arc<Keyed<K>> {
        let known = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, limiter)) = known.iter().find(|(q, _)| *q == quota) {
            return limiter.clone();
        }
        drop(known);
        let mut known = self.limiters.write().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, limiter)) = known.iter().find(|(q, _)| *q == quota) {
            return limiter.clone();
        }
        let governed = Quota::with_period(quota.refill_interval())
            .unwrap_or_else(|| Quota::per_second(quota.per_minute))
            .allow_burst(quota.burst);
        let limiter = Arc::new(RateLimiter::keyed(governed).with_middleware::<StateInformationMiddleware>());
        known.push((quota, limiter.clone()));
        limiter
    }

    /// Counts one request against `key`'s bucket of `quota`.
    pub fn admit(&self, key: &K, quota: RateQuota) -> RateLimitStatus {
        let limiter = self.limiter(quota);
        let interval = quota.refill_interval();
        let burst = quota.burst.get();
        match limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // Exact to within one refill interval (the part of a cell already refilled).
                let reset_after = interval.saturating_mul(burst.saturating_sub(remaining));
                RateLimitStatus { limit: burst, remaining, reset_after, retry_after: None }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                let reset_after = wait.saturating_add(interval.saturating_mul(burst.saturating_sub(1)));
                RateLimitStatus { limit: burst, remaining: 0, reset_after, retry_after: Some(wait) }
            }
        }
    }

    /// How many buckets are held (for tests and the benchmark).
    pub fn len(&self) -> usize {
        let known = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        known.iter().map(|(_, limiter)| limiter.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every bucket that has refilled completely.
    pub fn reclaim(&self) {
        let known = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        for (_, limiter) in known.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Drops idle buckets if the last sweep was a while ago; whether it swept.
    pub fn reclaim_when_due(&self) -> bool {
        let now_ms = u64::try_from(self.started.0.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_reclaim_ms.load(Ordering::Relaxed);
        let every = u64::try_from(RECLAIM_EVERY.as_millis()).unwrap_or(u64::MAX);
        // One caller wins the exchange and sweeps; the others go on at once.
        if now_ms.saturating_sub(last) >= every
            && self.last_reclaim_ms.compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.reclaim();
            return true;
        }
        false
    }
}

/// Client addresses whose unauthenticated requests used up their allowance, and until when.
/// Looked at before any database work; an address is written only when a failed request finds
/// its bucket empty. (Keys that exist are still looked up from such an address: the domain's
/// gate knows them, from the store.)
#[derive(Debug, Default)]
pub struct ClientGuard {
    buckets: Buckets,
    refused_until: Mutex<HashMap<String, (Instant, RateLimitStatus)>>,
}

impl ClientGuard {
    pub fn refused(&self, client: &str) -> Option<RateLimitStatus> {
        let mut refused = self.refused_until.lock().unwrap_or_else(PoisonError::into_inner);
        let &(until, status) = refused.get(client)?;
        let now = Instant::now();
        if until <= now {
            refused.remove(client);
            return None;
        }
        let wait = until - now;
        Some(RateLimitStatus {
            retry_after: Some(wait),
            reset_after: status.reset_after.saturating_sub(status.retry_after.unwrap_or_default()) + wait,
            ..status
        })
    }

    pub fn count(&self, client: &str, quota: RateQuota) {
        let swept = self.buckets.reclaim_when_due();
        let status = self.buckets.admit(&client.to_owned(), quota);
        let mut refused = self.refused_until.lock().unwrap_or_else(PoisonError::into_inner);
        if swept {
            let now = Instant::now();
            refused.retain(|_, (until, _)| *until > now);
        }
        // Refused from the request that empties the bucket until the next cell is back, so each
        // refill lets exactly one more lookup through (not one, then one to find it empty).
        let wait = match status.retry_after {
            Some(wait) => Some(wait),
            None if status.remaining == 0 => Some(quota.refill_interval()),
            None => None,
        };
        if let Some(wait) = wait {
            let refusal = RateLimitStatus { retry_after: Some(wait), ..status };
            refused.insert(client.to_owned(), (Instant::now() + wait, refusal));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(per_minute: u32, burst: u32) -> RateQuota {
        RateQuota::new(per_minute, burst).expect("non-zero")
    }

    #[test]
    fn a_bucket_lets_its_burst_through_counting_down_then_refuses() {
        let buckets = Buckets::default();
        let q = quota(60, 3);
        for remaining in [2, 1, 0] {
            let status = buckets.admit(&"usr_a".to_owned(), q);
            assert_eq!((status.limit, status.remaining, status.retry_after), (3, remaining, None));
            assert_eq!(status.reset_after, Duration::from_secs(u64::from(3 - remaining)));
        }
        let refused = buckets.admit(&"usr_a".to_owned(), q);
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after.expect("refused");
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(refused.reset_after > Duration::from_secs(2), "{:?}", refused.reset_after);
    }

    #[test]
    fn buckets_are_per_key_and_per_quota() {
        let buckets = Buckets::default();
        assert!(buckets.admit(&"usr_a".to_owned(), quota(60, 1)).admitted());
        assert!(!buckets.admit(&"usr_a".to_owned(), quota(60, 1)).admitted());
        assert!(buckets.admit(&"usr_b".to_owned(), quota(60, 1)).admitted(), "another key has its own bucket");
        assert!(buckets.admit(&"usr_a".to_owned(), quota(60, 2)).admitted(), "another quota is another bucket");
    }

    #[test]
    fn a_request_after_the_wait_is_admitted() {
        let buckets = Buckets::default();
        let q = quota(6000, 1); // one every 10 ms
        assert!(buckets.admit(&"usr_a".to_owned(), q).admitted());
        let wait = buckets.admit(&"usr_a".to_owned(), q).retry_after.expect("refused");
        std::thread::sleep(wait);
        assert!(buckets.admit(&"usr_a".to_owned(), q).admitted());
    }

    #[test]
    fn refilled_buckets_are_reclaimed_and_busy_ones_kept() {
        let buckets = Buckets::default();
        let fast = quota(600_000, 1); // refills in 0.1 ms
        for user in 0..1000 {
            buckets.admit(&format!("usr_{user}"), fast);
        }
        let slow = quota(1, 1); // a minute to refill
        buckets.admit(&"usr_busy".to_owned(), slow);
        assert_eq!(buckets.len(), 1001);
        std::thread::sleep(Duration::from_millis(20));
        buckets.reclaim();
        assert_eq!(buckets.len(), 1, "only the bucket still refilling is kept");
        assert!(!buckets.admit(&"usr_busy".to_owned(), slow).admitted(), "and it still counts");
    }

    #[test]
    fn an_address_is_refused_only_once_its_failures_used_the_allowance() {
        let guard = ClientGuard::default();
        let q = quota(60, 2);
        assert!(guard.refused("192.0.2.1").is_none());
        guard.count("192.0.2.1", q);
        assert!(guard.refused("192.0.2.1").is_none(), "one failure is within the burst");
        guard.count("192.0.2.1", q);
        let refused = guard.refused("192.0.2.1").expect("refused once the second emptied the bucket");
        assert!(refused.retry_after.is_some_and(|wait| wait <= Duration::from_secs(1)));
        assert!(guard.refused("192.0.2.2").is_none(), "other addresses are not");
    }
}
