//! A bill as a database row, and its mapping to and from the domain's `Bill`.

use carbonpass_domain::calculation::{Activity, BillType, Unit};
use carbonpass_domain::model::{
    Bill, BillId, BillStatus, Confirmed, Correction, MeterPoint, SessionId, SiteId, StoredFile,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::calculation::from_stored;
use crate::StoreError;
use crate::db::from_db_time;
use crate::error::corrupt;
use crate::schema::bills;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bills)]
pub(crate) struct BillRow {
    pub id: String,
    pub company_id: String,
    pub site_id: String,
    pub session_id: String,
    pub bill_type: String,
    pub status: String,
    pub blob_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
    pub consumption: Option<String>,
    pub unit: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub meter_point: Option<String>,
    pub supplier: Option<String>,
    pub calorific_value: Option<String>,
    pub volume_correction: Option<String>,
    pub sewerage_volume: Option<String>,
    pub allow_overlap: bool,
    pub confirmed_at: Option<NaiveDateTime>,
    pub calculation: Option<String>,
    pub status_reason: Option<String>,
    pub status_changed_at: Option<NaiveDateTime>,
}

fn decimal(what: &str, text: Option<String>) -> Result<Option<Decimal>, StoreError> {
    text.map(|t| t.parse::<Decimal>().map_err(|_| corrupt(what, &t))).transpose()
}

/// The stored spelling of a status is the domain's one spelling; anything else is corrupt.
pub(crate) fn status_of(text: &str) -> Result<BillStatus, StoreError> {
    text.parse::<BillStatus>().map_err(|_| corrupt("bill status", text))
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
            status_reason,
            status_changed_at,
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
                calculation: from_stored(&calculation, period_start)?,
            }),
            _ => None,
        };
        let correction = match (status_reason, status_changed_at) {
            (Some(reason), Some(at)) => Some(Correction { reason, at: from_db_time(at) }),
            _ => None,
        };
        Ok(Bill {
            id: BillId::parse(&id).ok_or_else(|| corrupt("bill id", &id))?,
            site_id: SiteId::parse(&site_id).ok_or_else(|| corrupt("site id", &site_id))?,
            session_id: SessionId::parse(&session_id).ok_or_else(|| corrupt("session id", &session_id))?,
            bill_type,
            status: status_of(&status)?,
            file: StoredFile {
                blob_key,
                content_type,
                size_bytes: u64::try_from(size_bytes).map_err(|_| corrupt("size", &size_bytes.to_string()))?,
                sha256,
            },
            created_at: from_db_time(created_at),
            confirmed,
            correction,
        })
    }
}

/// One of the tenant's bills, as stored.
pub(crate) fn find(conn: &mut crate::db::DbConnection, company: &str, id: &str) -> Result<Option<BillRow>, StoreError> {
    Ok(bills::table
        .filter(bills::id.eq(id))
        .filter(bills::company_id.eq(company))
        .select(BillRow::as_select())
        .first(conn)
        .optional()?)
}
