//! Bills and the sessions they belong to: rows, mapping, and the repository port. Recording an
//! upload (session, bill, outbox event) is one transaction.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::{Activity, BillType, Scope, Unit};
use carbonpass_domain::events::{OutboxEvent, bill_confirmed, bill_uploaded};
use carbonpass_domain::model::ids::{BillKind, EventKind, SessionKind};
use carbonpass_domain::model::{
    Bill, BillId, BillQuery, BillStatus, CompanyId, Confirmed, MeterPoint, NewUpload, SessionId, SiteId, StoredFile,
};
use carbonpass_domain::ports::BillRepository;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::db::{DbConnection, db_now, from_db_time, to_db_time};
use crate::error::corrupt;
use crate::ids::mint;
use crate::schema::{bill_emissions, bills, events, sessions, sites};
use crate::{Store, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bills)]
struct BillRow {
    id: String,
    company_id: String,
    site_id: String,
    session_id: String,
    bill_type: String,
    status: String,
    blob_key: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    created_at: NaiveDateTime,
    consumption: Option<String>,
    unit: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    meter_point: Option<String>,
    supplier: Option<String>,
    calorific_value: Option<String>,
    volume_correction: Option<String>,
    sewerage_volume: Option<String>,
    allow_overlap: bool,
    confirmed_at: Option<NaiveDateTime>,
    calculation: Option<String>,
}

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

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
struct NewSessionRow<'a> {
    id: &'a str,
    company_id: &'a str,
    site_id: &'a str,
    reporting_period: &'a str,
    status: &'a str,
    created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
struct NewEventRow<'a> {
    id: &'a str,
    company_id: &'a str,
    event_type: &'a str,
    data: &'a str,
    created_at: NaiveDateTime,
}

fn decimal(what: &str, text: Option<String>) -> Result<Option<Decimal>, StoreError> {
    text.map(|t| t.parse::<Decimal>().map_err(|_| corrupt(what, &t))).transpose()
}

impl TryFrom<BillRow> for Bill {
    type Error = StoreError;
    fn try_from(row: BillRow) -> Result<Self, StoreError> {
        let BillRow {
            id,
            company_id: _,
            site_id,
            session_id,
            bill_type,
            status,
            blob_key,
            content_type,
            size_bytes,
            sha256,
            created_at,
            consumption,
            unit,
            period_start,
            period_end,
            meter_point,
            supplier,
            calorific_value,
            volume_correction,
            sewerage_volume,
            allow_overlap,
            confirmed_at,
            calculation,
        } = row;
        let bill_type = bill_type.parse::<BillType>().map_err(|_| corrupt("bill type", &bill_type))?;
        let confirmed = match (consumption, unit, period_start, period_end, confirmed_at, calculation) {
            (
                Some(quantity),
                Some(unit),
                Some(period_start),
                Some(period_end),
                Some(confirmed_at),
                Some(calculation),
            ) => Some(Confirmed {
                activity: Activity {
                    bill_type,
                    quantity: decimal("consumption", Some(quantity))?.unwrap_or_default(),
                    unit: unit.parse::<Unit>().map_err(|_| corrupt("unit", &unit))?,
                    period_start,
                    period_end,
                    calorific_value: decimal("calorific value", calorific_value)?,
                    volume_correction: decimal("volume correction", volume_correction)?,
                    sewerage_volume: decimal("sewerage volume", sewerage_volume)?,
                },
                meter_point: meter_point.map(MeterPoint::from_stored),
                supplier,
                allow_overlap,
                confirmed_at: from_db_time(confirmed_at),
                calculation: serde_json::from_str(&calculation).map_err(|e| corrupt("calculation", &e.to_string()))?,
            }),
            _ => None,
        };
        Ok(Bill {
            id: BillId::parse(&id).ok_or_else(|| corrupt("bill id", &id))?,
            site_id: SiteId::parse(&site_id).ok_or_else(|| corrupt("site id", &site_id))?,
            session_id: SessionId::parse(&session_id).ok_or_else(|| corrupt("session id", &session_id))?,
            bill_type,
            status: status.parse::<BillStatus>().map_err(|_| corrupt("bill status", &status))?,
            file: StoredFile {
                blob_key,
                content_type,
                size_bytes: u64::try_from(size_bytes).map_err(|_| corrupt("size", &size_bytes.to_string()))?,
                sha256,
            },
            created_at: from_db_time(created_at),
            confirmed,
        })
    }
}

/// Writes an event to the outbox, in the caller's transaction.
pub(crate) fn write_event(
    conn: &mut DbConnection,
    company: &str,
    event: &OutboxEvent,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = mint::<EventKind>()?;
    diesel::insert_into(events::table)
        .values(NewEventRow {
            id: id.as_str(),
            company_id: company,
            event_type: event.event_type,
            data: &event.data,
            created_at: at,
        })
        .execute(conn)?;
    Ok(())
}

/// What a write found wrong, decided inside the transaction.
enum Refusal {
    UnknownSite,
    Duplicate(String),
    UnknownBill,
    NotPending(String),
    Overlapping(String),
}

fn refused(refusal: Refusal) -> DomainError {
    match refusal {
        Refusal::UnknownSite => DomainError::not_found("site"),
        Refusal::Duplicate(existing) => DomainError::DuplicateBill { existing },
        Refusal::UnknownBill => DomainError::not_found("bill"),
        Refusal::NotPending(status) => DomainError::Conflict { message: format!("the bill is already {status}") },
        Refusal::Overlapping(existing) => DomainError::OverlappingBill { existing },
    }
}

/// Adds a confirmed amount to the maintained totals (one row per company, period, site, session,
/// bill type and scope). The upsert is the one statement whose syntax PostgreSQL and SQLite share
/// only in their own placeholder styles, so it is written once per backend.
fn add_to_totals(
    conn: &mut DbConnection,
    row: &BillRow,
    period: &str,
    scope: i32,
    micrograms: i64,
) -> Result<(), StoreError> {
    use diesel::sql_types::{BigInt, Integer, Text};
    const COLUMNS: &str = "company_id, reporting_period, site_id, session_id, bill_type, scope, micrograms";
    const UPSERT: &str = "ON CONFLICT (company_id, reporting_period, site_id, session_id, bill_type, scope) \
                          DO UPDATE SET micrograms = emission_totals.micrograms + excluded.micrograms";
    macro_rules! run {
        ($conn:expr, $values:literal) => {
            diesel::sql_query(format!("INSERT INTO emission_totals ({COLUMNS}) VALUES {} {UPSERT}", $values))
                .bind::<Text, _>(&row.company_id)
                .bind::<Text, _>(period)
                .bind::<Text, _>(&row.site_id)
                .bind::<Text, _>(&row.session_id)
                .bind::<Text, _>(&row.bill_type)
                .bind::<Integer, _>(scope)
                .bind::<BigInt, _>(micrograms)
                .execute($conn)
        };
    }
    match conn {
        DbConnection::Pg(pg) => run!(pg, "($1, $2, $3, $4, $5, $6, $7)"),
        DbConnection::Sqlite(lite) => run!(lite, "(?, ?, ?, ?, ?, ?, ?)"),
    }?;
    Ok(())
}

/// A confirmed bill of the same supply whose billing period overlaps `from..=to`: the same meter
/// point anywhere in the company, or, without one, the same site and type.
fn overlapping(
    conn: &mut DbConnection,
    row: &BillRow,
    meter_point: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<String>, StoreError> {
    let confirmed = bills::table
        .filter(bills::company_id.eq(&row.company_id))
        .filter(bills::status.eq("confirmed"))
        .filter(bills::id.ne(&row.id))
        .filter(bills::period_start.le(to))
        .filter(bills::period_end.ge(from))
        .select(bills::id);
    Ok(match meter_point {
        Some(mp) => confirmed.filter(bills::meter_point.eq(mp)).first::<String>(conn).optional()?,
        None => confirmed
            .filter(bills::site_id.eq(&row.site_id))
            .filter(bills::bill_type.eq(&row.bill_type))
            .first::<String>(conn)
            .optional()?,
    })
}

/// The site's session in progress, or a new one for `period`.
fn session_for(
    conn: &mut DbConnection,
    company: &str,
    site: &str,
    period: &str,
    at: NaiveDateTime,
) -> Result<String, StoreError> {
    let open = sessions::table
        .filter(sessions::site_id.eq(site))
        .filter(sessions::status.eq("in_progress"))
        .select(sessions::id)
        .first::<String>(conn)
        .optional()?;
    if let Some(id) = open {
        return Ok(id);
    }
    let id = mint::<SessionKind>()?;
    diesel::insert_into(sessions::table)
        .values(NewSessionRow {
            id: id.as_str(),
            company_id: company,
            site_id: site,
            reporting_period: period,
            status: "in_progress",
            created_at: at,
        })
        .execute(conn)?;
    Ok(id.into_string())
}

#[async_trait]
impl BillRepository for Store {
    async fn record_upload(&self, company: &CompanyId, upload: NewUpload) -> Result<Bill, DomainError> {
        let company = company.as_str().to_owned();
        let outcome = self
            .transaction(move |conn| {
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
                let existing = bills::table
                    .filter(bills::site_id.eq(site))
                    .filter(bills::sha256.eq(&upload.file.sha256))
                    .select(bills::id)
                    .first::<String>(conn)
                    .optional()?;
                if let Some(existing) = existing {
                    return Ok(Err(Refusal::Duplicate(existing)));
                }
                let now = db_now();
                let session_id = session_for(conn, &company, site, &upload.period, now)?;
                let row = BillRow {
                    id: mint::<BillKind>()?.into_string(),
                    company_id: company.clone(),
                    site_id: site.to_owned(),
                    session_id,
                    bill_type: upload.bill_type.as_str().to_owned(),
                    status: "uploaded".to_owned(),
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
                };
                diesel::insert_into(bills::table).values(&row).execute(conn)?;
                let bill = Bill::try_from(row)?;
                write_event(conn, &company, &bill_uploaded(&bill), now)?;
                Ok(Ok(bill))
            })
            .await;
        match outcome {
            Ok(Ok(bill)) => Ok(bill),
            Ok(Err(refusal)) => Err(refused(refusal)),
            // Two uploads of one file racing past the check: the unique index decides.
            Err(StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            ))) if info.constraint_name().is_none_or(|c| c.contains("bills")) => {
                Err(DomainError::Conflict { message: "the same file is being uploaded for this site already".into() })
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn list_bills(&self, company: &CompanyId, query: BillQuery) -> Result<Vec<Bill>, DomainError> {
        let company = company.as_str().to_owned();
        let rows = self
            .run(move |conn| {
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
                    .filter(bills::company_id.eq(company))
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
        let row = self
            .run(move |conn| {
                Ok(bills::table
                    .filter(bills::id.eq(id))
                    .filter(bills::company_id.eq(company))
                    .select(BillRow::as_select())
                    .first(conn)
                    .optional()?)
            })
            .await?;
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
        let calculation =
            serde_json::to_string(&confirmed.calculation).map_err(|e| DomainError::Internal(e.to_string()))?;
        let outcome = self
            .transaction(move |conn| {
                let Some(row) = bills::table
                    .filter(bills::id.eq(&bill_id))
                    .filter(bills::company_id.eq(&company))
                    .select(BillRow::as_select())
                    .first(conn)
                    .optional()?
                else {
                    return Ok(Err(Refusal::UnknownBill));
                };
                if row.status != "uploaded" {
                    return Ok(Err(Refusal::NotPending(row.status)));
                }
                let activity = &confirmed.activity;
                let meter_point = confirmed.meter_point.as_ref().map(MeterPoint::as_str);
                if !confirmed.allow_overlap
                    && let Some(existing) =
                        overlapping(conn, &row, meter_point, activity.period_start, activity.period_end)?
                {
                    return Ok(Err(Refusal::Overlapping(existing)));
                }
                // Only an `uploaded` bill changes: a concurrent confirmation finds none left.
                let updated =
                    diesel::update(bills::table.filter(bills::id.eq(&row.id)).filter(bills::status.eq("uploaded")))
                        .set((
                            bills::status.eq("confirmed"),
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
                if updated == 0 {
                    return Ok(Err(Refusal::NotPending("confirmed".into())));
                }
                for (period, scope, micrograms) in &emissions {
                    add_to_totals(conn, &row, period, i32::from(scope.number()), *micrograms)?;
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
                let stored = bills::table.filter(bills::id.eq(&row.id)).select(BillRow::as_select()).first(conn)?;
                let bill = Bill::try_from(stored)?;
                write_event(conn, &company, &bill_confirmed(&bill), db_now())?;
                Ok(Ok(bill))
            })
            .await?;
        outcome.map_err(refused)
    }
}

impl Store {
    /// A company's outbox events in the order they were written: (type, data JSON). What the
    /// webhook delivery worker will read.
    pub async fn outbox(&self, company: &CompanyId) -> Result<Vec<(String, String)>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .run(move |conn| {
                Ok(events::table
                    .filter(events::company_id.eq(company))
                    .order((events::created_at.asc(), events::id.asc()))
                    .select((events::event_type, events::data))
                    .load::<(String, String)>(conn)?)
            })
            .await?)
    }
}
