//! Bills' scope 3 by GHG Protocol category (`bill_categories`, `bill_category_totals`): what each
//! confirmed bill puts in each reporting period and category, and the maintained totals reports
//! read, changed in the transaction of each confirmation and void, as `emission_totals` is.

use carbonpass_domain::calculation::Calculation;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::row::{BillRow, find};
use super::totals::split;
use crate::StoreError;
use crate::db::{DbConnection, write_transaction};
use crate::error::corrupt;
use crate::schema::{bill_categories, bill_category_totals, bill_emissions};
use crate::tenancy;

/// How many bills one transaction of the reconciliation puts right.
const RECONCILE_BATCH: i64 = 200;

/// Records a confirmed bill's scope 3 amounts by period and category, and adds them to the totals.
pub(crate) fn record(conn: &mut DbConnection, row: &BillRow, calculation: &Calculation) -> Result<(), StoreError> {
    let amounts = calculation
        .scope3_micrograms_by_category()
        .map_err(|e| StoreError::Corrupt(format!("bill {}: {e}", row.id)))?;
    for (period, category, micrograms) in amounts {
        let category = i32::from(category);
        diesel::insert_into(bill_categories::table)
            .values((
                bill_categories::bill_id.eq(&row.id),
                bill_categories::company_id.eq(&row.company_id),
                bill_categories::reporting_period.eq(&period),
                bill_categories::category.eq(category),
                bill_categories::micrograms.eq(micrograms),
            ))
            .execute(conn)?;
        add(conn, row, &period, category, micrograms)?;
    }
    Ok(())
}

/// Takes a voided bill's amounts out of the totals and forgets them.
pub(crate) fn remove(conn: &mut DbConnection, row: &BillRow) -> Result<(), StoreError> {
    let mine = bill_categories::table
        .filter(bill_categories::company_id.eq(row.company_id.clone()))
        .filter(bill_categories::bill_id.eq(row.id.clone()));
    let parts = mine
        .clone()
        .select((bill_categories::reporting_period, bill_categories::category, bill_categories::micrograms))
        .load::<(String, i32, i64)>(conn)?;
    for (period, category, micrograms) in &parts {
        subtract(conn, row, period, *category, *micrograms)?;
    }
    diesel::delete(mine).execute(conn)?;
    Ok(())
}

/// Puts right what this store's categories do not yet hold, and returns how many bills it
/// changed: bills confirmed before the categories existed (or by an older release running
/// beside this one during a rollout) gain theirs, read from their stored calculations; bills
/// voided by such a release lose theirs. Each bill is checked again under its tenant's lock,
/// so a confirmation or void racing it is counted once. Blocking; run at every start.
pub(crate) fn reconcile(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let mut changed = 0;
    loop {
        // Confirmed with scope 3, but no categories.
        let missing: Vec<(String, String)> = bill_emissions::table
            .filter(bill_emissions::scope.eq(3))
            .filter(not(exists(bill_categories::table.filter(bill_categories::bill_id.eq(bill_emissions::bill_id)))))
            .select((bill_emissions::company_id, bill_emissions::bill_id))
            .distinct()
            .limit(RECONCILE_BATCH)
            .load(conn)?;
        // Categories of a bill no longer counted in scope 3 (voided).
        let stale: Vec<(String, String)> = bill_categories::table
            .filter(not(exists(
                bill_emissions::table
                    .filter(bill_emissions::bill_id.eq(bill_categories::bill_id))
                    .filter(bill_emissions::scope.eq(3)),
            )))
            .select((bill_categories::company_id, bill_categories::bill_id))
            .distinct()
            .limit(RECONCILE_BATCH)
            .load(conn)?;
        if missing.is_empty() && stale.is_empty() {
            return Ok(changed);
        }
        changed += write_transaction(conn, |conn| {
            let mut done = 0;
            for (company, bill) in missing.iter().chain(&stale) {
                tenancy::lock(conn, company)?;
                let Some(row) = find(conn, company, bill)? else { continue };
                let counted = bill_emissions::table
                    .filter(bill_emissions::company_id.eq(company))
                    .filter(bill_emissions::bill_id.eq(bill))
                    .filter(bill_emissions::scope.eq(3))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0;
                let held = bill_categories::table
                    .filter(bill_categories::company_id.eq(company))
                    .filter(bill_categories::bill_id.eq(bill))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0;
                match (counted, held) {
                    (true, false) => {
                        let (Some(text), Some(start)) = (row.calculation.as_deref(), row.period_start) else {
                            return Err(corrupt("confirmed bill without a calculation", &row.id));
                        };
                        record(conn, &row, &super::calculation::from_stored(text, start)?)?;
                    }
                    (false, true) => remove(conn, &row)?,
                    // Put right meanwhile by a confirmation or void of this release.
                    _ => continue,
                }
                tenancy::touch(conn, company)?;
                done += 1;
            }
            Ok(done)
        })?;
    }
}

/// Adds one part to its total row (per backend, as `totals::add`).
fn add(conn: &mut DbConnection, row: &BillRow, period: &str, category: i32, micrograms: i64) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    const COLUMNS: &str =
        "company_id, reporting_period, site_id, bill_type, category, kilograms, micrograms, contributions";
    const UPSERT: &str = "ON CONFLICT (company_id, reporting_period, site_id, bill_type, category) \
                          DO UPDATE SET kilograms = bill_category_totals.kilograms + excluded.kilograms, \
                          micrograms = bill_category_totals.micrograms + excluded.micrograms, \
                          contributions = bill_category_totals.contributions + 1";
    macro_rules! run {
        ($conn:expr, $values:literal) => {
            diesel::sql_query(format!("INSERT INTO bill_category_totals ({COLUMNS}) VALUES {} {UPSERT}", $values))
                .bind::<Text, _>(&row.company_id)
                .bind::<Text, _>(period)
                .bind::<Text, _>(&row.site_id)
                .bind::<Text, _>(&row.bill_type)
                .bind::<Integer, _>(category)
                .bind::<BigInt, _>(kilograms)
                .bind::<BigInt, _>(rest)
                .execute($conn)
        };
    }
    match conn {
        DbConnection::Pg(pg) => run!(pg, "($1, $2, $3, $4, $5, $6, $7, 1)"),
        DbConnection::Sqlite(lite) => run!(lite, "(?, ?, ?, ?, ?, ?, ?, 1)"),
    }?;
    Ok(())
}

/// Takes one part out of its total row, and removes the row once nothing is left in it.
fn subtract(
    conn: &mut DbConnection,
    row: &BillRow,
    period: &str,
    category: i32,
    micrograms: i64,
) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    let target = bill_category_totals::table
        .filter(bill_category_totals::company_id.eq(row.company_id.clone()))
        .filter(bill_category_totals::reporting_period.eq(period.to_owned()))
        .filter(bill_category_totals::site_id.eq(row.site_id.clone()))
        .filter(bill_category_totals::bill_type.eq(row.bill_type.clone()))
        .filter(bill_category_totals::category.eq(category));
    let changed = diesel::update(target.clone())
        .set((
            bill_category_totals::kilograms.eq(bill_category_totals::kilograms - kilograms),
            bill_category_totals::micrograms.eq(bill_category_totals::micrograms - rest),
            bill_category_totals::contributions.eq(bill_category_totals::contributions - 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("no category total for bill {} in {period}", row.id)));
    }
    diesel::delete(target.filter(bill_category_totals::contributions.le(0))).execute(conn)?;
    Ok(())
}
