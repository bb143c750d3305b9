//! What activity records need: their rows, with the maintained totals and events they change.
//!
//! Every method reads or writes one tenant's data and names the tenant (the company id of the
//! data space) in every statement. Every method may return [`DomainError::Unavailable`] when its
//! backend cannot be reached; other variants are listed on the methods that return them.

use async_trait::async_trait;

use crate::DomainError;
use crate::model::{
    ActivityId, ActivityQuery, ActivityRecord, CompanyId, Correction, IdempotentRecord, NewActivityRecord,
};

/// Activity records with their maintained totals and events, each change in one transaction.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ActivityRepository: Send + Sync {
    /// In one transaction: checks the record's site (if any) is the tenant's (`NotFound`
    /// otherwise), stores the record, adds its amounts to the maintained totals, writes an
    /// `activity.recorded` event and, for a keyed request, keeps its rendered response under its
    /// key (`IdempotencyKeyInProgress`, and nothing written, if the claim is no longer held).
    async fn record(
        &self,
        company: &CompanyId,
        record: NewActivityRecord,
        idempotent: Option<IdempotentRecord<ActivityRecord>>,
    ) -> Result<ActivityRecord, DomainError>;

    /// In one transaction, as [`record`](Self::record) does for each: stores every record of an
    /// import, or none. `NotFound` if a record's site is not the tenant's.
    async fn record_all(
        &self,
        company: &CompanyId,
        records: Vec<NewActivityRecord>,
        idempotent: Option<IdempotentRecord<Vec<ActivityRecord>>>,
    ) -> Result<Vec<ActivityRecord>, DomainError>;

    /// The tenant's records, newest first, filtered by `query`; at most `query.limit`.
    /// `Invalid` (field `cursor`) if the cursor names no record of the tenant.
    async fn list(&self, company: &CompanyId, query: ActivityQuery) -> Result<Vec<ActivityRecord>, DomainError>;

    /// One of the tenant's records.
    async fn find(&self, company: &CompanyId, id: &ActivityId) -> Result<Option<ActivityRecord>, DomainError>;

    /// In one transaction: checks the record is `recorded` (`Conflict` otherwise), takes its
    /// amounts out of every maintained total, marks it `voided` with `correction`, and writes an
    /// `activity.voided` event. `NotFound` if the record is not the tenant's.
    async fn void(
        &self,
        company: &CompanyId,
        id: &ActivityId,
        correction: Correction,
    ) -> Result<ActivityRecord, DomainError>;
}
