//! Bills: the repository port, each method one transaction. Its parts: the row and its mapping
//! (`row`), the stored calculation record (`calculation`), the session an upload goes into
//! (`sessions`), the double-counting check (`supply`), the maintained totals (`totals`) and the
//! outbox (`outbox`).

pub(crate) mod calculation;
pub(crate) mod categories;
pub(crate) mod outbox;
mod row;
pub(crate) mod sessions;
mod supply;
pub(crate) mod totals;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::Scope;
use carbonpass_domain::events::Event;
use carbonpass_domain::model::ids::BillKind;
use carbonpass_domain::model::{
    Bill, BillId, BillQuery, BillStatus, CompanyId, Confirmed, Correction, IdempotentRecord, MeterPoint, NewUpload,
    StoredResponse,
};
use carbonpass_domain::ports::BillRepository;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use self::outbox::{outbox_event, write_event};
use self::row::{BillRow, find, status_of};
use crate::db::{db_now, to_db_time};
use crate::error::corrupt;
use crate::ids::mint;
use crate::market::{self, Owner};
use crate::schema::{bill_emissions, bills, sites};
use crate::{Store, StoreError, idempotency, tenancy};

#[derive(Debug, Insertable)]
#[diesel(table_name = bill_emissions)]
struct EmissionRow<'a> {
    bill_id: &'a str,
    company_id: &'a str,
    site_id: &'a str,
    session_id: &'a str,
    reporting_period: &'a str,
    bill_type: &'a str,
    scope: i32,
    micrograms: i64,
}

/// What a write found wrong, decided inside the transaction.
enum Refusal {
    UnknownSite,
    Duplicate(String),
    UnknownBill,
    WrongStatus {
        status: BillStatus,
        wanted: BillStatus,
        action: &'static str,
    },
    Overlapping(String),
    /// The idempotency claim of the request was taken over by a retry after its lease ran out.
    ClaimLost,
}

fn refused(refusal: Refusal) -> DomainError {
    match refusal {
        Refusal::UnknownSite => DomainError::not_found("site"),
        Refusal::Duplicate(existing) => DomainError::DuplicateBill { existing },
        Refusal::UnknownBill => DomainError::not_found("bill"),
        Refusal::WrongStatus { status, wanted, action } => DomainError::Conflict {
            message: format!(
                "the bill is {}; only a bill that is {} can be {action}",
                status.as_str(),
                wanted.as_str()
            ),
        },
        Refusal::Overlapping(existing) => DomainError::OverlappingBill { existing },
        Refusal::ClaimLost => DomainError::IdempotencyKeyInProgress,
    }
}

/// The tenant's bill, locked for a change from `wanted` status (see `tenancy`).
fn pending(
    conn: &mut crate::db::DbConnection,
    company: &str,
    id: &str,
    wanted: BillStatus,
    action: &'static str,
) -> Result<Result<BillRow, Refusal>, StoreError> {
    tenancy::lock(conn, company)?;
    let Some(row) = find(conn, company, id)? else { return Ok(Err(Refusal::UnknownBill)) };
    let status = status_of(&row.status)?;
    if status != wanted {
        return Ok(Err(Refusal::WrongStatus { status, wanted, action }));
    }
    Ok(Ok(row))
}

/// Sets a bill's status from `from` to `to`, naming the tenant; the row must still be `from`.
fn change_status(
    conn: &mut crate::db::DbConnection,
    row: &BillRow,
    from: BillStatus,
    to: BillStatus,
    correction: Option<(&str, NaiveDateTime)>,
) -> Result<(), StoreError> {
    let changed = diesel::update(
        bills::table
            .filter(bills::id.eq(&row.id))
            .filter(bills::company_id.eq(&row.company_id))
            .filter(bills::status.eq(from.as_str())),
    )
    .set((
        bills::status.eq(to.as_str()),
        bills::status_reason.eq(correction.map(|(reason, _)| reason)),
        bills::status_changed_at.eq(correction.map(|(_, at)| at)),
    ))
    .execute(conn)?;
    if changed == 1 { Ok(()) } else { Err(StoreError::Corrupt(format!("bill {} changed under its lock", row.id))) }
}

/// The bill as stored now, for the response and the event.
fn reread(conn: &mut crate::db::DbConnection, row: &BillRow) -> Result<Bill, StoreError> {
    let stored = find(conn, &row.company_id, &row.id)?.ok_or_else(|| corrupt("bill", &row.id))?;
    Bill::try_from(stored)
}

#[async_trait]
impl BillRepository for Store {
    async fn deployment_id(&self) -> Result<String, DomainError> {
        use crate::schema::deployment;
        Ok(self.read(|conn| Ok(deployment::table.select(deployment::id).first::<String>(conn)?)).await?)
    }

    async fn blob_keys_in_use(&self, keys: &[String]) -> Result<std::collections::HashSet<String>, DomainError> {
        let keys = keys.to_vec();
        let in_use = self
            .read(move |conn| {
                // A bill's file, or a plan's stored PDF.
                let mut in_use =
                    bills::table.filter(bills::blob_key.eq_any(&keys)).select(bills::blob_key).load::<String>(conn)?;
                in_use.extend(
                    crate::schema::crp_plan_pdfs::table
                        .filter(crate::schema::crp_plan_pdfs::blob_key.eq_any(&keys))
                        .select(crate::schema::crp_plan_pdfs::blob_key)
                        .load::<String>(conn)?,
                );
                Ok(in_use)
            })
            .await?;
        Ok(in_use.into_iter().collect())
    }

    async fn record_upload(
        &self,
        company: &CompanyId,
        upload: NewUpload,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError> {
        let company = company.as_str().to_owned();
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                tenancy::lock(conn, &company)?;
                if let Some(record) = &idempotent
                    && !idempotency::still_held(conn, &company, &record.lease)?
                {
                    return Ok(Err(Refusal::ClaimLost));
                }
                let site = upload.site_id.as_str();
                let site_is_tenants = sites::table
                    .filter(sites::id.eq(site))
                    .filter(sites::company_id.eq(&company))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0;
                if !site_is_tenants {
                    return Ok(Err(Refusal::UnknownSite));
                }
                let holding = [BillStatus::Uploaded.as_str(), BillStatus::Confirmed.as_str()];
                let existing = bills::table
                    .filter(bills::company_id.eq(&company))
                    .filter(bills::site_id.eq(site))
                    .filter(bills::sha256.eq(&upload.file.sha256))
                    .filter(bills::status.eq_any(holding))
                    .select(bills::id)
                    .first::<String>(conn)
                    .optional()?;
                if let Some(existing) = existing {
                    return Ok(Err(Refusal::Duplicate(existing)));
                }
                let now = db_now();
                let session_id = sessions::session_for(conn, &company, site, &upload.period, now)?;
                let row = BillRow {
                    id: mint::<BillKind>()?.into_string(),
                    company_id: company.clone(),
                    site_id: site.to_owned(),
                    session_id,
                    bill_type: upload.bill_type.as_str().to_owned(),
                    status: BillStatus::Uploaded.as_str().to_owned(),
                    blob_key: upload.file.blob_key.clone(),
                    content_type: upload.file.content_type.clone(),
                    size_bytes: i64::try_from(upload.file.size_bytes).map_err(|_| corrupt("size", "too large"))?,
                    sha256: upload.file.sha256.clone(),
                    created_at: now,
                    consumption: None,
                    unit: None,
                    period_start: None,
                    period_end: None,
                    meter_point: None,
                    supplier: None,
                    calorific_value: None,
                    volume_correction: None,
                    sewerage_volume: None,
                    allow_overlap: false,
                    confirmed_at: None,
                    calculation: None,
                    status_reason: None,
                    status_changed_at: None,
                };
                diesel::insert_into(bills::table).values(&row).execute(conn)?;
                let bill = Bill::try_from(row)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::BillUploaded(&bill)), now)?;
                if let Some(record) = &idempotent {
                    let (status, body) = (record.render)(&bill);
                    let response = StoredResponse { fingerprint: record.fingerprint.clone(), status, body };
                    idempotency::keep_response(conn, &company, &record.lease, &response)?;
                }
                Ok(Ok(bill))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }

    async fn list_bills(&self, company: &CompanyId, query: BillQuery) -> Result<Vec<Bill>, DomainError> {
        let company = company.as_str().to_owned();
        let rows = self
            .read(move |conn| {
                let cursor = match &query.after {
                    Some(after) => {
                        let at = bills::table
                            .filter(bills::id.eq(after.as_str()))
                            .filter(bills::company_id.eq(&company))
                            .select(bills::created_at)
                            .first::<NaiveDateTime>(conn)
                            .optional()?;
                        match at {
                            Some(at) => Some((at, after.as_str().to_owned())),
                            None => return Ok(None),
                        }
                    }
                    None => None,
                };
                let mut select = bills::table
                    .filter(bills::company_id.eq(company.clone()))
                    .select(BillRow::as_select())
                    .order((bills::created_at.desc(), bills::id.desc()))
                    .limit(i64::from(query.limit))
                    .into_boxed();
                if let Some(status) = query.status {
                    select = select.filter(bills::status.eq(status.as_str()));
                }
                if let Some(site) = &query.site {
                    select = select.filter(bills::site_id.eq(site.as_str().to_owned()));
                }
                if let Some((at, id)) = cursor {
                    select = select.filter(bills::created_at.lt(at).or(bills::created_at.eq(at).and(bills::id.lt(id))));
                }
                Ok(Some(select.load::<BillRow>(conn)?))
            })
            .await?;
        let rows = rows.ok_or_else(|| DomainError::invalid("cursor", "names no bill of this company"))?;
        Ok(rows.into_iter().map(Bill::try_from).collect::<Result<_, _>>()?)
    }

    async fn find_bill(&self, company: &CompanyId, id: &BillId) -> Result<Option<Bill>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let row = self.read(move |conn| find(conn, &company, &id)).await?;
        Ok(row.map(Bill::try_from).transpose()?)
    }

    async fn confirm(
        &self,
        company: &CompanyId,
        bill: &BillId,
        confirmed: Confirmed,
        emissions: Vec<(String, Scope, i64)>,
    ) -> Result<Bill, DomainError> {
        let (company, bill_id) = (company.as_str().to_owned(), bill.as_str().to_owned());
        let calculation = calculation::to_stored(&confirmed.calculation)?;
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                let row = match pending(conn, &company, &bill_id, BillStatus::Uploaded, "confirmed")? {
                    Ok(row) => row,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let activity = &confirmed.activity;
                let meter_point = confirmed.meter_point.as_ref().map(MeterPoint::as_str);
                if !confirmed.allow_overlap
                    && let Some(existing) =
                        supply::overlapping(conn, &row, meter_point, activity.period_start, activity.period_end)?
                {
                    return Ok(Err(Refusal::Overlapping(existing)));
                }
                diesel::update(
                    bills::table
                        .filter(bills::id.eq(&row.id))
                        .filter(bills::company_id.eq(&company))
                        .filter(bills::status.eq(BillStatus::Uploaded.as_str())),
                )
                .set((
                    bills::status.eq(BillStatus::Confirmed.as_str()),
                    bills::consumption.eq(activity.quantity.to_string()),
                    bills::unit.eq(activity.unit.as_str()),
                    bills::period_start.eq(activity.period_start),
                    bills::period_end.eq(activity.period_end),
                    bills::meter_point.eq(meter_point),
                    bills::supplier.eq(confirmed.supplier.as_deref()),
                    bills::calorific_value.eq(activity.calorific_value.map(|v| v.to_string())),
                    bills::volume_correction.eq(activity.volume_correction.map(|v| v.to_string())),
                    bills::sewerage_volume.eq(activity.sewerage_volume.map(|v| v.to_string())),
                    bills::allow_overlap.eq(confirmed.allow_overlap),
                    bills::confirmed_at.eq(to_db_time(confirmed.confirmed_at)),
                    bills::calculation.eq(&calculation),
                ))
                .execute(conn)?;
                for (period, scope, micrograms) in &emissions {
                    totals::add(conn, &row, period, i32::from(scope.number()), *micrograms)?;
                    diesel::insert_into(bill_emissions::table)
                        .values(EmissionRow {
                            bill_id: &row.id,
                            company_id: &row.company_id,
                            site_id: &row.site_id,
                            session_id: &row.session_id,
                            reporting_period: period,
                            bill_type: &row.bill_type,
                            scope: i32::from(scope.number()),
                            micrograms: *micrograms,
                        })
                        .execute(conn)?;
                }
                categories::record(conn, &row, &confirmed.calculation)?;
                let owner = Owner { record_id: &row.id, company_id: &row.company_id, site_id: &row.site_id };
                market::record(conn, &owner, &confirmed.calculation)?;
                let bill = reread(conn, &row)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::BillConfirmed(&bill)), db_now())?;
                Ok(Ok(bill))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }

    async fn reject(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError> {
        let (company, bill_id) = (company.as_str().to_owned(), bill.as_str().to_owned());
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                let row = match pending(conn, &company, &bill_id, BillStatus::Uploaded, "rejected")? {
                    Ok(row) => row,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let at = to_db_time(correction.at);
                change_status(conn, &row, BillStatus::Uploaded, BillStatus::Rejected, Some((&correction.reason, at)))?;
                let bill = reread(conn, &row)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::BillRejected(&bill)), at)?;
                Ok(Ok(bill))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }

    async fn void(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError> {
        let (company, bill_id) = (company.as_str().to_owned(), bill.as_str().to_owned());
        let payloads = self.payloads.clone();
        let outcome = self
            .transaction(move |conn| {
                let row = match pending(conn, &company, &bill_id, BillStatus::Confirmed, "voided")? {
                    Ok(row) => row,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let parts = bill_emissions::table
                    .filter(bill_emissions::company_id.eq(&company))
                    .filter(bill_emissions::bill_id.eq(&row.id))
                    .select((bill_emissions::reporting_period, bill_emissions::scope, bill_emissions::micrograms))
                    .load::<(String, i32, i64)>(conn)?;
                for (period, scope, micrograms) in &parts {
                    totals::subtract(conn, &row, period, *scope, *micrograms)?;
                }
                diesel::delete(
                    bill_emissions::table
                        .filter(bill_emissions::company_id.eq(&company))
                        .filter(bill_emissions::bill_id.eq(&row.id)),
                )
                .execute(conn)?;
                categories::remove(conn, &row)?;
                market::remove(conn, &row.company_id, &row.id)?;
                let at = to_db_time(correction.at);
                change_status(conn, &row, BillStatus::Confirmed, BillStatus::Voided, Some((&correction.reason, at)))?;
                let bill = reread(conn, &row)?;
                write_event(conn, &company, &outbox_event(payloads.as_ref(), Event::BillVoided(&bill)), at)?;
                Ok(Ok(bill))
            })
            .await?;
        self.deliveries_committed();
        outcome.map_err(refused)
    }
}
