//! The use cases, one service per area. Each area's service holds only the ports it uses (its
//! own, in the area's `ports` module, and the few of another area's it needs: access reads
//! memberships and sandbox twins, health the limiter's mode); [`Services`] builds every area
//! once from the adapters the server wires in.
//!
//! Every tenant use case takes the tenant in one form, a [`Tenant`](crate::model::Tenant)
//! resolved by the authentication gate or the CLI, and every key use case a
//! [`KeyHolder`](crate::model::KeyHolder).

pub mod access;
pub mod activities;
pub mod bills;
mod cache;
mod demo;
pub mod health;
pub mod paging;
pub mod passports;
pub mod plans;
pub mod reports;
pub mod tenants;
pub mod webhooks;

#[cfg(test)]
pub(crate) mod testing;

use std::fmt;
use std::sync::Arc;

pub use access::Access;
pub use activities::Activities;
pub use bills::Bills;
pub use cache::CacheStats;
pub use demo::{DEMO_COMPANY_SLUG, DEMO_USER_EMAIL, DemoAccount, ensure_demo};
pub use health::Health;
pub use passports::Passports;
pub use plans::Plans;
pub use reports::Reports;
pub use tenants::{Overviews, Tenants};
pub use webhooks::Webhooks;

use crate::activities::ActivityCatalogue;
use crate::calculation::FactorLibrary;
use crate::model::RateQuotas;
use access::ports::{ApiKeyCodec, ApiKeyRepository, RateLimiter};
use activities::ports::ActivityRepository;
use bills::ports::{BillRepository, BlobStore, IdempotencyStore};
use health::ports::HealthProbe;
use passports::ports::{PassportRepository, PassportSigner};
use plans::ports::{PlanRenderer, PlanRepository};
use reports::ports::EmissionsRepository;
use tenants::ports::{CompanyRepository, UserRepository};
use webhooks::ports::{WebhookRepository, WebhookTargets};

/// The adapters the server wires in, one per port.
#[derive(Clone)]
pub struct Ports {
    pub companies: Arc<dyn CompanyRepository>,
    pub users: Arc<dyn UserRepository>,
    pub keys: Arc<dyn ApiKeyRepository>,
    pub codec: Arc<dyn ApiKeyCodec>,
    pub health: Arc<dyn HealthProbe>,
    pub bills: Arc<dyn BillRepository>,
    pub blobs: Arc<dyn BlobStore>,
    /// The DESNZ factor sets, loaded and validated at start-up.
    pub factors: Arc<FactorLibrary>,
    /// The activity types built from those sets.
    pub catalogue: Arc<ActivityCatalogue>,
    pub activities: Arc<dyn ActivityRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// How long an idempotency claim shields a request in flight (see `bills::uploads`).
    pub idempotency_lease: chrono::TimeDelta,
    pub reports: Arc<dyn EmissionsRepository>,
    pub plans: Arc<dyn PlanRepository>,
    /// Lays plans out as PDFs.
    pub renderer: Arc<dyn PlanRenderer>,
    pub webhooks: Arc<dyn WebhookRepository>,
    /// Secrets and the reachability of targets, from the webhooks adapter.
    pub targets: Arc<dyn WebhookTargets>,
    /// Webhook limits that are settings (manual operations per endpoint).
    pub webhook_limits: webhooks::WebhookLimits,
    pub limiter: Arc<dyn RateLimiter>,
    /// The allowance of each plan, and of requests without a valid key.
    pub rate_quotas: RateQuotas,
    /// The most working keys a user holds in one data space.
    pub keys_per_user: u32,
    /// The most Carbon Reduction Plans one company holds.
    pub plan_limit: u32,
    /// Reports' sums kept in memory at most (0: none, every report reads the totals).
    pub report_cache_entries: usize,
    pub passports: Arc<dyn PassportRepository>,
    /// The deployment's passport signing key, loaded by the server.
    pub passport_signer: Arc<dyn PassportSigner>,
    /// Passports kept in memory at most.
    pub passport_cache_entries: usize,
    /// How long a passport is served from memory before its data version is asked again.
    pub passport_recheck: chrono::TimeDelta,
}

impl fmt::Debug for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ports").finish_non_exhaustive()
    }
}

/// Every area's service, built once from the ports: the one place that knows which area gets
/// which port. The areas that read a company's overview share one [`Overviews`] (one cache).
#[derive(Debug, Clone)]
pub struct Services {
    pub access: Access,
    pub tenants: Tenants,
    pub bills: Bills,
    pub activities: Activities,
    pub reports: Reports,
    pub plans: Plans,
    pub passports: Passports,
    pub webhooks: Webhooks,
    pub health: Health,
}

impl Services {
    pub fn new(ports: Ports) -> Self {
        let overviews = Overviews::new(ports.companies.clone());
        let plans = Plans::new(ports.plans, ports.renderer, ports.blobs.clone(), overviews.clone(), ports.plan_limit);
        Self {
            access: Access::new(
                ports.keys,
                ports.codec,
                ports.users.clone(),
                ports.companies.clone(),
                ports.limiter.clone(),
                ports.rate_quotas,
                ports.keys_per_user,
            ),
            tenants: Tenants::new(ports.companies, ports.users, overviews.clone()),
            activities: Activities::new(
                activities::ActivityPorts {
                    catalogue: ports.catalogue,
                    factors: ports.factors.clone(),
                    records: ports.activities,
                    idempotency: ports.idempotency.clone(),
                    idempotency_lease: ports.idempotency_lease,
                },
                overviews.clone(),
            ),
            bills: Bills::new(
                ports.bills,
                ports.blobs.clone(),
                ports.factors.clone(),
                ports.idempotency,
                ports.idempotency_lease,
                overviews.clone(),
            ),
            reports: Reports::new(ports.reports.clone(), overviews.clone(), ports.report_cache_entries),
            plans: plans.clone(),
            passports: Passports::new(
                passports::PassportPorts {
                    passports: ports.passports,
                    sums: ports.reports,
                    factors: ports.factors.clone(),
                    signer: ports.passport_signer,
                    limiter: ports.limiter.clone(),
                    unauthenticated: ports.rate_quotas.unauthenticated,
                },
                plans,
                ports.passport_cache_entries,
                ports.passport_recheck,
            ),
            webhooks: Webhooks::new(ports.webhooks, ports.targets, ports.webhook_limits),
            health: Health::new(ports.health, ports.limiter),
        }
    }
}
