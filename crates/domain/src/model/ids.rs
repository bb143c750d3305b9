//! Public identifiers: a type prefix and a random base62 suffix (`comp_8xK2mNpQ…`).
//! Typed so a site id can never be passed where a company id is expected.

use std::fmt;
use std::marker::PhantomData;

/// Random characters in every id we mint: 16 base62 characters, about 95 bits, unguessable.
pub const ID_RANDOM_LEN: usize = 16;

/// What kind of thing an id names, and the prefix it carries on the wire.
pub trait IdKind {
    const PREFIX: &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompanyKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SiteKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiKeyKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BillKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActivityKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndpointKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryKind;

impl IdKind for CompanyKind {
    const PREFIX: &'static str = "comp_";
}
impl IdKind for SiteKind {
    const PREFIX: &'static str = "site_";
}
impl IdKind for UserKind {
    const PREFIX: &'static str = "usr_";
}
impl IdKind for ApiKeyKind {
    const PREFIX: &'static str = "key_";
}

impl IdKind for BillKind {
    const PREFIX: &'static str = "bill_";
}
impl IdKind for ActivityKind {
    const PREFIX: &'static str = "act_";
}
impl IdKind for SessionKind {
    const PREFIX: &'static str = "sess_";
}
impl IdKind for EventKind {
    const PREFIX: &'static str = "evt_";
}
impl IdKind for PlanKind {
    const PREFIX: &'static str = "crp_";
}

impl IdKind for EndpointKind {
    const PREFIX: &'static str = "ep_";
}
impl IdKind for DeliveryKind {
    const PREFIX: &'static str = "dlv_";
}

pub type CompanyId = Id<CompanyKind>;
pub type EndpointId = Id<EndpointKind>;
pub type DeliveryId = Id<DeliveryKind>;
pub type BillId = Id<BillKind>;
pub type ActivityId = Id<ActivityKind>;
pub type SessionId = Id<SessionKind>;
pub type EventId = Id<EventKind>;
pub type PlanId = Id<PlanKind>;
pub type SiteId = Id<SiteKind>;
pub type UserId = Id<UserKind>;
pub type ApiKeyId = Id<ApiKeyKind>;

/// An id of kind `K`. Holds the full wire form, prefix included.
pub struct Id<K> {
    value: String,
    kind: PhantomData<K>,
}

impl<K: IdKind> Id<K> {
    /// Parses a wire id: the right prefix, then one or more base62 characters.
    /// Returns `None` for anything else, which callers turn into "not found": an id that
    /// cannot exist names nothing.
    pub fn parse(raw: &str) -> Option<Self> {
        let suffix = raw.strip_prefix(K::PREFIX)?;
        let well_formed = !suffix.is_empty() && suffix.len() <= 64 && suffix.bytes().all(|b| b.is_ascii_alphanumeric());
        well_formed.then(|| Self { value: raw.to_owned(), kind: PhantomData })
    }

    /// Builds an id from a freshly drawn random suffix (the adapter that mints ids draws it).
    pub fn from_random_suffix(suffix: &str) -> Option<Self> {
        if suffix.len() < ID_RANDOM_LEN {
            return None;
        }
        Self::parse(&format!("{}{suffix}", K::PREFIX))
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

// Hand-written so that `K` needs none of these traits itself.
impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self { value: self.value.clone(), kind: PhantomData }
    }
}
impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<K> Eq for Id<K> {}
impl<K> std::hash::Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}
impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_only_its_own_prefix() {
        assert!(CompanyId::parse("comp_8xK2mNpQ").is_some());
        assert!(CompanyId::parse("site_8xK2mNpQ").is_none());
        assert!(SiteId::parse("site_3rZ1").is_some());
    }

    #[test]
    fn refuses_empty_or_non_base62_suffixes() {
        for raw in ["comp_", "comp_a-b", "comp_a b", "comp_é", "comp", ""] {
            assert!(CompanyId::parse(raw).is_none(), "{raw:?} should not parse");
        }
    }

    #[test]
    fn minted_ids_need_a_long_enough_suffix() {
        assert!(CompanyId::from_random_suffix("short").is_none());
        let id = CompanyId::from_random_suffix("abcdefghijklmnop").expect("16 chars");
        assert_eq!(id.as_str(), "comp_abcdefghijklmnop");
    }

    proptest! {
        #[test]
        fn every_base62_suffix_round_trips(suffix in "[A-Za-z0-9]{1,64}") {
            let raw = format!("usr_{suffix}");
            let id = UserId::parse(&raw).expect("valid");
            prop_assert_eq!(id.as_str(), raw.as_str());
        }

        #[test]
        fn nothing_else_parses(raw in "\\PC*") {
            let valid = raw.strip_prefix("key_").is_some_and(|s| {
                !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            prop_assert_eq!(ApiKeyId::parse(&raw).is_some(), valid);
        }
    }
}
