//! Idempotency keys: a client retrying a POST with the same `Idempotency-Key` gets the first
//! response again instead of a second bill.

use std::sync::Arc;

use chrono::TimeDelta;

use super::bill::Bill;
use crate::DomainError;

/// How long a key's response is kept.
pub const IDEMPOTENCY_TTL: TimeDelta = TimeDelta::hours(24);

/// How long a claim shields a request in flight by default. A claim whose request died (the
/// process was killed, the database went away) stops blocking retries once its lease is over; a
/// request that outlives its lease and is taken over by a retry records nothing (its claim token
/// no longer matches), so one key never makes two bills.
pub const IDEMPOTENCY_LEASE: TimeDelta = TimeDelta::seconds(60);

/// A client's key: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid("Idempotency-Key", "must be 1-255 visible ASCII characters"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The response a request under a key produced, and what identified that request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The request's identity (its fields and file hash): a different request reusing the key
    /// is refused.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// Proof of holding a claim: only its holder may complete or release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(pub String);

/// A key claimed by the request in hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyLease {
    pub key: IdempotencyKey,
    pub token: ClaimToken,
}

/// Renders the response a created bill (or activity record) gets, so that it is kept with it in
/// one transaction.
pub type RenderCreated<T = Bill> = Arc<dyn Fn(&T) -> (u16, String) + Send + Sync>;

/// What a keyed request keeps with what it creates: the claim it holds, the request's identity,
/// and how its response is rendered.
pub struct IdempotentRecord<T = Bill> {
    pub lease: IdempotencyLease,
    pub fingerprint: String,
    pub render: RenderCreated<T>,
}

impl<T> Clone for IdempotentRecord<T> {
    fn clone(&self) -> Self {
        Self { lease: self.lease.clone(), fingerprint: self.fingerprint.clone(), render: Arc::clone(&self.render) }
    }
}

impl<T> std::fmt::Debug for IdempotentRecord<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotentRecord").field("lease", &self.lease).field("fingerprint", &self.fingerprint).finish()
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is this request's now (or again: an earlier claim's lease had run out).
    Claimed(ClaimToken),
    /// Another request with this key has not finished.
    InProgress,
    /// A request with this key finished within the last 24 hours.
    Completed(StoredResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii() {
        assert!(IdempotencyKey::parse("a1b2-c3d4_e5").is_ok());
        for bad in ["", "has space", "tab\t", "é", &"x".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
