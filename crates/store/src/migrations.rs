//! The migrations of both backends, embedded in the binary.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;
use crate::db::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Applies every pending migration; returns the names of those applied now.
pub(crate) fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            pg.run_pending_migrations(POSTGRES).map(|v| v.iter().map(ToString::to_string).collect())
        }
        DbConnection::Sqlite(lite) => {
            lite.run_pending_migrations(SQLITE).map(|v| v.iter().map(ToString::to_string).collect())
        }
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}
