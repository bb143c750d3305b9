//! Idempotency keys: a client retrying a POST with the same `Idempotency-Key` gets the first
//! response again instead of a second bill.

use chrono::TimeDelta;

use crate::DomainError;

/// How long a key's response is kept.
pub const IDEMPOTENCY_TTL: TimeDelta = TimeDelta::hours(24);

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

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is this request's now.
    Claimed,
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
