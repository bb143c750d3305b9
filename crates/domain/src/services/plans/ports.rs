//! What Carbon Reduction Plans need: their inputs and plans stored, the bills of a period, and a
//! renderer of PDFs.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::crp::{CarbonReductionPlan, CrpInputs, PeriodRecords, PlanContent, PlanStatus, PlanSummary, StoredInputs};
use crate::model::{CompanyId, PlanId};
use crate::ports::FinishedBlob;

/// Whether the caller may still read the tenant's data, asked again when a render that waited
/// gets its turn (a key revoked, or a consultant removed from the client, while it waited). It
/// runs only when awaited.
pub type StillAllowed = Pin<Box<dyn Future<Output = Result<(), DomainError>> + Send>>;

/// A plan's PDF as stored: in which blob, and its SHA-256 (lowercase hex), for its `ETag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPdf {
    pub blob_key: String,
    pub sha256: String,
    pub size_bytes: u64,
}

/// A plan to record as generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub fy_year: i32,
    pub target_year: i32,
    pub generated_at: DateTime<Utc>,
    pub content: PlanContent,
}

/// Which plans to list: newest first, after the plan named by `after` (the previous page's last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanQuery {
    pub after: Option<PlanId>,
    pub limit: u32,
}

/// Carbon Reduction Plans and the inputs they are generated from.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PlanRepository: Send + Sync {
    /// The tenant's CRP inputs, if they were ever saved.
    async fn crp_inputs(&self, company: &CompanyId) -> Result<Option<StoredInputs>, DomainError>;

    /// Replaces the tenant's CRP inputs whole.
    async fn save_crp_inputs(
        &self,
        company: &CompanyId,
        inputs: CrpInputs,
        at: DateTime<Utc>,
    ) -> Result<StoredInputs, DomainError>;

    /// For each of `periods` (labels), the tenant's confirmed bills and recorded activities with
    /// a part in it: their sources (bill type, activity family) and calculations, all read from
    /// one snapshot.
    async fn period_records(
        &self,
        company: &CompanyId,
        periods: Vec<String>,
    ) -> Result<Vec<PeriodRecords>, DomainError>;

    /// In one transaction, one generation of the tenant's at a time: records the plan as a
    /// `draft` with a new id and writes a `crp.generated` event. `LimitReached` if the
    /// tenant already holds `at_most` plans.
    async fn insert_plan(
        &self,
        company: &CompanyId,
        plan: NewPlan,
        at_most: u32,
    ) -> Result<CarbonReductionPlan, DomainError>;

    /// In one transaction: removes a draft plan and the records of its stored PDFs, and returns
    /// those PDFs' blob keys (for the caller to delete). `Conflict` for a published or
    /// superseded plan; `NotFound` if the plan is not the tenant's.
    async fn delete_draft(&self, company: &CompanyId, id: &PlanId) -> Result<Vec<String>, DomainError>;

    /// The PDF stored for the plan as it looks in `status`, if one is.
    async fn stored_pdf(
        &self,
        company: &CompanyId,
        id: &PlanId,
        status: PlanStatus,
    ) -> Result<Option<StoredPdf>, DomainError>;

    /// Records `blob` as the plan's PDF in `status`, unless one is recorded already (another
    /// process rendered it first): returns the one recorded. `NotFound` if the plan is not the
    /// tenant's (deleted while it was rendered).
    async fn record_pdf(
        &self,
        company: &CompanyId,
        id: &PlanId,
        status: PlanStatus,
        blob: FinishedBlob,
    ) -> Result<StoredPdf, DomainError>;

    async fn find_plan(&self, company: &CompanyId, id: &PlanId) -> Result<Option<CarbonReductionPlan>, DomainError>;

    /// The tenant's plans, newest first; at most `query.limit`. `Invalid` (field `cursor`) if
    /// the cursor names no plan of the tenant.
    async fn list_plans(&self, company: &CompanyId, query: PlanQuery) -> Result<Vec<PlanSummary>, DomainError>;

    /// In one transaction, one publication of the tenant's at a time: a plan already published
    /// is returned as it is (`false`: nothing changed); a draft becomes `published` at `at`,
    /// the plan published before it becomes `superseded`, and a `crp.published` event is
    /// written (`true`). `Conflict` for a superseded plan, or a draft generated before the
    /// published plan; `NotFound` if the plan is not the tenant's.
    async fn publish_plan(
        &self,
        company: &CompanyId,
        id: &PlanId,
        at: DateTime<Utc>,
    ) -> Result<(CarbonReductionPlan, bool), DomainError>;
}

/// Lays a plan out as a document.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PlanRenderer: Send + Sync {
    /// The plan as a PDF: every section, drafts marked as drafts, saying it is published on the
    /// passport of `passport_slug` (when the passport is on). Renders wait their turn
    /// fairly between tenants (`company`); when the turn comes, `still_allowed` is awaited and
    /// its refusal returned instead of rendering. `Unavailable` when the tenant has too many
    /// renders waiting, or no turn came in time.
    async fn render_pdf(
        &self,
        company: &CompanyId,
        plan: &CarbonReductionPlan,
        passport_slug: Option<String>,
        still_allowed: StillAllowed,
    ) -> Result<Vec<u8>, DomainError>;

    /// The first character of `text` the document's typeface has no glyph for, if any: text a
    /// plan would print as blanks is refused when it is saved, not lost in the PDF.
    fn unshowable(&self, text: &str) -> Option<char>;

    /// The scripts the typeface covers, for the message that refuses text.
    fn scripts(&self) -> &'static str;
}
