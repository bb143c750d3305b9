//! The circuit breaker: an endpoint whose attempts keep failing (timing out, refusing, answering
//! errors) is left alone for a while, so its deliveries stop holding the worker's slots. After
//! `failures` failed attempts in a row the circuit opens: nothing is sent to the endpoint until
//! it closes again, 30 s later at first, twice as long at each further failure, an hour at most.
//! Then one attempt at a time goes (half open): a success closes the circuit, a failure opens it
//! again for longer. Deliveries waiting meanwhile keep their place in the retry schedule: an
//! open circuit postpones attempts, it uses none up.
//!
//! The rule that disables an endpoint (every attempt failing for five days, see `verdict`) is
//! unchanged by it: an open circuit still lets an attempt through at least hourly, so a failing
//! endpoint keeps being tried and is disabled on the same day it would be without the breaker.

use chrono::TimeDelta;

/// The first pause once the circuit opens.
const FIRST_PAUSE: TimeDelta = TimeDelta::seconds(30);
/// The longest pause: far below the five days after which a failing endpoint is disabled.
pub const LONGEST_PAUSE: TimeDelta = TimeDelta::hours(1);

/// When the circuit opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// Failed attempts in a row that open it (at least 1).
    pub failures: u32,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self { failures: 5 }
    }
}

impl CircuitBreaker {
    /// How long the endpoint is left alone after its `in_a_row`-th failed attempt in a row, or
    /// `None` while the circuit stays closed.
    pub fn pause_after(&self, in_a_row: u32) -> Option<TimeDelta> {
        let over = in_a_row.checked_sub(self.failures.max(1))?;
        let factor = 1i32.checked_shl(over.min(16)).unwrap_or(i32::MAX);
        Some(FIRST_PAUSE.checked_mul(factor).unwrap_or(LONGEST_PAUSE).min(LONGEST_PAUSE))
    }

    /// Whether an endpoint with `in_a_row` failures behind it is half open: one attempt at a time.
    pub fn half_open(&self, in_a_row: u32) -> bool {
        in_a_row >= self.failures.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::verdict::DISABLE_AFTER_FAILING;

    #[test]
    fn opens_after_the_threshold_and_backs_off_to_an_hour() {
        let breaker = CircuitBreaker { failures: 5 };
        assert_eq!(breaker.pause_after(4), None);
        assert_eq!(breaker.pause_after(5), Some(TimeDelta::seconds(30)));
        assert_eq!(breaker.pause_after(6), Some(TimeDelta::seconds(60)));
        assert_eq!(breaker.pause_after(12), Some(TimeDelta::hours(1)));
        assert_eq!(breaker.pause_after(u32::MAX), Some(TimeDelta::hours(1)));
        assert!(!breaker.half_open(4) && breaker.half_open(5));
    }

    #[test]
    fn never_pauses_long_enough_to_hide_an_endpoint_from_the_disabling_rule() {
        assert!(LONGEST_PAUSE * 24 < DISABLE_AFTER_FAILING);
    }
}
