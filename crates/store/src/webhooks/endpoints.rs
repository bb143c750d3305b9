//! The webhook repository port: a tenant's endpoints, their secrets, and the log of their
//! deliveries. Every statement names the tenant.

use std::collections::HashMap;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::events::Event;
use carbonpass_domain::model::ids::EndpointKind;
use carbonpass_domain::model::{CompanyId, DeliveryId, EndpointId};
use carbonpass_domain::ports::WebhookRepository;
use carbonpass_domain::services::webhooks::MAX_ENDPOINTS;
use carbonpass_domain::webhooks::model::{
    AttemptRecord, Delivery, DeliveryQuery, EndpointChange, HistoryRemoved, ManualTarget, NewEndpoint, WebhookEndpoint,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::fanout::{announce, insert_delivery};
use super::history::{self, Kind};
use super::manual;
use super::rows::{AttemptRow, DeliveryRow, EndpointRow, delivery, events_column};
use crate::bills::outbox::{insert_event, outbox_event};
use crate::db::{DbConnection, to_db_time};
use crate::ids::mint;
use crate::schema::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::{Store, StoreError, tenancy};

/// Attempts shown with each delivery in a list, newest first.
const ATTEMPTS_SHOWN: usize = 20;

fn find(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<EndpointRow>, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::company_id.eq(company))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?)
}

fn endpoint(row: EndpointRow) -> Result<WebhookEndpoint, DomainError> {
    Ok(WebhookEndpoint::try_from(row)?)
}

/// Fails the endpoint's pending deliveries not in an attempt now (not leased, or their lease ran
/// out): disabled, nothing will send them; recovering sends them again once it is enabled. One in
/// an attempt is failed by its record, which sees the endpoint disabled.
pub(super) fn fail_pending(
    conn: &mut DbConnection,
    company: &str,
    endpoint: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(webhook_deliveries::table)
        .filter(webhook_deliveries::company_id.eq(company))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::leased_until.is_null().or(webhook_deliveries::leased_until.le(at)))
        .set((
            webhook_deliveries::status.eq("failed"),
            webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
            webhook_deliveries::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deliveries of the tenant with their event types and attempts, in the order of `rows`.
fn with_attempts(conn: &mut DbConnection, company: &str, rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let event_ids: Vec<&str> = rows.iter().map(|r| r.event_id.as_str()).collect();
    let types: HashMap<String, String> = events::table
        .filter(events::company_id.eq(company))
        .filter(events::id.eq_any(&event_ids))
        .select((events::id, events::event_type))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut attempts: HashMap<String, Vec<AttemptRecord>> = HashMap::new();
    for row in webhook_attempts::table
        .filter(webhook_attempts::company_id.eq(company))
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id.asc(), webhook_attempts::number.desc()))
        .select(AttemptRow::as_select())
        .load::<AttemptRow>(conn)?
    {
        let list = attempts.entry(row.delivery_id.clone()).or_default();
        if list.len() < ATTEMPTS_SHOWN {
            list.push(AttemptRecord::from(row));
        }
    }
    rows.into_iter()
        .map(|row| {
            let event_type = types.get(&row.event_id).cloned().unwrap_or_default();
            let tried = attempts.remove(&row.id).unwrap_or_default();
            delivery(row, event_type, tried)
        })
        .collect()
}

fn find_delivery(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
    let row = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::company_id.eq(company))
        .select(DeliveryRow::as_select())
        .first::<DeliveryRow>(conn)
        .optional()?;
    Ok(match row {
        Some(row) => with_attempts(conn, company, vec![row])?.pop(),
        None => None,
    })
}

/// Whether the tenant's endpoint `id` exists and is enabled; `None` if it is not the tenant's.
fn enabled(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<bool>, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::company_id.eq(company))
        .select(webhook_endpoints::enabled)
        .first::<bool>(conn)
        .optional()?)
}

/// Whether the endpoint is enabled, its row held (`KEY SHARE`, PostgreSQL) until the end of the
/// transaction, for one that writes a delivery to it: see `fanout::fan_out`.
fn enabled_held(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<bool>, StoreError> {
    let query = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::company_id.eq(company))
        .select(webhook_endpoints::enabled);
    if let DbConnection::Pg(pg) = conn {
        return Ok(query.for_key_share().first::<bool>(pg).optional()?);
    }
    Ok(query.first::<bool>(conn).optional()?)
}

/// The tenant's delivery `id`: its endpoint and lease, its row locked on PostgreSQL until the end
/// of the transaction.
fn delivery_for_update(
    conn: &mut DbConnection,
    company: &str,
    id: &str,
) -> Result<Option<(String, Option<NaiveDateTime>)>, StoreError> {
    let query = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::company_id.eq(company))
        .select((webhook_deliveries::endpoint_id, webhook_deliveries::leased_until));
    if let DbConnection::Pg(pg) = conn {
        return Ok(query.for_update().first(pg).optional()?);
    }
    Ok(query.first(conn).optional()?)
}

fn disabled() -> DomainError {
    DomainError::Conflict {
        message: "the endpoint is disabled: enable it (PATCH enabled: true) before sending to it again".into(),
    }
}

/// The least time between two rotations of an endpoint's secret: rotations closer together are
/// the same rotation asked twice (one wins), and each secret shown signs for at least this long.
const ROTATION_SPACING: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

#[async_trait]
impl WebhookRepository for Store {
    async fn create_endpoint(&self, company: &CompanyId, new: NewEndpoint) -> Result<WebhookEndpoint, DomainError> {
        let company = company.as_str().to_owned();
        let id = mint::<EndpointKind>()?.into_string();
        let at = to_db_time(new.created_at);
        let row = self
            .transaction(move |conn| {
                // Counted under the tenant's lock, so racing creations cannot pass the limit.
                tenancy::lock(conn, &company)?;
                let count = webhook_endpoints::table
                    .filter(webhook_endpoints::company_id.eq(&company))
                    .count()
                    .get_result::<i64>(conn)?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_ENDPOINTS {
                    return Ok(None);
                }
                diesel::insert_into(webhook_endpoints::table)
                    .values((
                        webhook_endpoints::id.eq(&id),
                        webhook_endpoints::company_id.eq(&company),
                        webhook_endpoints::url.eq(&new.url),
                        webhook_endpoints::description.eq(&new.description),
                        webhook_endpoints::events.eq(events_column(&new.events)),
                        webhook_endpoints::enabled.eq(true),
                        webhook_endpoints::secret.eq(&new.secret),
                        webhook_endpoints::created_by_user.eq(new.created_by.user.as_ref().map(|u| u.as_str())),
                        webhook_endpoints::created_by_key.eq(new.created_by.key.as_ref().map(|k| k.as_str())),
                        webhook_endpoints::created_at.eq(at),
                        webhook_endpoints::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find(conn, &company, &id)
            })
            .await?;
        match row {
            Some(row) => endpoint(row),
            None => Err(DomainError::Conflict {
                message: format!(
                    "a company may have at most {MAX_ENDPOINTS} webhook endpoints in each mode; delete one first"
                ),
            }),
        }
    }

    async fn list_endpoints(&self, company: &CompanyId) -> Result<Vec<WebhookEndpoint>, DomainError> {
        let company = company.as_str().to_owned();
        let rows = self
            .read(move |conn| {
                Ok(webhook_endpoints::table
                    .filter(webhook_endpoints::company_id.eq(&company))
                    .order((webhook_endpoints::created_at.asc(), webhook_endpoints::id.asc()))
                    .select(EndpointRow::as_select())
                    .load::<EndpointRow>(conn)?)
            })
            .await?;
        rows.into_iter().map(endpoint).collect()
    }

    async fn find_endpoint(
        &self,
        company: &CompanyId,
        id: &EndpointId,
    ) -> Result<Option<WebhookEndpoint>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        self.read(move |conn| find(conn, &company, &id)).await?.map(endpoint).transpose()
    }

    async fn update_endpoint(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        change: EndpointChange,
        at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let at = to_db_time(at);
        let row = self
            .transaction(move |conn| {
                let Some(current) = find(conn, &company, &id)? else { return Ok(None) };
                let target = webhook_endpoints::table
                    .filter(webhook_endpoints::id.eq(&id))
                    .filter(webhook_endpoints::company_id.eq(&company));
                if let Some(url) = &change.url {
                    diesel::update(target).set(webhook_endpoints::url.eq(url)).execute(conn)?;
                }
                if let Some(events) = &change.events {
                    diesel::update(target).set(webhook_endpoints::events.eq(events_column(events))).execute(conn)?;
                }
                if let Some(description) = &change.description {
                    diesel::update(target).set(webhook_endpoints::description.eq(description)).execute(conn)?;
                }
                match change.enabled {
                    Some(true) if !current.enabled => {
                        diesel::update(target)
                            .set((
                                webhook_endpoints::enabled.eq(true),
                                webhook_endpoints::disabled_reason.eq(None::<String>),
                                webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                                webhook_endpoints::consecutive_failures.eq(0),
                                webhook_endpoints::circuit_open_until.eq(None::<NaiveDateTime>),
                            ))
                            .execute(conn)?;
                    }
                    Some(false) if current.enabled => {
                        diesel::update(target).set(webhook_endpoints::enabled.eq(false)).execute(conn)?;
                        fail_pending(conn, &company, &id, at)?;
                    }
                    _ => {}
                }
                diesel::update(target).set(webhook_endpoints::updated_at.eq(at)).execute(conn)?;
                find(conn, &company, &id)
            })
            .await?;
        endpoint(row.ok_or(DomainError::not_found("webhook endpoint"))?)
    }

    async fn delete_endpoint(&self, company: &CompanyId, id: &EndpointId) -> Result<(), DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let deleted = self
            .transaction(move |conn| {
                // Attempts and deliveries go with it (ON DELETE CASCADE), named here by tenant too.
                Ok(diesel::delete(
                    webhook_endpoints::table
                        .filter(webhook_endpoints::id.eq(&id))
                        .filter(webhook_endpoints::company_id.eq(&company)),
                )
                .execute(conn)?)
            })
            .await?;
        if deleted == 0 { Err(DomainError::not_found("webhook endpoint")) } else { Ok(()) }
    }

    async fn rotate_secret(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        secret: String,
        at: DateTime<Utc>,
        old_expires_at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let (at, expires) = (to_db_time(at), to_db_time(old_expires_at));
        let rotated = self
            .transaction(move |conn| {
                let target = webhook_endpoints::table
                    .filter(webhook_endpoints::id.eq(&id))
                    .filter(webhook_endpoints::company_id.eq(&company));
                // Compare-and-set in one statement: only if the last rotation is at least
                // ROTATION_SPACING old (its old secret's expiry is set a day after it). On
                // PostgreSQL a racing rotation waits for this row and then sees the new expiry
                // (READ COMMITTED checks the condition again on the row it waited for), so of
                // rotations at once exactly one wins; SQLite's writer is alone. The losers would
                // otherwise push a secret just shown out of both slots: shown, never signing. A
                // rotation a minute later may: a leaked secret is never stuck for a day.
                let latest_allowed = expires - ROTATION_SPACING;
                let changed = diesel::update(
                    target.filter(
                        webhook_endpoints::previous_secret_expires_at
                            .is_null()
                            .or(webhook_endpoints::previous_secret_expires_at.le(latest_allowed)),
                    ),
                )
                .set((
                    webhook_endpoints::previous_secret.eq(webhook_endpoints::secret.nullable()),
                    webhook_endpoints::previous_secret_expires_at.eq(Some(expires)),
                    webhook_endpoints::secret.eq(&secret),
                    webhook_endpoints::updated_at.eq(at),
                ))
                .execute(conn)?;
                match (changed, find(conn, &company, &id)?) {
                    (_, None) => Ok(Err(DomainError::not_found("webhook endpoint"))),
                    (0, Some(_)) => Ok(Err(DomainError::Conflict {
                        message: "the secret was rotated less than a minute ago (by a request at the same time, \
                                  most likely): read the endpoint and rotate again in a minute if you still need to"
                            .into(),
                    })),
                    (_, Some(row)) => Ok(Ok(row)),
                }
            })
            .await?;
        endpoint(rotated?)
    }

    async fn enqueue_ping(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError> {
        let endpoint_id = id.clone();
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let at = to_db_time(at);
        let payloads = self.payloads.clone();
        let queued = self
            .transaction(move |conn| {
                match enabled_held(conn, &company, &id)? {
                    None => return Ok(Err(DomainError::not_found("webhook endpoint"))),
                    Some(false) => return Ok(Err(disabled())),
                    Some(true) => {}
                }
                let event =
                    insert_event(conn, &company, &outbox_event(payloads.as_ref(), Event::Ping(&endpoint_id)), at)?;
                let delivery = insert_delivery(conn, &company, &id, &event, at, true)?;
                announce(conn)?;
                Ok(find_delivery(conn, &company, &delivery)?.ok_or(DomainError::not_found("webhook delivery")))
            })
            .await?;
        self.deliveries_committed();
        queued
    }

    async fn list_deliveries(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        query: DeliveryQuery,
    ) -> Result<Vec<Delivery>, DomainError> {
        let (company, endpoint) = (company.as_str().to_owned(), endpoint.as_str().to_owned());
        self.snapshot(move |conn| {
            if enabled(conn, &company, &endpoint)?.is_none() {
                return Ok(Err(DomainError::not_found("webhook endpoint")));
            }
            let mut rows = webhook_deliveries::table
                .filter(webhook_deliveries::company_id.eq(&company))
                .filter(webhook_deliveries::endpoint_id.eq(&endpoint))
                .into_boxed();
            if let Some(after) = &query.after {
                let at = webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq(after.as_str()))
                    .filter(webhook_deliveries::company_id.eq(&company))
                    .filter(webhook_deliveries::endpoint_id.eq(&endpoint))
                    .select(webhook_deliveries::created_at)
                    .first::<NaiveDateTime>(conn)
                    .optional()?;
                let Some(at) = at else {
                    return Ok(Err(DomainError::invalid("cursor", "names no delivery of this endpoint")));
                };
                rows = rows.filter(
                    webhook_deliveries::created_at
                        .lt(at)
                        .or(webhook_deliveries::created_at.eq(at).and(webhook_deliveries::id.lt(after.as_str()))),
                );
            }
            let rows = rows
                .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
                .limit(i64::from(query.limit))
                .select(DeliveryRow::as_select())
                .load::<DeliveryRow>(conn)?;
            Ok(Ok(with_attempts(conn, &company, rows)?))
        })
        .await?
    }

    async fn retry_delivery(
        &self,
        company: &CompanyId,
        id: &DeliveryId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let at = to_db_time(at);
        let retried = self
            .transaction(move |conn| {
                // The delivery's row is locked first: a claim by a worker either committed before
                // (its lease is seen below) or waits, and skips it.
                let found = delivery_for_update(conn, &company, &id)?;
                let Some((endpoint, leased_until)) = found else {
                    return Ok(Err(DomainError::not_found("webhook delivery")));
                };
                if enabled(conn, &company, &endpoint)? != Some(true) {
                    return Ok(Err(disabled()));
                }
                if leased_until.is_some_and(|until| until > at) {
                    return Ok(Err(DomainError::Conflict {
                        message: "an attempt of this delivery is in progress; see its result in the delivery log"
                            .into(),
                    }));
                }
                diesel::update(
                    webhook_deliveries::table
                        .filter(webhook_deliveries::id.eq(&id))
                        .filter(webhook_deliveries::company_id.eq(&company))
                        .filter(webhook_deliveries::leased_until.is_null().or(webhook_deliveries::leased_until.le(at))),
                )
                .set((
                    webhook_deliveries::status.eq("pending"),
                    webhook_deliveries::attempts.eq(0),
                    webhook_deliveries::next_attempt_at.eq(Some(at)),
                    webhook_deliveries::lease.eq(None::<String>),
                    webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
                    webhook_deliveries::updated_at.eq(at),
                ))
                .execute(conn)?;
                announce(conn)?;
                Ok(find_delivery(conn, &company, &id)?.ok_or(DomainError::not_found("webhook delivery")))
            })
            .await?;
        self.deliveries_committed();
        retried
    }

    async fn recover_failed(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        let (company, endpoint) = (company.as_str().to_owned(), endpoint.as_str().to_owned());
        let (since, at) = (to_db_time(since), to_db_time(at));
        let recovered = self
            .transaction(move |conn| {
                match enabled(conn, &company, &endpoint)? {
                    None => return Ok(Err(DomainError::not_found("webhook endpoint"))),
                    Some(false) => return Ok(Err(disabled())),
                    Some(true) => {}
                }
                let count = diesel::update(
                    webhook_deliveries::table
                        .filter(webhook_deliveries::company_id.eq(&company))
                        .filter(webhook_deliveries::endpoint_id.eq(&endpoint))
                        .filter(webhook_deliveries::status.eq("failed"))
                        .filter(webhook_deliveries::created_at.ge(since)),
                )
                .set((
                    webhook_deliveries::status.eq("pending"),
                    webhook_deliveries::attempts.eq(0),
                    webhook_deliveries::next_attempt_at.eq(Some(at)),
                    webhook_deliveries::updated_at.eq(at),
                ))
                .execute(conn)?;
                if count > 0 {
                    announce(conn)?;
                }
                Ok(Ok(count as u64))
            })
            .await?;
        self.deliveries_committed();
        recovered
    }

    async fn count_manual(
        &self,
        company: &CompanyId,
        target: &ManualTarget,
        at: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<Option<std::time::Duration>, DomainError> {
        let company = company.as_str().to_owned();
        let entity = match target {
            ManualTarget::Endpoint(_) => "webhook endpoint",
            ManualTarget::Delivery(_) => "webhook delivery",
        };
        let target = target.clone();
        let at = to_db_time(at);
        let counted = self
            .transaction(move |conn| {
                let endpoint = match &target {
                    ManualTarget::Endpoint(id) => Some(id.as_str().to_owned()),
                    ManualTarget::Delivery(id) => manual::endpoint_of(conn, &company, id.as_str())?,
                };
                let Some(endpoint) = endpoint else { return Ok(None) };
                manual::count(conn, &company, &endpoint, at, per_minute)
            })
            .await?;
        counted.ok_or(DomainError::not_found(entity))
    }

    async fn remove_history_before(&self, before: DateTime<Utc>, batch: u32) -> Result<HistoryRemoved, DomainError> {
        let before = to_db_time(before);
        let mut removed = HistoryRemoved::default();
        for kind in [Kind::Attempts, Kind::Deliveries, Kind::Events] {
            // Each batch its own transaction: no lock outlives one bounded statement.
            let n = self.transaction(move |conn| history::remove(conn, kind, before, batch)).await?;
            match kind {
                Kind::Attempts => removed.attempts = n,
                Kind::Deliveries => removed.deliveries = n,
                Kind::Events => removed.events = n,
            }
        }
        Ok(removed)
    }
}
