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
        self.read_within(PROBE_TIMEOUT, |conn| -> Result<(), StoreError> {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}
