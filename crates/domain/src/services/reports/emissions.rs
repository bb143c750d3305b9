//! Reporting: a period's emissions (`GET /emissions`) and the sessions that collect bills.

use chrono::{DateTime, NaiveDate, Utc};

use std::sync::Arc;

use super::{Reports, SumsAt};
use crate::DomainError;
use crate::calculation::ReportingPeriod;
use crate::model::{Action, EmissionsReport, PeriodSums, SessionId, SessionSummary, SiteId, Tenant};

impl Reports {
    /// The tenant's emissions for `period` (default: the latest with confirmed data, else the
    /// current one, with zero totals), company-wide or for one of their sites.
    #[tracing::instrument(name = "reports.emissions", skip_all)]
    pub async fn emissions(
        &self,
        tenant: &Tenant,
        period: Option<&str>,
        site: Option<&str>,
        today: NaiveDate,
    ) -> Result<EmissionsReport, DomainError> {
        let overview = self.overviews.of(tenant).await?;
        let start = overview.company.reporting_year_start;
        let (site, employees) = match site {
            Some(raw) => {
                let id = SiteId::parse(raw.trim()).ok_or(DomainError::not_found("site"))?;
                let site = overview.sites.iter().find(|s| s.id == id).ok_or(DomainError::not_found("site"))?;
                (Some(site.id.clone()), site.employee_count)
            }
            None => (None, overview.company.employee_count),
        };
        let asked = period.map(|label| ReportingPeriod::parse(label.trim(), start).map(|p| p.label())).transpose()?;
        // Every change to the tenant's data bumps its version in the same transaction, so sums read
        // at a version at least as new as the one this request's key check read are current. They
        // are tagged with that (older or equal) version: a later write always misses.
        let key = (tenant.company.clone(), asked, site);
        let held = self.sums.as_ref().and_then(|cache| cache.get(&key, tenant.data_version));
        let at = match held {
            Some(held) => held,
            None => {
                let found = self.reports.period_sums(&tenant.company, key.1.clone(), key.2.clone()).await?;
                let at = Arc::new(SumsAt { version: tenant.data_version, found });
                if let Some(cache) = &self.sums {
                    cache.put(key, Arc::clone(&at));
                }
                at
            }
        };
        // Moved out when no cache holds it too; copied when one does.
        let found = Arc::try_unwrap(at).map_or_else(|held| held.found.clone(), |at| at.found);
        let (label, sums) = match found {
            Some(found) => found,
            // No period asked for and no data yet: the current period, with nothing in it.
            None => (ReportingPeriod::containing(today, start).label(), PeriodSums::default()),
        };
        Ok(EmissionsReport::from_sums(label, sums, employees))
    }

    /// A page of the tenant's sessions, newest first, with what each has contributed, and
    /// whether more follow. (One session per site and reporting period at a time: few enough
    /// to read whole and cut in memory.)
    #[tracing::instrument(name = "reports.sessions", skip_all)]
    pub async fn sessions(
        &self,
        tenant: &Tenant,
        page: crate::services::paging::Page<SessionId>,
    ) -> Result<(Vec<SessionSummary>, bool), DomainError> {
        crate::services::paging::check_limit(page.limit)?;
        let sessions = self.reports.sessions(&tenant.company).await?;
        crate::services::paging::cut(sessions, |s| &s.id, &page, "session of this company")
    }

    /// Completes one of the tenant's sessions; the site's next upload opens a new one.
    #[tracing::instrument(name = "reports.complete_session", skip_all)]
    pub async fn complete_session(
        &self,
        tenant: &Tenant,
        id: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<SessionSummary, DomainError> {
        tenant.require(Action::Record)?;
        self.reports.complete_session(&tenant.company, id, now).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::NaiveDate;

    use super::*;
    use crate::model::{CompanyOverview, DataVersion, Micrograms};
    use crate::services::reports::ports::MockEmissionsRepository;
    use crate::services::tenants::Overviews;
    use crate::services::tenants::ports::MockCompanyRepository;
    use crate::services::testing::{acme, tenant};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 20).expect("date")
    }

    /// Reports over a store whose every read of sums is counted, and answers `kg` of scope 1.
    fn reports(reads: Arc<AtomicUsize>) -> Reports {
        let company = acme();
        let mut companies = MockCompanyRepository::new();
        companies.expect_overview().returning(move |_| {
            Ok(Some(CompanyOverview {
                company: company.clone(),
                sites: Vec::new(),
                current_emissions: None,
                version: DataVersion(1),
            }))
        });
        let mut store = MockEmissionsRepository::new();
        store.expect_period_sums().returning(move |_, period, _| {
            let n = reads.fetch_add(1, Ordering::SeqCst) + 1;
            let sums = PeriodSums {
                by_scope_and_type: vec![(
                    1,
                    crate::calculation::BillType::Gas,
                    Micrograms(i128::try_from(n).expect("small") * 1_000_000_000),
                )],
                ..PeriodSums::default()
            };
            Ok(Some((period.unwrap_or_else(|| "2025-26".into()), sums)))
        });
        Reports::new(Arc::new(store), Overviews::new(Arc::new(companies)), 16)
    }

    #[test]
    fn sums_are_read_once_per_data_version_and_again_after_any_write() {
        pollster::block_on(read_once_per_version());
    }

    async fn read_once_per_version() {
        let reads = Arc::new(AtomicUsize::new(0));
        let reports = reports(Arc::clone(&reads));
        let at = |version: i64| crate::model::Tenant { data_version: DataVersion(version), ..tenant() };
        let kg = |report: &EmissionsReport| report.scope1.total.0 / 1_000_000_000;

        let first = reports.emissions(&at(5), None, None, today()).await.expect("report");
        let again = reports.emissions(&at(5), None, None, today()).await.expect("report");
        assert_eq!((kg(&first), kg(&again), reads.load(Ordering::SeqCst)), (1, 1, 1), "the second from memory");
        let period = reports.emissions(&at(5), Some("2025-26"), None, today()).await.expect("report");
        assert_eq!((kg(&period), reads.load(Ordering::SeqCst)), (2, 2), "another question is another read");
        let after_a_write = reports.emissions(&at(6), None, None, today()).await.expect("report");
        assert_eq!((kg(&after_a_write), reads.load(Ordering::SeqCst)), (3, 3), "a newer version reads again");
        let other =
            crate::model::Tenant { company: crate::model::CompanyId::parse("comp_other").expect("id"), ..at(6) };
        let theirs = reports.emissions(&other, None, None, today()).await;
        assert!(theirs.is_ok());
        assert_eq!(reads.load(Ordering::SeqCst), 4, "tenants never share sums");
        assert_eq!(reports.stats().hits, 1);
    }

    #[test]
    fn with_no_cache_every_report_reads_the_totals() {
        let reads = Arc::new(AtomicUsize::new(0));
        let mut reports = reports(Arc::clone(&reads));
        reports.sums = None;
        for _ in 0..3 {
            pollster::block_on(reports.emissions(&tenant(), None, None, today())).expect("report");
        }
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        assert_eq!(reports.stats(), crate::services::cache::CacheStats::default());
    }
}
