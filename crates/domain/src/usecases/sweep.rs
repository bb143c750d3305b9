//! Sweeping what a crash leaves behind: unfinished uploads, and finished files whose bill was
//! never recorded (the process died between storing the file and writing its row). Only what was
//! last written longer than a grace period ago is touched, so uploads in flight never are.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::Services;
use crate::DomainError;

/// Keys asked about per query: bounded, so one statement never carries an unbounded list.
const KEYS_PER_QUERY: usize = 500;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub unfinished_removed: u64,
    pub orphans_removed: u64,
}

impl Services {
    /// Removes unfinished uploads and files without a bill that were last written before
    /// `now - grace`. Safe to run from several processes at once: a removal is idempotent.
    pub async fn sweep_leftovers(&self, now: DateTime<Utc>, grace: TimeDelta) -> Result<SweepReport, DomainError> {
        let cutoff = now - grace;
        let unfinished_removed = self.blobs.remove_unfinished_before(cutoff).await?;
        let candidates = self.blobs.keys_written_before(cutoff).await?;
        let mut orphans_removed = 0;
        for batch in candidates.chunks(KEYS_PER_QUERY) {
            let in_use: HashSet<String> = self.bills.blob_keys_in_use(batch).await?;
            for key in batch.iter().filter(|key| !in_use.contains(*key)) {
                self.blobs.delete(key).await?;
                orphans_removed += 1;
            }
        }
        Ok(SweepReport { unfinished_removed, orphans_removed })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::usecases::test_support::Mocks;

    #[test]
    fn files_without_a_bill_go_and_files_with_one_stay() {
        let mut m = Mocks::default();
        let stored: Vec<String> = (0..1200).map(|n| format!("key{n:04}")).collect();
        if let Ok(mut old) = m.blobs.old_keys.lock() {
            old.clone_from(&stored);
        }
        // Every key but each hundredth is an orphan; keys are asked about in bounded batches.
        m.bills.expect_blob_keys_in_use().times(3).returning(|keys| {
            assert!(keys.len() <= KEYS_PER_QUERY);
            Ok(keys.iter().filter(|k| k.ends_with("00")).cloned().collect())
        });
        let blobs = m.blobs.clone();
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).single().expect("time");
        let report = pollster::block_on(m.into_services().sweep_leftovers(now, TimeDelta::hours(1))).expect("swept");
        assert_eq!(report, SweepReport { unfinished_removed: 2, orphans_removed: 1188 });
        let deleted = blobs.deleted.lock().map(|d| d.clone()).unwrap_or_default();
        assert_eq!(deleted.len(), 1188);
        assert!(!deleted.contains(&"key0100".to_owned()), "a file with a bill stays");
        assert_eq!(blobs.cutoffs.lock().map(|c| c.clone()).unwrap_or_default(), vec![now - TimeDelta::hours(1); 2]);
    }
}
