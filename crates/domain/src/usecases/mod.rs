//! Use cases. [`Services`] holds the ports; each file adds the methods of one area to it.

mod api_keys;
mod authenticate;
mod cache;
mod company;
mod demo;
mod users;

use std::fmt;
use std::sync::Arc;

pub use api_keys::IssueKey;
pub use demo::{DEMO_COMPANY_SLUG, DEMO_USER_EMAIL, DemoAccount};

use cache::VersionedCache;

use crate::model::CompanyOverview;
use crate::ports::{ApiKeyCodec, ApiKeyRepository, CompanyRepository, HealthProbe, UserRepository};

/// How many tenants' overviews a process keeps in memory.
const OVERVIEW_CACHE_TENANTS: usize = 10_000;

/// The application: every use case, over the ports the server wired in.
#[derive(Clone)]
pub struct Services {
    companies: Arc<dyn CompanyRepository>,
    users: Arc<dyn UserRepository>,
    keys: Arc<dyn ApiKeyRepository>,
    codec: Arc<dyn ApiKeyCodec>,
    health: Arc<dyn HealthProbe>,
    overviews: Arc<VersionedCache<CompanyOverview>>,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(
        companies: Arc<dyn CompanyRepository>,
        users: Arc<dyn UserRepository>,
        keys: Arc<dyn ApiKeyRepository>,
        codec: Arc<dyn ApiKeyCodec>,
        health: Arc<dyn HealthProbe>,
    ) -> Self {
        Self { companies, users, keys, codec, health, overviews: Arc::new(VersionedCache::new(OVERVIEW_CACHE_TENANTS)) }
    }

    /// Whether the service can do its work now (readiness).
    pub async fn ready(&self) -> Result<(), crate::DomainError> {
        self.health.check().await
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds [`Services`] from mocks; each test sets only the expectations it relies on, so an
    //! unexpected port call fails the test.
    use super::*;
    use crate::ports::{
        MockApiKeyCodec, MockApiKeyRepository, MockCompanyRepository, MockHealthProbe, MockUserRepository,
    };

    /// The company a store would return for `new`, with id `id`.
    pub fn company_from(new: crate::model::NewCompany, id: &str) -> crate::model::Company {
        crate::model::Company {
            id: crate::model::CompanyId::parse(id).expect("id"),
            name: new.name,
            sector: new.sector,
            city: new.city,
            employee_count: new.employee_count,
            plan: new.plan,
            passport: new.passport,
            reporting_year_start: new.reporting_year_start,
            sandbox: false,
        }
    }

    #[derive(Default)]
    pub struct Mocks {
        pub companies: MockCompanyRepository,
        pub users: MockUserRepository,
        pub keys: MockApiKeyRepository,
        pub codec: MockApiKeyCodec,
        pub health: MockHealthProbe,
    }

    impl Mocks {
        pub fn into_services(self) -> Services {
            Services::new(
                Arc::new(self.companies),
                Arc::new(self.users),
                Arc::new(self.keys),
                Arc::new(self.codec),
                Arc::new(self.health),
            )
        }
    }
}
