//! The delivery queue port: claiming due deliveries under a lease, giving claims back, and
//! recording each attempt with its verdict.
//!
//! A claim sets a random lease token and an expiry on each delivery it takes. On PostgreSQL the
//! claim's `FOR UPDATE SKIP LOCKED` lets several processes claim at once without waiting on or
//! taking each other's rows, and the lease keeps a delivery theirs after the claim commits, while
//! its attempt runs; SQLite's single writer serialises claims. A worker that dies leaves its lease
//! to run out, and the delivery is claimed again (at least once: a duplicate, never a loss). An
//! attempt is recorded only under the lease that claimed it.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{CompanyId, DeliveryId, EndpointId, EventId};
use carbonpass_domain::ports::{DeliveryQueue, EventPayloads};
use carbonpass_domain::webhooks::model::DueDelivery;
use carbonpass_domain::webhooks::verdict::{AttemptOutcome, NextStep, Verdict};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use rand::RngExt;
use rand::distr::Alphanumeric;

use super::endpoints::fail_pending;
use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::corrupt;
use crate::schema::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::{Store, StoreError};

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The claim, in each backend's dialect: the oldest due deliveries of enabled endpoints, not
/// leased or with their lease run out, skipping endpoints this worker has no room for.
fn claim_sql(pg: bool, busy: usize) -> String {
    let mut n = 0;
    let mut param = || {
        n += 1;
        // Numbered in both dialects, so `now` can be used twice and the order of binds is fixed.
        if pg { format!("${n}") } else { format!("?{n}") }
    };
    let (lease, until, now, limit) = (param(), param(), param(), param());
    let busy: Vec<String> = (0..busy).map(|_| param()).collect();
    let not_busy =
        if busy.is_empty() { String::new() } else { format!(" AND d.endpoint_id NOT IN ({})", busy.join(", ")) };
    let lock = if pg { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    format!(
        "UPDATE webhook_deliveries SET lease = {lease}, leased_until = {until} WHERE id IN (\
         SELECT d.id FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.company_id = d.company_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= {now} \
         AND (d.leased_until IS NULL OR d.leased_until <= {now}) AND e.enabled{not_busy} \
         ORDER BY d.next_attempt_at LIMIT {limit}{lock}) RETURNING id"
    )
}

/// Runs the claim; the ids claimed.
fn claim(
    conn: &mut DbConnection,
    lease: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
    busy: &[EndpointId],
) -> Result<Vec<String>, StoreError> {
    macro_rules! run {
        ($conn:expr, $backend:ty, $pg:expr) => {{
            let mut query = diesel::sql_query(claim_sql($pg, busy.len()))
                .into_boxed::<$backend>()
                .bind::<Text, _>(lease)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(limit);
            for endpoint in busy {
                query = query.bind::<Text, _>(endpoint.as_str());
            }
            query.load::<Claimed>($conn)?
        }};
    }
    let claimed = match conn {
        DbConnection::Pg(pg) => run!(pg, diesel::pg::Pg, true),
        DbConnection::Sqlite(lite) => run!(lite, diesel::sqlite::Sqlite, false),
    };
    Ok(claimed.into_iter().map(|c| c.id).collect())
}

type DueRow = (
    (String, String, String, String, i32),
    (String, String, Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>),
    (String, String, NaiveDateTime),
);

/// What an attempt of each claimed delivery needs.
fn load_due(
    conn: &mut DbConnection,
    payloads: &dyn EventPayloads,
    ids: &[String],
    lease: &str,
    now: NaiveDateTime,
) -> Result<Vec<DueDelivery>, StoreError> {
    let rows: Vec<DueRow> = webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::id.eq_any(ids))
        .filter(webhook_deliveries::lease.eq(lease))
        .filter(webhook_endpoints::company_id.eq(webhook_deliveries::company_id))
        .filter(events::company_id.eq(webhook_deliveries::company_id))
        .order(webhook_deliveries::next_attempt_at.asc())
        .select((
            (
                webhook_deliveries::id,
                webhook_deliveries::company_id,
                webhook_deliveries::endpoint_id,
                webhook_deliveries::event_id,
                webhook_deliveries::attempts,
            ),
            (
                webhook_endpoints::url,
                webhook_endpoints::secret,
                webhook_endpoints::previous_secret,
                webhook_endpoints::previous_secret_expires_at,
                webhook_endpoints::failing_since,
            ),
            (events::event_type, events::data, events::created_at),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                (id, company, endpoint, event, attempts),
                (url, secret, previous, expires, failing),
                (kind, data, at),
            )| {
                let mut secrets = vec![secret];
                if let (Some(previous), Some(expires)) = (previous, expires)
                    && expires > now
                {
                    secrets.push(previous);
                }
                Ok(DueDelivery {
                    id: DeliveryId::parse(&id).ok_or_else(|| corrupt("delivery id", &id))?,
                    lease: lease.to_owned(),
                    company: CompanyId::parse(&company).ok_or_else(|| corrupt("company id", &company))?,
                    endpoint: EndpointId::parse(&endpoint).ok_or_else(|| corrupt("endpoint id", &endpoint))?,
                    url,
                    secrets,
                    body: payloads.body(&event, &kind, from_db_time(at), &data),
                    event_id: EventId::parse(&event).ok_or_else(|| corrupt("event id", &event))?,
                    attempts_made: u32::try_from(attempts).unwrap_or(0),
                    failing_since: failing.map(from_db_time),
                })
            },
        )
        .collect()
}

fn new_lease() -> String {
    rand::rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect()
}

/// Whether the endpoint is enabled, its row locked until the end of the transaction on
/// PostgreSQL (SQLite's writer is already alone): a change of the endpoint (disabled by its
/// owner, say) waits for this record, or this record sees it, never half of each. `FOR NO KEY
/// UPDATE`, not `FOR UPDATE`: a new delivery's foreign key takes `KEY SHARE` on the endpoint,
/// and must not wait for a record (an event's transaction holds its tenant's lock, which a
/// record's attempt row waits for: the two waiting on each other was a deadlock).
fn enabled_for_update(conn: &mut DbConnection, company: &str, endpoint: &str) -> Result<Option<bool>, StoreError> {
    let query = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(endpoint))
        .filter(webhook_endpoints::company_id.eq(company))
        .select(webhook_endpoints::enabled);
    if let DbConnection::Pg(pg) = conn {
        return Ok(query.for_no_key_update().first::<bool>(pg).optional()?);
    }
    Ok(query.first::<bool>(conn).optional()?)
}

/// Records one attempt under its lease; `false` (nothing written) if the lease is no longer
/// the claim's.
fn record(
    conn: &mut DbConnection,
    claim: &DueDelivery,
    outcome: &AttemptOutcome,
    verdict: &Verdict,
) -> Result<bool, StoreError> {
    let company = claim.company.as_str();
    let endpoint = claim.endpoint.as_str();
    let at = to_db_time(outcome.at);
    let endpoint_enabled = enabled_for_update(conn, company, endpoint)?;
    // Disabled meanwhile (by its owner, or by another attempt's verdict): no retry is scheduled.
    let still_enabled = endpoint_enabled == Some(true) && verdict.disable.is_none();
    let (status, next) = match verdict.next {
        NextStep::Delivered => ("delivered", None),
        NextStep::RetryAt(when) if still_enabled => ("pending", Some(to_db_time(when))),
        NextStep::RetryAt(_) | NextStep::Failed => ("failed", None),
    };
    let target = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(claim.id.as_str()))
        .filter(webhook_deliveries::company_id.eq(company))
        .filter(webhook_deliveries::lease.eq(&claim.lease));
    // The new attempt's number comes back from the update itself; no row means the lease is gone.
    let Some(number) = diesel::update(target)
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::attempts_total.eq(webhook_deliveries::attempts_total + 1),
            webhook_deliveries::lease.eq(None::<String>),
            webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::updated_at.eq(at),
        ))
        .returning(webhook_deliveries::attempts_total)
        .get_result::<i32>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(claim.id.as_str()),
            webhook_attempts::number.eq(number),
            webhook_attempts::company_id.eq(company),
            webhook_attempts::attempted_at.eq(at),
            webhook_attempts::status_code.eq(outcome.status_code.map(i32::from)),
            webhook_attempts::latency_ms.eq(i32::try_from(outcome.latency_ms).unwrap_or(i32::MAX)),
            webhook_attempts::error.eq(&outcome.error),
            webhook_attempts::excerpt.eq(&outcome.excerpt),
        ))
        .execute(conn)?;
    let endpoint_row = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(endpoint))
        .filter(webhook_endpoints::company_id.eq(company));
    match verdict.failing_since {
        None => {
            diesel::update(endpoint_row)
                .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        Some(since) => {
            diesel::update(endpoint_row.filter(webhook_endpoints::failing_since.is_null()))
                .set(webhook_endpoints::failing_since.eq(Some(to_db_time(since))))
                .execute(conn)?;
        }
    }
    if let Some(reason) = &verdict.disable
        && endpoint_enabled == Some(true)
    {
        diesel::update(endpoint_row)
            .set((
                webhook_endpoints::enabled.eq(false),
                webhook_endpoints::disabled_reason.eq(Some(reason)),
                webhook_endpoints::updated_at.eq(at),
            ))
            .execute(conn)?;
        fail_pending(conn, company, endpoint, at)?;
        tracing::warn!(endpoint, company, reason = %reason, "webhook endpoint disabled");
    }
    Ok(true)
}

#[async_trait]
impl DeliveryQueue for Store {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: TimeDelta,
        busy: Vec<EndpointId>,
    ) -> Result<Vec<DueDelivery>, DomainError> {
        let now = to_db_time(now);
        let until = now.checked_add_signed(lease).unwrap_or(now);
        let token = new_lease();
        let payloads = self.payloads.clone();
        Ok(self
            .transaction(move |conn| {
                let ids = claim(conn, &token, until, now, i64::from(limit.max(1)), &busy)?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                load_due(conn, payloads.as_ref(), &ids, &token, now)
            })
            .await?)
    }

    async fn release(&self, claims: Vec<DueDelivery>) -> Result<(), DomainError> {
        if claims.is_empty() {
            return Ok(());
        }
        self.transaction(move |conn| {
            for claim in &claims {
                diesel::update(
                    webhook_deliveries::table
                        .filter(webhook_deliveries::id.eq(claim.id.as_str()))
                        .filter(webhook_deliveries::company_id.eq(claim.company.as_str()))
                        .filter(webhook_deliveries::lease.eq(&claim.lease)),
                )
                .set((
                    webhook_deliveries::lease.eq(None::<String>),
                    webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn record_attempt(
        &self,
        claim: &DueDelivery,
        outcome: &AttemptOutcome,
        verdict: &Verdict,
    ) -> Result<bool, DomainError> {
        let (claim, outcome, verdict) = (claim.clone(), outcome.clone(), verdict.clone());
        Ok(self.transaction(move |conn| record(conn, &claim, &outcome, &verdict)).await?)
    }

    async fn next_due(&self, busy: Vec<EndpointId>) -> Result<Option<DateTime<Utc>>, DomainError> {
        let busy: Vec<String> = busy.into_iter().map(EndpointId::into_string).collect();
        let next = self
            .read(move |conn| {
                let pending = || {
                    webhook_deliveries::table
                        .inner_join(webhook_endpoints::table)
                        .filter(webhook_deliveries::status.eq("pending"))
                        .filter(webhook_endpoints::enabled.eq(true))
                        .filter(diesel::dsl::not(webhook_deliveries::endpoint_id.eq_any(busy.clone())))
                };
                let unleased = pending()
                    .filter(webhook_deliveries::leased_until.is_null())
                    .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
                    .first::<Option<NaiveDateTime>>(conn)?;
                let lease_ends =
                    pending()
                        .select(diesel::dsl::min(webhook_deliveries::leased_until))
                        .first::<Option<NaiveDateTime>>(conn)?;
                Ok([unleased, lease_ends].into_iter().flatten().min())
            })
            .await?;
        Ok(next.map(from_db_time))
    }
}
