//! Recording, reading and voiding activity records, with the `Idempotency-Key` policy of
//! uploads: a retry of a finished request gets the first response back (if it is the same
//! request) for 24 hours; a different request under the key is refused; a refusal for what was
//! asked is kept to replay; a failure on our side keeps nothing.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Activities;
use crate::DomainError;
use crate::activities::calculate;
use crate::model::{
    Action, ActivityId, ActivityInput, ActivityQuery, ActivityRecord, CompanyId, Correction, IDEMPOTENCY_TTL,
    IdempotencyClaim, IdempotencyKey, IdempotencyLease, IdempotentRecord, NewActivityRecord, RenderCreated,
    StoredResponse, Tenant,
};

/// How the edge words its answers: the created record's response, and a refusal's.
pub trait RecordResponses: Send + Sync {
    fn created(&self, record: &ActivityRecord) -> (u16, String);
    fn refused(&self, error: &DomainError) -> (u16, String);
}

/// What recording (or importing) came to.
#[derive(Debug)]
pub enum RecordReply<T = ActivityRecord> {
    Created(Box<T>),
    /// The first response under the request's key, to send again as it was.
    Replayed(StoredResponse),
}

/// Whether a refusal is an answer to keep for replay (the request itself was wrong), rather than
/// a failure a retry may fix.
fn is_an_answer(err: &DomainError) -> bool {
    !matches!(err, DomainError::Unavailable(_) | DomainError::Internal(_) | DomainError::IdempotencyKeyInProgress)
}

impl Activities {
    /// Records an activity: checks and calculates it, stores it with its totals and event, and
    /// applies the idempotency policy when the request has a `key`. `fingerprint` identifies the
    /// request (its fields as sent).
    #[tracing::instrument(name = "activities.record", skip_all)]
    pub async fn record(
        &self,
        tenant: &Tenant,
        input: ActivityInput,
        key: Option<IdempotencyKey>,
        fingerprint: String,
        responses: Arc<dyn RecordResponses>,
        now: DateTime<Utc>,
    ) -> Result<RecordReply, DomainError> {
        tenant.require(Action::Record)?;
        let renderer = Arc::clone(&responses);
        let render: RenderCreated<ActivityRecord> = Arc::new(move |record: &ActivityRecord| renderer.created(record));
        let refuse = |err: &DomainError| responses.refused(err);
        self.keyed(&tenant.company, key, fingerprint, render, refuse, now, |kept| self.store(tenant, input, kept, now))
            .await
    }

    /// Runs `work` under the idempotency policy above: without a `key` simply; with one, once
    /// per key (a finished request's response replayed to the same request, refused to another),
    /// `work`'s result kept with what it creates, a refusal kept to replay, a failure keeping
    /// nothing.
    #[allow(clippy::too_many_arguments)] // the request's key, identity and two renderings
    pub(super) async fn keyed<T, Fut>(
        &self,
        company: &CompanyId,
        key: Option<IdempotencyKey>,
        fingerprint: String,
        render: RenderCreated<T>,
        refuse: impl Fn(&DomainError) -> (u16, String),
        now: DateTime<Utc>,
        work: impl FnOnce(Option<IdempotentRecord<T>>) -> Fut,
    ) -> Result<RecordReply<T>, DomainError>
    where
        Fut: Future<Output = Result<T, DomainError>>,
    {
        let Some(key) = key else {
            return Ok(RecordReply::Created(Box::new(work(None).await?)));
        };
        let claim = self.idempotency.claim(company, &key, now, IDEMPOTENCY_TTL, self.idempotency_lease).await?;
        let token = match claim {
            IdempotencyClaim::InProgress => return Err(DomainError::IdempotencyKeyInProgress),
            IdempotencyClaim::Completed(first) if first.fingerprint == fingerprint => {
                return Ok(RecordReply::Replayed(first));
            }
            IdempotencyClaim::Completed(_) => return Err(DomainError::IdempotencyKeyReused),
            IdempotencyClaim::Claimed(token) => token,
        };
        let lease = IdempotencyLease { key, token };
        let kept = IdempotentRecord { lease: lease.clone(), fingerprint: fingerprint.clone(), render };
        match work(Some(kept)).await {
            Ok(created) => Ok(RecordReply::Created(Box::new(created))),
            Err(err) if is_an_answer(&err) => {
                let (status, body) = refuse(&err);
                let _ = self.idempotency.complete(company, &lease, StoredResponse { fingerprint, status, body }).await;
                Err(err)
            }
            Err(err) => {
                let _ = self.idempotency.release(company, &lease).await;
                Err(err)
            }
        }
    }

    async fn store(
        &self,
        tenant: &Tenant,
        input: ActivityInput,
        idempotent: Option<IdempotentRecord<ActivityRecord>>,
        now: DateTime<Utc>,
    ) -> Result<ActivityRecord, DomainError> {
        let overview = self.overviews.of(tenant).await?;
        if let Some(site) = &input.site_id
            && !overview.sites.iter().any(|s| &s.id == site)
        {
            return Err(DomainError::not_found("site"));
        }
        let start = overview.company.reporting_year_start;
        let (input, family, calculation) = calculate(&self.factors, &self.catalogue, start, input, now.date_naive())?;
        let amounts = calculation.micrograms_by_category()?;
        let record = NewActivityRecord { input, family, calculation, amounts, recorded_at: now, estimate: None };
        self.records.record(&tenant.company, record, idempotent).await
    }

    /// A page of the tenant's records, newest first.
    #[tracing::instrument(name = "activities.list", skip_all)]
    pub async fn list(
        &self,
        tenant: &Tenant,
        query: ActivityQuery,
    ) -> Result<(Vec<ActivityRecord>, bool), DomainError> {
        tenant.require(Action::Read)?;
        crate::services::paging::check_limit(query.limit)?;
        if let Some(category) = query.category
            && !(1..=15).contains(&category)
        {
            return Err(DomainError::invalid("category", "must be a scope 3 category, 1 to 15"));
        }
        let query = match query.period {
            Some(label) => {
                let start = self.overviews.of(tenant).await?.company.reporting_year_start;
                let period = crate::calculation::ReportingPeriod::parse(label.trim(), start)?;
                ActivityQuery { period: Some(period.label()), ..query }
            }
            None => query,
        };
        let limit = query.limit as usize;
        let mut records = self.records.list(&tenant.company, ActivityQuery { limit: query.limit + 1, ..query }).await?;
        let more = records.len() > limit;
        records.truncate(limit);
        Ok((records, more))
    }

    /// One of the tenant's records.
    #[tracing::instrument(name = "activities.show", skip_all)]
    pub async fn show(&self, tenant: &Tenant, id: &ActivityId) -> Result<ActivityRecord, DomainError> {
        tenant.require(Action::Read)?;
        self.records.find(&tenant.company, id).await?.ok_or(DomainError::not_found("activity"))
    }

    /// Voids one of the tenant's records: it leaves every total, and stays readable with why.
    #[tracing::instrument(name = "activities.void", skip_all)]
    pub async fn void(
        &self,
        tenant: &Tenant,
        id: &ActivityId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ActivityRecord, DomainError> {
        tenant.require(Action::Record)?;
        let correction = Correction::new(reason, now)?;
        self.records.void(&tenant.company, id, correction).await
    }
}
