//! Users and their memberships of companies: rows, mapping, and the repository port.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::ids::UserKind;
use carbonpass_domain::model::{CompanyId, DataVersion, KeyMode, MembershipRole, NewUser, User, UserId};
use carbonpass_domain::ports::UserRepository;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::{db_now, to_db_time};
use crate::error::corrupt;
use crate::ids::mint;
use crate::schema::{api_keys, companies, company_memberships, users};
use crate::{Store, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = company_memberships)]
struct NewMembershipRow {
    user_id: String,
    company_id: String,
    role: String,
    created_at: NaiveDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        let UserRow { id, email, name, created_at: _ } = row;
        Ok(User { id: UserId::parse(&id).ok_or_else(|| StoreError::Corrupt(format!("user id {id:?}")))?, email, name })
    }
}

#[async_trait]
impl UserRepository for Store {
    async fn create_user(&self, new: NewUser) -> Result<User, DomainError> {
        let row =
            UserRow { id: mint::<UserKind>()?.into_string(), email: new.email, name: new.name, created_at: db_now() };
        let inserted = self
            .run(move |conn| {
                diesel::insert_into(users::table).values(&row).execute(conn)?;
                Ok(row)
            })
            .await;
        match inserted {
            Err(StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => Err(DomainError::Conflict { message: "a user with that email exists already".into() }),
            other => Ok(User::try_from(other?)?),
        }
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, DomainError> {
        let email = email.to_owned();
        let row = self
            .read(move |conn| {
                Ok(users::table.filter(users::email.eq(&email)).select(UserRow::as_select()).first(conn).optional()?)
            })
            .await?;
        Ok(row.map(User::try_from).transpose()?)
    }

    async fn add_membership(
        &self,
        user: &UserId,
        company: &CompanyId,
        role: MembershipRole,
    ) -> Result<(), DomainError> {
        let (user, company) = (user.as_str().to_owned(), company.as_str().to_owned());
        let found = self
            .transaction(move |conn| {
                let live_company = companies::table
                    .filter(companies::id.eq(&company))
                    .filter(companies::sandbox_of.is_null())
                    .count()
                    .get_result::<i64>(conn)?
                    > 0;
                let user_exists = users::table.filter(users::id.eq(&user)).count().get_result::<i64>(conn)? > 0;
                if !live_company || !user_exists {
                    return Ok(false);
                }
                // No ON CONFLICT on the multi-backend connection: update, else insert.
                let updated = diesel::update(company_memberships::table.find((&user, &company)))
                    .set(company_memberships::role.eq(role.as_str()))
                    .execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(company_memberships::table)
                        .values(NewMembershipRow {
                            user_id: user,
                            company_id: company,
                            role: role.as_str().to_owned(),
                            created_at: db_now(),
                        })
                        .execute(conn)?;
                }
                Ok(true)
            })
            .await?;
        if found { Ok(()) } else { Err(DomainError::not_found("user or company")) }
    }

    async fn is_member(&self, user: &UserId, company: &CompanyId) -> Result<bool, DomainError> {
        let (user, company) = (user.as_str().to_owned(), company.as_str().to_owned());
        Ok(self
            .read(move |conn| {
                Ok(company_memberships::table.find((&user, &company)).count().get_result::<i64>(conn)? > 0)
            })
            .await?)
    }

    async fn data_space(
        &self,
        user: &UserId,
        company: &CompanyId,
        mode: KeyMode,
    ) -> Result<Option<(CompanyId, DataVersion, MembershipRole)>, DomainError> {
        let (user, company) = (user.as_str().to_owned(), company.as_str().to_owned());
        let found = self
            .read(move |conn| {
                // The live company itself, or the twin whose `sandbox_of` it is, joined to the
                // user's membership of the live company: one statement.
                let columns = (companies::id, companies::revision, company_memberships::role);
                let found = match mode {
                    KeyMode::Live => companies::table
                        .inner_join(company_memberships::table.on(company_memberships::company_id.eq(companies::id)))
                        .filter(company_memberships::user_id.eq(&user))
                        .filter(companies::id.eq(&company))
                        .filter(companies::sandbox_of.is_null())
                        .select(columns)
                        .first::<(String, i64, String)>(conn)
                        .optional()?,
                    KeyMode::Test => companies::table
                        .inner_join(
                            company_memberships::table
                                .on(companies::sandbox_of.eq(company_memberships::company_id.nullable())),
                        )
                        .filter(company_memberships::user_id.eq(&user))
                        .filter(companies::sandbox_of.eq(&company))
                        .select(columns)
                        .first::<(String, i64, String)>(conn)
                        .optional()?,
                };
                Ok(found)
            })
            .await?;
        found
            .map(|(id, revision, role)| {
                let id = CompanyId::parse(&id).ok_or_else(|| corrupt("company id", &id))?;
                let role = role.parse::<MembershipRole>().map_err(|_| corrupt("membership role", &role))?;
                Ok((id, DataVersion(revision), role))
            })
            .transpose()
    }

    async fn remove_membership(
        &self,
        user: &UserId,
        company: &CompanyId,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        let (user, company) = (user.as_str().to_owned(), company.as_str().to_owned());
        let revoked = self
            .transaction(move |conn| {
                let removed = diesel::delete(company_memberships::table.find((&user, &company))).execute(conn)?;
                if removed == 0 {
                    return Ok(None);
                }
                let spaces = companies::table
                    .filter(companies::id.eq(&company).or(companies::sandbox_of.eq(&company)))
                    .select(companies::id);
                let revoked = diesel::update(
                    api_keys::table
                        .filter(api_keys::user_id.eq(&user))
                        .filter(api_keys::company_id.eq_any(spaces))
                        .filter(api_keys::revoked_at.is_null()),
                )
                .set(api_keys::revoked_at.eq(to_db_time(at)))
                .execute(conn)?;
                Ok(Some(revoked))
            })
            .await?;
        let revoked = revoked.ok_or(DomainError::not_found("membership of that user in that company"))?;
        Ok(u64::try_from(revoked).unwrap_or(u64::MAX))
    }
}
