//! Reporting: a period's emissions (`GET /emissions`) and the sessions that collect bills.

use chrono::{DateTime, NaiveDate, Utc};

use super::Reports;
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
        let (label, sums) = match self.reports.period_sums(&tenant.company, asked, site).await? {
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
