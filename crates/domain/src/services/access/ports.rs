//! What letting requests in needs: stored API keys, the key format, and the rate limiter.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::model::{
    ApiKeyId, ApiKeyRecord, CompanyId, GeneratedKey, KeyHash, KeyMode, KeyQuery, LimiterMode, NewApiKey, PresentedKey,
    RateLimitStatus, RateQuota, StoredKey, UserId,
};

/// API keys: found by their hash when presented, their last use recorded, rolled, revoked and
/// listed per tenant (for operators, per user).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Inserts the key, unless its user already has `cap` working keys (neither revoked nor
    /// expired) in its data space: `LimitReached`, nothing written. Racing inserts of one user
    /// are counted one after the other. `NotFound` if the user is not a member of the company;
    /// `Conflict` if the hash exists already (a collision of random keys: never in practice).
    async fn insert_key(&self, new: NewApiKey, cap: u32) -> Result<ApiKeyRecord, DomainError>;

    /// The key with this hash, with what deciding on it needs (its owner, tenant, plan).
    async fn find_key_by_hash(&self, hash: &KeyHash) -> Result<Option<StoredKey>, DomainError>;

    /// Records that the tenant `company`'s key was used at `at`. Best effort: it waits for no
    /// other writer for long, and the caller goes on whatever it returns (adapters log their
    /// failures).
    async fn record_key_use(&self, company: &CompanyId, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), DomainError>;

    /// Revokes one of `owner`'s keys for the tenant `company`; `NotFound` if they have no such
    /// key there. Revoking twice is harmless and keeps the first revocation time.
    async fn revoke_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, DomainError>;

    /// In one transaction: inserts the key `replacement` (of the same owner, tenant, mode and
    /// name as `id`) and sets `id`'s expiry to `expires_at`; returns the old key, then the new
    /// one. `NotFound` if `owner` has no such key for the tenant `company`; `Conflict` if it is
    /// revoked, or already rolled (of racing rolls of one key, exactly one succeeds).
    async fn roll_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        replacement: &GeneratedKey,
        expires_at: DateTime<Utc>,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord), DomainError>;

    /// `owner`'s keys for the tenant `company`, newest first, revoked ones included; at most
    /// `query.limit`, after the key `query.after` (`Invalid`, field `cursor`, if it names no key
    /// of `owner`'s there).
    async fn list_keys(
        &self,
        company: &CompanyId,
        owner: &UserId,
        query: KeyQuery,
    ) -> Result<Vec<ApiKeyRecord>, DomainError>;

    /// The tenant `company`'s key `id` (whoever holds it), if it is the tenant's.
    async fn find_key(&self, company: &CompanyId, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, DomainError>;

    /// The hashes of every key not revoked that was created at `since` or later (all of them
    /// without `since`), whatever its company: what the gate knows to be worth a lookup from an
    /// address refused for bad keys. Not a tenant read: hashes only, never shown.
    async fn key_hashes_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<KeyHash>, DomainError>;

    /// Every key of `owner`, in every company, for operators (never reachable by an API key).
    async fn list_user_keys(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError>;
}

/// The format of API keys: minting, checking and hashing them. Pure computation.
#[cfg_attr(test, mockall::automock)]
pub trait ApiKeyCodec: Send + Sync {
    /// A new random key of `mode`, its hash and display prefix.
    fn generate(&self, mode: KeyMode) -> GeneratedKey;

    /// Checks a presented key's form and checksum and hashes it; `None` if it is malformed.
    fn parse(&self, presented: &str) -> Option<PresentedKey>;

    /// Compares two hashes in constant time.
    fn same_hash(&self, a: &KeyHash, b: &KeyHash) -> bool;
}

/// Counts requests against buckets (GCRA), in this process or shared between processes.
/// Never fails: a limiter that cannot reach where it shares its buckets limits on its own, and
/// says so in [`mode`](RateLimiter::mode).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `user` against their bucket of `quota`; `None` if limits are off.
    async fn admit(&self, user: &UserId, quota: RateQuota) -> Option<RateLimitStatus>;

    /// Whether unauthenticated requests from `client` have used up their allowance: `Some` (with
    /// `retry_after`) if so. Counts nothing; looks at this process's memory only.
    fn client_refused(&self, client: &str) -> Option<RateLimitStatus>;

    /// Counts one unauthenticated request from `client` against its bucket of `quota`.
    fn count_client(&self, client: &str, quota: RateQuota);

    /// Where buckets are kept now (a shared limiter that lost its store checks it again).
    async fn mode(&self) -> LimiterMode;
}
