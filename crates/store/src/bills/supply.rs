//! Double counting: a confirmed bill of the same supply whose billing period overlaps.

use carbonpass_domain::model::BillStatus;
use chrono::NaiveDate;
use diesel::prelude::*;

use super::row::BillRow;
use crate::StoreError;
use crate::db::DbConnection;
use crate::schema::bills;

/// A confirmed bill of the tenant for the same supply as `row` whose billing period overlaps
/// `from..=to`. The same supply is the same type with the same meter point anywhere in the
/// company, or at the same site where either bill has no meter point (a bill without one cannot
/// be told apart from one with, so each overlaps the other). Run under the tenant lock.
pub(crate) fn overlapping(
    conn: &mut DbConnection,
    row: &BillRow,
    meter_point: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<String>, StoreError> {
    let confirmed = bills::table
        .filter(bills::company_id.eq(&row.company_id))
        .filter(bills::status.eq(BillStatus::Confirmed.as_str()))
        .filter(bills::bill_type.eq(&row.bill_type))
        .filter(bills::id.ne(&row.id))
        .filter(bills::period_start.le(to))
        .filter(bills::period_end.ge(from))
        .select(bills::id)
        .order(bills::id.asc());
    let same_site = bills::site_id.eq(row.site_id.clone());
    Ok(match meter_point {
        Some(mp) => confirmed
            .filter(bills::meter_point.eq(mp).or(same_site.and(bills::meter_point.is_null())))
            .first::<String>(conn)
            .optional()?,
        None => confirmed.filter(same_site).first::<String>(conn).optional()?,
    })
}
