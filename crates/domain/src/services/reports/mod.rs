//! Reports: a period's emissions (`GET /emissions`) and the sessions that collect bills.

mod emissions;
pub mod ports;

use std::fmt;
use std::sync::Arc;

use super::cache::{CacheStats, Versioned, VersionedCache};
use super::tenants::Overviews;
use crate::model::{CompanyId, DataVersion, PeriodSums, SiteId};
use ports::EmissionsRepository;

/// What a report is asked for: the tenant, the period (`None`: the latest with data) and the
/// site (`None`: company-wide).
type ReportKey = (CompanyId, Option<String>, Option<SiteId>);

/// Reports' sums in memory, each served until its tenant's next write.
type SumsCache = VersionedCache<SumsAt, ReportKey>;

/// A report's sums as read at (at least) a data version: the period found and its sums, or
/// `None` when no period was asked for and the tenant has no data.
#[derive(Debug)]
struct SumsAt {
    version: DataVersion,
    found: Option<(String, PeriodSums)>,
}

impl Versioned for SumsAt {
    fn version(&self) -> DataVersion {
        self.version
    }
}

#[derive(Clone)]
pub struct Reports {
    reports: Arc<dyn EmissionsRepository>,
    overviews: Overviews,
    /// Reports' sums, each served until the tenant's next write: a dashboard polling
    /// `/emissions` reads the totals once per change, not once per poll. `None` when turned off.
    sums: Option<Arc<SumsCache>>,
}

impl fmt::Debug for Reports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reports").finish_non_exhaustive()
    }
}

impl Reports {
    /// `cache_entries`: how many reports' sums are kept in memory at most (0: none).
    pub fn new(reports: Arc<dyn EmissionsRepository>, overviews: Overviews, cache_entries: usize) -> Self {
        let sums = (cache_entries > 0).then(|| Arc::new(SumsCache::new(cache_entries)));
        Self { reports, overviews, sums }
    }

    /// How often a report's sums were served from memory.
    pub fn stats(&self) -> CacheStats {
        self.sums.as_ref().map(|cache| cache.stats()).unwrap_or_default()
    }
}
