//! Tenants: companies and their sites, users and their memberships, the overview a request
//! reads (shared with the other areas through [`Overviews`]), and the data space an operator
//! names.

mod companies;
pub mod ports;
mod users;

use std::fmt;
use std::sync::Arc;

use super::cache::{CacheStats, VersionedCache};
use crate::DomainError;
use crate::model::{CompanyId, CompanyOverview, Role, Tenant};
use ports::{CompanyRepository, UserRepository};

/// How many tenants' overviews a process keeps in memory.
const OVERVIEW_CACHE_TENANTS: usize = 10_000;

#[derive(Clone)]
pub struct Tenants {
    companies: Arc<dyn CompanyRepository>,
    users: Arc<dyn UserRepository>,
    overviews: Overviews,
}

impl fmt::Debug for Tenants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenants").finish_non_exhaustive()
    }
}

impl Tenants {
    pub fn new(companies: Arc<dyn CompanyRepository>, users: Arc<dyn UserRepository>, overviews: Overviews) -> Self {
        Self { companies, users, overviews }
    }
}

/// A tenant's overview (company, sites, current emissions), served from memory while no write
/// to the tenant's data has happened since it was read. One per process, shared by every area
/// that reads it, so they share one cache.
#[derive(Clone)]
pub struct Overviews {
    companies: Arc<dyn CompanyRepository>,
    cache: Arc<VersionedCache<CompanyOverview>>,
}

impl fmt::Debug for Overviews {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overviews").field("cache", &self.cache).finish_non_exhaustive()
    }
}

impl Overviews {
    pub fn new(companies: Arc<dyn CompanyRepository>) -> Self {
        Self { companies, cache: Arc::new(VersionedCache::new(OVERVIEW_CACHE_TENANTS)) }
    }

    /// The tenant's overview, at least as new as the tenant's data version.
    #[tracing::instrument(name = "tenants.of", skip_all)]
    pub async fn of(&self, tenant: &Tenant) -> Result<Arc<CompanyOverview>, DomainError> {
        if let Some(fresh) = self.cache.get(&tenant.company, tenant.data_version) {
            return Ok(fresh);
        }
        let overview =
            Arc::new(self.companies.overview(&tenant.company).await?.ok_or(DomainError::not_found("company"))?);
        self.cache.put(tenant.company.clone(), overview.clone());
        Ok(overview)
    }

    /// How often overviews were served from memory.
    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The tenant an operator names: a live company, or its sandbox twin; `NotFound` for
    /// anything else (a sandbox id named directly included).
    async fn operator_tenant(&self, company: &CompanyId, sandbox: bool) -> Result<Tenant, DomainError> {
        let company = if sandbox { self.companies.sandbox_twin(company).await? } else { company.clone() };
        let overview = self.companies.overview(&company).await?.ok_or(DomainError::not_found("company"))?;
        if overview.company.sandbox != sandbox {
            return Err(DomainError::not_found("company"));
        }
        let data_version = overview.version;
        self.cache.put(company.clone(), Arc::new(overview));
        Ok(Tenant { company, data_version, role: Role::Operator, key_rolled: false })
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use ports::{MockCompanyRepository, MockUserRepository};

    /// The tenants area over mocks; each test sets only the expectations it relies on.
    #[derive(Default)]
    pub struct Mocks {
        pub companies: MockCompanyRepository,
        pub users: MockUserRepository,
    }

    impl Mocks {
        pub fn into_service(self) -> Tenants {
            let companies: Arc<dyn CompanyRepository> = Arc::new(self.companies);
            Tenants::new(companies.clone(), Arc::new(self.users), Overviews::new(companies))
        }
    }
}
