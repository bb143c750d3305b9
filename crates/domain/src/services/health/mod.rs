//! Health: whether the service can do its work now (readiness).

pub mod ports;

use std::fmt;
use std::sync::Arc;

use super::access::ports::RateLimiter;
use crate::DomainError;
use crate::model::LimiterMode;
use ports::HealthProbe;

#[derive(Clone)]
pub struct Health {
    probe: Arc<dyn HealthProbe>,
    limiter: Arc<dyn RateLimiter>,
}

impl fmt::Debug for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Health").finish_non_exhaustive()
    }
}

impl Health {
    pub fn new(probe: Arc<dyn HealthProbe>, limiter: Arc<dyn RateLimiter>) -> Self {
        Self { probe, limiter }
    }

    /// Whether the service can do its work now (readiness), and where its rate limits are
    /// kept: a limiter that lost Redis limits per process, which is worth knowing but not a
    /// reason to stop serving.
    #[tracing::instrument(name = "health.ready", skip_all)]
    pub async fn ready(&self) -> Result<LimiterMode, DomainError> {
        self.probe.check().await?;
        Ok(self.limiter.mode().await)
    }
}
