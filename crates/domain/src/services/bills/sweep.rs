//! Sweeping what a crash leaves behind: unfinished uploads, and finished files whose bill was
//! never recorded (the process died between storing the file and writing its row). Only what was
//! last written longer than a grace period ago is touched, so uploads in flight never are.
//!
//! A file is judged "without a bill" by this database, so the blob store must be this
//! database's: it records the deployment it belongs to, and files are only removed from a store
//! this database owns. An unclaimed store (one from before the claim existed) is claimed only if
//! this database holds a bill for one of its files, or it has no files yet; otherwise (a new
//! database pointed at another deployment's folder) nothing is removed and the report says why.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::Bills;
use crate::DomainError;

/// Keys asked about per query: bounded, so one statement never carries an unbounded list.
const KEYS_PER_QUERY: usize = 500;

/// What one sweep removed, and why it removed no files without a bill if it did not look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub unfinished_removed: u64,
    pub orphans_removed: u64,
    pub orphans_not_swept: Option<String>,
}

impl Bills {
    /// Removes unfinished uploads and files without a bill that were last written before
    /// `now - grace`. Safe to run from several processes at once: a removal is idempotent.
    #[tracing::instrument(name = "bills.sweep_leftovers", skip_all)]
    pub async fn sweep_leftovers(&self, now: DateTime<Utc>, grace: TimeDelta) -> Result<SweepReport, DomainError> {
        let cutoff = now - grace;
        let unfinished_removed = self.blobs.remove_unfinished_before(cutoff).await?;
        let mut report = SweepReport { unfinished_removed, ..SweepReport::default() };
        if let Some(reason) = self.not_ours().await? {
            report.orphans_not_swept = Some(reason);
            return Ok(report);
        }
        let candidates = self.blobs.keys_written_before(cutoff).await?;
        for batch in candidates.chunks(KEYS_PER_QUERY) {
            let in_use: HashSet<String> = self.bills.blob_keys_in_use(batch).await?;
            for key in batch.iter().filter(|key| !in_use.contains(*key)) {
                self.blobs.delete(key).await?;
                report.orphans_removed += 1;
            }
        }
        Ok(report)
    }

    /// Why the blob store's files are not this database's to judge, if they are not; claims an
    /// unclaimed store that evidently is.
    async fn not_ours(&self) -> Result<Option<String>, DomainError> {
        let deployment = self.bills.deployment_id().await?;
        match self.blobs.owner().await? {
            Some(owner) if owner == deployment => return Ok(None),
            Some(owner) => {
                return Ok(Some(format!(
                    "the blob store belongs to deployment {owner}, not to this database's ({deployment})"
                )));
            }
            None => {}
        }
        // Every file, however new: is any of them one of this database's bills?
        let far_future = DateTime::<Utc>::MAX_UTC;
        let stored = self.blobs.keys_written_before(far_future).await?;
        let mut ours = stored.is_empty();
        for batch in stored.chunks(KEYS_PER_QUERY) {
            if ours {
                break;
            }
            ours = !self.bills.blob_keys_in_use(batch).await?.is_empty();
        }
        if !ours {
            return Ok(Some(format!(
                "the blob store holds {} files and none is a bill of this database: it may be another \
                 deployment's; nothing was removed (write this database's deployment id to it to allow sweeps)",
                stored.len()
            )));
        }
        self.blobs.claim(&deployment).await?;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::services::bills::test_support::Mocks;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).single().expect("time")
    }

    /// A store of 1200 files, each hundredth of which is one of this database's bills.
    fn mocks(owner: Option<&str>) -> Mocks {
        let mut m = Mocks::default();
        let stored: Vec<String> = (0..1200).map(|n| format!("key{n:04}")).collect();
        if let Ok(mut old) = m.blobs.old_keys.lock() {
            old.clone_from(&stored);
        }
        if let Ok(mut claimed) = m.blobs.owner.lock() {
            *claimed = owner.map(str::to_owned);
        }
        m.bills.expect_deployment_id().returning(|| Ok("dep_ours".into()));
        m
    }

    #[test]
    fn files_without_a_bill_go_and_files_with_one_stay() {
        let mut m = mocks(Some("dep_ours"));
        // Keys are asked about in bounded batches.
        m.bills.expect_blob_keys_in_use().times(3).returning(|keys| {
            assert!(keys.len() <= KEYS_PER_QUERY);
            Ok(keys.iter().filter(|k| k.ends_with("00")).cloned().collect())
        });
        let blobs = m.blobs.clone();
        let report = pollster::block_on(m.into_service().sweep_leftovers(now(), TimeDelta::hours(1))).expect("swept");
        assert_eq!(report, SweepReport { unfinished_removed: 2, orphans_removed: 1188, orphans_not_swept: None });
        let deleted = blobs.deleted.lock().map(|d| d.clone()).unwrap_or_default();
        assert_eq!(deleted.len(), 1188);
        assert!(!deleted.contains(&"key0100".to_owned()), "a file with a bill stays");
        assert_eq!(blobs.cutoffs.lock().map(|c| c.clone()).unwrap_or_default(), vec![now() - TimeDelta::hours(1); 2]);
    }

    #[test]
    fn another_deployments_store_is_never_swept() {
        let mut m = mocks(Some("dep_theirs"));
        m.bills.expect_blob_keys_in_use().never();
        let blobs = m.blobs.clone();
        let report = pollster::block_on(m.into_service().sweep_leftovers(now(), TimeDelta::hours(1))).expect("swept");
        assert_eq!(report.orphans_removed, 0);
        assert!(report.orphans_not_swept.is_some_and(|why| why.contains("dep_theirs")));
        assert!(blobs.deleted.lock().map(|d| d.is_empty()).unwrap_or(false));
    }

    #[test]
    fn an_unclaimed_store_is_claimed_only_when_it_holds_this_databases_bills() {
        // None of its files is a bill here: a new database pointed at another's folder.
        let mut m = mocks(None);
        m.bills.expect_blob_keys_in_use().returning(|_| Ok(HashSet::new()));
        let blobs = m.blobs.clone();
        let report = pollster::block_on(m.into_service().sweep_leftovers(now(), TimeDelta::hours(1))).expect("swept");
        assert!(report.orphans_not_swept.is_some(), "{report:?}");
        assert!(blobs.deleted.lock().map(|d| d.is_empty()).unwrap_or(false), "nothing removed");
        assert_eq!(blobs.owner.lock().map(|o| o.clone()).ok().flatten(), None, "and not claimed");

        // Some are: the store is this database's, from before claims existed.
        let mut m = mocks(None);
        m.bills
            .expect_blob_keys_in_use()
            .returning(|keys| Ok(keys.iter().filter(|k| k.ends_with("00")).cloned().collect()));
        let blobs = m.blobs.clone();
        let report = pollster::block_on(m.into_service().sweep_leftovers(now(), TimeDelta::hours(1))).expect("swept");
        assert_eq!(report.orphans_removed, 1188);
        assert_eq!(blobs.owner.lock().map(|o| o.clone()).ok().flatten().as_deref(), Some("dep_ours"));
    }
}
