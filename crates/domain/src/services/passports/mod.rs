//! The public carbon passport (`/company/{slug}`): what a company that switched it on shows
//! anyone, with no key; its signing keys; and the owner's switch.
//!
//! A passport is put together from the company's confirmed data and published plan, and kept in
//! memory until the company's data version moves (every write to its data, its plans and its
//! switch bumps it). Whether it moved is asked of the database at most once per `recheck` per
//! passport, so a popular page costs no query per view; a passport switched off in another
//! process stops being served within `recheck`.

pub mod ports;
mod use_cases;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

use super::access::ports::RateLimiter;
use super::plans::Plans;
use super::reports::ports::EmissionsRepository;
use crate::calculation::FactorLibrary;
use crate::model::{PublicPassport, RateQuota};
use ports::{PassportRepository, PassportSigner};

pub use use_cases::PassportPdf;

/// How long a passport is served from memory before its data version is asked again, unless
/// configured otherwise (`passport_recheck_ms`).
pub const DEFAULT_RECHECK: TimeDelta = TimeDelta::seconds(1);

/// What builds a passport and guards its door.
#[derive(Clone)]
pub struct PassportPorts {
    pub passports: Arc<dyn PassportRepository>,
    pub sums: Arc<dyn EmissionsRepository>,
    pub factors: Arc<FactorLibrary>,
    pub signer: Arc<dyn PassportSigner>,
    /// Unknown slugs count against the client address like requests without a valid key, so
    /// slugs cannot be guessed faster than that allowance.
    pub limiter: Arc<dyn RateLimiter>,
    pub unauthenticated: RateQuota,
}

impl fmt::Debug for PassportPorts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportPorts").finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct Passports {
    ports: PassportPorts,
    /// The published plan's PDF is the plans area's, served as it serves it.
    plans: Plans,
    held: Arc<Mutex<HashMap<String, Held>>>,
    /// Bumped whenever a passport is forgotten: a lookup that started before keeps nothing.
    epoch: Arc<std::sync::atomic::AtomicU64>,
    capacity: usize,
    recheck: TimeDelta,
}

/// A passport in memory, and when its data version was last asked.
#[derive(Clone)]
struct Held {
    passport: Arc<PublicPassport>,
    checked_at: DateTime<Utc>,
}

impl fmt::Debug for Passports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passports").field("recheck", &self.recheck).finish_non_exhaustive()
    }
}

impl Passports {
    /// `capacity`: passports kept in memory at most (past that it starts again empty);
    /// `recheck`: how long one is served before its data version is asked again.
    pub fn new(ports: PassportPorts, plans: Plans, capacity: usize, recheck: TimeDelta) -> Self {
        Self { ports, plans, held: Arc::default(), epoch: Arc::default(), capacity: capacity.max(1), recheck }
    }

    /// Every public key a passport may carry a signature of, for the JWK set.
    pub fn keys(&self) -> Vec<crate::model::PassportKey> {
        self.ports.signer.keys()
    }

    /// `payload` (a passport's JSON) as a compact JWS signed with the deployment's key.
    pub fn sign(&self, payload: &[u8]) -> Result<String, crate::DomainError> {
        self.ports.signer.sign(payload)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::services::access::ports::MockRateLimiter;
    use crate::services::plans::test_support::Mocks as PlanMocks;
    use crate::services::reports::ports::MockEmissionsRepository;
    use ports::{MockPassportRepository, MockPassportSigner};

    /// The passports area over mocks.
    #[derive(Default)]
    pub struct Mocks {
        pub passports: MockPassportRepository,
        pub sums: MockEmissionsRepository,
        pub signer: MockPassportSigner,
        pub limiter: MockRateLimiter,
        pub plans: PlanMocks,
    }

    impl Mocks {
        pub fn into_service(self) -> Passports {
            Passports::new(
                PassportPorts {
                    passports: Arc::new(self.passports),
                    sums: Arc::new(self.sums),
                    factors: Arc::new(FactorLibrary::official().expect("factors")),
                    signer: Arc::new(self.signer),
                    limiter: Arc::new(self.limiter),
                    unauthenticated: RateQuota::new(60, 10).expect("quota"),
                },
                self.plans.into_service(),
                16,
                DEFAULT_RECHECK,
            )
        }
    }
}
