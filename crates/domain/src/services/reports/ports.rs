//! What reporting needs: sums of confirmed emissions, and sessions.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::model::{CompanyId, PeriodSums, SessionId, SessionSummary, SiteId};

/// Emission sums and sessions, for reporting.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait EmissionsRepository: Send + Sync {
    /// Sums of confirmed bills' amounts in `period` (of one site if given), by scope and bill
    /// type, and by contributing session, read from one snapshot. Without a `period`, the latest
    /// with confirmed data, chosen in the same snapshot; `None` when there is none.
    async fn period_sums(
        &self,
        company: &CompanyId,
        period: Option<String>,
        site: Option<SiteId>,
    ) -> Result<Option<(String, PeriodSums)>, DomainError>;

    /// The tenant's sessions, newest first, each with its total over all periods.
    async fn sessions(&self, company: &CompanyId) -> Result<Vec<SessionSummary>, DomainError>;

    /// Completes a session in progress; `NotFound` if not the tenant's, `Conflict` if completed.
    async fn complete_session(
        &self,
        company: &CompanyId,
        id: &SessionId,
        at: DateTime<Utc>,
    ) -> Result<SessionSummary, DomainError>;
}
