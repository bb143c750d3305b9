//! Market-based scope 2 (`scope2_instruments`, `scope2_instrument_totals`): what each bill or
//! activity record bought under a contractual instrument puts in each reporting period, at the
//! location-based (grid) factor and at its instrument's, and the maintained sums reports read.
//! Written in the transaction of each confirmation, record and void, as the other totals are.

use std::collections::BTreeMap;

use carbonpass_domain::calculation::{Calculation, InstrumentKind};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::StoreError;
use crate::bills::totals::{amount, split, summed_kilograms, summed_micrograms};
use crate::db::{DbConnection, write_transaction};
use crate::error::corrupt;
use crate::schema::{activity_emissions, bill_emissions, scope2_instrument_totals, scope2_instruments};
use crate::tenancy;

const LOCATION: &str = "location";
const MARKET: &str = "market";

/// How many records one transaction of the reconciliation puts right.
const RECONCILE_BATCH: i64 = 200;

/// The record a row belongs to: its id, company and site (`""` for an activity of no site).
pub(crate) struct Owner<'a> {
    pub record_id: &'a str,
    pub company_id: &'a str,
    pub site_id: &'a str,
}

/// Records what an instrumented record puts in each period, and adds it to the sums. Nothing for
/// a record with no instrument.
pub(crate) fn record(conn: &mut DbConnection, owner: &Owner<'_>, calculation: &Calculation) -> Result<(), StoreError> {
    let amounts =
        calculation.market_micrograms().map_err(|e| StoreError::Corrupt(format!("{}: {e}", owner.record_id)))?;
    for part in amounts {
        let instrument = part.kind.as_str();
        diesel::insert_into(scope2_instruments::table)
            .values((
                scope2_instruments::record_id.eq(owner.record_id),
                scope2_instruments::company_id.eq(owner.company_id),
                scope2_instruments::reporting_period.eq(&part.period),
                scope2_instruments::site_id.eq(owner.site_id),
                scope2_instruments::instrument.eq(instrument),
                scope2_instruments::location_micrograms.eq(part.location_micrograms),
                scope2_instruments::market_micrograms.eq(part.market_micrograms),
            ))
            .execute(conn)?;
        add(conn, owner, &part.period, instrument, LOCATION, part.location_micrograms)?;
        add(conn, owner, &part.period, instrument, MARKET, part.market_micrograms)?;
    }
    Ok(())
}

/// Takes a voided record's amounts out of the sums and forgets them (nothing for a record with
/// no instrument). Each row names its own site.
pub(crate) fn remove(conn: &mut DbConnection, company_id: &str, record_id: &str) -> Result<(), StoreError> {
    let mine = scope2_instruments::table
        .filter(scope2_instruments::company_id.eq(company_id.to_owned()))
        .filter(scope2_instruments::record_id.eq(record_id.to_owned()));
    let parts = mine
        .clone()
        .select((
            scope2_instruments::reporting_period,
            scope2_instruments::site_id,
            scope2_instruments::instrument,
            scope2_instruments::location_micrograms,
            scope2_instruments::market_micrograms,
        ))
        .load::<(String, String, String, i64, i64)>(conn)?;
    for (period, site_id, instrument, location, market) in &parts {
        let owner = Owner { record_id, company_id, site_id };
        subtract(conn, &owner, period, instrument, LOCATION, *location)?;
        subtract(conn, &owner, period, instrument, MARKET, *market)?;
    }
    diesel::delete(mine).execute(conn)?;
    Ok(())
}

/// A period's instrumented sums (of one site if given): per instrument kind, the location-based
/// and the market-based scope 2 of the records bought under it, in micrograms.
pub(crate) fn sums(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    site: Option<&str>,
) -> Result<Vec<(InstrumentKind, i128, i128)>, StoreError> {
    let mut query = scope2_instrument_totals::table
        .filter(scope2_instrument_totals::company_id.eq(company.to_owned()))
        .filter(scope2_instrument_totals::reporting_period.eq(period.to_owned()))
        .group_by((scope2_instrument_totals::instrument, scope2_instrument_totals::basis))
        .select((
            scope2_instrument_totals::instrument,
            scope2_instrument_totals::basis,
            summed_kilograms(),
            summed_micrograms(),
        ))
        .into_boxed();
    if let Some(site) = site {
        query = query.filter(scope2_instrument_totals::site_id.eq(site.to_owned()));
    }
    let mut by_kind: BTreeMap<InstrumentKind, (i128, i128)> = BTreeMap::new();
    for (instrument, basis, kg, ug) in query.load::<(String, String, i64, i64)>(conn)? {
        let kind = InstrumentKind::parse(&instrument).ok_or_else(|| corrupt("instrument", &instrument))?;
        let sum = amount((kg, ug)).0;
        let entry = by_kind.entry(kind).or_default();
        match basis.as_str() {
            LOCATION => entry.0 += sum,
            MARKET => entry.1 += sum,
            other => return Err(corrupt("scope 2 basis", other)),
        }
    }
    Ok(by_kind.into_iter().map(|(kind, (location, market))| (kind, location, market)).collect())
}

/// Takes out what an older release, running beside this one during a rollout, voided without
/// knowing of instruments (a record no longer counted in scope 2 whose instrument rows remain),
/// and returns how many records it changed. Each is checked again under its tenant's lock.
/// Blocking; run at every start.
pub(crate) fn reconcile(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let mut changed = 0;
    loop {
        let stale: Vec<(String, String)> = scope2_instruments::table
            .filter(not(exists(
                bill_emissions::table
                    .filter(bill_emissions::bill_id.eq(scope2_instruments::record_id))
                    .filter(bill_emissions::scope.eq(2)),
            )))
            .filter(not(exists(
                activity_emissions::table
                    .filter(activity_emissions::activity_id.eq(scope2_instruments::record_id))
                    .filter(activity_emissions::scope.eq(2)),
            )))
            .select((scope2_instruments::company_id, scope2_instruments::record_id))
            .distinct()
            .limit(RECONCILE_BATCH)
            .load(conn)?;
        if stale.is_empty() {
            return Ok(changed);
        }
        changed += write_transaction(conn, |conn| {
            let mut done = 0;
            for (company, record) in &stale {
                tenancy::lock(conn, company)?;
                let counted = bill_emissions::table
                    .filter(bill_emissions::company_id.eq(company))
                    .filter(bill_emissions::bill_id.eq(record))
                    .filter(bill_emissions::scope.eq(2))
                    .count()
                    .get_result::<i64>(conn)?
                    + activity_emissions::table
                        .filter(activity_emissions::company_id.eq(company))
                        .filter(activity_emissions::activity_id.eq(record))
                        .filter(activity_emissions::scope.eq(2))
                        .count()
                        .get_result::<i64>(conn)?;
                if counted > 0 {
                    continue;
                }
                remove(conn, company, record)?;
                tenancy::touch(conn, company)?;
                done += 1;
            }
            Ok(done)
        })?;
    }
}

/// Adds one part to its sum row (per backend, as `bills::totals::add`).
fn add(
    conn: &mut DbConnection,
    owner: &Owner<'_>,
    period: &str,
    instrument: &str,
    basis: &str,
    micrograms: i64,
) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    const COLUMNS: &str =
        "company_id, reporting_period, site_id, instrument, basis, kilograms, micrograms, contributions";
    const UPSERT: &str = "ON CONFLICT (company_id, reporting_period, site_id, instrument, basis) \
                          DO UPDATE SET kilograms = scope2_instrument_totals.kilograms + excluded.kilograms, \
                          micrograms = scope2_instrument_totals.micrograms + excluded.micrograms, \
                          contributions = scope2_instrument_totals.contributions + 1";
    macro_rules! run {
        ($conn:expr, $values:literal) => {
            diesel::sql_query(format!("INSERT INTO scope2_instrument_totals ({COLUMNS}) VALUES {} {UPSERT}", $values))
                .bind::<Text, _>(owner.company_id)
                .bind::<Text, _>(period)
                .bind::<Text, _>(owner.site_id)
                .bind::<Text, _>(instrument)
                .bind::<Text, _>(basis)
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

/// Takes one part out of its sum row, and removes the row once nothing is left in it.
fn subtract(
    conn: &mut DbConnection,
    owner: &Owner<'_>,
    period: &str,
    instrument: &str,
    basis: &str,
    micrograms: i64,
) -> Result<(), StoreError> {
    let (kilograms, rest) = split(micrograms);
    let target = scope2_instrument_totals::table
        .filter(scope2_instrument_totals::company_id.eq(owner.company_id.to_owned()))
        .filter(scope2_instrument_totals::reporting_period.eq(period.to_owned()))
        .filter(scope2_instrument_totals::site_id.eq(owner.site_id.to_owned()))
        .filter(scope2_instrument_totals::instrument.eq(instrument.to_owned()))
        .filter(scope2_instrument_totals::basis.eq(basis.to_owned()));
    let changed = diesel::update(target.clone())
        .set((
            scope2_instrument_totals::kilograms.eq(scope2_instrument_totals::kilograms - kilograms),
            scope2_instrument_totals::micrograms.eq(scope2_instrument_totals::micrograms - rest),
            scope2_instrument_totals::contributions.eq(scope2_instrument_totals::contributions - 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("no scope 2 instrument sum for {} in {period}", owner.record_id)));
    }
    diesel::delete(target.filter(scope2_instrument_totals::contributions.le(0))).execute(conn)?;
    Ok(())
}
