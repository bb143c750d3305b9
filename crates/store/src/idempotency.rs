//! Idempotency keys: claimed in one statement-level race-free step, completed with the response.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{CompanyId, IdempotencyClaim, IdempotencyKey, StoredResponse};
use carbonpass_domain::ports::IdempotencyStore;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::to_db_time;
use crate::schema::idempotency_keys as keys;
use crate::{Store, StoreError};

#[derive(Debug, Insertable)]
#[diesel(table_name = keys)]
struct NewClaim<'a> {
    company_id: &'a str,
    idempotency_key: &'a str,
    created_at: NaiveDateTime,
}

type Held = (Option<String>, Option<i32>, Option<String>, NaiveDateTime);

#[async_trait]
impl IdempotencyStore for Store {
    async fn claim(
        &self,
        company: &CompanyId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<IdempotencyClaim, DomainError> {
        let (company, key) = (company.as_str().to_owned(), key.as_str().to_owned());
        let claimed = self
            .transaction(move |conn| {
                let mine = keys::table.filter(keys::company_id.eq(&company)).filter(keys::idempotency_key.eq(&key));
                let held = mine
                    .select((keys::fingerprint, keys::response_status, keys::response_body, keys::created_at))
                    .first::<Held>(conn)
                    .optional()?;
                let expired = |at: NaiveDateTime| at < to_db_time(now - ttl);
                match held {
                    Some((_, _, _, at)) if expired(at) => {
                        diesel::delete(mine).execute(conn)?;
                    }
                    Some((Some(fingerprint), Some(status), Some(body), _)) => {
                        let status =
                            u16::try_from(status).map_err(|_| StoreError::Corrupt("response status".into()))?;
                        return Ok(IdempotencyClaim::Completed(StoredResponse { fingerprint, status, body }));
                    }
                    Some(_) => return Ok(IdempotencyClaim::InProgress),
                    None => {}
                }
                diesel::insert_into(keys::table)
                    .values(NewClaim { company_id: &company, idempotency_key: &key, created_at: to_db_time(now) })
                    .execute(conn)?;
                Ok(IdempotencyClaim::Claimed)
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
        key: &IdempotencyKey,
        response: StoredResponse,
    ) -> Result<(), DomainError> {
        let (company, key) = (company.as_str().to_owned(), key.as_str().to_owned());
        self.run(move |conn| {
            diesel::update(keys::table.filter(keys::company_id.eq(company)).filter(keys::idempotency_key.eq(key)))
                .set((
                    keys::fingerprint.eq(response.fingerprint),
                    keys::response_status.eq(i32::from(response.status)),
                    keys::response_body.eq(response.body),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn release(&self, company: &CompanyId, key: &IdempotencyKey) -> Result<(), DomainError> {
        let (company, key) = (company.as_str().to_owned(), key.as_str().to_owned());
        self.run(move |conn| {
            diesel::delete(keys::table.filter(keys::company_id.eq(company)).filter(keys::idempotency_key.eq(key)))
                .execute(conn)?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
