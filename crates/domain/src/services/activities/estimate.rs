//! Commuting from an estimate: the records it implies (one a mode, and homeworking), recorded
//! all together or none, each keeping the estimate's inputs so a reader can see how the figure
//! was made. `Idempotency-Key` is honoured as for one record.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Activities;
use super::import::ImportResponses;
use super::records::RecordReply;
use crate::DomainError;
use crate::activities::{CommutingEstimate, MAX_REFERENCE_CHARS, calculate};
use crate::model::{Action, ActivityRecord, IdempotencyKey, IdempotentRecord, NewActivityRecord, Tenant, plain_text};

impl Activities {
    /// Records the activities `estimate` implies. `Invalid` naming the estimate's field when it
    /// does not hold together; `ActivityTypeUnavailable` when the period's factor set lacks one
    /// of its types (homeworking before the 2022 set).
    #[tracing::instrument(name = "activities.estimate_commuting", skip_all)]
    pub async fn estimate_commuting(
        &self,
        tenant: &Tenant,
        estimate: CommutingEstimate,
        key: Option<IdempotencyKey>,
        fingerprint: String,
        responses: Arc<dyn ImportResponses>,
        now: DateTime<Utc>,
    ) -> Result<RecordReply<Vec<ActivityRecord>>, DomainError> {
        tenant.require(Action::Record)?;
        self.keyed_records(&tenant.company, key, fingerprint, responses, now, |kept| {
            self.store_estimate(tenant, estimate, kept, now)
        })
        .await
    }

    async fn store_estimate(
        &self,
        tenant: &Tenant,
        mut estimate: CommutingEstimate,
        idempotent: Option<IdempotentRecord<Vec<ActivityRecord>>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ActivityRecord>, DomainError> {
        estimate.reference = match estimate.reference.as_deref() {
            Some(text) => plain_text("reference", text, MAX_REFERENCE_CHARS)?,
            None => None,
        };
        let overview = self.overviews.of(tenant).await?;
        if let Some(site) = &estimate.site_id
            && !overview.sites.iter().any(|s| &s.id == site)
        {
            return Err(DomainError::not_found("site"));
        }
        let start = overview.company.reporting_year_start;
        let inputs = estimate.records(&self.catalogue)?;
        if inputs.is_empty() {
            return Err(DomainError::invalid("modes", "the estimate implies no journeys and no days at home"));
        }
        let mut records = Vec::with_capacity(inputs.len());
        for input in inputs {
            let (input, family, calculation) =
                calculate(&self.factors, &self.catalogue, start, input, now.date_naive()).map_err(|err| match err {
                    // A quantity the estimate implies, not one the caller typed.
                    DomainError::Invalid { field: "quantity", message } => DomainError::invalid(
                        "headcount",
                        format!("with these days and distance gives a record whose quantity {message}"),
                    ),
                    other => other,
                })?;
            let amounts = calculation.micrograms_by_category()?;
            records.push(NewActivityRecord {
                input,
                family,
                calculation,
                amounts,
                recorded_at: now,
                estimate: Some(estimate.clone()),
            });
        }
        self.records.record_all(&tenant.company, records, idempotent).await
    }
}
