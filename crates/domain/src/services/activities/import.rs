//! Importing many records at once (a CSV file): every row is checked and calculated first, and
//! then all are stored in one transaction, or none: a file with any bad row is refused whole,
//! naming each bad row's line, column and reason. `Idempotency-Key` is honoured as for one record.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Activities;
use super::records::RecordReply;
use crate::DomainError;
use crate::activities::calculate;
use crate::model::{
    Action, ActivityInput, ActivityRecord, CompanyId, IdempotencyKey, IdempotentRecord, MAX_IMPORT_ROWS,
    MAX_LISTED_PROBLEMS, NewActivityRecord, RenderCreated, RowProblem, Tenant,
};

/// How the edge words an import's answers.
pub trait ImportResponses: Send + Sync {
    fn created(&self, records: &[ActivityRecord]) -> (u16, String);
    fn refused(&self, error: &DomainError) -> (u16, String);
}

/// One row as read from the file: its line, and what it states or why it cannot be read.
pub type ImportRow = (usize, Result<ActivityInput, RowProblem>);

/// The column a domain refusal of one record is about.
fn column_of(err: &DomainError) -> String {
    match err {
        DomainError::Invalid { field, .. } => (*field).to_owned(),
        DomainError::InvalidAt { path, .. } => path.clone(),
        DomainError::NotFound { entity: "site" } => "siteId".into(),
        DomainError::ActivityTypeUnavailable { .. } => "activityType".into(),
        DomainError::FactorSetUnavailable { .. } => "periodStart".into(),
        _ => String::new(),
    }
}

fn problem(line: usize, err: &DomainError) -> RowProblem {
    let message = match err {
        DomainError::Invalid { message, .. } | DomainError::InvalidAt { message, .. } => message.clone(),
        other => other.to_string(),
    };
    RowProblem { line, column: column_of(err), message }
}

impl Activities {
    /// Imports `rows`: all recorded, or none and every bad row named.
    #[tracing::instrument(name = "activities.import", skip_all)]
    pub async fn import(
        &self,
        tenant: &Tenant,
        rows: Vec<ImportRow>,
        key: Option<IdempotencyKey>,
        fingerprint: String,
        responses: Arc<dyn ImportResponses>,
        now: DateTime<Utc>,
    ) -> Result<RecordReply<Vec<ActivityRecord>>, DomainError> {
        tenant.require(Action::Record)?;
        self.keyed_records(&tenant.company, key, fingerprint, responses, now, |kept| {
            self.store_all(tenant, rows, kept, now)
        })
        .await
    }

    /// [`Activities::keyed`] for work that records several at once (an import, an estimate),
    /// answered in `responses`' words.
    pub(super) async fn keyed_records<Fut>(
        &self,
        company: &CompanyId,
        key: Option<IdempotencyKey>,
        fingerprint: String,
        responses: Arc<dyn ImportResponses>,
        now: DateTime<Utc>,
        work: impl FnOnce(Option<IdempotentRecord<Vec<ActivityRecord>>>) -> Fut,
    ) -> Result<RecordReply<Vec<ActivityRecord>>, DomainError>
    where
        Fut: Future<Output = Result<Vec<ActivityRecord>, DomainError>>,
    {
        let renderer = Arc::clone(&responses);
        let render: RenderCreated<Vec<ActivityRecord>> =
            Arc::new(move |records: &Vec<ActivityRecord>| renderer.created(records));
        let refuse = |err: &DomainError| responses.refused(err);
        self.keyed(company, key, fingerprint, render, refuse, now, work).await
    }

    async fn store_all(
        &self,
        tenant: &Tenant,
        rows: Vec<ImportRow>,
        idempotent: Option<IdempotentRecord<Vec<ActivityRecord>>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ActivityRecord>, DomainError> {
        if rows.is_empty() {
            return Err(DomainError::invalid("file", "holds no rows: send the header and at least one row"));
        }
        if rows.len() > MAX_IMPORT_ROWS {
            return Err(DomainError::invalid(
                "file",
                format!("holds {} rows; at most {MAX_IMPORT_ROWS} a file", rows.len()),
            ));
        }
        let overview = self.overviews.of(tenant).await?;
        let start = overview.company.reporting_year_start;
        let mut problems = Vec::new();
        let mut records = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            let input = match row {
                Ok(input) => input,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            if let Some(site) = &input.site_id
                && !overview.sites.iter().any(|s| &s.id == site)
            {
                problems.push(problem(line, &DomainError::not_found("site")));
                continue;
            }
            let calculated = calculate(&self.factors, &self.catalogue, start, input, now.date_naive()).and_then(
                |(input, family, calculation)| {
                    let amounts = calculation.micrograms_by_category()?;
                    Ok(NewActivityRecord { input, family, calculation, amounts, recorded_at: now, estimate: None })
                },
            );
            match calculated {
                Ok(record) => records.push(record),
                Err(err) => problems.push(problem(line, &err)),
            }
        }
        if !problems.is_empty() {
            let total = problems.len();
            problems.truncate(MAX_LISTED_PROBLEMS);
            return Err(DomainError::ImportRefused { rows: problems, total });
        }
        self.records.record_all(&tenant.company, records, idempotent).await
    }
}
