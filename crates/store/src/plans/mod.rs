//! Carbon Reduction Plans and their inputs. A plan's content and the inputs are JSON documents
//! in shapes of the store's own (`stored_content`, `stored_inputs`); a plan's content never
//! changes once written.

mod stored_content;
mod stored_inputs;
mod version;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::activities::Family;
use carbonpass_domain::calculation::BillType;
use carbonpass_domain::crp::{
    CarbonReductionPlan, CrpInputs, PeriodRecords, PlanStatus, PlanSummary, Section, StoredInputs,
};
use carbonpass_domain::events::Event;
use carbonpass_domain::model::ids::PlanKind;
use carbonpass_domain::model::{ActivityStatus, CompanyId, PlanId, Source};
use carbonpass_domain::ports::{FinishedBlob, NewPlan, PlanQuery, PlanRepository, StoredPdf};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::bills::calculation::from_stored;
use crate::bills::outbox::{outbox_event, write_event};
use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::corrupt;
use crate::ids::mint;
use crate::schema::{activities, activity_emissions, bill_emissions, bills, crp_inputs, crp_plan_pdfs, crp_plans};
use crate::{Store, StoreError, tenancy};

const CONFIRMED: &str = "confirmed";

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crp_plans)]
pub(crate) struct PlanRow {
    id: String,
    company_id: String,
    status: String,
    fy_year: i32,
    target_year: i32,
    generated_at: NaiveDateTime,
    published_at: Option<NaiveDateTime>,
    content: String,
    /// The sections present, by name, comma-separated: judged once from the content.
    sections: String,
}

/// A plan's row without its content, for lists.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = crp_plans)]
struct SummaryRow {
    id: String,
    status: String,
    fy_year: i32,
    target_year: i32,
    generated_at: NaiveDateTime,
    published_at: Option<NaiveDateTime>,
    sections: String,
}

/// A stored plan's id and status, read back.
fn identity(id: &str, status: &str) -> Result<(PlanId, PlanStatus), StoreError> {
    Ok((
        PlanId::parse(id).ok_or_else(|| corrupt("plan id", id))?,
        PlanStatus::parse(status).ok_or_else(|| corrupt("plan status", status))?,
    ))
}

impl TryFrom<SummaryRow> for PlanSummary {
    type Error = StoreError;
    fn try_from(row: SummaryRow) -> Result<Self, StoreError> {
        let sections = row
            .sections
            .split(',')
            .filter(|name| !name.is_empty())
            .map(|name| Section::parse(name).ok_or_else(|| corrupt("plan sections", name)))
            .collect::<Result<Vec<_>, _>>()?;
        let (id, status) = identity(&row.id, &row.status)?;
        Ok(PlanSummary {
            id,
            status,
            fy_year: row.fy_year,
            target_year: row.target_year,
            generated_at: from_db_time(row.generated_at),
            published_at: row.published_at.map(from_db_time),
            sections,
        })
    }
}

impl TryFrom<PlanRow> for CarbonReductionPlan {
    type Error = StoreError;
    fn try_from(row: PlanRow) -> Result<Self, StoreError> {
        let content = stored_content::from_json(&row.content)?;
        let (id, status) = identity(&row.id, &row.status)?;
        Ok(CarbonReductionPlan {
            id,
            status,
            fy_year: row.fy_year,
            target_year: row.target_year,
            generated_at: from_db_time(row.generated_at),
            published_at: row.published_at.map(from_db_time),
            content,
        })
    }
}

pub(crate) fn find(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<PlanRow>, StoreError> {
    Ok(crp_plans::table
        .filter(crp_plans::id.eq(id))
        .filter(crp_plans::company_id.eq(company))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

fn stored_pdf((blob_key, sha256, size): (String, String, i64)) -> StoredPdf {
    StoredPdf { blob_key, sha256, size_bytes: u64::try_from(size).unwrap_or(0) }
}

pub(crate) fn plan(row: PlanRow) -> Result<CarbonReductionPlan, DomainError> {
    Ok(CarbonReductionPlan::try_from(row)?)
}

/// What publishing a plan inside the tenant's lock found.
enum Publication {
    Missing,
    Unchanged(PlanRow),
    Refused(String),
    Published(Box<CarbonReductionPlan>),
}

#[async_trait]
impl PlanRepository for Store {
    async fn crp_inputs(&self, company: &CompanyId) -> Result<Option<StoredInputs>, DomainError> {
        let company = company.as_str().to_owned();
        let row = self
            .read(move |conn| {
                Ok(crp_inputs::table
                    .filter(crp_inputs::company_id.eq(&company))
                    .select((crp_inputs::document, crp_inputs::updated_at))
                    .first::<(String, NaiveDateTime)>(conn)
                    .optional()?)
            })
            .await?;
        row.map(|(document, at)| {
            let inputs = stored_inputs::from_json(&document)?;
            Ok(StoredInputs { inputs, updated_at: from_db_time(at) })
        })
        .transpose()
    }

    async fn save_crp_inputs(
        &self,
        company: &CompanyId,
        inputs: CrpInputs,
        at: DateTime<Utc>,
    ) -> Result<StoredInputs, DomainError> {
        let document = stored_inputs::to_json(&inputs)?;
        let company = company.as_str().to_owned();
        let when = to_db_time(at);
        self.transaction(move |conn| {
            // Two first saves at once must not both insert (the upsert diesel cannot write for
            // both backends): the tenant's lock orders them, and the second updates.
            tenancy::lock(conn, &company)?;
            let updated = diesel::update(crp_inputs::table)
                .filter(crp_inputs::company_id.eq(&company))
                .set((crp_inputs::document.eq(&document), crp_inputs::updated_at.eq(when)))
                .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(crp_inputs::table)
                    .values((
                        crp_inputs::company_id.eq(&company),
                        crp_inputs::document.eq(&document),
                        crp_inputs::updated_at.eq(when),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await?;
        Ok(StoredInputs { inputs, updated_at: from_db_time(when) })
    }

    async fn period_records(
        &self,
        company: &CompanyId,
        periods: Vec<String>,
    ) -> Result<Vec<PeriodRecords>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .snapshot(move |conn| {
                let mut out = Vec::with_capacity(periods.len());
                for period in &periods {
                    let in_period = bill_emissions::table
                        .filter(bill_emissions::company_id.eq(&company))
                        .filter(bill_emissions::reporting_period.eq(period))
                        .select(bill_emissions::bill_id)
                        .distinct();
                    let rows: Vec<(String, Option<String>, Option<NaiveDate>)> = bills::table
                        .filter(bills::company_id.eq(&company))
                        .filter(bills::status.eq(CONFIRMED))
                        .filter(bills::id.eq_any(in_period))
                        .order(bills::id.asc())
                        .select((bills::bill_type, bills::calculation, bills::period_start))
                        .load(conn)?;
                    let mut found = Vec::with_capacity(rows.len());
                    for (bill_type, calculation, start) in rows {
                        let bill_type = bill_type.parse::<BillType>().map_err(|_| corrupt("bill type", &bill_type))?;
                        let (Some(calculation), Some(start)) = (calculation, start) else {
                            return Err(corrupt("confirmed bill", "without its calculation"));
                        };
                        found.push((Source::Bill(bill_type), from_stored(&calculation, start)?));
                    }
                    let recorded = activity_emissions::table
                        .filter(activity_emissions::company_id.eq(&company))
                        .filter(activity_emissions::reporting_period.eq(period))
                        .select(activity_emissions::activity_id)
                        .distinct();
                    let rows: Vec<(String, String, NaiveDate, Option<String>)> = activities::table
                        .filter(activities::company_id.eq(&company))
                        .filter(activities::status.eq(ActivityStatus::Recorded.as_str()))
                        .filter(activities::id.eq_any(recorded))
                        .order(activities::id.asc())
                        .select((
                            activities::family,
                            activities::calculation,
                            activities::period_start,
                            activities::estimate,
                        ))
                        .load(conn)?;
                    for (family, calculation, start, estimate) in rows {
                        let family = Family::parse(&family).ok_or_else(|| corrupt("activity family", &family))?;
                        let mut calculation = from_stored(&calculation, start)?;
                        if estimate.is_some() {
                            // A record made from a commuting estimate: its activity is estimated, as
                            // the plan's methodology names (the estimate is kept on the record, not
                            // in its calculation).
                            for line in calculation.parts.iter_mut().flat_map(|p| p.lines.iter_mut()) {
                                line.estimate = true;
                                line.basis = Some(match line.basis.take() {
                                    Some(basis) => format!("{basis}; estimated from a commuting estimate"),
                                    None => "estimated from a commuting estimate".to_owned(),
                                });
                            }
                        }
                        found.push((Source::Activity(family), calculation));
                    }
                    out.push(found);
                }
                Ok(out)
            })
            .await?)
    }

    async fn insert_plan(
        &self,
        company: &CompanyId,
        new: NewPlan,
        at_most: u32,
    ) -> Result<CarbonReductionPlan, DomainError> {
        let content = stored_content::to_json(&new.content)?;
        let id = mint::<PlanKind>()?;
        let generated_at = to_db_time(new.generated_at);
        let plan = CarbonReductionPlan {
            id,
            status: PlanStatus::Draft,
            fy_year: new.fy_year,
            target_year: new.target_year,
            generated_at: from_db_time(generated_at),
            published_at: None,
            content: new.content,
        };
        let row = PlanRow {
            id: plan.id.as_str().to_owned(),
            company_id: company.as_str().to_owned(),
            status: plan.status.as_str().to_owned(),
            fy_year: plan.fy_year,
            target_year: plan.target_year,
            generated_at,
            published_at: None,
            content,
            sections: plan.present_sections().into_iter().map(Section::as_str).collect::<Vec<_>>().join(","),
        };
        let event = outbox_event(self.payloads.as_ref(), Event::CrpGenerated(&plan));
        let inserted = self
            .transaction(move |conn| {
                let company = row.company_id.clone();
                // One generation of the tenant's at a time, so the count below holds on
                // PostgreSQL too (SQLite's writer is one anyway).
                tenancy::lock(conn, &company)?;
                let held: i64 = crp_plans::table.filter(crp_plans::company_id.eq(&company)).count().get_result(conn)?;
                if held >= i64::from(at_most) {
                    return Ok(false);
                }
                diesel::insert_into(crp_plans::table).values(&row).execute(conn)?;
                write_event(conn, &company, &event, generated_at)?;
                Ok(true)
            })
            .await?;
        if !inserted {
            return Err(DomainError::LimitReached {
                limit: u64::from(at_most),
                message: format!(
                    "the company already holds {at_most} Carbon Reduction Plans, the most it may; delete a draft it no longer needs (DELETE /api/v1/crp/{{id}}) and generate again"
                ),
            });
        }
        self.deliveries_committed();
        Ok(plan)
    }

    async fn delete_draft(&self, company: &CompanyId, id: &PlanId) -> Result<Vec<String>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let outcome = self
            .transaction(move |conn| {
                // Ordered with publishing: a draft being published is either deleted first
                // (and the publication finds nothing) or published first (and is kept).
                tenancy::lock(conn, &company)?;
                let status: Option<String> = crp_plans::table
                    .filter(crp_plans::id.eq(&id))
                    .filter(crp_plans::company_id.eq(&company))
                    .select(crp_plans::status)
                    .first(conn)
                    .optional()?;
                match status.as_deref() {
                    None => return Ok(Err(None)),
                    Some("draft") => {}
                    Some(other) => return Ok(Err(Some(other.to_owned()))),
                }
                let keys: Vec<String> = crp_plan_pdfs::table
                    .filter(crp_plan_pdfs::plan_id.eq(&id))
                    .filter(crp_plan_pdfs::company_id.eq(&company))
                    .select(crp_plan_pdfs::blob_key)
                    .load(conn)?;
                diesel::delete(crp_plan_pdfs::table.filter(crp_plan_pdfs::plan_id.eq(&id))).execute(conn)?;
                diesel::delete(
                    crp_plans::table.filter(crp_plans::id.eq(&id)).filter(crp_plans::company_id.eq(&company)),
                )
                .execute(conn)?;
                Ok(Ok(keys))
            })
            .await?;
        match outcome {
            Ok(keys) => Ok(keys),
            Err(None) => Err(DomainError::not_found("carbon reduction plan")),
            Err(Some(status)) => {
                Err(DomainError::Conflict { message: format!("the plan is {status}: only a draft can be deleted") })
            }
        }
    }

    async fn stored_pdf(
        &self,
        company: &CompanyId,
        id: &PlanId,
        status: PlanStatus,
    ) -> Result<Option<StoredPdf>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let row = self
            .read(move |conn| {
                Ok(crp_plan_pdfs::table
                    .filter(crp_plan_pdfs::plan_id.eq(&id))
                    .filter(crp_plan_pdfs::status.eq(status.as_str()))
                    .filter(crp_plan_pdfs::company_id.eq(&company))
                    .select((crp_plan_pdfs::blob_key, crp_plan_pdfs::sha256, crp_plan_pdfs::size_bytes))
                    .first::<(String, String, i64)>(conn)
                    .optional()?)
            })
            .await?;
        Ok(row.map(stored_pdf))
    }

    async fn record_pdf(
        &self,
        company: &CompanyId,
        id: &PlanId,
        status: PlanStatus,
        blob: FinishedBlob,
    ) -> Result<StoredPdf, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let size = i64::try_from(blob.size_bytes).map_err(|_| DomainError::Internal("a PDF of 2^63 bytes".into()))?;
        let now = to_db_time(Utc::now());
        let row = self
            .transaction(move |conn| {
                // Ordered with deleting the draft, so no record outlives its plan.
                tenancy::lock(conn, &company)?;
                if find(conn, &company, &id)?.is_none() {
                    return Ok(None);
                }
                let recorded = crp_plan_pdfs::table
                    .filter(crp_plan_pdfs::plan_id.eq(&id))
                    .filter(crp_plan_pdfs::status.eq(status.as_str()))
                    .select((crp_plan_pdfs::blob_key, crp_plan_pdfs::sha256, crp_plan_pdfs::size_bytes))
                    .first::<(String, String, i64)>(conn)
                    .optional()?;
                if let Some(recorded) = recorded {
                    return Ok(Some(recorded));
                }
                diesel::insert_into(crp_plan_pdfs::table)
                    .values((
                        crp_plan_pdfs::plan_id.eq(&id),
                        crp_plan_pdfs::status.eq(status.as_str()),
                        crp_plan_pdfs::company_id.eq(&company),
                        crp_plan_pdfs::blob_key.eq(&blob.key),
                        crp_plan_pdfs::sha256.eq(&blob.sha256),
                        crp_plan_pdfs::size_bytes.eq(size),
                        crp_plan_pdfs::created_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(Some((blob.key.clone(), blob.sha256.clone(), size)))
            })
            .await?;
        row.map(stored_pdf).ok_or(DomainError::not_found("carbon reduction plan"))
    }

    async fn find_plan(&self, company: &CompanyId, id: &PlanId) -> Result<Option<CarbonReductionPlan>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        self.read(move |conn| find(conn, &company, &id)).await?.map(plan).transpose()
    }

    async fn list_plans(&self, company: &CompanyId, query: PlanQuery) -> Result<Vec<PlanSummary>, DomainError> {
        let company = company.as_str().to_owned();
        let rows = self
            .read(move |conn| {
                let cursor = match &query.after {
                    Some(after) => {
                        let at: Option<(NaiveDateTime, String)> = crp_plans::table
                            .filter(crp_plans::id.eq(after.as_str()))
                            .filter(crp_plans::company_id.eq(company.clone()))
                            .select((crp_plans::generated_at, crp_plans::id))
                            .first(conn)
                            .optional()?;
                        match at {
                            Some(at) => Some(at),
                            None => return Ok(None),
                        }
                    }
                    None => None,
                };
                let mut select = crp_plans::table
                    .filter(crp_plans::company_id.eq(company.clone()))
                    .select(SummaryRow::as_select())
                    .order((crp_plans::generated_at.desc(), crp_plans::id.desc()))
                    .limit(i64::from(query.limit))
                    .into_boxed();
                if let Some((at, id)) = cursor {
                    select = select.filter(
                        crp_plans::generated_at.lt(at).or(crp_plans::generated_at.eq(at).and(crp_plans::id.lt(id))),
                    );
                }
                Ok(Some(select.load::<SummaryRow>(conn)?))
            })
            .await?;
        let rows = rows.ok_or_else(|| DomainError::invalid("cursor", "names no plan of this company"))?;
        rows.into_iter().map(|row| Ok(PlanSummary::try_from(row)?)).collect()
    }

    async fn publish_plan(
        &self,
        company: &CompanyId,
        id: &PlanId,
        at: DateTime<Utc>,
    ) -> Result<(CarbonReductionPlan, bool), DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let when = to_db_time(at);
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                // One publication of the tenant's at a time: two drafts published together on
                // PostgreSQL would otherwise both see the same plan as the one to supersede.
                tenancy::lock(conn, &company)?;
                let Some(mut row) = find(conn, &company, &id)? else {
                    return Ok(Publication::Missing);
                };
                match row.status.as_str() {
                    "published" => return Ok(Publication::Unchanged(row)),
                    "superseded" => {
                        return Ok(Publication::Refused(format!(
                            "plan {id} was superseded by a newer published plan; generate a new plan to publish"
                        )));
                    }
                    _ => {}
                }
                let current: Option<PlanRow> = crp_plans::table
                    .filter(crp_plans::company_id.eq(&company))
                    .filter(crp_plans::status.eq(PlanStatus::Published.as_str()))
                    .select(PlanRow::as_select())
                    .first(conn)
                    .optional()?;
                if let Some(current) = current {
                    if (current.generated_at, &current.id) > (row.generated_at, &row.id) {
                        return Ok(Publication::Refused(format!(
                            "plan {} is published and was generated after plan {id}; publish a plan generated after it",
                            current.id
                        )));
                    }
                    diesel::update(crp_plans::table)
                        .filter(crp_plans::id.eq(&current.id))
                        .filter(crp_plans::company_id.eq(&company))
                        .set(crp_plans::status.eq(PlanStatus::Superseded.as_str()))
                        .execute(conn)?;
                }
                diesel::update(crp_plans::table)
                    .filter(crp_plans::id.eq(&id))
                    .filter(crp_plans::company_id.eq(&company))
                    .set((crp_plans::status.eq(PlanStatus::Published.as_str()), crp_plans::published_at.eq(when)))
                    .execute(conn)?;
                row.status = PlanStatus::Published.as_str().to_owned();
                row.published_at = Some(when);
                let published = CarbonReductionPlan::try_from(row)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::CrpPublished(&published)), when)?;
                Ok(Publication::Published(Box::new(published)))
            })
            .await?;
        self.deliveries_committed();
        match outcome {
            Publication::Missing => Err(DomainError::not_found("carbon reduction plan")),
            Publication::Refused(message) => Err(DomainError::Conflict { message }),
            Publication::Unchanged(row) => Ok((plan(row)?, false)),
            Publication::Published(published) => Ok((*published, true)),
        }
    }
}
