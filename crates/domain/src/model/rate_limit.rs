//! Rate limits: a plan's allowance, and the state of a bucket after a request was counted.
//!
//! Limits follow GCRA (the generic cell rate algorithm): a bucket holds up to `burst` requests
//! and refills at `per_minute` requests a minute, evenly. Each user has one bucket, shared by
//! all their keys, whatever company they act on.

use std::num::NonZeroU32;
use std::time::Duration;

use super::company::Plan;

/// An allowance: `burst` requests at once, refilled at `per_minute` a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateQuota {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl RateQuota {
    /// `burst` at once, refilled at `per_minute`; `None` if either is zero.
    pub fn new(per_minute: u32, burst: u32) -> Option<Self> {
        Some(Self { per_minute: NonZeroU32::new(per_minute)?, burst: NonZeroU32::new(burst)? })
    }

    /// The time one request's allowance takes to come back.
    pub fn refill_interval(self) -> Duration {
        Duration::from_nanos(60_000_000_000 / u64::from(self.per_minute.get()))
    }
}

/// The allowances the service is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuotas {
    pub business: RateQuota,
    pub partner: RateQuota,
    /// Requests without a valid key, per client address (they never reach the database once
    /// it is used up).
    pub unauthenticated: RateQuota,
}

impl RateQuotas {
    /// The allowance of users of a company on `plan`; `None` for a plan without API access.
    pub fn for_plan(&self, plan: Plan) -> Option<RateQuota> {
        match plan {
            Plan::Business => Some(self.business),
            Plan::Partner => Some(self.partner),
            Plan::Starter => None,
        }
    }
}

/// A bucket after one request was counted against it: what the `X-RateLimit-*` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// How many requests the full bucket holds (the quota's burst).
    pub limit: u32,
    /// How many more requests would be admitted now.
    pub remaining: u32,
    /// How long until the bucket is full again.
    pub reset_after: Duration,
    /// Set when this request was refused: how long until one more would be admitted.
    pub retry_after: Option<Duration>,
}

impl RateLimitStatus {
    pub fn admitted(&self) -> bool {
        self.retry_after.is_none()
    }

    /// The state of a bucket of `quota` that is full: what a limiter that cannot count says.
    pub fn full(quota: RateQuota) -> Self {
        Self { limit: quota.burst.get(), remaining: quota.burst.get(), reset_after: Duration::ZERO, retry_after: None }
    }
}

/// Where a limiter keeps its buckets, for operators (readiness detail, logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimiterMode {
    /// Limits are switched off.
    Off,
    /// Each process keeps its own buckets.
    PerProcess,
    /// Buckets are shared by every process through Redis.
    Shared,
    /// Configured to share buckets through Redis, but Redis cannot be reached: each process
    /// limits alone until it can.
    SharedUnavailable { reason: String },
}

impl LimiterMode {
    /// One line for operators.
    pub fn describe(&self) -> String {
        match self {
            LimiterMode::Off => "off".into(),
            LimiterMode::PerProcess => "per-process".into(),
            LimiterMode::Shared => "shared (redis)".into(),
            LimiterMode::SharedUnavailable { reason } => {
                format!("per-process: redis unreachable ({reason})")
            }
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
    fn a_quota_is_never_zero() {
        assert!(RateQuota::new(0, 1).is_none() && RateQuota::new(1, 0).is_none());
        assert_eq!(RateQuota::new(60, 5).map(|q| (q.per_minute.get(), q.burst.get())), Some((60, 5)));
    }

    #[test]
    fn the_refill_interval_is_a_minute_over_the_rate() {
        assert_eq!(quota(60, 1).refill_interval(), Duration::from_secs(1));
        assert_eq!(quota(120, 1).refill_interval(), Duration::from_millis(500));
        assert_eq!(quota(1, 1).refill_interval(), Duration::from_secs(60));
    }

    #[test]
    fn only_plans_with_api_access_have_an_allowance() {
        let quotas = RateQuotas { business: quota(1, 2), partner: quota(3, 4), unauthenticated: quota(5, 6) };
        assert_eq!(quotas.for_plan(Plan::Business), Some(quota(1, 2)));
        assert_eq!(quotas.for_plan(Plan::Partner), Some(quota(3, 4)));
        assert_eq!(quotas.for_plan(Plan::Starter), None);
    }
}
