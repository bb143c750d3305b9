//! What an attempt's outcome means for its delivery and its endpoint (SPEC 5): delivered on a
//! 2xx; `410 Gone` fails it and disables the endpoint; otherwise tried again on the schedule
//! (no sooner than a 429/503's `Retry-After` says), failed after the last attempt; an endpoint failing
//! for five days is disabled, with the reason recorded. (Failures in a row also open the
//! endpoint's circuit, `circuit`: that only postpones attempts, by an hour at most, so this rule
//! still sees them and disables a dead endpoint on the same day.)

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::schedule::{honour_retry_after, next_delay};

/// How long an endpoint may keep failing before it is disabled.
pub const DISABLE_AFTER_FAILING: TimeDelta = TimeDelta::days(5);

/// What one attempt came to, as the worker saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    pub excerpt: String,
    /// A `Retry-After` the receiver sent.
    pub retry_after: Option<Duration>,
}

/// The delivery's next state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(DateTime<Utc>),
    Failed,
}

/// The decision on one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub next: NextStep,
    /// The endpoint's `failing_since` from now on.
    pub failing_since: Option<DateTime<Utc>>,
    /// Set when the endpoint must be disabled, with the reason shown to its owner.
    pub disable: Option<String>,
}

/// Judges `outcome`, attempt number `attempts_made + 1` of its delivery, to an endpoint failing
/// since `failing_since`. `jitter` is from 0 to 1 (random in production).
pub fn judge(
    outcome: &AttemptOutcome,
    attempts_made: u32,
    failing_since: Option<DateTime<Utc>>,
    jitter: f64,
) -> Verdict {
    let made = attempts_made.saturating_add(1);
    match outcome.status_code {
        Some(code) if (200..300).contains(&code) => {
            return Verdict { next: NextStep::Delivered, failing_since: None, disable: None };
        }
        Some(410) => {
            return Verdict {
                next: NextStep::Failed,
                failing_since: failing_since.or(Some(outcome.at)),
                disable: Some(format!("the endpoint answered 410 Gone at {}", stamp(outcome.at))),
            };
        }
        _ => {}
    }
    let failing_since = failing_since.unwrap_or(outcome.at);
    if outcome.at - failing_since >= DISABLE_AFTER_FAILING {
        return Verdict {
            next: NextStep::Failed,
            failing_since: Some(failing_since),
            disable: Some(format!(
                "every delivery failed from {} to {} (5 days); the last: {}",
                stamp(failing_since),
                stamp(outcome.at),
                describe(outcome)
            )),
        };
    }
    // A receiver's Retry-After (on 429 or 503) is the least it will wait; the schedule still
    // spreads the attempts over three days, so a short Retry-After cannot use them up at once.
    let asked = outcome.retry_after.filter(|_| matches!(outcome.status_code, Some(429 | 503)));
    let delay = next_delay(made, jitter).map(|d| asked.map_or(d, |asked| d.max(honour_retry_after(asked))));
    let next = delay
        .and_then(|d| TimeDelta::from_std(d).ok())
        .and_then(|d| outcome.at.checked_add_signed(d))
        .map_or(NextStep::Failed, NextStep::RetryAt);
    Verdict { next, failing_since: Some(failing_since), disable: None }
}

/// The outcome in a few words, for a disabled endpoint's reason.
fn describe(outcome: &AttemptOutcome) -> String {
    match (&outcome.status_code, &outcome.error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(error)) => error.clone(),
        (None, None) => "no answer".to_owned(),
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::webhooks::schedule::MAX_ATTEMPTS;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).single().expect("time")
    }

    fn outcome(status: Option<u16>, when: DateTime<Utc>) -> AttemptOutcome {
        AttemptOutcome {
            at: when,
            status_code: status,
            latency_ms: 3,
            error: status.is_none().then(|| "could not connect".to_owned()),
            excerpt: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn a_2xx_delivers_and_clears_the_failing_clock() {
        let verdict = judge(&outcome(Some(204), at(0)), 3, Some(at(-100)), 0.5);
        assert_eq!(verdict, Verdict { next: NextStep::Delivered, failing_since: None, disable: None });
    }

    #[test]
    fn failures_follow_the_schedule_then_fail() {
        let first = judge(&outcome(Some(500), at(0)), 0, None, 0.5);
        assert_eq!(first.next, NextStep::RetryAt(at(5)));
        assert_eq!(first.failing_since, Some(at(0)));
        let redirect = judge(&outcome(Some(302), at(0)), 1, Some(at(0)), 0.5);
        assert_eq!(redirect.next, NextStep::RetryAt(at(300)), "a redirect is a failure");
        let last = judge(&outcome(None, at(60)), MAX_ATTEMPTS - 1, Some(at(0)), 0.5);
        assert_eq!(last.next, NextStep::Failed);
        assert_eq!(last.disable, None);
    }

    #[test]
    fn gone_disables_at_once() {
        let verdict = judge(&outcome(Some(410), at(0)), 0, None, 0.5);
        assert_eq!(verdict.next, NextStep::Failed);
        assert!(verdict.disable.expect("disabled").contains("410 Gone"));
    }

    #[test]
    fn retry_after_is_honoured_only_on_429_and_503() {
        let mut busy = outcome(Some(429), at(0));
        busy.retry_after = Some(Duration::from_secs(120));
        assert_eq!(judge(&busy, 0, None, 0.5).next, NextStep::RetryAt(at(120)));
        let mut error = outcome(Some(500), at(0));
        error.retry_after = Some(Duration::from_secs(120));
        assert_eq!(judge(&error, 0, None, 0.5).next, NextStep::RetryAt(at(5)));
        busy.retry_after = Some(Duration::from_secs(1));
        assert_eq!(judge(&busy, 0, None, 0.5).next, NextStep::RetryAt(at(5)), "never sooner than the schedule");
        assert_eq!(judge(&busy, 3, None, 0.5).next, NextStep::RetryAt(at(7200)), "a short one uses up nothing");
        busy.retry_after = Some(Duration::from_secs(10 * 86400));
        assert_eq!(judge(&busy, 0, None, 0.5).next, NextStep::RetryAt(at(86400)), "at most a day");
    }

    #[test]
    fn five_days_of_failure_disables_the_endpoint() {
        let since = at(0);
        let almost =
            judge(&outcome(Some(500), since + TimeDelta::days(5) - TimeDelta::seconds(1)), 2, Some(since), 0.5);
        assert_eq!(almost.disable, None);
        let verdict = judge(&outcome(Some(500), since + TimeDelta::days(5)), 2, Some(since), 0.5);
        assert_eq!(verdict.next, NextStep::Failed);
        assert!(verdict.disable.expect("disabled").contains("HTTP 500"));
    }
}
