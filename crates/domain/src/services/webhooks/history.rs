//! Retention of the delivery log: events, deliveries and attempts older than the retention are
//! removed by the sweeper, a bounded batch per statement, so no statement holds its locks for
//! long and writers are never shut out. Only finished deliveries go: one pending (or in an
//! attempt) stays with its attempts and its event, however old.

use chrono::{DateTime, TimeDelta, Utc};

use super::Webhooks;
use crate::DomainError;
use crate::webhooks::model::HistoryRemoved;

/// Rows one statement of the sweep removes at most.
pub const HISTORY_BATCH: u32 = 1000;

impl Webhooks {
    /// Removes the delivery history older than `retention` (every tenant's: the sweeper is the
    /// operator's), a batch at a time until none is left; what it removed.
    pub async fn sweep_history(&self, now: DateTime<Utc>, retention: TimeDelta) -> Result<HistoryRemoved, DomainError> {
        let before = now - retention;
        let mut total = HistoryRemoved::default();
        loop {
            let removed = self.webhooks.remove_history_before(before, HISTORY_BATCH).await?;
            total.events += removed.events;
            total.deliveries += removed.deliveries;
            total.attempts += removed.attempts;
            let full = u64::from(HISTORY_BATCH);
            if removed.events < full && removed.deliveries < full && removed.attempts < full {
                return Ok(total);
            }
        }
    }
}
