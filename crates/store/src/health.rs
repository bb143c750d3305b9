//! Readiness: the database answers a trivial query.

use std::time::Duration;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::ports::HealthProbe;
use diesel::RunQueryDsl;

use crate::{Store, StoreError};

/// A readiness probe must answer quickly even when the database does not.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[async_trait]
impl HealthProbe for Store {
    async fn check(&self) -> Result<(), DomainError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let mut pooled = store.get_within(PROBE_TIMEOUT)?;
            let answered = diesel::sql_query("SELECT 1").execute(&mut pooled.conn);
            if answered.is_err() {
                pooled.check_after_error();
            }
            answered?;
            Ok(())
        })
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))?
        .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}
