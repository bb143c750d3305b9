//! An activity record as a database row, and its mapping to and from the domain's record.

use carbonpass_domain::activities::{ActivityUnit, Direction, Family};
use carbonpass_domain::model::{ActivityId, ActivityInput, ActivityRecord, ActivityStatus, Correction, SiteId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::StoreError;
use crate::bills::calculation::from_stored;
use crate::db::{DbConnection, from_db_time};
use crate::error::corrupt;
use crate::schema::activities;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub(crate) struct ActivityRow {
    pub id: String,
    pub company_id: String,
    pub activity_type: String,
    pub family: String,
    pub quantity: String,
    pub unit: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub site_id: Option<String>,
    pub direction: Option<String>,
    pub radiative_forcing: Option<bool>,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub status: String,
    pub calculation: String,
    pub recorded_at: NaiveDateTime,
    pub void_reason: Option<String>,
    pub voided_at: Option<NaiveDateTime>,
    pub estimate: Option<String>,
}

/// One of the tenant's records, by id.
pub(crate) fn find(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<ActivityRow>, StoreError> {
    Ok(activities::table
        .filter(activities::id.eq(id))
        .filter(activities::company_id.eq(company))
        .select(ActivityRow::as_select())
        .first::<ActivityRow>(conn)
        .optional()?)
}

impl TryFrom<ActivityRow> for ActivityRecord {
    type Error = StoreError;
    fn try_from(row: ActivityRow) -> Result<Self, StoreError> {
        let ActivityRow {
            id,
            company_id: _,
            activity_type,
            family,
            quantity,
            unit,
            period_start,
            period_end,
            site_id,
            direction,
            radiative_forcing,
            reference,
            note,
            status,
            calculation,
            recorded_at,
            void_reason,
            voided_at,
            estimate,
        } = row;
        let voided = match (void_reason, voided_at) {
            (Some(reason), Some(at)) => Some(Correction { reason, at: from_db_time(at) }),
            (None, None) => None,
            _ => return Err(corrupt("activity void", &id)),
        };
        let calculation = from_stored(&calculation, period_start)?;
        Ok(ActivityRecord {
            id: ActivityId::parse(&id).ok_or_else(|| corrupt("activity id", &id))?,
            input: ActivityInput {
                activity_type,
                quantity: quantity.parse().map_err(|_| corrupt("activity quantity", &quantity))?,
                unit: unit.parse::<ActivityUnit>().map_err(|_| corrupt("activity unit", &unit))?,
                period_start,
                period_end,
                site_id: site_id.map(|s| SiteId::parse(&s).ok_or_else(|| corrupt("site id", &s))).transpose()?,
                direction: direction
                    .map(|d| d.parse::<Direction>().map_err(|_| corrupt("direction", &d)))
                    .transpose()?,
                radiative_forcing,
                reference,
                note,
                // Kept in the calculation, whose market-based lines it made.
                market_instrument: calculation.market_instrument.clone(),
            },
            family: Family::parse(&family).ok_or_else(|| corrupt("activity family", &family))?,
            status: ActivityStatus::parse(&status).ok_or_else(|| corrupt("activity status", &status))?,
            calculation,
            recorded_at: from_db_time(recorded_at),
            voided,
            estimate: estimate.as_deref().map(super::estimate::from_stored).transpose()?,
        })
    }
}
