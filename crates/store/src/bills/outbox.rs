//! The outbox: events written in the transaction of the change they report.

use carbonpass_domain::DomainError;
use carbonpass_domain::events::{Event, OutboxEvent};
use carbonpass_domain::model::CompanyId;
use carbonpass_domain::model::ids::EventKind;
use carbonpass_domain::ports::EventPayloads;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::ids::mint;
use crate::schema::events;
use crate::webhooks::fanout::fan_out;
use crate::{Store, StoreError};

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
struct NewEventRow<'a> {
    id: &'a str,
    company_id: &'a str,
    event_type: &'a str,
    data: &'a str,
    created_at: NaiveDateTime,
}

/// An event as the outbox keeps it: `data` in the wire form `payloads` writes.
pub(crate) fn outbox_event(payloads: &dyn EventPayloads, event: Event<'_>) -> OutboxEvent {
    OutboxEvent { event_type: event.event_type().as_str(), data: payloads.data(&event) }
}

/// Writes an event to the outbox and a delivery of it to each of the tenant's endpoints
/// subscribed to it, in the caller's transaction. The caller pokes the delivery worker
/// ([`Store::deliveries_committed`]) once that transaction has committed.
pub(crate) fn write_event(
    conn: &mut DbConnection,
    company: &str,
    event: &OutboxEvent,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = insert_event(conn, company, event, at)?;
    fan_out(conn, company, &id, event.event_type, at)?;
    Ok(())
}

/// Writes an event to the outbox alone (a `ping`, delivered to one endpoint); its id.
pub(crate) fn insert_event(
    conn: &mut DbConnection,
    company: &str,
    event: &OutboxEvent,
    at: NaiveDateTime,
) -> Result<String, StoreError> {
    let id = mint::<EventKind>()?.into_string();
    diesel::insert_into(events::table)
        .values(NewEventRow {
            id: &id,
            company_id: company,
            event_type: event.event_type,
            data: &event.data,
            created_at: at,
        })
        .execute(conn)?;
    Ok(id)
}

impl Store {
    /// Wakes this process's delivery worker after a commit that wrote events (other processes
    /// hear of it by `NOTIFY` on PostgreSQL).
    pub(crate) fn deliveries_committed(&self) {
        self.wake.poke();
    }

    /// A company's outbox events in the order they were written: (type, data JSON). What the
    /// webhook delivery worker will read.
    pub async fn outbox(&self, company: &CompanyId) -> Result<Vec<(String, String)>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .read(move |conn| {
                Ok(events::table
                    .filter(events::company_id.eq(&company))
                    .order((events::created_at.asc(), events::id.asc()))
                    .select((events::event_type, events::data))
                    .load::<(String, String)>(conn)?)
            })
            .await?)
    }
}
