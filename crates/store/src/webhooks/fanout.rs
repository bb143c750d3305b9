//! The fan-out of an outbox event: one delivery per endpoint of the tenant subscribed to it,
//! written in the event's own transaction, so an event and its deliveries commit together or not
//! at all, and a crash between the change and its delivery loses nothing. A disabled endpoint's
//! delivery is written `failed`: nothing sends it, and recovering the endpoint once it is enabled
//! again sends it.

use carbonpass_domain::model::ids::DeliveryKind;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::DbConnection;
use crate::ids::mint;
use crate::schema::{webhook_deliveries, webhook_endpoints};

/// The PostgreSQL channel that tells every worker deliveries were committed.
pub const CHANNEL: &str = "carbonpass_webhooks";

/// Writes a delivery of `event` to each of the tenant's endpoints subscribed to `event_type`: due
/// at `at` for an enabled endpoint, `failed` for a disabled one; how many are due.
pub(crate) fn fan_out(
    conn: &mut DbConnection,
    company: &str,
    event_id: &str,
    event_type: &str,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let query = webhook_endpoints::table.filter(webhook_endpoints::company_id.eq(company)).select((
        webhook_endpoints::id,
        webhook_endpoints::events,
        webhook_endpoints::enabled,
    ));
    // On PostgreSQL the endpoints read are held (`KEY SHARE`) until the event commits: an endpoint
    // deleted between this read and its delivery's insert would otherwise fail the insert's
    // foreign key and with it the change the event reports (READ COMMITTED lets the delete in).
    // A delete now waits for the event, or commits first and its endpoint is not read. `KEY
    // SHARE` does not wait for an attempt's record (`NO KEY UPDATE`). SQLite's writer is alone.
    let endpoints: Vec<(String, String, bool)> = match conn {
        DbConnection::Pg(pg) => query.for_key_share().load(pg)?,
        _ => query.load(conn)?,
    };
    let mut written = 0;
    for (endpoint, events, enabled) in endpoints {
        if events.split(',').any(|name| name == event_type) {
            insert_delivery(conn, company, &endpoint, event_id, at, enabled)?;
            written += usize::from(enabled);
        }
    }
    if written > 0 {
        announce(conn)?;
    }
    Ok(written)
}

/// A delivery of `event` to `endpoint`: pending and due at `at`, or (not `due`) failed; its id.
pub(crate) fn insert_delivery(
    conn: &mut DbConnection,
    company: &str,
    endpoint: &str,
    event: &str,
    at: NaiveDateTime,
    due: bool,
) -> Result<String, StoreError> {
    let id = mint::<DeliveryKind>()?.into_string();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::company_id.eq(company),
            webhook_deliveries::endpoint_id.eq(endpoint),
            webhook_deliveries::event_id.eq(event),
            webhook_deliveries::status.eq(if due { "pending" } else { "failed" }),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::attempts_total.eq(0),
            webhook_deliveries::next_attempt_at.eq(due.then_some(at)),
            webhook_deliveries::created_at.eq(at),
            webhook_deliveries::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// On PostgreSQL, tells every listening worker (in every process) once this transaction commits:
/// `NOTIFY` is delivered at commit, and never for a transaction rolled back. SQLite has one
/// process; the store wakes its worker itself after the commit.
pub(crate) fn announce(conn: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Pg(pg) = conn {
        pg.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
    }
    Ok(())
}
