//! The maintained totals of activities (`activity_totals`): one row per company, period, site,
//! family, scope and category, changed in the transaction of each record or void. Amounts are
//! split into kilograms and micrograms as in `emission_totals` (see `bills::totals`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::StoreError;
use crate::bills::totals::split;
use crate::db::DbConnection;
use crate::schema::activity_totals;

/// Where an amount counts.
pub(crate) struct TotalKey<'a> {
    pub company: &'a str,
    pub period: &'a str,
    /// '' for a record of no site.
    pub site: &'a str,
    pub family: &'a str,
    pub scope: i32,
    /// 0 for scopes 1 and 2.
    pub category: i32,
}

/// Adds a record's amount to its row.
pub(crate) fn add(conn: &mut DbConnection, key: &TotalKey<'_>, micrograms: i64) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    const COLUMNS: &str =
        "company_id, reporting_period, site_id, family, scope, category, kilograms, micrograms, contributions";
    const UPSERT: &str = "ON CONFLICT (company_id, reporting_period, site_id, family, scope, category) \
                          DO UPDATE SET kilograms = activity_totals.kilograms + excluded.kilograms, \
                          micrograms = activity_totals.micrograms + excluded.micrograms, \
                          contributions = activity_totals.contributions + 1";
    macro_rules! run {
        ($conn:expr, $values:literal) => {
            diesel::sql_query(format!("INSERT INTO activity_totals ({COLUMNS}) VALUES {} {UPSERT}", $values))
                .bind::<Text, _>(key.company)
                .bind::<Text, _>(key.period)
                .bind::<Text, _>(key.site)
                .bind::<Text, _>(key.family)
                .bind::<Integer, _>(key.scope)
                .bind::<Integer, _>(key.category)
                .bind::<BigInt, _>(kilograms)
                .bind::<BigInt, _>(rest)
                .execute($conn)
        };
    }
    match conn {
        DbConnection::Pg(pg) => run!(pg, "($1, $2, $3, $4, $5, $6, $7, $8, 1)"),
        DbConnection::Sqlite(lite) => run!(lite, "(?, ?, ?, ?, ?, ?, ?, ?, 1)"),
    }?;
    Ok(())
}

/// Takes a voided record's amount out of its row, and removes the row once nothing is left.
pub(crate) fn subtract(conn: &mut DbConnection, key: &TotalKey<'_>, micrograms: i64) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    let target = activity_totals::table
        .filter(activity_totals::company_id.eq(key.company.to_owned()))
        .filter(activity_totals::reporting_period.eq(key.period.to_owned()))
        .filter(activity_totals::site_id.eq(key.site.to_owned()))
        .filter(activity_totals::family.eq(key.family.to_owned()))
        .filter(activity_totals::scope.eq(key.scope))
        .filter(activity_totals::category.eq(key.category));
    let changed = diesel::update(target.clone())
        .set((
            activity_totals::kilograms.eq(activity_totals::kilograms - kilograms),
            activity_totals::micrograms.eq(activity_totals::micrograms - rest),
            activity_totals::contributions.eq(activity_totals::contributions - 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("no maintained activity total in {}", key.period)));
    }
    diesel::delete(target.filter(activity_totals::contributions.le(0))).execute(conn)?;
    Ok(())
}
