//! Creating users and giving or taking away their membership of companies (operators).

use chrono::{DateTime, Utc};

use super::Tenants;
use crate::DomainError;
use crate::model::{CompanyId, MembershipRole, NewUser, User, UserId};

impl Tenants {
    #[tracing::instrument(name = "tenants.create_user", skip_all)]
    pub async fn create_user(&self, new: NewUser) -> Result<User, DomainError> {
        self.users.create_user(new.normalised()?).await
    }

    #[tracing::instrument(name = "tenants.add_member", skip_all)]
    pub async fn add_member(
        &self,
        user: &UserId,
        company: &CompanyId,
        role: MembershipRole,
    ) -> Result<(), DomainError> {
        self.users.add_membership(user, company, role).await
    }

    /// Ends `user`'s membership of `company` and revokes their keys for it (live and sandbox);
    /// returns how many keys were revoked.
    #[tracing::instrument(name = "tenants.remove_member", skip_all)]
    pub async fn remove_member(
        &self,
        user: &UserId,
        company: &CompanyId,
        now: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        self.users.remove_membership(user, company, now).await
    }

    #[tracing::instrument(name = "tenants.find_user_by_email", skip_all)]
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, DomainError> {
        self.users.find_user_by_email(&email.trim().to_ascii_lowercase()).await
    }
}
