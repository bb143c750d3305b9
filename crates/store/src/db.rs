//! Connections and the pool: one connection type over both backends, chosen from the URL.

use std::fmt;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::StoreError;
use crate::threads::DbThreads;

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
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is a SQLite file path
    /// (an optional `sqlite://` in front is dropped).
    pub fn from_url(url: &str) -> (Self, &str) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url)
        } else {
            (Backend::Sqlite, url.strip_prefix("sqlite://").unwrap_or(url))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A pooled connection, and whether it failed in a way that means it must not be reused.
///
/// The pool does not ping connections on checkout (that would be a round trip per query on
/// PostgreSQL); instead a connection whose query fails and which then fails a ping is marked
/// broken here, and the pool replaces it.
pub(crate) struct PooledDb {
    pub conn: DbConnection,
    broken: bool,
}

impl PooledDb {
    /// After a failed query: keep the connection only if it still answers.
    pub(crate) fn check_after_error(&mut self) {
        self.broken = self.conn.ping().is_err();
    }
}

/// Opens connections of one backend; SQLite connections get the settings that make concurrent
/// use safe (foreign keys on, WAL, a busy timeout instead of an immediate "database is locked").
pub(crate) struct Manager {
    backend: Backend,
    target: String,
}

impl ManageConnection for Manager {
    type Connection = PooledDb;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PooledDb, r2d2::Error> {
        let conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConnection::Pg),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
        .map_err(r2d2::Error::ConnectionError)?;
        Ok(PooledDb { conn, broken: false })
    }

    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), r2d2::Error> {
        pooled.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        std::thread::panicking() || pooled.broken || pooled.conn.is_broken()
    }
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://…`, or a SQLite file path.
    pub url: String,
    pub pool_size: u32,
    /// Connections the pool keeps open while idle, opening them in the background. None by
    /// default: a process must never exit while the pool is opening a connection on another
    /// thread (libpq's TLS set-up racing OpenSSL's clean-up at exit crashed one-shot commands
    /// and test processes). Connections still stay pooled after use.
    pub min_idle: u32,
    /// How long a request waits for a free connection (or a new one) before giving up.
    pub acquire_timeout: Duration,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), pool_size: 10, min_idle: 0, acquire_timeout: Duration::from_secs(5) }
    }
}

/// The store: a pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
    backend: Backend,
    /// One thread per pooled connection runs every query.
    threads: DbThreads,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the pool, failing at once if the database cannot be reached. Blocking: call it at
    /// start-up, before serving.
    pub fn connect(config: &StoreConfig) -> Result<Self, StoreError> {
        let (backend, target) = Backend::from_url(&config.url);
        let manager = Manager { backend, target: target.to_owned() };
        let pool = Pool::builder()
            .max_size(config.pool_size.max(1))
            .min_idle(Some(config.min_idle))
            .connection_timeout(config.acquire_timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let threads = DbThreads::start(pool.max_size() as usize)?;
        Ok(Self { pool, backend, threads })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; returns the names applied now. Blocking.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut pooled = self.pool.get()?;
        crate::migrations::run_pending(&mut pooled.conn)
    }

    /// Runs `work` with a pooled connection on a database thread.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        self.threads
            .run(move || {
                let mut pooled = pool.get()?;
                let result = work(&mut pooled.conn);
                if let Err(StoreError::Query(err)) = &result
                    && !is_data_error(err)
                {
                    pooled.check_after_error();
                }
                result
            })
            .await?
    }

    /// Like [`Store::run`], inside one write transaction: all of `work` is committed, or none of
    /// it. On SQLite the transaction is IMMEDIATE: it takes the write lock before its first read,
    /// so a read-then-write can never fail halfway on another writer's commit (it waits, up to
    /// the busy timeout, instead).
    pub(crate) async fn transaction<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| begun_with(conn, "BEGIN", "BEGIN IMMEDIATE", work)).await
    }

    /// Like [`Store::run`], inside one read-only transaction that sees a single snapshot of the
    /// database, so a report made of several queries never mixes states (a total from before a
    /// void with sessions from after it). PostgreSQL: REPEATABLE READ; SQLite: a deferred
    /// transaction, whose first read fixes its snapshot (WAL).
    pub(crate) async fn snapshot<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        // One statement opens it: a round trip fewer than BEGIN then SET TRANSACTION.
        const PG: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
        self.run(move |conn| begun_with(conn, PG, "BEGIN", work)).await
    }

    /// A pooled connection, waiting at most `timeout` for one. For the readiness probe.
    pub(crate) fn get_within(&self, timeout: Duration) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        self.pool.get_timeout(timeout).map_err(StoreError::Pool)
    }
}

/// Runs `work` in a transaction opened with the given `BEGIN` statement of each backend, through
/// the connection's own transaction manager, so that nested `transaction` calls inside `work`
/// become savepoints as usual. Committed if `work` succeeds, rolled back otherwise.
fn begun_with<T>(
    conn: &mut DbConnection,
    pg_begin: &str,
    sqlite_begin: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Pg(pg) => AnsiTransactionManager::begin_transaction_sql(pg, pg_begin)?,
        DbConnection::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(lite, sqlite_begin)?,
    }
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

/// Errors about the data itself (no row, a violated constraint): the connection is fine.
fn is_data_error(err: &diesel::result::Error) -> bool {
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

/// Timestamps are stored as UTC at microsecond precision, the finest both backends keep.
pub(crate) fn to_db_time(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let at = at.naive_utc();
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}

pub(crate) fn from_db_time(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}

pub(crate) fn db_now() -> chrono::NaiveDateTime {
    to_db_time(chrono::Utc::now())
}
