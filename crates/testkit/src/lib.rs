//! Test support: a fresh, isolated database for each test.
//!
//! - SQLite: a file in a temporary folder, removed with the guard.
//! - PostgreSQL (when `DATABASE_URL` names a server): a database created from a template that has
//!   every migration applied, dropped with the guard. The template is built once per migration set
//!   and shared by every test process, so a test pays only for `CREATE DATABASE … TEMPLATE`.
//!
//! Without `DATABASE_URL`, PostgreSQL cases are skipped locally, and refused under `CI`, where a
//! skipped backend would hide failures.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Text};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use rand::RngExt;
use rand::distr::Alphanumeric;
use tempfile::TempDir;

mod certificates;
mod demo_server;
mod private_postgres;
mod receiver;
mod redis;

pub use certificates::TestCertificate;
pub use demo_server::DemoServer;
pub use private_postgres::PrivatePostgres;
pub use receiver::{Received, Receiver};
pub use redis::{DEFAULT_REDIS_URL, redis_url};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for as long as this value does.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    backend: Backend,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Folder(#[allow(dead_code)] TempDir),
    PgDatabase {
        admin_url: String,
        name: String,
    },
    /// A database someone else owns (a [`PrivatePostgres`]): nothing to remove.
    Nothing,
}

/// Advisory-lock key serialising template builds and clones across test processes.
const TEMPLATE_LOCK: i64 = 0x0000_C02B_0A55;

impl TestDatabase {
    /// A new SQLite database file (empty; the application migrates it at start).
    pub fn sqlite() -> Self {
        let dir = tempfile::Builder::new().prefix("carbonpass-test-").tempdir().expect("create a temp folder");
        let url = dir.path().join("carbonpass.db").to_string_lossy().into_owned();
        Self { url, backend: Backend::Sqlite, cleanup: Cleanup::Folder(dir) }
    }

    /// A new, migrated PostgreSQL database, or `None` (with a note on stderr) when no server is
    /// configured outside CI.
    pub fn postgres() -> Option<Self> {
        let Some(admin_url) = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres")).map(without_tls)
        else {
            assert!(!is_ci(), "CI must run the PostgreSQL tests: set DATABASE_URL=postgres://… (see .ci/run)");
            eprintln!("SKIPPED: PostgreSQL case not run (DATABASE_URL is not set to a postgres:// URL)");
            return None;
        };
        let mut admin = PgConnection::establish(&admin_url).expect("connect to DATABASE_URL");
        let name = format!("cp_test_{}", random_suffix(12).to_lowercase());
        with_template_lock(&mut admin, |admin| {
            let template = ensure_template(admin, &admin_url);
            diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(admin)
                .expect("clone the template database");
        });
        Some(Self {
            url: with_database(&admin_url, &name),
            backend: Backend::Postgres,
            cleanup: Cleanup::PgDatabase { admin_url, name },
        })
    }

    /// A PostgreSQL database at `url` that outlives this value (a [`PrivatePostgres`]'s).
    pub fn external(url: String) -> Self {
        Self { url, backend: Backend::Postgres, cleanup: Cleanup::Nothing }
    }

    /// A new database with no tables at all (for tests of migrating), or `None` when that
    /// backend is not available.
    pub fn empty(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => {
                let admin_url = postgres_url()?;
                let mut admin = PgConnection::establish(&admin_url).expect("connect to DATABASE_URL");
                let name = format!("cp_test_{}", random_suffix(12).to_lowercase());
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create a database");
                Some(Self {
                    url: with_database(&admin_url, &name),
                    backend,
                    cleanup: Cleanup::PgDatabase { admin_url, name },
                })
            }
        }
    }

    /// A database of `backend`, or `None` when that backend is not available (see [`Self::postgres`]).
    pub fn of(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The folder holding the SQLite file (for tests that also need a data folder).
    pub fn folder(&self) -> Option<&Path> {
        match &self.cleanup {
            Cleanup::Folder(dir) => Some(dir.path()),
            Cleanup::PgDatabase { .. } | Cleanup::Nothing => None,
        }
    }
}

impl TestDatabase {
    /// Ends every connection to a PostgreSQL database (as a database restart or a failover
    /// would), leaving the database in place. Does nothing on SQLite.
    pub fn terminate_connections(&self) {
        if let Cleanup::PgDatabase { admin_url, name } = &self.cleanup {
            let mut admin = PgConnection::establish(admin_url).expect("connect to DATABASE_URL");
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind::<Text, _>(name)
            .execute(&mut admin)
            .expect("terminate connections");
        }
    }

    /// Drops a PostgreSQL database now, ending every connection to it (for tests of what the
    /// application does when its database disappears). Does nothing on SQLite.
    pub fn destroy(&mut self) {
        if let Cleanup::PgDatabase { admin_url, name } = &self.cleanup {
            // FORCE ends the connections the app's pool still holds.
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

/// A write lock held from outside the application, until dropped (see
/// [`TestDatabase::block_writes`]).
pub struct WriteBlock {
    conn: BlockingConnection,
}

enum BlockingConnection {
    Pg(PgConnection),
    Sqlite(diesel::sqlite::SqliteConnection),
}

impl std::fmt::Debug for WriteBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteBlock")
    }
}

impl Drop for WriteBlock {
    fn drop(&mut self) {
        let _ = match &mut self.conn {
            BlockingConnection::Pg(pg) => diesel::sql_query("ROLLBACK").execute(pg),
            BlockingConnection::Sqlite(lite) => diesel::sql_query("ROLLBACK").execute(lite),
        };
    }
}

impl TestDatabase {
    /// Takes, from a connection of its own, the lock a company's writes need (SQLite: the
    /// database's write lock; PostgreSQL: the company's row, which every write of the tenant
    /// locks first), so that the application's next write for it waits: a database that stops
    /// answering writes.
    pub fn block_writes(&self, company_id: &str) -> WriteBlock {
        let conn = match self.backend {
            Backend::Postgres => {
                let mut pg = PgConnection::establish(&self.url).expect("connect");
                diesel::sql_query("BEGIN").execute(&mut pg).expect("begin");
                diesel::sql_query("SELECT id FROM companies WHERE id = $1 FOR UPDATE")
                    .bind::<Text, _>(company_id)
                    .execute(&mut pg)
                    .expect("lock the company row");
                BlockingConnection::Pg(pg)
            }
            Backend::Sqlite => {
                let mut lite = diesel::sqlite::SqliteConnection::establish(&self.url).expect("connect");
                diesel::sql_query("BEGIN EXCLUSIVE").execute(&mut lite).expect("lock the database");
                BlockingConnection::Sqlite(lite)
            }
        };
        WriteBlock { conn }
    }

    /// Ends the application's connections that are waiting for a lock, as a failing database
    /// would. Does nothing on SQLite (whose waits end with its busy timeout).
    pub fn end_waiting_connections(&self) {
        if let Cleanup::PgDatabase { admin_url, name } = &self.cleanup {
            let mut admin = PgConnection::establish(admin_url).expect("connect to DATABASE_URL");
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            )
            .bind::<Text, _>(name)
            .execute(&mut admin)
            .expect("terminate waiting connections");
        }
    }
}

/// One text column of a raw query's rows.
#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    text: String,
}

impl TestDatabase {
    /// Runs `sql` from a connection of its own, with `binds` as text parameters written `$1`,
    /// `$2`… on both backends: rows written as an older release wrote them, which the
    /// application's own code can no longer write.
    pub fn execute(&self, sql: &str, binds: &[&str]) -> usize {
        match self.backend {
            Backend::Postgres => {
                let mut pg = PgConnection::establish(&self.url).expect("connect");
                with_binds(sql, binds).execute(&mut pg).expect("execute")
            }
            Backend::Sqlite => {
                let mut lite = diesel::sqlite::SqliteConnection::establish(&self.url).expect("connect");
                with_binds(&sql.replace('$', "?"), binds).execute(&mut lite).expect("execute")
            }
        }
    }

    /// The one text column (named `text`) of `sql`'s rows, read exactly as stored; binds as in
    /// [`Self::execute`].
    pub fn texts(&self, sql: &str, binds: &[&str]) -> Vec<String> {
        let rows: Vec<TextRow> = match self.backend {
            Backend::Postgres => {
                let mut pg = PgConnection::establish(&self.url).expect("connect");
                with_binds(sql, binds).load(&mut pg).expect("query")
            }
            Backend::Sqlite => {
                let mut lite = diesel::sqlite::SqliteConnection::establish(&self.url).expect("connect");
                with_binds(&sql.replace('$', "?"), binds).load(&mut lite).expect("query")
            }
        };
        rows.into_iter().map(|row| row.text).collect()
    }
}

/// `sql` with each of `binds` bound as text, in order (SQLite's `?1` numbers them as `$1` does).
fn with_binds<'a, DB>(sql: &str, binds: &[&'a str]) -> BoxedSqlQuery<'a, DB, SqlQuery>
where
    DB: diesel::backend::Backend + HasSqlType<Text>,
    str: ToSql<Text, DB>,
{
    let mut query = diesel::sql_query(sql).into_boxed::<DB>();
    for bind in binds {
        query = query.bind::<Text, _>(*bind);
    }
    query
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// `DATABASE_URL` when it names a PostgreSQL server; otherwise `None` with a note (and a failure
/// under CI, where a skipped backend would hide failures).
fn postgres_url() -> Option<String> {
    let url = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres")).map(without_tls);
    if url.is_none() {
        assert!(!is_ci(), "CI must run the PostgreSQL tests: set DATABASE_URL=postgres://… (see .ci/run)");
        eprintln!("SKIPPED: PostgreSQL case not run (DATABASE_URL is not set to a postgres:// URL)");
    }
    url
}

/// `url` with `sslmode=disable` unless it chooses a mode itself. Tests talk to a server on this
/// machine, where TLS adds nothing; and a test process that exits while libpq is still setting up
/// TLS for a pool's connection on another thread crashes in OpenSSL's exit-time clean-up
/// ("double free or corruption"), failing a test that passed.
fn without_tls(url: String) -> String {
    if url.contains("sslmode=") {
        return url;
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable")
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn random_suffix(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres")
}

/// A name that changes whenever any PostgreSQL migration file changes.
fn template_name() -> String {
    let mut files: Vec<PathBuf> = walk(&migrations_dir());
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file).expect("read a migration file").hash(&mut hasher);
    }
    format!("cp_template_{:016x}", hasher.finish())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the migrations folder").flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn with_template_lock(admin: &mut PgConnection, work: impl FnOnce(&mut PgConnection)) {
    diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).execute(admin).expect("take the lock");
    work(admin);
    let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).execute(admin);
}

/// Builds the migrated template if this migration set has none yet. Runs under the lock.
fn ensure_template(admin: &mut PgConnection, admin_url: &str) -> String {
    let name = template_name();
    let exists = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&name)
        .get_result::<Found>(admin)
        .expect("look for the template")
        .n
        > 0;
    if !exists {
        let building = format!("{name}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).execute(admin).expect("drop");
        diesel::sql_query(format!("CREATE DATABASE {building}")).execute(admin).expect("create the template");
        {
            let mut conn = PgConnection::establish(&with_database(admin_url, &building)).expect("connect to template");
            let migrations = FileBasedMigrations::from_path(migrations_dir()).expect("find migrations");
            conn.run_pending_migrations(migrations).expect("migrate the template");
        }
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}")).execute(admin).expect("rename");
    }
    name
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map(|i| authority_start + i);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{host}/{database}?{q}"),
        None => format!("{host}/{database}"),
    }
}

/// Generates, for each listed case, one test per backend: `case::sqlite` and `case::postgres`.
///
/// `setup` names an `async fn(Backend) -> Option<T>` in the calling module (`None` skips the
/// case); each case is an `async fn(T)` there. The calling crate needs `tokio` with `macros`.
#[macro_export]
macro_rules! on_both_backends {
    ($setup:ident => $($case:ident),* $(,)?) => {$(
        mod $case {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(ctx) = super::$setup($crate::Backend::Sqlite).await {
                    super::$case(ctx).await
                }
            }
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(ctx) = super::$setup($crate::Backend::Postgres).await {
                    super::$case(ctx).await
                }
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h:5432", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    }
}
