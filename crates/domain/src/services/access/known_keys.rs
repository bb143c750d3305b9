//! The keys that exist, as far as the gate needs to know: an address refused for sending bad
//! keys (an office, a proxy, a cloud's egress shared with an attacker) must not lock out the
//! keys that work, yet must not buy its sender a database lookup per guess.
//!
//! So the gate keeps a fingerprint of every key not revoked, read from the store (every process
//! reads the same keys: nothing is per process or lost with a restart), and from a refused
//! address looks up only keys it knows. A key it does not know makes it read the keys created
//! since its last reading, at most once every [`REFRESH_EVERY`], whoever asks: a flood of
//! made-up keys costs one small query a second, and a key created anywhere is known at the
//! first attempt a second after its creation.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::KeyHash;

/// The least time between two readings of new keys.
pub const REFRESH_EVERY: TimeDelta = TimeDelta::seconds(1);

/// Each reading starts this long before the last one did: a key whose row was written with a
/// creation time just before a reading, but committed just after it, is read the next time.
const OVERLAP: TimeDelta = TimeDelta::seconds(60);

#[derive(Debug, Default)]
struct State {
    /// 64-bit fingerprints of key hashes: 8 bytes a key (a million keys in 16 MB); a
    /// fingerprint shared by chance only costs a lookup.
    fingerprints: HashSet<u64>,
    /// When the last reading started; `None` before the first, which reads every key.
    read_at: Option<DateTime<Utc>>,
}

/// Fingerprints of the keys that exist.
#[derive(Debug, Default)]
pub struct KnownKeys {
    state: Mutex<State>,
}

/// What to read from the store to learn new keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every key (the first reading of the process).
    All,
    /// Keys created at this time or later.
    Since(DateTime<Utc>),
}

fn fingerprint(hash: &KeyHash) -> u64 {
    let mut hasher = DefaultHasher::new();
    hash.0.hash(&mut hasher);
    hasher.finish()
}

impl KnownKeys {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn knows(&self, hash: &KeyHash) -> bool {
        self.state().fingerprints.contains(&fingerprint(hash))
    }

    /// Remembers a key that was just accepted.
    pub fn learn(&self, hash: &KeyHash) {
        self.state().fingerprints.insert(fingerprint(hash));
    }

    /// Forgets a key that was just refused (revoked, expired, unknown): a flood of it from a
    /// refused address is then refused without a lookup.
    pub fn forget(&self, hash: &KeyHash) {
        self.state().fingerprints.remove(&fingerprint(hash));
    }

    /// Whether a reading is due at `now`, and which: `None` if one started less than
    /// [`REFRESH_EVERY`] ago. A reading due is marked as started, so callers racing here read
    /// once between them.
    pub fn start_reading(&self, now: DateTime<Utc>) -> Option<Reading> {
        let mut state = self.state();
        let reading = match state.read_at {
            None => Reading::All,
            Some(last) if now - last >= REFRESH_EVERY => Reading::Since(last - OVERLAP),
            Some(_) => return None,
        };
        state.read_at = Some(now);
        Some(reading)
    }

    /// Takes in what a reading found.
    pub fn absorb(&self, hashes: &[KeyHash]) {
        let mut state = self.state();
        state.fingerprints.extend(hashes.iter().map(fingerprint));
    }

    /// A reading that failed: the next caller may try again at once.
    pub fn reading_failed(&self, reading: Reading) {
        let mut state = self.state();
        state.read_at = match reading {
            Reading::All => None,
            Reading::Since(since) => Some(since + OVERLAP - REFRESH_EVERY),
        };
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).single().expect("time")
    }

    #[test]
    fn the_first_reading_is_of_every_key_then_of_new_ones_at_most_once_a_second() {
        let known = KnownKeys::default();
        assert_eq!(known.start_reading(at(0)), Some(Reading::All));
        assert_eq!(known.start_reading(at(0)), None, "racing callers read once");
        known.absorb(&[KeyHash("a".into())]);
        assert!(known.knows(&KeyHash("a".into())));
        assert!(!known.knows(&KeyHash("b".into())));
        assert_eq!(known.start_reading(at(1)), Some(Reading::Since(at(0) - OVERLAP)));
        assert_eq!(known.start_reading(at(1)), None);
    }

    #[test]
    fn a_failed_reading_can_be_tried_again_at_once() {
        let known = KnownKeys::default();
        let first = known.start_reading(at(0)).expect("due");
        known.reading_failed(first);
        assert_eq!(known.start_reading(at(0)), Some(Reading::All));
        known.absorb(&[]);
        let next = known.start_reading(at(5)).expect("due");
        known.reading_failed(next);
        assert!(known.start_reading(at(5)).is_some(), "tried again at once");
    }

    #[test]
    fn keys_refused_are_forgotten_and_keys_accepted_learnt() {
        let known = KnownKeys::default();
        known.learn(&KeyHash("a".into()));
        assert!(known.knows(&KeyHash("a".into())));
        known.forget(&KeyHash("a".into()));
        assert!(!known.knows(&KeyHash("a".into())));
    }
}
