//! When a failed delivery is tried again: the Standard Webhooks example schedule (SPEC 5), each
//! delay spread by jitter so that an endpoint coming back is not hit by every event at once.

use std::time::Duration;

/// The delay before each attempt after the first (which is immediate): 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h, 24 h. Ten attempts over about three days and three hours.
const DELAYS_SECONDS: [u64; 9] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600];

/// How many attempts a delivery gets before it is failed.
pub const MAX_ATTEMPTS: u32 = DELAYS_SECONDS.len() as u32 + 1;

/// The most a delay moves either way, as a fraction of it.
const JITTER: f64 = 0.1;

/// The wait before the attempt after attempt number `made` (1 for the first), or `None` when
/// `made` was the last. `jitter` is a number from 0 to 1 (random in production), spreading the
/// delay by up to 10 % either way.
pub fn next_delay(made: u32, jitter: f64) -> Option<Duration> {
    let index = usize::try_from(made.checked_sub(1)?).ok()?;
    let base = *DELAYS_SECONDS.get(index)?;
    let spread = (jitter.clamp(0.0, 1.0) * 2.0 - 1.0) * JITTER;
    // Whole milliseconds: a delay of 5 s stays between 4.5 and 5.5 s.
    let millis = (base as f64 * 1000.0 * (1.0 + spread)).round() as u64;
    Some(Duration::from_millis(millis))
}

/// A `Retry-After` a receiver sent with 429 or 503 is honoured, between a second and a day.
pub fn honour_retry_after(asked: Duration) -> Duration {
    asked.clamp(Duration::from_secs(1), Duration::from_secs(24 * 3600))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ten_attempts_over_at_least_three_days() {
        let total: Duration = (1..MAX_ATTEMPTS).map(|n| next_delay(n, 0.5).expect("a delay")).sum();
        assert_eq!(MAX_ATTEMPTS, 10);
        assert!(total >= Duration::from_secs(3 * 24 * 3600), "{total:?}");
        assert_eq!(next_delay(MAX_ATTEMPTS, 0.5), None, "the tenth attempt is the last");
        assert_eq!(next_delay(0, 0.5), None);
        assert_eq!(next_delay(1, 0.5), Some(Duration::from_secs(5)));
    }

    proptest! {
        /// Jitter moves a delay by at most 10 % either way, and never below the previous delay's
        /// base: the schedule keeps growing.
        #[test]
        fn jitter_stays_within_a_tenth(made in 1u32..10, jitter in 0.0f64..=1.0) {
            let base = Duration::from_secs(DELAYS_SECONDS[made as usize - 1]);
            let delay = next_delay(made, jitter).expect("a delay");
            prop_assert!(delay >= base.mul_f64(0.9) && delay <= base.mul_f64(1.1), "{delay:?} for {base:?}");
        }
    }
}
