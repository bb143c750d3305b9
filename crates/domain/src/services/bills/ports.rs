//! What bills need: their rows (with calculations and events), the blob store their files
//! stream into, and the idempotency records of uploads.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::DomainError;
use crate::calculation::Scope;
use crate::model::{
    Bill, BillId, BillQuery, CompanyId, Confirmed, Correction, IdempotencyClaim, IdempotencyKey, IdempotencyLease,
    IdempotentRecord, NewUpload, StoredResponse,
};

/// Bills with their sessions and calculations, each change in one transaction with the event it
/// raises. Every method but the sweep's keeps to the tenant `company`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BillRepository: Send + Sync {
    /// In one transaction: finds the site's session in progress (or opens one for
    /// `upload.period`), records the bill as `uploaded`, writes a `bill.uploaded` event and, for a
    /// keyed request, keeps its rendered response under its key. `NotFound` if the site is not
    /// the tenant `company`'s; `DuplicateBill` if the site already has a bill with the same file;
    /// `IdempotencyKeyInProgress` (and nothing written) if `idempotent`'s claim is no longer held.
    async fn record_upload(
        &self,
        company: &CompanyId,
        upload: NewUpload,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError>;

    /// The identity of this database (written once, by its first migration of it): the blob
    /// store is tied to it, so the sweep never judges another database's files.
    async fn deployment_id(&self) -> Result<String, DomainError>;

    /// Which of `keys` some bill, of any company, holds as its file, or some plan as its stored
    /// PDF. Not a tenant's read: the sweep of files without a bill works across the whole
    /// store, and learns nothing but keys.
    async fn blob_keys_in_use(&self, keys: &[String]) -> Result<std::collections::HashSet<String>, DomainError>;

    /// The tenant's bills, newest first, filtered by `query`; at most `query.limit`.
    /// `Invalid` (field `cursor`) if the cursor names no bill of the tenant.
    async fn list_bills(&self, company: &CompanyId, query: BillQuery) -> Result<Vec<Bill>, DomainError>;

    /// One of the tenant's bills.
    async fn find_bill(&self, company: &CompanyId, id: &BillId) -> Result<Option<Bill>, DomainError>;

    /// In one transaction: checks the bill is still `uploaded` (`Conflict` otherwise) and, unless
    /// `confirmed.allow_overlap`, that no confirmed bill of the same supply (the same meter
    /// point, or without one the same site and type) overlaps its billing period
    /// (`OverlappingBill`); then stores the activity and calculation, the per-period, per-scope
    /// amounts in `emissions` (micrograms), marks the bill `confirmed` and writes a
    /// `bill.confirmed` event. `NotFound` if the bill is not the tenant's.
    async fn confirm(
        &self,
        company: &CompanyId,
        bill: &BillId,
        confirmed: Confirmed,
        emissions: Vec<(String, Scope, i64)>,
    ) -> Result<Bill, DomainError>;

    /// In one transaction: checks the bill is `uploaded` (`Conflict` otherwise), marks it
    /// `rejected` with `correction`, and writes a `bill.rejected` event. `NotFound` if the bill
    /// is not the tenant's.
    async fn reject(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError>;

    /// In one transaction: checks the bill is `confirmed` (`Conflict` otherwise), takes its
    /// amounts out of every maintained total (periods, sessions, sites), marks it `voided` with
    /// `correction` (its activity and calculation stay), and writes a `bill.voided` event.
    /// `NotFound` if the bill is not the tenant's.
    async fn void(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError>;
}

/// A blob written and made durable: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedBlob {
    pub key: String,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// Where uploaded files live (a local folder, or an S3-compatible store).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Reads a blob back, chunk by chunk. `NotFound` if there is none under `key`.
    async fn open(&self, key: &str) -> Result<Box<dyn BlobReader>, DomainError>;

    /// A new blob under a fresh key, written chunk by chunk so memory never holds a whole file.
    async fn create(&self) -> Result<Box<dyn BlobSink>, DomainError>;

    /// Removes a blob; removing one that does not exist is not an error.
    async fn delete(&self, key: &str) -> Result<(), DomainError>;

    /// The keys of finished blobs last written before `cutoff`: candidates for the sweep of
    /// files whose bill was never recorded (a crash between the two).
    async fn keys_written_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>, DomainError>;

    /// Removes what unfinished uploads left (a crash mid-upload) that was last written before
    /// `cutoff`; returns how many it removed.
    async fn remove_unfinished_before(&self, cutoff: DateTime<Utc>) -> Result<u64, DomainError>;

    /// The deployment (database) this store's files belong to, once one has claimed it.
    async fn owner(&self) -> Result<Option<String>, DomainError>;

    /// Records that this store's files belong to `deployment`.
    async fn claim(&self, deployment: &str) -> Result<(), DomainError>;
}

/// A blob being written. Nothing is visible under its key until `finish`.
#[async_trait]
pub trait BlobSink: Send {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), DomainError>;

    async fn finish(self: Box<Self>) -> Result<FinishedBlob, DomainError>;

    /// Discards what was written.
    async fn abort(self: Box<Self>);
}

/// A blob being read.
#[async_trait]
pub trait BlobReader: Send {
    /// The blob's size in bytes, as stored, when it was opened.
    fn size(&self) -> u64;

    /// The next chunk, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError>;
}

/// `Idempotency-Key` claims (leases held by a token) and the responses kept under them, per tenant.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a new request of the tenant `company` for `lease`, unless a request with
    /// it holds an unexpired claim or finished less than `ttl` ago (an older one is forgotten; an
    /// expired claim is taken over). Two concurrent claims of one key never both succeed.
    async fn claim(
        &self,
        company: &CompanyId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
        ttl: TimeDelta,
        lease: TimeDelta,
    ) -> Result<IdempotencyClaim, DomainError>;

    /// Keeps the response of the request holding `lease`; nothing if the claim is no longer held.
    async fn complete(
        &self,
        company: &CompanyId,
        lease: &IdempotencyLease,
        response: StoredResponse,
    ) -> Result<(), DomainError>;

    /// Gives a held claim up, keeping nothing (the request failed in a way worth retrying).
    async fn release(&self, company: &CompanyId, lease: &IdempotencyLease) -> Result<(), DomainError>;
}
