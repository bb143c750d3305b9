//! The delivery queue port: claiming due deliveries under a lease, giving claims back, and
//! recording each attempt with its verdict.
//!
//! A claim sets a random lease token and an expiry on each delivery it takes. On PostgreSQL the
//! claim's `FOR UPDATE SKIP LOCKED` lets several processes claim at once without waiting on or
//! taking each other's rows, and the lease keeps a delivery theirs after the claim commits, while
//! its attempt runs; SQLite's single writer serialises claims. A worker that dies leaves its lease
//! to run out, and the delivery is claimed again (at least once: a duplicate, never a loss). An
//! attempt is recorded only under the lease that claimed it.
//!
//! Fair between tenants: a claim first finds the tenants with due deliveries, shares the free
//! slots between them in turns (none beyond the room the worker gives it, nor beyond its minute's
//! sends), then claims each tenant's oldest due. A tenant whose endpoints hang holds at most its
//! share of the slots, so another tenant's events never queue behind its timeouts.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{CompanyId, DeliveryId, EndpointId, EventId};
use carbonpass_domain::ports::{DeliveryQueue, EventPayloads};
use carbonpass_domain::webhooks::circuit::CircuitBreaker;
use carbonpass_domain::webhooks::model::{ClaimBatch, ClaimRequest, DueDelivery, QueueDepth};
use carbonpass_domain::webhooks::verdict::{AttemptOutcome, NextStep, Verdict};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use rand::RngExt;
use rand::distr::Alphanumeric;

use super::endpoints::fail_pending;
use super::sends;
use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::corrupt;
use crate::schema::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::{Store, StoreError};

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

#[derive(QueryableByName)]
struct TenantDue {
    #[diesel(sql_type = Text)]
    company_id: String,
    #[diesel(sql_type = BigInt)]
    due: i64,
}

/// Numbered placeholders in the backend's dialect (numbered in both, so a value can be used twice
/// and the order of binds is fixed).
struct Params {
    pg: bool,
    n: usize,
}

impl Params {
    fn next(&mut self) -> String {
        self.n += 1;
        if self.pg { format!("${}", self.n) } else { format!("?{}", self.n) }
    }

    fn list(&mut self, count: usize) -> Vec<String> {
        (0..count).map(|_| self.next()).collect()
    }
}

/// What makes a delivery claimable at `now`: pending, due, not leased (or its lease run out), of
/// an enabled endpoint whose circuit is closed.
fn claimable(now: &str) -> String {
    format!(
        "d.status = 'pending' AND d.next_attempt_at <= {now} \
         AND (d.leased_until IS NULL OR d.leased_until <= {now}) AND e.enabled \
         AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= {now})"
    )
}

/// The tenants with claimable deliveries, oldest due first, leaving out the endpoints and tenants
/// this worker has no room for and the tenants whose minute of sends is used up.
fn tenants_sql(pg: bool, busy: usize, full: usize) -> String {
    let mut p = Params { pg, n: 0 };
    let (now, floor, max, limit) = (p.next(), p.next(), p.next(), p.next());
    let busy = p.list(busy);
    let full = p.list(full);
    let not_busy =
        if busy.is_empty() { String::new() } else { format!(" AND d.endpoint_id NOT IN ({})", busy.join(", ")) };
    let not_full =
        if full.is_empty() { String::new() } else { format!(" AND d.company_id NOT IN ({})", full.join(", ")) };
    format!(
        "SELECT d.company_id AS company_id, COUNT(*) AS due FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.company_id = d.company_id \
         WHERE {claimable}{not_busy}{not_full} \
         AND NOT EXISTS (SELECT 1 FROM webhook_send_windows w WHERE w.company_id = d.company_id \
         AND w.window_start > {floor} AND w.sent >= {max}) \
         GROUP BY d.company_id ORDER BY MIN(d.next_attempt_at), d.company_id LIMIT {limit}",
        claimable = claimable(&now)
    )
}

/// The claim of one tenant's deliveries, in each backend's dialect: its oldest due, skipping
/// endpoints this worker has no room for. On PostgreSQL `SKIP LOCKED` passes over rows another
/// process is claiming.
fn claim_sql(pg: bool, busy: usize) -> String {
    let mut p = Params { pg, n: 0 };
    let (lease, until, now, limit, company) = (p.next(), p.next(), p.next(), p.next(), p.next());
    let busy = p.list(busy);
    let not_busy =
        if busy.is_empty() { String::new() } else { format!(" AND d.endpoint_id NOT IN ({})", busy.join(", ")) };
    let lock = if pg { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    format!(
        "UPDATE webhook_deliveries SET lease = {lease}, leased_until = {until} WHERE id IN (\
         SELECT d.id FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.company_id = d.company_id \
         WHERE d.company_id = {company} AND {claimable}{not_busy} \
         ORDER BY d.next_attempt_at LIMIT {limit}{lock}) RETURNING id",
        claimable = claimable(&now)
    )
}

/// The tenants with claimable deliveries, oldest due first, and how many each has.
fn tenants_due(
    conn: &mut DbConnection,
    request: &Request,
    busy: &[EndpointId],
    full: &[CompanyId],
) -> Result<Vec<(String, u32)>, StoreError> {
    macro_rules! run {
        ($conn:expr, $backend:ty, $pg:expr) => {{
            let mut query = diesel::sql_query(tenants_sql($pg, busy.len(), full.len()))
                .into_boxed::<$backend>()
                .bind::<Timestamp, _>(request.now)
                .bind::<Timestamp, _>(request.now - sends::WINDOW)
                .bind::<Integer, _>(request.sends_per_minute)
                .bind::<BigInt, _>(request.limit);
            for endpoint in busy {
                query = query.bind::<Text, _>(endpoint.as_str());
            }
            for company in full {
                query = query.bind::<Text, _>(company.as_str());
            }
            query.load::<TenantDue>($conn)?
        }};
    }
    let due = match conn {
        DbConnection::Pg(pg) => run!(pg, diesel::pg::Pg, true),
        DbConnection::Sqlite(lite) => run!(lite, diesel::sqlite::Sqlite, false),
    };
    Ok(due.into_iter().map(|t| (t.company_id, u32::try_from(t.due).unwrap_or(u32::MAX))).collect())
}

/// Claims up to `limit` of `company`'s deliveries; the ids claimed.
fn claim(
    conn: &mut DbConnection,
    request: &Request,
    company: &str,
    limit: i64,
    busy: &[EndpointId],
) -> Result<Vec<String>, StoreError> {
    macro_rules! run {
        ($conn:expr, $backend:ty, $pg:expr) => {{
            let mut query = diesel::sql_query(claim_sql($pg, busy.len()))
                .into_boxed::<$backend>()
                .bind::<Text, _>(&request.token)
                .bind::<Timestamp, _>(request.until)
                .bind::<Timestamp, _>(request.now)
                .bind::<BigInt, _>(limit)
                .bind::<Text, _>(company);
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

/// A claim's fixed values, in the database's terms.
struct Request {
    token: String,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
    sends_per_minute: i32,
}

/// Shares `limit` slots between `tenants` (oldest due first, with how many each has due) in
/// turns, one slot each per turn, none beyond a tenant's `room` or what it has due.
fn share(tenants: &[(String, u32)], room: impl Fn(&str) -> u32, limit: u32) -> Vec<u32> {
    let rooms: Vec<u32> = tenants.iter().map(|(t, due)| room(t).min(*due)).collect();
    let mut shares = vec![0u32; tenants.len()];
    let mut left = limit;
    while left > 0 {
        let mut gave = false;
        for (share, room) in shares.iter_mut().zip(&rooms) {
            if left > 0 && *share < *room {
                *share += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    shares
}

/// The whole claim, in one transaction: which tenants have work, each one's share, each share
/// bounded by its minute of sends, then each tenant's oldest due deliveries. Tenants are claimed
/// for in the order of their ids, so two processes lock their send windows in the same order.
fn claim_fairly(
    conn: &mut DbConnection,
    payloads: &dyn EventPayloads,
    request: &Request,
    claim_request: &ClaimRequest,
) -> Result<ClaimBatch, StoreError> {
    let full: Vec<CompanyId> =
        claim_request.tenant_room.iter().filter(|(_, room)| *room == 0).map(|(c, _)| c.clone()).collect();
    // Named so the worker does not look for their deliveries again before the poll: they wait.
    let mut throttled = sends::saturated(conn, request.now, claim_request.sends_per_minute)?
        .iter()
        .map(|company| CompanyId::parse(company).ok_or_else(|| corrupt("company id", company)))
        .collect::<Result<Vec<_>, _>>()?;
    let tenants = tenants_due(conn, request, &claim_request.full_endpoints, &full)?;
    if tenants.is_empty() {
        return Ok(ClaimBatch { claims: Vec::new(), throttled });
    }
    let room = |company: &str| {
        claim_request
            .tenant_room
            .iter()
            .find(|(c, _)| c.as_str() == company)
            .map_or(claim_request.per_tenant, |(_, room)| *room)
    };
    let shares = share(&tenants, room, claim_request.limit);
    let mut turns: Vec<(&String, u32)> =
        tenants.iter().map(|(company, _)| company).zip(shares).filter(|(_, n)| *n > 0).collect();
    turns.sort_by(|a, b| a.0.cmp(b.0));
    let mut ids = Vec::new();
    for (company, wanted) in turns {
        let allowed = sends::room(conn, company, request.now, claim_request.sends_per_minute)?.min(wanted);
        if allowed == 0 {
            throttled.push(CompanyId::parse(company).ok_or_else(|| corrupt("company id", company))?);
            continue;
        }
        let claimed = claim(conn, request, company, i64::from(allowed), &claim_request.full_endpoints)?;
        sends::add(conn, company, request.now, claimed.len())?;
        ids.extend(claimed);
    }
    if ids.is_empty() {
        return Ok(ClaimBatch { claims: Vec::new(), throttled });
    }
    let claims = load_due(conn, payloads, &ids, &request.token, request.now)?;
    Ok(ClaimBatch { claims, throttled })
}

type DueRow = (
    (String, String, String, String, i32),
    (String, String, Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>, i32),
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
                webhook_endpoints::consecutive_failures,
            ),
            (events::event_type, events::data, events::created_at),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                (id, company, endpoint, event, attempts),
                (url, secret, previous, expires, failing, in_a_row),
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
                    consecutive_failures: u32::try_from(in_a_row).unwrap_or(0),
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
    breaker: CircuitBreaker,
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
            // A success closes the circuit.
            diesel::update(endpoint_row)
                .set((
                    webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                    webhook_endpoints::consecutive_failures.eq(0),
                    webhook_endpoints::circuit_open_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Some(since) => {
            diesel::update(endpoint_row.filter(webhook_endpoints::failing_since.is_null()))
                .set(webhook_endpoints::failing_since.eq(Some(to_db_time(since))))
                .execute(conn)?;
            // Counted on the row (under the lock taken above), so attempts recorded by several
            // workers at once all count.
            let in_a_row = diesel::update(endpoint_row)
                .set(webhook_endpoints::consecutive_failures.eq(webhook_endpoints::consecutive_failures + 1))
                .returning(webhook_endpoints::consecutive_failures)
                .get_result::<i32>(conn)
                .optional()?;
            let pause = in_a_row.and_then(|n| breaker.pause_after(u32::try_from(n).unwrap_or(0)));
            if let Some(pause) = pause {
                let until = to_db_time(Utc::now()) + pause;
                diesel::update(endpoint_row)
                    .set(webhook_endpoints::circuit_open_until.eq(Some(until)))
                    .execute(conn)?;
                metrics::counter!("carbonpass_webhook_circuit_opened_total").increment(1);
                tracing::info!(endpoint, company, until = %until, "webhook endpoint's circuit opened");
            }
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
        metrics::counter!("carbonpass_webhook_endpoints_disabled_total").increment(1);
        tracing::warn!(endpoint, company, reason = %reason, "webhook endpoint disabled");
    }
    Ok(true)
}

#[async_trait]
impl DeliveryQueue for Store {
    async fn claim_due(&self, request: ClaimRequest) -> Result<ClaimBatch, DomainError> {
        let now = to_db_time(request.now);
        let fixed = Request {
            token: new_lease(),
            now,
            until: now.checked_add_signed(request.lease).unwrap_or(now),
            limit: i64::from(request.limit.max(1)),
            sends_per_minute: i32::try_from(request.sends_per_minute).unwrap_or(i32::MAX),
        };
        let payloads = self.payloads.clone();
        Ok(self.transaction(move |conn| claim_fairly(conn, payloads.as_ref(), &fixed, &request)).await?)
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
            // Not sent: they do not count against their tenants' minute.
            let now = to_db_time(Utc::now());
            let mut by_company: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
            for claim in &claims {
                *by_company.entry(claim.company.as_str()).or_default() += 1;
            }
            for (company, returned) in by_company {
                sends::take_back(conn, company, now, returned)?;
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
        breaker: CircuitBreaker,
    ) -> Result<bool, DomainError> {
        let (claim, outcome, verdict) = (claim.clone(), outcome.clone(), verdict.clone());
        Ok(self.transaction(move |conn| record(conn, &claim, &outcome, &verdict, breaker)).await?)
    }

    async fn next_due(
        &self,
        busy: Vec<EndpointId>,
        waiting: Vec<CompanyId>,
    ) -> Result<Option<DateTime<Utc>>, DomainError> {
        let busy: Vec<String> = busy.into_iter().map(EndpointId::into_string).collect();
        let waiting: Vec<String> = waiting.into_iter().map(CompanyId::into_string).collect();
        let now = to_db_time(Utc::now());
        let next = self
            .read(move |conn| {
                let pending = || {
                    webhook_deliveries::table
                        .inner_join(webhook_endpoints::table)
                        .filter(webhook_deliveries::status.eq("pending"))
                        .filter(webhook_endpoints::enabled.eq(true))
                        .filter(
                            webhook_endpoints::circuit_open_until
                                .is_null()
                                .or(webhook_endpoints::circuit_open_until.le(now)),
                        )
                        .filter(diesel::dsl::not(webhook_deliveries::endpoint_id.eq_any(busy.clone())))
                        .filter(diesel::dsl::not(webhook_deliveries::company_id.eq_any(waiting.clone())))
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

    async fn depth(&self, now: DateTime<Utc>) -> Result<QueueDepth, DomainError> {
        let now = to_db_time(now);
        let rows = self
            .read(move |conn| {
                let sql = "SELECT CASE \
                     WHEN d.leased_until IS NOT NULL AND d.leased_until > ?1 THEN 'in_flight' \
                     WHEN d.next_attempt_at > ?1 THEN 'scheduled' \
                     WHEN e.circuit_open_until IS NOT NULL AND e.circuit_open_until > ?1 THEN 'circuit_open' \
                     ELSE 'due' END AS state, COUNT(*) AS n \
                     FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                     WHERE d.status = 'pending' GROUP BY 1";
                Ok(match conn {
                    DbConnection::Pg(pg) => {
                        diesel::sql_query(sql.replace('?', "$")).bind::<Timestamp, _>(now).load::<StateCount>(pg)?
                    }
                    DbConnection::Sqlite(lite) => {
                        diesel::sql_query(sql).bind::<Timestamp, _>(now).load::<StateCount>(lite)?
                    }
                })
            })
            .await?;
        let mut depth = QueueDepth::default();
        for row in rows {
            let n = u64::try_from(row.n).unwrap_or(0);
            match row.state.as_str() {
                "in_flight" => depth.in_flight = n,
                "scheduled" => depth.scheduled = n,
                "circuit_open" => depth.circuit_open = n,
                _ => depth.due = n,
            }
        }
        Ok(depth)
    }
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}
