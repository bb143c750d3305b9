//! The database: one connection type over both backends, chosen from the URL ([`Backend`]),
//! the pool that keeps connections healthy (`pool`), the store's settings (`config`), the
//! [`Store`] that runs every piece of work on its own threads (`store`), transactions with their
//! lock waits (`transactions`), and how times are kept (`time`).

mod config;
mod pool;
mod store;
mod time;
mod transactions;

pub use config::StoreConfig;
pub(crate) use pool::pg_target;
pub use store::Store;
pub(crate) use time::{db_now, from_db_time, to_db_time};
pub(crate) use transactions::{is_data_error, with_lock_wait, write_transaction};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

use diesel::Connection;
use diesel::sqlite::SqliteConnection;

use crate::StoreError;

/// A connection to whichever backend the URL named. Queries written once run on both.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; `sqlite://…` and anything else are
    /// a SQLite file path. For a target an operator typed, use [`Backend::parse`], which refuses
    /// what is neither.
    pub fn from_url(url: &str) -> (Self, &str) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url)
        } else {
            (Backend::Sqlite, url.strip_prefix("sqlite://").unwrap_or(url))
        }
    }

    /// Like [`Backend::from_url`], but refuses a configured database that is neither a
    /// PostgreSQL URL nor plainly a SQLite file: another scheme (`mysql://`), or a libpq
    /// key=value string (`host=db password=…`), which would otherwise open a new SQLite file
    /// named after it. The error never repeats the value: it may hold a password.
    pub fn parse(url: &str) -> Result<(Self, &str), StoreError> {
        let (backend, target) = Self::from_url(url);
        if backend == Backend::Postgres {
            return Self::userinfo_encoded(target).map(|()| (backend, target));
        }
        let refused = |why: &str| {
            StoreError::Config(format!(
                "the database URL {why}: use postgres://user@host/db (or postgresql://), \
                 sqlite:///path/to/file.db, or a file path such as ./data/carbonpass.db"
            ))
        };
        if target.trim().is_empty() {
            return Err(refused("is empty"));
        }
        if target.contains("://") {
            return Err(refused("has a scheme that is neither postgres:// nor sqlite://"));
        }
        if target.contains('=') || target.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refused("looks like a libpq connection string (key=value pairs), not a URL or a file path"));
        }
        Ok((backend, target))
    }

    /// A PostgreSQL URL whose user name or password holds an `@` or `/` as it is: libpq ends the
    /// user-info at the first `@` and the host at the first `/`, so part of the password would
    /// be read as a host or a port, and echoed in its error. Refused; the value is never repeated.
    fn userinfo_encoded(url: &str) -> Result<(), StoreError> {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let before_query = rest.split(['?', '#']).next().unwrap_or(rest);
        let authority_end = before_query.find('/').unwrap_or(before_query.len());
        let ats_in_authority = before_query[..authority_end].matches('@').count();
        if ats_in_authority > 1 || before_query[authority_end..].contains('@') {
            return Err(StoreError::Config(
                "the user name or password in the database URL holds a reserved character: \
                 percent-encode it (@ as %40, / as %2F, : as %3A, ? as %3F, # as %23)"
                    .into(),
            ));
        }
        Ok(())
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}
