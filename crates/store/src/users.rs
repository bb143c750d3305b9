//! Users and their memberships of companies: rows, mapping, and the repository port.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::ids::UserKind;
use carbonpass_domain::model::{CompanyId, MembershipRole, NewUser, User, UserId};
use carbonpass_domain::ports::UserRepository;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::db_now;
use crate::ids::mint;
use crate::schema::{companies, company_memberships, users};
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
}
