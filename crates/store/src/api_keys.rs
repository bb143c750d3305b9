//! API keys: rows, mapping, and the repository port. Presenting a key costs one indexed lookup
//! that also brings the plan of the company it acts for.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::ids::ApiKeyKind;
use carbonpass_domain::model::{
    ApiKeyId, ApiKeyRecord, CompanyId, DataVersion, GeneratedKey, KeyHash, KeyMode, KeyQuery, MembershipRole,
    NewApiKey, Plan, Role, StoredKey, UserId,
};
use carbonpass_domain::ports::ApiKeyRepository;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::{DbConnection, db_now, from_db_time, to_db_time, with_lock_wait};
use crate::error::corrupt;
use crate::ids::mint;
use crate::schema::{api_keys, companies, company_memberships};
use crate::{Store, StoreError};

/// The one query every authenticated request makes: a key by its hash (unique), with what
/// deciding on it needs. A macro, so that the same query is written once for the inline SQLite
/// connection and for the pooled connection of either backend. No `LIMIT`: the hash is unique.
macro_rules! key_check {
    ($hash:expr) => {
        api_keys::table.inner_join(companies::table).filter(api_keys::key_hash.eq(&$hash)).select((
            api_keys::id,
            api_keys::user_id,
            api_keys::company_id,
            api_keys::mode,
            api_keys::key_hash,
            api_keys::last_used_at,
            api_keys::revoked_at,
            api_keys::expires_at,
            companies::plan,
            companies::revision,
            PartnerUser,
            MemberRole,
        ))
    };
}

/// Whether the key's user belongs to a Partner-plan company: one quota per user, whichever of
/// their keys they use. A correlated subquery (by the membership key, whose first column is the
/// user), which diesel's DSL cannot write; its text never changes, so it has a static query id
/// and the key check stays one cached prepared statement (a `sql()` literal would be prepared
/// again on every request: measured, twice the CPU of `/company` on SQLite).
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct PartnerUser;

impl diesel::Expression for PartnerUser {
    type SqlType = diesel::sql_types::Bool;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for PartnerUser {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "EXISTS (SELECT 1 FROM company_memberships m JOIN companies c ON c.id = m.company_id \
             WHERE m.user_id = api_keys.user_id AND c.plan = 'partner')",
        );
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for PartnerUser {}

impl<QS> diesel::SelectableExpression<QS> for PartnerUser {}

impl diesel::expression::ValidGrouping<()> for PartnerUser {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

/// The key's user's role in the live company the key's data space belongs to (the company, or
/// the company a sandbox twin is of). A correlated subquery with a static text, like
/// [`PartnerUser`], so the key check stays one cached statement.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct MemberRole;

impl diesel::Expression for MemberRole {
    type SqlType = diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for MemberRole {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT m.role FROM company_memberships m \
             WHERE m.user_id = api_keys.user_id AND m.company_id = COALESCE(companies.sandbox_of, companies.id))",
        );
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for MemberRole {}

impl<QS> diesel::SelectableExpression<QS> for MemberRole {}

impl diesel::expression::ValidGrouping<()> for MemberRole {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

/// Recording a key's use waits this long at most for another SQLite writer: the request it
/// belongs to must not wait on a write it does not need.
const KEY_USE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub(crate) struct ApiKeyRow {
    pub id: String,
    pub user_id: String,
    pub company_id: String,
    pub mode: String,
    pub key_hash: String,
    pub display_prefix: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

fn parse_ids(row: &ApiKeyRow) -> Result<(ApiKeyId, UserId, CompanyId, KeyMode), StoreError> {
    Ok((
        ApiKeyId::parse(&row.id).ok_or_else(|| corrupt("key id", &row.id))?,
        UserId::parse(&row.user_id).ok_or_else(|| corrupt("user id", &row.user_id))?,
        CompanyId::parse(&row.company_id).ok_or_else(|| corrupt("company id", &row.company_id))?,
        KeyMode::parse(&row.mode).ok_or_else(|| corrupt("key mode", &row.mode))?,
    ))
}

impl TryFrom<ApiKeyRow> for ApiKeyRecord {
    type Error = StoreError;
    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        let (id, user_id, company_id, mode) = parse_ids(&row)?;
        let ApiKeyRow { display_prefix, name, created_at, last_used_at, revoked_at, expires_at, .. } = row;
        Ok(ApiKeyRecord {
            id,
            user_id,
            company_id,
            mode,
            display_prefix,
            name,
            created_at: from_db_time(created_at),
            last_used_at: last_used_at.map(from_db_time),
            revoked_at: revoked_at.map(from_db_time),
            expires_at: expires_at.map(from_db_time),
        })
    }
}

/// Only what deciding on a presented key needs: this lookup runs on every request.
#[derive(Debug, Queryable)]
struct KeyCheckRow {
    id: String,
    user_id: String,
    company_id: String,
    mode: String,
    key_hash: String,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    expires_at: Option<NaiveDateTime>,
    plan: String,
    revision: i64,
    partner_user: bool,
    role: Option<String>,
}

impl TryFrom<KeyCheckRow> for StoredKey {
    type Error = StoreError;
    fn try_from(row: KeyCheckRow) -> Result<Self, StoreError> {
        let KeyCheckRow {
            id,
            user_id,
            company_id,
            mode,
            key_hash,
            last_used_at,
            revoked_at,
            expires_at,
            plan,
            revision,
            partner_user,
            role,
        } = row;
        // Removing a membership revokes the user's keys for the company in the same
        // transaction, so a working key always has one; were it missing, the key can do least.
        let role = match role {
            Some(role) => {
                Role::of_membership(role.parse::<MembershipRole>().map_err(|_| corrupt("membership role", &role))?)
            }
            None => Role::Member,
        };
        Ok(StoredKey {
            id: ApiKeyId::parse(&id).ok_or_else(|| corrupt("key id", &id))?,
            user_id: UserId::parse(&user_id).ok_or_else(|| corrupt("user id", &user_id))?,
            company_id: CompanyId::parse(&company_id).ok_or_else(|| corrupt("company id", &company_id))?,
            mode: KeyMode::parse(&mode).ok_or_else(|| corrupt("key mode", &mode))?,
            hash: KeyHash(key_hash),
            revoked: revoked_at.is_some(),
            expires_at: expires_at.map(from_db_time),
            last_used_at: last_used_at.map(from_db_time),
            plan: plan.parse::<Plan>().map_err(|_| corrupt("plan", &plan))?,
            partner_user,
            data_version: DataVersion(revision),
            role,
        })
    }
}

#[async_trait]
impl ApiKeyRepository for Store {
    async fn insert_key(&self, new: NewApiKey, cap: u32) -> Result<ApiKeyRecord, DomainError> {
        let NewApiKey { user_id, company_id, mode, hash, display_prefix, name } = new;
        let row = ApiKeyRow {
            id: mint::<ApiKeyKind>()?.into_string(),
            user_id: user_id.into_string(),
            company_id: company_id.into_string(),
            mode: mode.as_str().to_owned(),
            key_hash: hash.0,
            display_prefix,
            name,
            created_at: db_now(),
            last_used_at: None,
            revoked_at: None,
            expires_at: None,
        };
        let inserted = self
            .transaction(move |conn| {
                if !hold_membership(conn, &row.user_id, &row.company_id)? {
                    return Ok(Inserted::NoMembership);
                }
                // Counted under the membership's lock, which racing inserts of the user take in
                // turn: the cap holds on PostgreSQL too.
                let now = db_now();
                let working: i64 = api_keys::table
                    .filter(api_keys::user_id.eq(&row.user_id))
                    .filter(api_keys::company_id.eq(&row.company_id))
                    .filter(api_keys::revoked_at.is_null())
                    .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now)))
                    .count()
                    .get_result(conn)?;
                if working >= i64::from(cap) {
                    return Ok(Inserted::AtCap);
                }
                diesel::insert_into(api_keys::table).values(&row).execute(conn)?;
                Ok(Inserted::Done(Box::new(row)))
            })
            .await;
        match inserted {
            Ok(Inserted::NoMembership) => Err(DomainError::not_found("membership of that user in that company")),
            Ok(Inserted::AtCap) => Err(DomainError::LimitReached {
                limit: u64::from(cap),
                message: format!(
                    "this user already holds {cap} working keys here, the most allowed: revoke keys no longer used first"
                ),
            }),
            Err(StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => Err(DomainError::Conflict { message: "a key with that hash exists already".into() }),
            Ok(Inserted::Done(row)) => Ok(ApiKeyRecord::try_from(*row)?),
            Err(other) => Err(other.into()),
        }
    }

    async fn find_key_by_hash(&self, hash: &KeyHash) -> Result<Option<StoredKey>, DomainError> {
        let (inline_hash, hash) = (hash.0.clone(), hash.0.clone());
        let found = self
            .point_read(
                move |conn| Ok(key_check!(inline_hash).get_result::<KeyCheckRow>(conn).optional()?),
                // Each backend's own connection: a typed query whose statement is cached by type,
                // where the multi-backend wrapper would build its SQL again on every call.
                move |conn| {
                    let found = match conn {
                        DbConnection::Pg(pg) => key_check!(hash).get_result::<KeyCheckRow>(pg),
                        DbConnection::Sqlite(lite) => key_check!(hash).get_result::<KeyCheckRow>(lite),
                    };
                    Ok(found.optional()?)
                },
            )
            .await?;
        Ok(found.map(StoredKey::try_from).transpose()?)
    }

    async fn record_key_use(&self, company: &CompanyId, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), DomainError> {
        let (company, key) = (company.as_str().to_owned(), id.as_str().to_owned());
        let usual = self.busy_timeout();
        let recorded = self
            .run(move |conn| {
                with_lock_wait(conn, KEY_USE_LOCK_WAIT, usual, |conn| {
                    diesel::update(
                        api_keys::table.filter(api_keys::id.eq(key)).filter(api_keys::company_id.eq(company)),
                    )
                    .set(api_keys::last_used_at.eq(to_db_time(at)))
                    .execute(conn)?;
                    Ok(())
                })
            })
            .await;
        if let Err(err) = &recorded {
            tracing::warn!(key = %id, error = %err, "a key's last use was not recorded; a later request will record it");
        }
        Ok(recorded?)
    }

    async fn revoke_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, DomainError> {
        let (company, owner, id) = (company.as_str().to_owned(), owner.as_str().to_owned(), id.as_str().to_owned());
        let row = self
            .transaction(move |conn| {
                let mine = api_keys::table
                    .filter(api_keys::id.eq(&id))
                    .filter(api_keys::company_id.eq(&company))
                    .filter(api_keys::user_id.eq(&owner));
                diesel::update(mine.filter(api_keys::revoked_at.is_null()))
                    .set(api_keys::revoked_at.eq(to_db_time(at)))
                    .execute(conn)?;
                Ok(mine.select(ApiKeyRow::as_select()).first(conn).optional()?)
            })
            .await?;
        row.map(ApiKeyRecord::try_from).transpose()?.ok_or(DomainError::not_found("API key"))
    }

    async fn roll_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        replacement: &GeneratedKey,
        expires_at: DateTime<Utc>,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord), DomainError> {
        let (company, owner, id) = (company.as_str().to_owned(), owner.as_str().to_owned(), id.as_str().to_owned());
        let (hash, display_prefix) = (replacement.hash.0.clone(), replacement.display_prefix.clone());
        let new_id = mint::<ApiKeyKind>()?.into_string();
        let rolled = self
            .transaction(move |conn| {
                let mine = api_keys::table
                    .filter(api_keys::id.eq(&id))
                    .filter(api_keys::company_id.eq(&company))
                    .filter(api_keys::user_id.eq(&owner));
                // The check and the change in one statement: of racing rolls, one updates the
                // row and the others find it rolled (PostgreSQL re-reads the row after the
                // winner commits; SQLite has one writer).
                let claimed =
                    diesel::update(mine.filter(api_keys::revoked_at.is_null()).filter(api_keys::expires_at.is_null()))
                        .set(api_keys::expires_at.eq(to_db_time(expires_at)))
                        .execute(conn)?;
                let Some(old) = mine.select(ApiKeyRow::as_select()).first(conn).optional()? else {
                    return Ok(Err(DomainError::not_found("API key")));
                };
                if claimed == 0 {
                    let why = if old.revoked_at.is_some() { "revoked" } else { "already rolled; roll its replacement" };
                    return Ok(Err(DomainError::Conflict { message: format!("key {id} is {why}") }));
                }
                if !hold_membership(conn, &old.user_id, &old.company_id)? {
                    return Ok(Err(DomainError::not_found("API key")));
                }
                let new = ApiKeyRow {
                    id: new_id,
                    user_id: old.user_id.clone(),
                    company_id: old.company_id.clone(),
                    mode: old.mode.clone(),
                    key_hash: hash,
                    display_prefix,
                    name: old.name.clone(),
                    created_at: db_now(),
                    last_used_at: None,
                    revoked_at: None,
                    expires_at: None,
                };
                diesel::insert_into(api_keys::table).values(&new).execute(conn)?;
                Ok(Ok((old, new)))
            })
            .await??;
        let (old, new) = rolled;
        Ok((ApiKeyRecord::try_from(old)?, ApiKeyRecord::try_from(new)?))
    }

    async fn list_keys(
        &self,
        company: &CompanyId,
        owner: &UserId,
        query: KeyQuery,
    ) -> Result<Vec<ApiKeyRecord>, DomainError> {
        let (owner, company) = (owner.as_str().to_owned(), company.as_str().to_owned());
        let rows = self
            .read(move |conn| {
                let mine =
                    api_keys::table.filter(api_keys::user_id.eq(&owner)).filter(api_keys::company_id.eq(&company));
                let cursor = match &query.after {
                    Some(after) => {
                        let at = mine
                            .filter(api_keys::id.eq(after.as_str()))
                            .select((api_keys::created_at, api_keys::id))
                            .first::<(NaiveDateTime, String)>(conn)
                            .optional()?;
                        match at {
                            Some(at) => Some(at),
                            None => return Ok(None),
                        }
                    }
                    None => None,
                };
                let mut select = mine
                    .order((api_keys::created_at.desc(), api_keys::id.desc()))
                    .limit(i64::from(query.limit))
                    .select(ApiKeyRow::as_select())
                    .into_boxed();
                if let Some((at, id)) = cursor {
                    select = select
                        .filter(api_keys::created_at.lt(at).or(api_keys::created_at.eq(at).and(api_keys::id.lt(id))));
                }
                Ok(Some(select.load::<ApiKeyRow>(conn)?))
            })
            .await?;
        let rows = rows.ok_or_else(|| DomainError::invalid("cursor", "names no key of this user here"))?;
        Ok(rows.into_iter().map(ApiKeyRecord::try_from).collect::<Result<_, _>>()?)
    }

    async fn find_key(&self, company: &CompanyId, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        let row = self
            .read(move |conn| {
                Ok(api_keys::table
                    .filter(api_keys::id.eq(&id))
                    .filter(api_keys::company_id.eq(&company))
                    .select(ApiKeyRow::as_select())
                    .first::<ApiKeyRow>(conn)
                    .optional()?)
            })
            .await?;
        Ok(row.map(ApiKeyRecord::try_from).transpose()?)
    }

    async fn key_hashes_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<KeyHash>, DomainError> {
        let hashes = self
            .read(move |conn| {
                let mut query =
                    api_keys::table.filter(api_keys::revoked_at.is_null()).select(api_keys::key_hash).into_boxed();
                if let Some(since) = since {
                    query = query.filter(api_keys::created_at.ge(to_db_time(since)));
                }
                Ok(query.load::<String>(conn)?)
            })
            .await?;
        Ok(hashes.into_iter().map(KeyHash).collect())
    }

    async fn list_user_keys(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError> {
        self.keys_of(owner).await
    }
}

/// What inserting a key came to.
enum Inserted {
    NoMembership,
    AtCap,
    Done(Box<ApiKeyRow>),
}

/// Whether `user` is a member of the company whose data space (live, or its sandbox twin) is
/// `space`; on PostgreSQL the membership row is share-locked until the end of the transaction,
/// so a removal (which deletes it, then revokes the user's keys) waits for this key to be
/// written and revokes it too, or has committed and this finds no membership. SQLite's single
/// writer orders the two anyway.
fn hold_membership(conn: &mut DbConnection, user: &str, space: &str) -> Result<bool, StoreError> {
    let Some((id, sandbox_of)) = companies::table
        .filter(companies::id.eq(space))
        .select((companies::id, companies::sandbox_of))
        .first::<(String, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let live = sandbox_of.unwrap_or(id);
    let membership = company_memberships::table.find((user, live.as_str())).select(company_memberships::user_id);
    // NO KEY UPDATE, not SHARE: two inserts of one user take it in turn, so each counts the
    // other's key against the cap; a removal (DELETE) still waits for both.
    let held = match conn {
        DbConnection::Pg(pg) => membership.for_no_key_update().first::<String>(pg).optional()?,
        DbConnection::Sqlite(_) => membership.first::<String>(conn).optional()?,
    };
    Ok(held.is_some())
}

impl Store {
    /// Every key of `owner`, newest first, for operators.
    async fn keys_of(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError> {
        let owner = owner.as_str().to_owned();
        let rows = self
            .read(move |conn| {
                Ok(api_keys::table
                    .filter(api_keys::user_id.eq(&owner))
                    .order((api_keys::created_at.desc(), api_keys::id.desc()))
                    .select(ApiKeyRow::as_select())
                    .load(conn)?)
            })
            .await?;
        Ok(rows.into_iter().map(ApiKeyRecord::try_from).collect::<Result<_, _>>()?)
    }
}
