//! The migrations of both backends, embedded in the binary.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;
use crate::db::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Advisory-lock key under which PostgreSQL migrations run.
const MIGRATION_LOCK: i64 = 0x4361_7262_6F6E_5031;

/// Applies every pending migration; returns the names of those applied now. Several processes
/// may start at once against one database (instances of a deployment, or `serve` beside an admin
/// command): the runs are serialised, so each migration is applied exactly once.
pub(crate) fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(pg)?;
            let applied = pg.run_pending_migrations(POSTGRES).map(names).map_err(migration_error);
            let unlocked = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(pg);
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
        // An IMMEDIATE transaction takes SQLite's write lock before reading which migrations are
        // applied; the harness's own per-migration transactions become savepoints inside it.
        DbConnection::Sqlite(lite) => {
            lite.immediate_transaction(|lite| lite.run_pending_migrations(SQLITE).map(names).map_err(migration_error))
        }
    }
}

fn names(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}

fn migration_error(err: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Migration(err.to_string())
}
