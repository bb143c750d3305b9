//! Use cases. [`Services`] holds the ports; each file adds the methods of one area to it.

mod api_keys;
mod authenticate;
mod company;
mod demo;
mod users;

use std::fmt;
use std::sync::Arc;

pub use api_keys::IssueKey;
pub use demo::{DEMO_COMPANY_SLUG, DEMO_USER_EMAIL, DemoAccount};

use crate::ports::{ApiKeyCodec, ApiKeyRepository, CompanyRepository, HealthProbe, UserRepository};

/// The application: every use case, over the ports the server wired in.
#[derive(Clone)]
pub struct Services {
    pub companies: Arc<dyn CompanyRepository>,
    pub users: Arc<dyn UserRepository>,
    pub keys: Arc<dyn ApiKeyRepository>,
    pub codec: Arc<dyn ApiKeyCodec>,
    pub health: Arc<dyn HealthProbe>,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
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
            Services {
                companies: Arc::new(self.companies),
                users: Arc::new(self.users),
                keys: Arc::new(self.keys),
                codec: Arc::new(self.codec),
                health: Arc::new(self.health),
            }
        }
    }
}
