//! Idempotency keys: claims are leases held by a token; a completed claim keeps the response.
//! Claims run under the tenant lock (see `tenancy`), so a claim, its takeover and the upload
//! that completes it are never interleaved on either backend.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{
    ClaimToken, CompanyId, IdempotencyClaim, IdempotencyKey, IdempotencyLease, StoredResponse,
};
use carbonpass_domain::ports::IdempotencyStore;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::{DbConnection, to_db_time};
use crate::schema::idempotency_keys as keys;
use crate::{Store, StoreError, tenancy};

#[derive(Debug, Insertable)]
#[diesel(table_name = keys)]
struct NewClaim<'a> {
    company_id: &'a str,
    idempotency_key: &'a str,
    created_at: NaiveDateTime,
    claim_token: &'a str,
    lease_until: NaiveDateTime,
}

type Held = (Option<String>, Option<i32>, Option<String>, NaiveDateTime, Option<NaiveDateTime>);

/// A fresh claim token: 32 random alphanumerics.
fn new_token() -> String {
    use rand::RngExt;
    use rand::distr::Alphanumeric;
    rand::rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

/// Whether the claim named by `lease` is still held, unanswered, by its token. Call inside a
/// transaction that holds the tenant lock.
pub(crate) fn still_held(conn: &mut DbConnection, company: &str, lease: &IdempotencyLease) -> Result<bool, StoreError> {
    Ok(keys::table
        .filter(keys::company_id.eq(company))
        .filter(keys::idempotency_key.eq(lease.key.as_str()))
        .filter(keys::claim_token.eq(&lease.token.0))
        .filter(keys::response_status.is_null())
        .count()
        .get_result::<i64>(conn)?
        == 1)
}

/// Keeps the response under the claim named by `lease` (if still held by it).
pub(crate) fn keep_response(
    conn: &mut DbConnection,
    company: &str,
    lease: &IdempotencyLease,
    response: &StoredResponse,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        keys::table
            .filter(keys::company_id.eq(company))
            .filter(keys::idempotency_key.eq(lease.key.as_str()))
            .filter(keys::claim_token.eq(&lease.token.0))
            .filter(keys::response_status.is_null()),
    )
    .set((
        keys::fingerprint.eq(&response.fingerprint),
        keys::response_status.eq(i32::from(response.status)),
        keys::response_body.eq(&response.body),
    ))
    .execute(conn)?)
}

#[async_trait]
impl IdempotencyStore for Store {
    async fn claim(
        &self,
        company: &CompanyId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
        ttl: TimeDelta,
        lease: TimeDelta,
    ) -> Result<IdempotencyClaim, DomainError> {
        let (company, key) = (company.as_str().to_owned(), key.as_str().to_owned());
        let claimed = self
            .transaction(move |conn| {
                tenancy::lock(conn, &company)?;
                let mine = keys::table.filter(keys::company_id.eq(&company)).filter(keys::idempotency_key.eq(&key));
                let held = mine
                    .select((
                        keys::fingerprint,
                        keys::response_status,
                        keys::response_body,
                        keys::created_at,
                        keys::lease_until,
                    ))
                    .first::<Held>(conn)
                    .optional()?;
                let now_db = to_db_time(now);
                match held {
                    Some((_, _, _, at, _)) if at < to_db_time(now.checked_sub_signed(ttl).unwrap_or(now)) => {
                        diesel::delete(mine).execute(conn)?;
                    }
                    Some((Some(fingerprint), Some(status), Some(body), _, _)) => {
                        let status =
                            u16::try_from(status).map_err(|_| StoreError::Corrupt("response status".into()))?;
                        return Ok(IdempotencyClaim::Completed(StoredResponse { fingerprint, status, body }));
                    }
                    // Held by a request still within its lease.
                    Some((_, _, _, _, Some(until))) if until > now_db => return Ok(IdempotencyClaim::InProgress),
                    // Unanswered and its lease is over (or it predates leases): its request died.
                    Some(_) => {
                        diesel::delete(mine).execute(conn)?;
                    }
                    None => {}
                }
                let token = new_token();
                diesel::insert_into(keys::table)
                    .values(NewClaim {
                        company_id: &company,
                        idempotency_key: &key,
                        created_at: now_db,
                        claim_token: &token,
                        lease_until: to_db_time(now.checked_add_signed(lease).unwrap_or(now)),
                    })
                    .execute(conn)?;
                Ok(IdempotencyClaim::Claimed(ClaimToken(token)))
            })
            .await;
        match claimed {
            // Another request claimed the key between our read and our insert.
            Err(StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => Ok(IdempotencyClaim::InProgress),
            other => Ok(other?),
        }
    }

    async fn complete(
        &self,
        company: &CompanyId,
        lease: &IdempotencyLease,
        response: StoredResponse,
    ) -> Result<(), DomainError> {
        let (company, lease) = (company.as_str().to_owned(), lease.clone());
        self.run(move |conn| keep_response(conn, &company, &lease, &response)).await?;
        Ok(())
    }

    async fn release(&self, company: &CompanyId, lease: &IdempotencyLease) -> Result<(), DomainError> {
        let (company, lease) = (company.as_str().to_owned(), lease.clone());
        self.run(move |conn| {
            diesel::delete(
                keys::table
                    .filter(keys::company_id.eq(company))
                    .filter(keys::idempotency_key.eq(lease.key.as_str()))
                    .filter(keys::claim_token.eq(&lease.token.0))
                    .filter(keys::response_status.is_null()),
            )
            .execute(conn)?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
