//! The store's error type, and its one mapping into the domain's.

use carbonpass_domain::DomainError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database configuration: {0}")]
    Config(String),
    #[error("the database did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("no database connection became free in time: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("query failed: {0}")]
    Query(#[from] DieselError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("blocking task failed: {0}")]
    Task(String),
}

/// A stored value that does not parse back into its domain type.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

/// Every failure not decided by the code that ran the statement (a constraint it did not expect,
/// SQL, a driver's message) becomes `Internal`, whose text goes to the log and never to a client.
/// A method that expects a constraint to decide something (a taken email, a racing claim) matches
/// that error itself, before this mapping.
impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            )) => DomainError::Unavailable(info.message().to_owned()),
            // SQLite's answer when another writer held the lock past the busy timeout.
            StoreError::Query(DieselError::DatabaseError(_, info)) if is_lock_timeout(info.message()) => {
                DomainError::Unavailable(info.message().to_owned())
            }
            StoreError::Connect(e) | StoreError::Migration(e) => DomainError::Unavailable(e),
            StoreError::Pool(e) => DomainError::Unavailable(e.to_string()),
            err @ StoreError::Timeout(_) => DomainError::Unavailable(err.to_string()),
            other => DomainError::Internal(other.to_string()),
        }
    }
}

/// SQLite's "database is locked" (another connection's write) and "database table is locked"
/// (this connection's own statement), after the busy timeout; PostgreSQL's statement and lock
/// timeouts: the database is busy, not broken, and the request may be retried.
fn is_lock_timeout(message: &str) -> bool {
    message.starts_with("database is locked")
        || message.starts_with("database table is locked")
        || message.starts_with("canceling statement due to statement timeout")
        || message.starts_with("canceling statement due to lock timeout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(kind: DatabaseErrorKind) -> StoreError {
        let detail = "duplicate key value violates unique constraint \"sessions_one_in_progress_per_site\"".to_owned();
        StoreError::Query(DieselError::DatabaseError(kind, Box::new(detail)))
    }

    #[test]
    fn an_unexpected_constraint_violation_is_internal() {
        for kind in [
            DatabaseErrorKind::UniqueViolation,
            DatabaseErrorKind::ForeignKeyViolation,
            DatabaseErrorKind::CheckViolation,
            DatabaseErrorKind::NotNullViolation,
        ] {
            let mapped = DomainError::from(violation(kind));
            assert!(matches!(mapped, DomainError::Internal(_)), "{mapped:?}");
        }
    }

    #[test]
    fn a_busy_database_is_unavailable_not_broken() {
        for message in ["database is locked", "canceling statement due to statement timeout"] {
            let err =
                StoreError::Query(DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned())));
            assert!(matches!(DomainError::from(err), DomainError::Unavailable(_)), "{message}");
        }
        let late = StoreError::Timeout(std::time::Duration::from_secs(3));
        assert!(matches!(DomainError::from(late), DomainError::Unavailable(_)));
    }
}
