//! What the tenants area needs from storage: companies with their sites, and users with their
//! memberships.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it: no method reads a tenant's row by its id alone. Every method may
//! return [`DomainError::Unavailable`] when its backend cannot be reached; other variants are
//! listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::model::{
    Company, CompanyId, CompanyOverview, DataVersion, KeyMode, MembershipRole, NewCompany, NewSite, NewUser, Site,
    User, UserId,
};

/// Companies with their sandbox twins, their sites and the overview a request reads.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait CompanyRepository: Send + Sync {
    /// Creates the company and its sandbox twin (same profile, `sandbox = true`) in one
    /// transaction; returns the live company. `Conflict` if the passport slug is taken.
    async fn create_company(&self, new: NewCompany) -> Result<Company, DomainError>;

    /// A live company by its passport slug.
    async fn find_company_by_slug(&self, slug: &str) -> Result<Option<Company>, DomainError>;

    /// The sandbox twin of a live company; `NotFound` if `live` is not a live company.
    async fn sandbox_twin(&self, live: &CompanyId) -> Result<CompanyId, DomainError>;

    /// Profile, sites and current emissions of the tenant `company`.
    async fn overview(&self, company: &CompanyId) -> Result<Option<CompanyOverview>, DomainError>;

    /// Adds a site to a live company and its twin to the sandbox, in one transaction; returns the
    /// live site. `NotFound` if `company` is not a live company.
    async fn create_site(&self, company: &CompanyId, new: NewSite) -> Result<Site, DomainError>;

    /// Every live company, for operators.
    async fn list_companies(&self) -> Result<Vec<Company>, DomainError>;
}

/// Users and their memberships, and the data space a user's key acts on in a company.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// `Conflict` if the email is taken.
    async fn create_user(&self, new: NewUser) -> Result<User, DomainError>;

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, DomainError>;

    /// Makes `user` a member of the live company `company`, or changes their role.
    /// `NotFound` if either does not exist.
    async fn add_membership(&self, user: &UserId, company: &CompanyId, role: MembershipRole)
    -> Result<(), DomainError>;

    /// Whether `user` belongs to the live company `company`.
    async fn is_member(&self, user: &UserId, company: &CompanyId) -> Result<bool, DomainError>;

    /// The data space a `mode` key of `user` acts on in the live company `company` (the company
    /// itself, or its sandbox twin), with that space's data version and the user's role there;
    /// `None` unless `user` is a member of `company`. One lookup: every request naming a
    /// company makes it.
    async fn data_space(
        &self,
        user: &UserId,
        company: &CompanyId,
        mode: KeyMode,
    ) -> Result<Option<(CompanyId, DataVersion, MembershipRole)>, DomainError>;

    /// In one transaction: ends `user`'s membership of the live company `company` and revokes
    /// (at `at`) every key of theirs acting on it or its sandbox twin; returns how many keys it
    /// revoked. `NotFound` if they were not a member.
    async fn remove_membership(
        &self,
        user: &UserId,
        company: &CompanyId,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError>;
}
