//! The maintained emission totals (`emission_totals`): one row per company, period, site,
//! session, bill type and scope, changed in the transaction of each confirmation or void.
//!
//! An amount is held as `kilograms` × 10^9 + `micrograms` µg, each contribution split the same
//! way, so each column grows by at most about 1.3 × 10^9 per bill part: no `BIGINT` (or SQL `SUM`
//! of it) can overflow before billions of bills at the largest quantity accepted. Readers combine
//! the two in 128-bit integers.

use carbonpass_domain::model::Micrograms;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::row::BillRow;
use crate::StoreError;
use crate::db::DbConnection;
use crate::schema::emission_totals;

const MICROGRAMS_PER_KILOGRAM: i64 = 1_000_000_000;

/// `SUM` is NUMERIC on PostgreSQL and INTEGER on SQLite: cast so both give a BIGINT (exact: see
/// the module's note on why these sums stay in range). Select both, and read them with [`amount`].
pub(crate) fn summed_kilograms() -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>("CAST(SUM(kilograms) AS BIGINT)")
}

pub(crate) fn summed_micrograms() -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>("CAST(SUM(micrograms) AS BIGINT)")
}

/// The amount of a row (or of summed columns).
pub(crate) fn amount((kilograms, micrograms): (i64, i64)) -> Micrograms {
    Micrograms(i128::from(kilograms) * i128::from(MICROGRAMS_PER_KILOGRAM) + i128::from(micrograms))
}

/// An amount as the two columns: whole kilograms and the micrograms left over (bills' and
/// activities' totals alike).
pub(crate) fn split(micrograms: i64) -> (i64, i64) {
    (micrograms.div_euclid(MICROGRAMS_PER_KILOGRAM), micrograms.rem_euclid(MICROGRAMS_PER_KILOGRAM))
}

/// Adds a confirmed bill part to its row. The upsert is the one statement whose syntax
/// PostgreSQL and SQLite share only in their own placeholder styles, so it is written per backend.
pub(crate) fn add(
    conn: &mut DbConnection,
    row: &BillRow,
    period: &str,
    scope: i32,
    micrograms: i64,
) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    const COLUMNS: &str =
        "company_id, reporting_period, site_id, session_id, bill_type, scope, kilograms, micrograms, contributions";
    const UPSERT: &str = "ON CONFLICT (company_id, reporting_period, site_id, session_id, bill_type, scope) \
                          DO UPDATE SET kilograms = emission_totals.kilograms + excluded.kilograms, \
                          micrograms = emission_totals.micrograms + excluded.micrograms, \
                          contributions = emission_totals.contributions + 1";
    macro_rules! run {
        ($conn:expr, $values:literal) => {
            diesel::sql_query(format!("INSERT INTO emission_totals ({COLUMNS}) VALUES {} {UPSERT}", $values))
                .bind::<Text, _>(&row.company_id)
                .bind::<Text, _>(period)
                .bind::<Text, _>(&row.site_id)
                .bind::<Text, _>(&row.session_id)
                .bind::<Text, _>(&row.bill_type)
                .bind::<Integer, _>(scope)
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

/// Takes a voided bill part out of its row, and removes the row once nothing is left in it.
pub(crate) fn subtract(
    conn: &mut DbConnection,
    row: &BillRow,
    period: &str,
    scope: i32,
    micrograms: i64,
) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    let target = emission_totals::table
        .filter(emission_totals::company_id.eq(row.company_id.clone()))
        .filter(emission_totals::reporting_period.eq(period.to_owned()))
        .filter(emission_totals::site_id.eq(row.site_id.clone()))
        .filter(emission_totals::session_id.eq(row.session_id.clone()))
        .filter(emission_totals::bill_type.eq(row.bill_type.clone()))
        .filter(emission_totals::scope.eq(scope));
    let changed = diesel::update(target.clone())
        .set((
            emission_totals::kilograms.eq(emission_totals::kilograms - kilograms),
            emission_totals::micrograms.eq(emission_totals::micrograms - rest),
            emission_totals::contributions.eq(emission_totals::contributions - 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("no maintained total for bill {} in {period}", row.id)));
    }
    diesel::delete(target.filter(emission_totals::contributions.le(0))).execute(conn)?;
    Ok(())
}
