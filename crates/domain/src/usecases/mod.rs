//! Use cases. [`Services`] holds the ports; each file adds the methods of one area to it.

mod api_keys;
mod authenticate;
mod bills;
mod cache;
mod company;
mod crp;
mod demo;
mod emissions;
mod stored_files;
mod sweep;
mod uploads;
mod users;
mod webhooks;

use std::fmt;
use std::sync::Arc;

pub use api_keys::{DEFAULT_GRACE_HOURS, IssueKey, MAX_GRACE_HOURS};
pub use authenticate::Credentials;
pub use bills::{FileUpload, UploadForm, UploadedFile};
pub use crp::GeneratePlan;
pub use demo::{DEMO_COMPANY_SLUG, DEMO_USER_EMAIL, DemoAccount};
pub use sweep::SweepReport;
pub use uploads::{ReceivedUpload, UploadFailure, UploadReply, UploadResponses};
pub use webhooks::{ChangeEndpoint, CreateEndpoint, MAX_ENDPOINTS, OLD_SECRET_SIGNS_FOR};

use cache::VersionedCache;

use crate::calculation::FactorLibrary;
use crate::ports::EmissionsRepository;

use crate::model::CompanyOverview;
use crate::model::{LimiterMode, RateQuotas};
use crate::ports::{
    ApiKeyCodec, ApiKeyRepository, BillRepository, BlobStore, CompanyRepository, HealthProbe, IdempotencyStore,
    PlanRenderer, PlanRepository, RateLimiter, UserRepository, WebhookRepository, WebhookTargets,
};

/// How many tenants' overviews a process keeps in memory.
const OVERVIEW_CACHE_TENANTS: usize = 10_000;

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
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// How long an idempotency claim shields a request in flight (see `uploads`).
    pub idempotency_lease: chrono::TimeDelta,
    pub reports: Arc<dyn EmissionsRepository>,
    pub plans: Arc<dyn PlanRepository>,
    /// Lays plans out as PDFs.
    pub renderer: Arc<dyn PlanRenderer>,
    pub webhooks: Arc<dyn WebhookRepository>,
    /// Secrets and the reachability of targets, from the webhooks adapter.
    pub targets: Arc<dyn WebhookTargets>,
    pub limiter: Arc<dyn RateLimiter>,
    /// The allowance of each plan, and of requests without a valid key.
    pub rate_quotas: RateQuotas,
}

impl fmt::Debug for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ports").finish_non_exhaustive()
    }
}

/// The application: every use case, over the ports the server wired in.
#[derive(Clone)]
pub struct Services {
    companies: Arc<dyn CompanyRepository>,
    users: Arc<dyn UserRepository>,
    keys: Arc<dyn ApiKeyRepository>,
    codec: Arc<dyn ApiKeyCodec>,
    health: Arc<dyn HealthProbe>,
    bills: Arc<dyn BillRepository>,
    blobs: Arc<dyn BlobStore>,
    factors: Arc<FactorLibrary>,
    idempotency: Arc<dyn IdempotencyStore>,
    idempotency_lease: chrono::TimeDelta,
    reports: Arc<dyn EmissionsRepository>,
    plans: Arc<dyn PlanRepository>,
    renderer: Arc<dyn PlanRenderer>,
    webhooks: Arc<dyn WebhookRepository>,
    targets: Arc<dyn WebhookTargets>,
    limiter: Arc<dyn RateLimiter>,
    rate_quotas: RateQuotas,
    overviews: Arc<VersionedCache<CompanyOverview>>,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(ports: Ports) -> Self {
        let Ports {
            companies,
            users,
            keys,
            codec,
            health,
            bills,
            blobs,
            factors,
            idempotency,
            idempotency_lease,
            reports,
            plans,
            renderer,
            webhooks,
            targets,
            limiter,
            rate_quotas,
        } = ports;
        let overviews = Arc::new(VersionedCache::new(OVERVIEW_CACHE_TENANTS));
        Self {
            companies,
            users,
            keys,
            codec,
            health,
            bills,
            blobs,
            factors,
            idempotency,
            idempotency_lease,
            reports,
            plans,
            renderer,
            webhooks,
            targets,
            limiter,
            rate_quotas,
            overviews,
        }
    }

    /// Whether the service can do its work now (readiness), and where its rate limits are
    /// kept: a limiter that lost Redis limits per process, which is worth knowing but not a
    /// reason to stop serving.
    pub async fn ready(&self) -> Result<LimiterMode, crate::DomainError> {
        self.health.check().await?;
        Ok(self.limiter.mode().await)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds [`Services`] from mocks; each test sets only the expectations it relies on, so an
    //! unexpected port call fails the test.
    use super::*;
    use crate::ports::{
        MockApiKeyCodec, MockApiKeyRepository, MockBillRepository, MockCompanyRepository, MockEmissionsRepository,
        MockHealthProbe, MockIdempotencyStore, MockPlanRenderer, MockPlanRepository, MockRateLimiter,
        MockUserRepository, MockWebhookRepository, MockWebhookTargets,
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
        pub bills: MockBillRepository,
        pub idempotency: MockIdempotencyStore,
        pub reports: MockEmissionsRepository,
        pub plans: MockPlanRepository,
        pub renderer: MockPlanRenderer,
        pub webhooks: MockWebhookRepository,
        pub targets: MockWebhookTargets,
        pub limiter: MockRateLimiter,
        pub blobs: Arc<MemoryBlobs>,
    }

    /// The allowances tests run with: business 60 a minute (burst 10), partner 600 (burst
    /// 100), unauthenticated 30 (burst 5).
    pub fn quotas() -> RateQuotas {
        let quota = |per_minute, burst| crate::model::RateQuota::new(per_minute, burst).expect("non-zero");
        RateQuotas { business: quota(60, 10), partner: quota(600, 100), unauthenticated: quota(30, 5) }
    }

    impl Mocks {
        pub fn into_services(self) -> Services {
            Services::new(Ports {
                companies: Arc::new(self.companies),
                users: Arc::new(self.users),
                keys: Arc::new(self.keys),
                codec: Arc::new(self.codec),
                health: Arc::new(self.health),
                bills: Arc::new(self.bills),
                blobs: Arc::new(self.blobs),
                factors: Arc::new(crate::calculation::FactorLibrary::official().expect("shipped factors")),
                idempotency: Arc::new(self.idempotency),
                idempotency_lease: crate::model::IDEMPOTENCY_LEASE,
                reports: Arc::new(self.reports),
                plans: Arc::new(self.plans),
                renderer: Arc::new(self.renderer),
                webhooks: Arc::new(self.webhooks),
                targets: Arc::new(self.targets),
                limiter: Arc::new(self.limiter),
                rate_quotas: quotas(),
            })
        }
    }

    /// A live caller of company `comp_c`.
    pub fn caller() -> crate::model::Principal {
        crate::model::Principal {
            key_id: crate::model::ApiKeyId::parse("key_k").expect("id"),
            user_id: crate::model::UserId::parse("usr_u").expect("id"),
            company_id: crate::model::CompanyId::parse("comp_c").expect("id"),
            key_company_id: crate::model::CompanyId::parse("comp_c").expect("id"),
            key_expires_at: None,
            mode: crate::model::KeyMode::Live,
            data_version: crate::model::DataVersion(1),
        }
    }

    /// Blobs in memory: what was finished, and what was deleted.
    #[derive(Debug, Default)]
    pub struct MemoryBlobs {
        pub finished: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
        pub deleted: std::sync::Mutex<Vec<String>>,
        /// What `keys_written_before` answers; each cutoff before the far future it was asked with.
        pub old_keys: std::sync::Mutex<Vec<String>>,
        pub cutoffs: std::sync::Mutex<Vec<chrono::DateTime<chrono::Utc>>>,
        /// The deployment that claimed the store.
        pub owner: std::sync::Mutex<Option<String>>,
    }

    struct MemorySink {
        store: Arc<MemoryBlobs>,
        key: String,
        bytes: Vec<u8>,
    }

    #[async_trait::async_trait]
    impl crate::ports::BlobStore for Arc<MemoryBlobs> {
        async fn open(&self, _key: &str) -> Result<Box<dyn crate::ports::BlobReader>, crate::DomainError> {
            Err(crate::DomainError::not_found("file"))
        }

        async fn create(&self) -> Result<Box<dyn crate::ports::BlobSink>, crate::DomainError> {
            let key = format!("blob-{}", self.finished.lock().map(|f| f.len()).unwrap_or(0));
            Ok(Box::new(MemorySink { store: self.clone(), key, bytes: Vec::new() }))
        }

        async fn delete(&self, key: &str) -> Result<(), crate::DomainError> {
            if let Ok(mut deleted) = self.deleted.lock() {
                deleted.push(key.to_owned());
            }
            Ok(())
        }

        async fn keys_written_before(
            &self,
            cutoff: chrono::DateTime<chrono::Utc>,
        ) -> Result<Vec<String>, crate::DomainError> {
            if let Ok(mut cutoffs) = self.cutoffs.lock()
                && cutoff != chrono::DateTime::<chrono::Utc>::MAX_UTC
            {
                cutoffs.push(cutoff);
            }
            Ok(self.old_keys.lock().map(|k| k.clone()).unwrap_or_default())
        }

        async fn owner(&self) -> Result<Option<String>, crate::DomainError> {
            Ok(self.owner.lock().map(|o| o.clone()).unwrap_or_default())
        }

        async fn claim(&self, deployment: &str) -> Result<(), crate::DomainError> {
            if let Ok(mut owner) = self.owner.lock() {
                *owner = Some(deployment.to_owned());
            }
            Ok(())
        }

        async fn remove_unfinished_before(
            &self,
            cutoff: chrono::DateTime<chrono::Utc>,
        ) -> Result<u64, crate::DomainError> {
            if let Ok(mut cutoffs) = self.cutoffs.lock() {
                cutoffs.push(cutoff);
            }
            Ok(2)
        }
    }

    #[async_trait::async_trait]
    impl crate::ports::BlobSink for MemorySink {
        async fn write(&mut self, chunk: &[u8]) -> Result<(), crate::DomainError> {
            self.bytes.extend_from_slice(chunk);
            Ok(())
        }

        async fn finish(self: Box<Self>) -> Result<crate::ports::FinishedBlob, crate::DomainError> {
            let blob = crate::ports::FinishedBlob {
                key: self.key.clone(),
                size_bytes: self.bytes.len() as u64,
                sha256: format!("sha-of-{}", self.bytes.len()),
            };
            if let Ok(mut finished) = self.store.finished.lock() {
                finished.push((self.key, self.bytes));
            }
            Ok(blob)
        }

        async fn abort(self: Box<Self>) {}
    }
}
