//! The pool: opening connections of one backend with their limits, and keeping only those that
//! answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use super::config::StoreConfig;
use super::transactions::is_data_error;
use super::{Backend, DbConnection};
use crate::StoreError;

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
    pub(super) backend: Backend,
    pub(super) target: String,
    pub(super) busy_timeout: Duration,
    /// The password in each form it takes in `target`, masked in connection errors.
    pub(super) secrets: Vec<String>,
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

/// The pool, and what it has learnt about its connections' health.
#[derive(Clone)]
pub(crate) struct Connections {
    pub(super) pool: Pool<Manager>,
    /// Goes up each time a connection is found dead: every connection last known to answer
    /// before that (the database may have restarted under all of them) is pinged before use.
    pub(super) dead_seen: Arc<AtomicU64>,
}

impl Connections {
    /// A pooled connection that answers: one idle for a while, or older than the last dead one
    /// found, is pinged first, and a dead one is dropped (the pool opens another).
    pub(super) fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        // Every connection in the pool may be dead; after that many, the next one is new.
        for _ in 0..self.pool.max_size() {
            let waited = std::time::Instant::now();
            let mut pooled = self.pool.get()?;
            self.record_use(waited.elapsed());
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

    /// For `/metrics`: how long a checkout waited for a connection, and how many are in use.
    fn record_use(&self, waited: std::time::Duration) {
        metrics::histogram!("carbonpass_db_pool_wait_seconds").record(waited.as_secs_f64());
        let state = self.pool.state();
        metrics::gauge!("carbonpass_db_pool_connections", "state" => "idle").set(f64::from(state.idle_connections));
        let in_use = state.connections.saturating_sub(state.idle_connections);
        metrics::gauge!("carbonpass_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
        metrics::gauge!("carbonpass_db_pool_size").set(f64::from(self.pool.max_size()));
    }

    /// Runs `step` on a pooled connection and, if it fails there because the connection turned
    /// out dead, once more on one that answers; returns the connection with the answer. Only for
    /// a step that is safe to repeat: a read, or a `BEGIN` (which did nothing on a dead
    /// connection).
    pub(super) fn on_live_connection<T>(
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
    pub(super) fn finish<T>(
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
