//! Activity records: the repository port, each change one transaction with its totals and
//! event. Its parts: the row and its mapping (`row`) and the maintained totals (`totals`).

mod estimate;
mod row;
pub(crate) mod totals;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::events::Event;
use carbonpass_domain::model::ids::ActivityKind;
use carbonpass_domain::model::{
    ActivityId, ActivityQuery, ActivityRecord, ActivityStatus, CompanyId, Correction, IdempotentRecord,
    NewActivityRecord, StoredResponse,
};
use carbonpass_domain::ports::ActivityRepository;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use self::row::{ActivityRow, find};
use self::totals::TotalKey;
use crate::bills::calculation::to_stored;
use crate::bills::outbox::{outbox_event, write_event};
use crate::db::{DbConnection, to_db_time};
use crate::error::corrupt;
use crate::ids::mint;
use crate::schema::{activities, activity_emissions, sites};
use crate::{Store, StoreError, idempotency, tenancy};

/// What a write found wrong, decided inside the transaction.
enum Refusal {
    UnknownSite,
    UnknownActivity,
    AlreadyVoided,
    ClaimLost,
}

fn refused(refusal: Refusal) -> DomainError {
    match refusal {
        Refusal::UnknownSite => DomainError::not_found("site"),
        Refusal::UnknownActivity => DomainError::not_found("activity"),
        Refusal::AlreadyVoided => {
            DomainError::conflict("the activity is voided; only a recorded activity can be voided")
        }
        Refusal::ClaimLost => DomainError::IdempotencyKeyInProgress,
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = activity_emissions)]
struct EmissionRow<'a> {
    activity_id: &'a str,
    company_id: &'a str,
    reporting_period: &'a str,
    scope: i32,
    category: i32,
    micrograms: i64,
}

fn reread(conn: &mut DbConnection, company: &str, id: &str) -> Result<ActivityRecord, StoreError> {
    let row = find(conn, company, id)?.ok_or_else(|| corrupt("activity", id))?;
    ActivityRecord::try_from(row)
}

/// Stores one record with its amounts, totals and event, in the caller's transaction (which
/// holds the tenant's lock). `sites_checked` when the caller has already checked every site
/// of the records it stores.
fn insert(
    conn: &mut DbConnection,
    company: &str,
    record: &NewActivityRecord,
    calculation: String,
    payloads: &dyn carbonpass_domain::ports::EventPayloads,
    sites_checked: bool,
) -> Result<Result<ActivityRecord, Refusal>, StoreError> {
    let input = &record.input;
    if let Some(site) = input.site_id.as_ref().filter(|_| !sites_checked) {
        let is_tenants = sites::table
            .filter(sites::id.eq(site.as_str()))
            .filter(sites::company_id.eq(company))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !is_tenants {
            return Ok(Err(Refusal::UnknownSite));
        }
    }
    let at = to_db_time(record.recorded_at);
    let row = ActivityRow {
        id: mint::<ActivityKind>()?.into_string(),
        company_id: company.to_owned(),
        activity_type: input.activity_type.clone(),
        family: record.family.as_str().to_owned(),
        quantity: input.quantity.to_string(),
        unit: input.unit.as_str().to_owned(),
        period_start: input.period_start,
        period_end: input.period_end,
        site_id: input.site_id.as_ref().map(|s| s.as_str().to_owned()),
        direction: input.direction.map(|d| d.as_str().to_owned()),
        radiative_forcing: input.radiative_forcing,
        reference: input.reference.clone(),
        note: input.note.clone(),
        status: ActivityStatus::Recorded.as_str().to_owned(),
        calculation,
        recorded_at: at,
        void_reason: None,
        voided_at: None,
        estimate: record.estimate.as_ref().map(estimate::to_stored).transpose()?,
    };
    diesel::insert_into(activities::table).values(&row).execute(conn)?;
    let site = row.site_id.clone().unwrap_or_default();
    for amount in &record.amounts {
        let (period, micrograms) = (&amount.period, amount.micrograms);
        let (scope, category) = (i32::from(amount.scope.number()), i32::from(amount.category.unwrap_or(0)));
        let key = TotalKey { company, period, site: &site, family: &row.family, scope, category };
        totals::add(conn, &key, micrograms)?;
        diesel::insert_into(activity_emissions::table)
            .values(EmissionRow {
                activity_id: &row.id,
                company_id: company,
                reporting_period: period,
                scope,
                category,
                micrograms,
            })
            .execute(conn)?;
    }
    let owner = crate::market::Owner { record_id: &row.id, company_id: company, site_id: &site };
    crate::market::record(conn, &owner, &record.calculation)?;
    // The record as stored, read from the row written (no round trip to read it back).
    let stored = ActivityRecord::try_from(row)?;
    write_event(conn, company, &outbox_event(payloads, Event::ActivityRecorded(&stored)), at)?;
    Ok(Ok(stored))
}

#[async_trait]
impl ActivityRepository for Store {
    async fn record(
        &self,
        company: &CompanyId,
        record: NewActivityRecord,
        idempotent: Option<IdempotentRecord<ActivityRecord>>,
    ) -> Result<ActivityRecord, DomainError> {
        let company = company.as_str().to_owned();
        let calculation = to_stored(&record.calculation)?;
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                tenancy::lock(conn, &company)?;
                if let Some(kept) = &idempotent
                    && !idempotency::still_held(conn, &company, &kept.lease)?
                {
                    return Ok(Err(Refusal::ClaimLost));
                }
                let stored = match insert(conn, &company, &record, calculation.clone(), payloads.as_ref(), false)? {
                    Ok(stored) => stored,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                if let Some(kept) = &idempotent {
                    let (status, body) = (kept.render)(&stored);
                    let response = StoredResponse { fingerprint: kept.fingerprint.clone(), status, body };
                    idempotency::keep_response(conn, &company, &kept.lease, &response)?;
                }
                Ok(Ok(stored))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }

    async fn record_all(
        &self,
        company: &CompanyId,
        records: Vec<NewActivityRecord>,
        idempotent: Option<IdempotentRecord<Vec<ActivityRecord>>>,
    ) -> Result<Vec<ActivityRecord>, DomainError> {
        let company = company.as_str().to_owned();
        let calculations = records.iter().map(|r| to_stored(&r.calculation)).collect::<Result<Vec<_>, _>>()?;
        let payloads = self.payloads.clone();
        let outcome = self
            .bulk_transaction(records.len(), move |conn| {
                tenancy::lock(conn, &company)?;
                if let Some(kept) = &idempotent
                    && !idempotency::still_held(conn, &company, &kept.lease)?
                {
                    return Ok(Err(Refusal::ClaimLost));
                }
                // Every site first, so that nothing is written for an import refused.
                let mut named: Vec<&str> =
                    records.iter().filter_map(|r| r.input.site_id.as_ref()).map(|s| s.as_str()).collect();
                named.sort_unstable();
                named.dedup();
                let known = sites::table
                    .filter(sites::company_id.eq(&company))
                    .filter(sites::id.eq_any(&named))
                    .count()
                    .get_result::<i64>(conn)?;
                if usize::try_from(known).unwrap_or(0) != named.len() {
                    return Ok(Err(Refusal::UnknownSite));
                }
                let mut stored = Vec::with_capacity(records.len());
                for (record, calculation) in records.iter().zip(&calculations) {
                    match insert(conn, &company, record, calculation.clone(), payloads.as_ref(), true)? {
                        Ok(one) => stored.push(one),
                        // Checked above under the tenant's lock: a site that vanished since is a bug.
                        Err(_) => {
                            return Err(StoreError::Corrupt("a site of the import vanished under its lock".into()));
                        }
                    }
                }
                if let Some(kept) = &idempotent {
                    let (status, body) = (kept.render)(&stored);
                    let response = StoredResponse { fingerprint: kept.fingerprint.clone(), status, body };
                    idempotency::keep_response(conn, &company, &kept.lease, &response)?;
                }
                Ok(Ok(stored))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }

    async fn list(&self, company: &CompanyId, query: ActivityQuery) -> Result<Vec<ActivityRecord>, DomainError> {
        let company = company.as_str().to_owned();
        let rows = self
            .read(move |conn| {
                let cursor = match &query.after {
                    Some(after) => {
                        let at = activities::table
                            .filter(activities::id.eq(after.as_str()))
                            .filter(activities::company_id.eq(&company))
                            .select(activities::recorded_at)
                            .first::<NaiveDateTime>(conn)
                            .optional()?;
                        match at {
                            Some(at) => Some((at, after.as_str().to_owned())),
                            None => return Ok(None),
                        }
                    }
                    None => None,
                };
                let mut select = activities::table
                    .filter(activities::company_id.eq(company.clone()))
                    .select(ActivityRow::as_select())
                    .order((activities::recorded_at.desc(), activities::id.desc()))
                    .limit(i64::from(query.limit))
                    .into_boxed();
                if let Some(site) = &query.site {
                    select = select.filter(activities::site_id.eq(site.as_str().to_owned()));
                }
                if let Some(category) = query.category {
                    select = select.filter(diesel::dsl::exists(
                        activity_emissions::table
                            .filter(activity_emissions::company_id.eq(company.clone()))
                            .filter(activity_emissions::activity_id.eq(activities::id))
                            .filter(activity_emissions::category.eq(i32::from(category))),
                    ));
                }
                if let Some(period) = &query.period {
                    select = select.filter(diesel::dsl::exists(
                        activity_emissions::table
                            .filter(activity_emissions::company_id.eq(company.clone()))
                            .filter(activity_emissions::activity_id.eq(activities::id))
                            .filter(activity_emissions::reporting_period.eq(period.clone())),
                    ));
                }
                if let Some((at, id)) = cursor {
                    select = select.filter(
                        activities::recorded_at.lt(at).or(activities::recorded_at.eq(at).and(activities::id.lt(id))),
                    );
                }
                Ok(Some(select.load::<ActivityRow>(conn)?))
            })
            .await?;
        let rows = rows.ok_or_else(|| DomainError::invalid("cursor", "names no activity of this company"))?;
        Ok(rows.into_iter().map(ActivityRecord::try_from).collect::<Result<_, _>>()?)
    }

    async fn find(&self, company: &CompanyId, id: &ActivityId) -> Result<Option<ActivityRecord>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let row = self.read(move |conn| find(conn, &company, &id)).await?;
        Ok(row.map(ActivityRecord::try_from).transpose()?)
    }

    async fn void(
        &self,
        company: &CompanyId,
        id: &ActivityId,
        correction: Correction,
    ) -> Result<ActivityRecord, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                tenancy::lock(conn, &company)?;
                let Some(row) = find(conn, &company, &id)? else { return Ok(Err(Refusal::UnknownActivity)) };
                if row.status != ActivityStatus::Recorded.as_str() {
                    return Ok(Err(Refusal::AlreadyVoided));
                }
                let parts = activity_emissions::table
                    .filter(activity_emissions::company_id.eq(&company))
                    .filter(activity_emissions::activity_id.eq(&row.id))
                    .select((
                        activity_emissions::reporting_period,
                        activity_emissions::scope,
                        activity_emissions::category,
                        activity_emissions::micrograms,
                    ))
                    .load::<(String, i32, i32, i64)>(conn)?;
                let site = row.site_id.clone().unwrap_or_default();
                for (period, scope, category, micrograms) in &parts {
                    let key = TotalKey {
                        company: &company,
                        period,
                        site: &site,
                        family: &row.family,
                        scope: *scope,
                        category: *category,
                    };
                    totals::subtract(conn, &key, *micrograms)?;
                }
                diesel::delete(
                    activity_emissions::table
                        .filter(activity_emissions::company_id.eq(&company))
                        .filter(activity_emissions::activity_id.eq(&row.id)),
                )
                .execute(conn)?;
                crate::market::remove(conn, &company, &row.id)?;
                let at = to_db_time(correction.at);
                let changed = diesel::update(
                    activities::table
                        .filter(activities::id.eq(&row.id))
                        .filter(activities::company_id.eq(&company))
                        .filter(activities::status.eq(ActivityStatus::Recorded.as_str())),
                )
                .set((
                    activities::status.eq(ActivityStatus::Voided.as_str()),
                    activities::void_reason.eq(&correction.reason),
                    activities::voided_at.eq(at),
                ))
                .execute(conn)?;
                if changed != 1 {
                    return Err(StoreError::Corrupt(format!("activity {} changed under its lock", row.id)));
                }
                let stored = reread(conn, &company, &row.id)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::ActivityVoided(&stored)), at)?;
                Ok(Ok(stored))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }
}
