//! The retention sweep's statements: each removes at most a batch of rows, in its own
//! transaction, so none holds its locks for long. Every tenant's rows at once: the sweeper is the
//! operator's, and a row's age is all that decides. A pending delivery (or one in an attempt) is
//! never removed, nor its attempts, nor its event.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::StoreError;
use crate::db::DbConnection;

/// Attempts made before `before` of finished deliveries.
const ATTEMPTS: &str = "DELETE FROM webhook_attempts WHERE (delivery_id, number) IN (\
     SELECT a.delivery_id, a.number FROM webhook_attempts a \
     JOIN webhook_deliveries d ON d.id = a.delivery_id \
     WHERE a.attempted_at < ?1 AND d.status <> 'pending' LIMIT ?2)";

/// Finished deliveries last changed before `before` (their remaining attempts go with them). The
/// outer condition is checked again on a row changed meanwhile (a retry making it pending).
const DELIVERIES: &str = "DELETE FROM webhook_deliveries WHERE id IN (\
     SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?1 LIMIT ?2) \
     AND status <> 'pending' AND updated_at < ?1";

/// Events written before `before` that no delivery refers to any more (or ever did).
const EVENTS: &str = "DELETE FROM events WHERE id IN (\
     SELECT e.id FROM events e WHERE e.created_at < ?1 \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id) LIMIT ?2) \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id)";

/// Which rows a statement removes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Attempts,
    Deliveries,
    Events,
}

/// Removes one batch of `kind` older than `before`; how many rows.
pub(super) fn remove(
    conn: &mut DbConnection,
    kind: Kind,
    before: NaiveDateTime,
    batch: u32,
) -> Result<u64, StoreError> {
    let sql = match kind {
        Kind::Attempts => ATTEMPTS,
        Kind::Deliveries => DELIVERIES,
        Kind::Events => EVENTS,
    };
    macro_rules! run {
        ($conn:expr, $sql:expr) => {
            diesel::sql_query($sql).bind::<Timestamp, _>(before).bind::<BigInt, _>(i64::from(batch)).execute($conn)?
        };
    }
    let removed = match conn {
        DbConnection::Pg(pg) => run!(pg, sql.replace('?', "$")),
        DbConnection::Sqlite(lite) => run!(lite, sql),
    };
    Ok(removed as u64)
}
