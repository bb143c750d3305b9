//! Webhooks: a tenant's endpoints, their secrets, test pings, and the delivery log with its
//! retries. (The worker that delivers lives in the webhooks adapter, over [`ports::DeliveryQueue`].)

mod endpoints;
mod history;
pub mod ports;

use std::fmt;
use std::sync::Arc;

pub use endpoints::{ChangeEndpoint, CreateEndpoint, MAX_ENDPOINTS, OLD_SECRET_SIGNS_FOR};
pub use history::HISTORY_BATCH;

/// The limits of the webhooks area that are settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookLimits {
    /// Manual operations (test pings, retries, recoveries) one endpoint may have in a minute.
    pub manual_per_minute: u32,
}

impl Default for WebhookLimits {
    fn default() -> Self {
        Self { manual_per_minute: 6 }
    }
}

use ports::{WebhookRepository, WebhookTargets};

#[derive(Clone)]
pub struct Webhooks {
    webhooks: Arc<dyn WebhookRepository>,
    /// Secrets and the reachability of targets, from the webhooks adapter.
    targets: Arc<dyn WebhookTargets>,
    limits: WebhookLimits,
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

impl Webhooks {
    pub fn new(webhooks: Arc<dyn WebhookRepository>, targets: Arc<dyn WebhookTargets>, limits: WebhookLimits) -> Self {
        Self { webhooks, targets, limits }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use ports::{MockWebhookRepository, MockWebhookTargets};

    /// The webhooks area over mocks.
    #[derive(Default)]
    pub struct Mocks {
        pub webhooks: MockWebhookRepository,
        pub targets: MockWebhookTargets,
    }

    impl Mocks {
        pub fn into_service(self) -> Webhooks {
            Webhooks::new(Arc::new(self.webhooks), Arc::new(self.targets), WebhookLimits::default())
        }
    }
}
