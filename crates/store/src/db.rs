//! Connections and the pool: one connection type over both backends, chosen from the URL.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::StoreError;
use crate::inline::InlineReads;
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

/// A pooled connection, and whether it failed in a way that means it must not be reused.
///
/// The pool does not ping connections on checkout (that would be a round trip per query on
/// PostgreSQL); instead a connection whose query fails and which then fails a ping is marked
/// broken here, and the pool replaces it.
pub(crate) struct PooledDb {
    pub conn: DbConnection,
    broken: bool,
    /// When the connection last finished a piece of work.
    last_used: Instant,
    /// The pool's count of dead connections found when this one was last known to answer.
    answered_at: u64,
}

/// A connection idle for longer than this is pinged before use: long enough that a busy pool
/// never pays the extra round trip, short enough that connections left over from before a
/// database restart are found dead by the ping rather than by a client's request (the window
/// HikariCP uses).
const TRUSTED_IDLE: Duration = Duration::from_millis(500);

impl PooledDb {
    /// After a failed query: keep the connection only if it still answers.
    pub(crate) fn check_after_error(&mut self) {
        self.broken = self.conn.ping().is_err();
    }

    /// A PostgreSQL connection idle long enough that its server may have gone meanwhile. (A
    /// SQLite connection is a file in this process: it does not go away.)
    fn idle_too_long(&self) -> bool {
        matches!(self.conn, DbConnection::Pg(_)) && self.last_used.elapsed() > TRUSTED_IDLE
    }
}

/// Opens connections of one backend. PostgreSQL connections get their time limits and TCP
/// keepalives (see [`pg_target`]); SQLite connections the settings that make concurrent use safe
/// (foreign keys on, WAL, a busy timeout instead of an immediate "database is locked").
pub(crate) struct Manager {
    backend: Backend,
    target: String,
    busy_timeout: Duration,
    /// The password in each form it takes in `target`, masked in connection errors.
    secrets: Vec<String>,
}

impl ManageConnection for Manager {
    type Connection = PooledDb;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PooledDb, r2d2::Error> {
        let conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConnection::Pg),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                conn.batch_execute(&format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
        // Never pass a driver's connection error on as it is: libpq repeats parts of the
        // connection string in some of them.
        .map_err(|e| {
            r2d2::Error::ConnectionError(ConnectionError::BadConnection(crate::secrets::scrub(
                &e.to_string(),
                &self.secrets,
            )))
        })?;
        Ok(PooledDb { conn, broken: false, last_used: Instant::now(), answered_at: 0 })
    }

    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), r2d2::Error> {
        pooled.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        std::thread::panicking() || pooled.broken || pooled.conn.is_broken()
    }
}

#[derive(Clone)]
pub struct StoreConfig {
    /// `postgres://…`, or a SQLite file path. May hold a password: never logged as it is.
    pub url: String,
    pub pool_size: u32,
    /// Connections the pool keeps open while idle, opening them in the background. None by
    /// default: a process must never exit while the pool is opening a connection on another
    /// thread (libpq's TLS set-up racing OpenSSL's clean-up at exit crashed one-shot commands
    /// and test processes). Connections still stay pooled after use.
    pub min_idle: u32,
    /// How long work waits for a free connection (or a new one) before giving up.
    pub acquire_timeout: Duration,
    /// How long opening a PostgreSQL connection (TCP, TLS, authentication) may take.
    pub connect_timeout: Duration,
    /// How long one statement may run: PostgreSQL cancels it server-side, SQLite stops waiting
    /// for another writer's lock. Every piece of work also has a client-side deadline of
    /// `acquire_timeout + statement_timeout`, which holds even when the server cannot answer at
    /// all (frozen, or cut off by the network).
    pub statement_timeout: Duration,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &crate::secrets::redacted_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish_non_exhaustive()
    }
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 10,
            min_idle: 0,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }

    /// The longest any one piece of store work may take, queueing included.
    pub fn deadline(&self) -> Duration {
        self.acquire_timeout + self.statement_timeout
    }
}

/// Keepalive probes start after this much silence on a PostgreSQL connection, and go
/// [`KEEPALIVE_COUNT`] times [`KEEPALIVE_INTERVAL`] apart: a peer gone from the network is noticed
/// within about 25 s even by a connection that is waiting for nothing.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
const KEEPALIVE_COUNT: u32 = 3;

/// The PostgreSQL URL with this store's limits added as libpq parameters, unless the URL already
/// sets them: `connect_timeout`, TCP keepalives, `tcp_user_timeout` (sent data unacknowledged for
/// that long breaks the connection) and the server-side `statement_timeout`.
pub(crate) fn pg_target(url: &str, config: &StoreConfig) -> String {
    let statement_ms = config.statement_timeout.as_millis().max(1);
    let user_timeout_ms = (KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT).as_millis();
    // libpq takes whole seconds and treats 1 as 2.
    let connect_secs = config.connect_timeout.as_secs().max(2);
    let params = [
        ("connect_timeout", connect_secs.to_string()),
        ("keepalives", "1".into()),
        ("keepalives_idle", KEEPALIVE_IDLE.as_secs().to_string()),
        ("keepalives_interval", KEEPALIVE_INTERVAL.as_secs().to_string()),
        ("keepalives_count", KEEPALIVE_COUNT.to_string()),
        ("tcp_user_timeout", user_timeout_ms.to_string()),
        // `-c statement_timeout=N`, percent-encoded for the URL.
        ("options", format!("-c%20statement_timeout%3D{statement_ms}")),
    ];
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let already = |name: &str| query.split('&').any(|pair| pair.split('=').next() == Some(name));
    let mut target = url.to_owned();
    for (name, value) in params.iter().filter(|(name, _)| !already(name)) {
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(name);
        target.push('=');
        target.push_str(value);
    }
    target
}

/// The store: a pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    connections: Connections,
    backend: Backend,
    /// One thread per pooled connection runs every query.
    threads: DbThreads,
    /// The most any one piece of work may take, queueing included.
    deadline: Duration,
    /// How long a SQLite statement waits for another writer's lock.
    busy_timeout: Duration,
    /// Point reads on the caller's thread (SQLite only).
    inline: Option<InlineReads>,
    /// Poked after a commit that wrote webhook deliveries.
    pub(crate) wake: crate::webhooks::wake::DeliveryWake,
    /// Writes events' wire form (the edge's), kept in the outbox with each change.
    pub(crate) payloads: std::sync::Arc<dyn carbonpass_domain::ports::EventPayloads>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the pool, failing at once if the database cannot be reached. Blocking: call it at
    /// start-up, before serving. Events are kept in the wire form `payloads` writes.
    pub fn connect(
        config: &StoreConfig,
        payloads: std::sync::Arc<dyn carbonpass_domain::ports::EventPayloads>,
    ) -> Result<Self, StoreError> {
        let (backend, target) = Backend::parse(&config.url)?;
        let sqlite_path = target.to_owned();
        let target = match backend {
            Backend::Postgres => pg_target(target, config),
            Backend::Sqlite => target.to_owned(),
        };
        let secrets = crate::secrets::secrets_of(&target);
        let manager = Manager { backend, target, busy_timeout: config.statement_timeout, secrets: secrets.clone() };
        let pool = Pool::builder()
            .max_size(config.pool_size.max(1))
            .min_idle(Some(config.min_idle))
            .connection_timeout(config.acquire_timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StoreError::Connect(crate::secrets::scrub(&e.to_string(), &secrets)))?;
        let threads = DbThreads::start(pool.max_size() as usize)?;
        let connections = Connections { pool, dead_seen: Arc::new(AtomicU64::new(0)) };
        let inline = (backend == Backend::Sqlite).then(|| InlineReads::new(&sqlite_path));
        Ok(Self {
            connections,
            backend,
            threads,
            deadline: config.deadline(),
            busy_timeout: config.statement_timeout,
            inline,
            wake: Default::default(),
            payloads,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How long a SQLite statement waits for another writer's lock, normally.
    pub(crate) fn busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// Applies pending migrations; returns the names applied now. Blocking.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut pooled = self.connections.pool.get()?;
        crate::migrations::run_pending(&mut pooled.conn)
    }

    /// Runs `work` with a pooled connection on a database thread, giving up with
    /// [`StoreError::Timeout`] when the store's deadline passes first (the thread finishes the
    /// work, or is freed by the statement timeout; its result is dropped). For a single write
    /// statement; reads go through [`Store::read`], several statements through a transaction.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_thread(self.deadline, move |connections| {
            let mut pooled = connections.checkout()?;
            let result = work(&mut pooled.conn);
            connections.finish(&mut pooled, result)
        })
        .await
    }

    /// Like [`Store::run`], for work that only reads: if its connection turns out dead (the
    /// database restarted since it was last used), it runs again on one that answers.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_within(self.deadline, work).await
    }

    /// Like [`Store::read`], for a point read by a unique index that every request makes: on
    /// SQLite it runs on the caller's thread when it can answer at once (see `inline`), and on
    /// the database threads otherwise.
    /// `inline` is the same read written for a plain SQLite connection: its statement is cached
    /// by type, with no SQL built per call (the multi-backend connection builds it each time).
    pub(crate) async fn point_read<T, I, F>(&self, inline: I, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        I: Fn(&mut SqliteConnection) -> Result<T, StoreError>,
        F: Fn(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        if let Some(answer) = self.inline.as_ref().and_then(|reads| reads.try_read(&inline)) {
            return answer;
        }
        self.read(work).await
    }

    /// [`Store::read`] with a deadline of its own (shorter, for the readiness probe).
    pub(crate) async fn read_within<T, F>(&self, deadline: Duration, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_thread(deadline, move |connections| Ok(connections.on_live_connection(&work)?.1)).await
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
        self.in_transaction(("BEGIN", "BEGIN IMMEDIATE"), work).await
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
        self.in_transaction(("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "BEGIN"), work).await
    }

    /// Runs `work` in a transaction opened by `begin` (PostgreSQL's statement, SQLite's). A
    /// `BEGIN` that finds its connection dead has done nothing, so it is tried once more on one
    /// that answers; once `work` has started, a failure is final.
    async fn in_transaction<T, F>(&self, begin: (&'static str, &'static str), work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_thread(self.deadline, move |connections| {
            let (mut pooled, ()) = connections.on_live_connection(|conn| begin_transaction(conn, begin))?;
            let done = end_transaction(&mut pooled.conn, work);
            connections.finish(&mut pooled, done)
        })
        .await
    }

    /// Runs `job` on a database thread with access to the pool, within `deadline`.
    async fn on_thread<T, J>(&self, deadline: Duration, job: J) -> Result<T, StoreError>
    where
        T: Send + 'static,
        J: FnOnce(&Connections) -> Result<T, StoreError> + Send + 'static,
    {
        let connections = self.connections.clone();
        let running = self.threads.run(move || job(&connections));
        match tokio::time::timeout(deadline, running).await {
            Ok(done) => done?,
            Err(_) => Err(StoreError::Timeout(deadline)),
        }
    }
}

/// The pool, and what it has learnt about its connections' health.
#[derive(Clone)]
struct Connections {
    pool: Pool<Manager>,
    /// Goes up each time a connection is found dead: every connection last known to answer
    /// before that (the database may have restarted under all of them) is pinged before use.
    dead_seen: Arc<AtomicU64>,
}

impl Connections {
    /// A pooled connection that answers: one idle for a while, or older than the last dead one
    /// found, is pinged first, and a dead one is dropped (the pool opens another).
    fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        // Every connection in the pool may be dead; after that many, the next one is new.
        for _ in 0..self.pool.max_size() {
            let mut pooled = self.pool.get()?;
            let epoch = self.dead_seen.load(Ordering::Acquire);
            let suspect = pooled.answered_at < epoch || pooled.idle_too_long();
            if !suspect || pooled.conn.ping().is_ok() {
                pooled.answered_at = epoch;
                return Ok(pooled);
            }
            pooled.broken = true;
            self.dead_seen.fetch_add(1, Ordering::AcqRel);
        }
        Ok(self.pool.get()?)
    }

    /// Runs `step` on a pooled connection and, if it fails there because the connection turned
    /// out dead, once more on one that answers; returns the connection with the answer. Only for
    /// a step that is safe to repeat: a read, or a `BEGIN` (which did nothing on a dead
    /// connection).
    fn on_live_connection<T>(
        &self,
        step: impl Fn(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<(r2d2::PooledConnection<Manager>, T), StoreError> {
        let mut pooled = self.checkout()?;
        let first = step(&mut pooled.conn);
        match self.finish(&mut pooled, first) {
            Ok(answer) => return Ok((pooled, answer)),
            Err(err) if !pooled.broken => return Err(err),
            Err(_) => drop(pooled),
        }
        let mut pooled = self.checkout()?;
        let again = step(&mut pooled.conn);
        let answer = self.finish(&mut pooled, again)?;
        Ok((pooled, answer))
    }

    /// After work on `pooled`: a connection whose work failed other than on the data is kept only
    /// if it still answers; one that does not marks every older connection suspect.
    fn finish<T>(
        &self,
        pooled: &mut r2d2::PooledConnection<Manager>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Err(StoreError::Query(err)) = &result
            && !is_data_error(err)
        {
            pooled.check_after_error();
            if pooled.broken {
                self.dead_seen.fetch_add(1, Ordering::AcqRel);
            }
        }
        pooled.last_used = Instant::now();
        result
    }
}

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
fn begin_transaction(conn: &mut DbConnection, (pg_begin, sqlite_begin): (&str, &str)) -> Result<(), StoreError> {
    use diesel::connection::AnsiTransactionManager;
    match conn {
        DbConnection::Pg(pg) => AnsiTransactionManager::begin_transaction_sql(pg, pg_begin)?,
        DbConnection::Sqlite(lite) => AnsiTransactionManager::begin_transaction_sql(lite, sqlite_begin)?,
    }
    Ok(())
}

/// Runs `work` in the open transaction: committed if it succeeds, rolled back otherwise.
fn end_transaction<T>(
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
