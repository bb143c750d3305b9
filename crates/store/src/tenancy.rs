//! One writer per tenant at a time, on both backends.
//!
//! SQLite's write transactions begin IMMEDIATE, so a check-then-write (is this file a duplicate?
//! does this bill overlap a confirmed one? is there a session in progress?) can never be raced.
//! PostgreSQL at READ COMMITTED would let two transactions both pass the same check; locking the
//! tenant's company row first gives them the same one-at-a-time order. Every write on tenant data
//! already updates that row (its `revision` trigger), so this only takes that lock earlier, before
//! the checks instead of at the first write.

use diesel::prelude::*;

use crate::StoreError;
use crate::db::DbConnection;
use crate::schema::companies;

/// Takes the tenant's write lock until the end of the current transaction.
pub(crate) fn lock(conn: &mut DbConnection, company: &str) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        companies::table.filter(companies::id.eq(company)).select(companies::id).for_update().load::<String>(pg)?;
    }
    Ok(())
}

/// Bumps the tenant's data revision, for a change to its totals that touches none of the rows
/// whose triggers bump it (a reconciliation at start): every process's in-memory copies of its
/// data (reports' sums) are then stale.
pub(crate) fn touch(conn: &mut DbConnection, company: &str) -> Result<(), StoreError> {
    diesel::update(companies::table.filter(companies::id.eq(company)))
        .set(companies::revision.eq(companies::revision + 1))
        .execute(conn)?;
    Ok(())
}
