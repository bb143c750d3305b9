//! Transactions and how long they wait for another writer's lock.

use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::DbConnection;
use crate::StoreError;

/// Runs `work` on a SQLite connection that waits at most `wait` for another writer's lock, then
/// puts the connection's usual wait back; on PostgreSQL, as it is.
pub(crate) fn with_lock_wait<T>(
    conn: &mut DbConnection,
    wait: Duration,
    usual: Duration,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return work(conn);
    }
    conn.batch_execute(&format!("PRAGMA busy_timeout = {}", wait.as_millis()))?;
    let result = work(conn);
    conn.batch_execute(&format!("PRAGMA busy_timeout = {}", usual.as_millis()))?;
    result
}

/// Opens a transaction with the given `BEGIN` statement of each backend, through the
/// connection's own transaction manager, so that nested `transaction` calls inside the work
/// become savepoints as usual.
pub(super) fn begin_transaction(
    conn: &mut DbConnection,
    (pg_begin, sqlite_begin): (&str, &str),
) -> Result<(), StoreError> {
    use diesel::connection::AnsiTransactionManager;
    match conn {
        DbConnection::Pg(pg) => AnsiTransactionManager::begin_transaction_sql(pg, pg_begin)?,
        DbConnection::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(lite, sqlite_begin)?,
    }
    Ok(())
}

/// Runs `work` in the open transaction: committed if it succeeds, rolled back otherwise.
pub(super) fn end_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let result = work(conn);
    let ended = match (conn, result.is_ok()) {
        (DbConnection::Pg(pg), true) => AnsiTransactionManager::commit_transaction(pg),
        (DbConnection::Pg(pg), false) => AnsiTransactionManager::rollback_transaction(pg),
        (DbConnection::Sqlite(lite), true) => AnsiTransactionManager::commit_transaction(lite),
        (DbConnection::Sqlite(lite), false) => AnsiTransactionManager::rollback_transaction(lite),
    };
    let value = result?;
    ended?;
    Ok(value)
}

/// Runs blocking `work` in one write transaction on a connection already in hand (as
/// [`super::Store::transaction`] does on a pooled one): IMMEDIATE on SQLite.
pub(crate) fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    begin_transaction(conn, ("BEGIN", "BEGIN IMMEDIATE"))?;
    end_transaction(conn, work)
}

/// Errors about the data itself (no row, a violated constraint): the connection is fine.
pub(crate) fn is_data_error(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    matches!(
        err,
        Error::NotFound
            | Error::RollbackTransaction
            | Error::DatabaseError(
                Kind::UniqueViolation | Kind::ForeignKeyViolation | Kind::NotNullViolation | Kind::CheckViolation,
                _
            )
    )
}
