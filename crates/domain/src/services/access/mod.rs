//! Access: letting requests in (keys checked, rate limits counted, the company chosen) and
//! managing a user's API keys.

mod authenticate;
mod keys;
mod known_keys;
pub mod ports;

use std::fmt;
use std::sync::Arc;

pub use authenticate::{Credentials, LAST_USED_GRANULARITY};
pub use keys::{DEFAULT_GRACE_HOURS, DEFAULT_KEYS_PER_USER, MAX_GRACE_HOURS};
pub use known_keys::REFRESH_EVERY as KNOWN_KEYS_REFRESH;

use super::tenants::ports::{CompanyRepository, UserRepository};
use crate::model::RateQuotas;
use ports::{ApiKeyCodec, ApiKeyRepository, RateLimiter};

#[derive(Clone)]
pub struct Access {
    keys: Arc<dyn ApiKeyRepository>,
    codec: Arc<dyn ApiKeyCodec>,
    /// Memberships: which data spaces a user may reach.
    users: Arc<dyn UserRepository>,
    /// Sandbox twins, for test keys.
    companies: Arc<dyn CompanyRepository>,
    limiter: Arc<dyn RateLimiter>,
    rate_quotas: RateQuotas,
    /// The keys that exist, for requests from addresses refused for bad keys.
    known: Arc<known_keys::KnownKeys>,
    /// The most working keys a user may hold in one data space.
    keys_per_user: u32,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("rate_quotas", &self.rate_quotas)
            .field("keys_per_user", &self.keys_per_user)
            .finish_non_exhaustive()
    }
}

impl Access {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        codec: Arc<dyn ApiKeyCodec>,
        users: Arc<dyn UserRepository>,
        companies: Arc<dyn CompanyRepository>,
        limiter: Arc<dyn RateLimiter>,
        rate_quotas: RateQuotas,
        keys_per_user: u32,
    ) -> Self {
        let known = Arc::default();
        Self { keys, codec, users, companies, limiter, rate_quotas, known, keys_per_user: keys_per_user.max(1) }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::services::tenants::ports::{MockCompanyRepository, MockUserRepository};
    use ports::{MockApiKeyCodec, MockApiKeyRepository, MockRateLimiter};

    /// The access area over mocks; each test sets only the expectations it relies on.
    #[derive(Default)]
    pub struct Mocks {
        pub keys: MockApiKeyRepository,
        pub codec: MockApiKeyCodec,
        pub users: MockUserRepository,
        pub companies: MockCompanyRepository,
        pub limiter: MockRateLimiter,
    }

    impl Mocks {
        pub fn into_service(self) -> Access {
            Access::new(
                Arc::new(self.keys),
                Arc::new(self.codec),
                Arc::new(self.users),
                Arc::new(self.companies),
                Arc::new(self.limiter),
                crate::services::testing::quotas(),
                DEFAULT_KEYS_PER_USER,
            )
        }
    }
}
