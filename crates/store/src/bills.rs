//! Bills and the sessions they belong to: rows, mapping, and the repository port. Recording an
//! upload (session, bill, outbox event) is one transaction.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::BillType;
use carbonpass_domain::events::{OutboxEvent, bill_uploaded};
use carbonpass_domain::model::ids::{BillKind, EventKind, SessionKind};
use carbonpass_domain::model::{Bill, BillId, BillStatus, CompanyId, NewUpload, SessionId, SiteId, StoredFile};
use carbonpass_domain::ports::BillRepository;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, db_now, from_db_time};
use crate::ids::mint;
use crate::schema::{bills, events, sessions, sites};
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

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
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
        } = row;
        Ok(Bill {
            id: BillId::parse(&id).ok_or_else(|| corrupt("bill id", &id))?,
            site_id: SiteId::parse(&site_id).ok_or_else(|| corrupt("site id", &site_id))?,
            session_id: SessionId::parse(&session_id).ok_or_else(|| corrupt("session id", &session_id))?,
            bill_type: bill_type.parse::<BillType>().map_err(|_| corrupt("bill type", &bill_type))?,
            status: status.parse::<BillStatus>().map_err(|_| corrupt("bill status", &status))?,
            file: StoredFile {
                blob_key,
                content_type,
                size_bytes: u64::try_from(size_bytes).map_err(|_| corrupt("size", &size_bytes.to_string()))?,
                sha256,
            },
            created_at: from_db_time(created_at),
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

/// What recording an upload found wrong, decided inside the transaction.
enum Refusal {
    UnknownSite,
    Duplicate(String),
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
                };
                diesel::insert_into(bills::table).values(&row).execute(conn)?;
                let bill = Bill::try_from(row)?;
                write_event(conn, &company, &bill_uploaded(&bill), now)?;
                Ok(Ok(bill))
            })
            .await;
        match outcome {
            Ok(Ok(bill)) => Ok(bill),
            Ok(Err(Refusal::UnknownSite)) => Err(DomainError::not_found("site")),
            Ok(Err(Refusal::Duplicate(existing))) => Err(DomainError::DuplicateBill { existing }),
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
}
