//! Webhook rows and their mapping to the domain's types.

use carbonpass_domain::model::{ApiKeyId, DeliveryId, EndpointId, EventId, UserId};
use carbonpass_domain::webhooks::EventType;
use carbonpass_domain::webhooks::model::{AttemptRecord, Creator, Delivery, DeliveryStatus, WebhookEndpoint};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::from_db_time;
use crate::error::corrupt;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};

/// An endpoint's row without its secrets: what every read but the worker's needs.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub(super) struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_by_user: Option<String>,
    pub created_by_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The events column: sorted names, comma-separated.
pub(super) fn events_column(events: &[EventType]) -> String {
    events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn parse_events(column: &str) -> Result<Vec<EventType>, StoreError> {
    column
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| EventType::parse(name).ok_or_else(|| corrupt("webhook event", name)))
        .collect()
}

impl TryFrom<EndpointRow> for WebhookEndpoint {
    type Error = StoreError;
    fn try_from(row: EndpointRow) -> Result<Self, StoreError> {
        Ok(WebhookEndpoint {
            id: EndpointId::parse(&row.id).ok_or_else(|| corrupt("endpoint id", &row.id))?,
            url: row.url,
            description: row.description,
            events: parse_events(&row.events)?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since.map(from_db_time),
            created_by: Creator {
                user: row
                    .created_by_user
                    .map(|id| UserId::parse(&id).ok_or_else(|| corrupt("user id", &id)))
                    .transpose()?,
                key: row
                    .created_by_key
                    .map(|id| ApiKeyId::parse(&id).ok_or_else(|| corrupt("key id", &id)))
                    .transpose()?,
            },
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        })
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub(super) struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub status: String,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub(super) struct AttemptRow {
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub excerpt: String,
}

impl From<AttemptRow> for AttemptRecord {
    fn from(row: AttemptRow) -> Self {
        AttemptRecord {
            at: from_db_time(row.attempted_at),
            status_code: row.status_code.and_then(|c| u16::try_from(c).ok()),
            latency_ms: u32::try_from(row.latency_ms).unwrap_or(0),
            error: row.error,
            excerpt: row.excerpt,
        }
    }
}

/// A delivery from its row, its event's type and its attempts (newest first).
pub(super) fn delivery(
    row: DeliveryRow,
    event_type: String,
    attempts: Vec<AttemptRecord>,
) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: DeliveryId::parse(&row.id).ok_or_else(|| corrupt("delivery id", &row.id))?,
        endpoint_id: EndpointId::parse(&row.endpoint_id).ok_or_else(|| corrupt("endpoint id", &row.endpoint_id))?,
        event_id: EventId::parse(&row.event_id).ok_or_else(|| corrupt("event id", &row.event_id))?,
        event_type,
        status: DeliveryStatus::parse(&row.status).ok_or_else(|| corrupt("delivery status", &row.status))?,
        next_attempt_at: row.next_attempt_at.map(from_db_time),
        created_at: from_db_time(row.created_at),
        attempts,
    })
}
