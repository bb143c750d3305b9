//! The store: a pool of connections to one database, and the threads its work runs on.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use diesel::r2d2::Pool;
use diesel::sqlite::SqliteConnection;

use super::config::StoreConfig;
use super::pool::{Connections, Manager, pg_target};
use super::transactions::{begin_transaction, end_transaction};
use super::{Backend, DbConnection};
use crate::StoreError;
use crate::inline::InlineReads;
use crate::threads::DbThreads;

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

    /// Applies pending migrations, then puts right the maintained data a migration cannot
    /// compute in SQL (see [`crate::bills::categories::reconcile`]) or an older release left
    /// behind ([`crate::market::reconcile`]); returns the names of the
    /// migrations applied now. Blocking.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut pooled = self.connections.pool.get()?;
        let applied = crate::migrations::run_pending(&mut pooled.conn)?;
        let reconciled = crate::bills::categories::reconcile(&mut pooled.conn)?;
        if reconciled > 0 {
            tracing::info!(bills = reconciled, "scope 3 categories of bills put right");
        }
        let reconciled = crate::market::reconcile(&mut pooled.conn)?;
        if reconciled > 0 {
            tracing::info!(
                records = reconciled,
                "market-based scope 2 of records voided by an older release taken out"
            );
        }
        Ok(applied)
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

    /// Like [`Store::transaction`], for a write of `rows` records at once (an import): its
    /// deadline grows by 3 ms a row, as its statements do (each stays under the statement
    /// timeout); a 10,000-row import took 11 s on PostgreSQL here (docs/performance.md).
    pub(crate) async fn bulk_transaction<T, F>(&self, rows: usize, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let deadline = self.deadline + Duration::from_millis(u64::try_from(rows).unwrap_or(u64::MAX).saturating_mul(3));
        self.on_thread(deadline, move |connections| {
            let (mut pooled, ()) =
                connections.on_live_connection(|conn| begin_transaction(conn, ("BEGIN", "BEGIN IMMEDIATE")))?;
            let done = end_transaction(&mut pooled.conn, work);
            connections.finish(&mut pooled, done)
        })
        .await
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
