//! Reading a passport by its slug, its published plan's PDF, and switching it on and off.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Held, Passports};
use crate::DomainError;
use crate::calculation::ReportingPeriod;
use crate::crp::PlanStatus;
use crate::model::{
    Action, Company, DataVersion, EmissionsReport, FactorSetUsed, PassportPeriod, PublicPassport, Role, Tenant,
    company::validate_slug,
};

/// The published plan's PDF, as a buyer downloads it from the passport.
#[derive(Debug, Clone)]
pub struct PassportPdf {
    pub passport: Arc<PublicPassport>,
    pub pdf: crate::services::plans::PlanPdf,
}

impl Passports {
    /// The passport at `slug`, from the client at `client` (its network address). An unknown
    /// slug and a switched-off passport are the same `NotFound`. Every lookup of a slug this
    /// process does not hold counts against the address like a request without a valid key,
    /// before the lookup (so requests in flight together cannot get past the allowance); an
    /// address that used its allowance up is refused (`RateLimited`) before anything, real slugs
    /// too, so a hit cannot be told from a miss and slugs cannot be tried faster than that.
    #[tracing::instrument(name = "passports.passport", skip_all)]
    pub async fn passport(
        &self,
        slug: &str,
        client: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Arc<PublicPassport>, DomainError> {
        if let Some(client) = client {
            if let Some(refused) = self.ports.limiter.client_refused(client) {
                return Err(DomainError::RateLimited(refused));
            }
            // Checked and counted with no wait in between: the next request sees this count.
            if self.held(slug).is_none() {
                self.ports.limiter.count_client(client, self.ports.unauthenticated);
            }
        }
        self.find(slug, now).await?.ok_or(DomainError::not_found("passport"))
    }

    /// The PDF of the plan the passport at `slug` shows: only a published plan, while the
    /// passport is activated (`NotFound` otherwise, counted as [`Passports::passport`] counts).
    #[tracing::instrument(name = "passports.plan_pdf", skip_all)]
    pub async fn plan_pdf(
        &self,
        slug: &str,
        client: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PassportPdf, DomainError> {
        let mut passport = self.passport(slug, client, now).await?;
        for fresh in [false, true] {
            if fresh {
                // The plan held was superseded by one published since (in another process):
                // read the passport again rather than answer 404.
                self.forget(slug);
                passport = self.find(slug, now).await?.ok_or(DomainError::not_found("passport"))?;
            }
            let plan = passport.plan.as_ref().ok_or(DomainError::not_found("published plan"))?;
            // The plans area reads the plan again by the company's id: it is served only if it
            // is still the published one.
            let reader = Tenant {
                company: passport.company.id.clone(),
                data_version: passport.version,
                role: Role::Member,
                key_rolled: false,
            };
            let pdf = self.plans.plan_pdf(&reader, &plan.id, Box::pin(async { Ok(()) })).await?;
            if pdf.plan.status == PlanStatus::Published {
                return Ok(PassportPdf { passport, pdf });
            }
        }
        Err(DomainError::not_found("published plan"))
    }

    /// Switches the tenant's passport on or off (owners). Returns the tenant's data version after
    /// the change, at which its overview shows it. This process stops serving a switched-off
    /// passport at once; others within `recheck`.
    #[tracing::instrument(name = "passports.set_activated", skip_all)]
    pub async fn set_activated(&self, tenant: &Tenant, activated: bool) -> Result<DataVersion, DomainError> {
        tenant.require(Action::ManagePassport)?;
        let version = self.ports.passports.set_passport_activated(&tenant.company, activated).await?;
        self.forget_company(&tenant.company);
        Ok(version)
    }

    /// The passport at `slug` if it is activated: from memory while its data version has not
    /// moved (asked at most once per `recheck`), else put together again.
    async fn find(&self, slug: &str, now: DateTime<Utc>) -> Result<Option<Arc<PublicPassport>>, DomainError> {
        // Not a slug any company can have: no lookup.
        if validate_slug(slug).is_err() {
            return Ok(None);
        }
        let today = now.date_naive();
        let held = self.held(slug);
        let epoch = self.epoch.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(held) = &held
            && now - held.checked_at < self.recheck
            && now >= held.checked_at
            && held.passport.built_on == today
        {
            return Ok(Some(Arc::clone(&held.passport)));
        }
        let Some((company, version)) = self.ports.passports.activated_passport(slug).await? else {
            self.forget(slug);
            return Ok(None);
        };
        let passport = match held {
            Some(held) if held.passport.version == version && held.passport.built_on == today => held.passport,
            _ => Arc::new(self.build(company, version, now).await?),
        };
        // Kept only if nothing was forgotten while it was read: a switch-off in this process
        // during the lookup must not be undone by it.
        if self.epoch.load(std::sync::atomic::Ordering::SeqCst) == epoch {
            self.hold(slug, Held { passport: Arc::clone(&passport), checked_at: now });
        }
        Ok(Some(passport))
    }

    /// A passport from the company's confirmed data and published plan. Read after `version`,
    /// so it is at least that new; a newer write is seen at the next check.
    async fn build(
        &self,
        company: Company,
        version: DataVersion,
        now: DateTime<Utc>,
    ) -> Result<PublicPassport, DomainError> {
        let today = now.date_naive();
        let start = company.reporting_year_start;
        let mut complete = Vec::new();
        for label in self.ports.passports.reporting_periods(&company.id).await? {
            let period = ReportingPeriod::parse(&label, start)?;
            // Only periods that have ended: a year in progress is not a year's emissions.
            if period.end() < today {
                complete.push(period);
            }
        }
        let mut periods = Vec::with_capacity(complete.len());
        for period in complete {
            let label = period.label();
            let sums = self.ports.sums.period_sums(&company.id, Some(label.clone()), None).await?;
            let Some((label, sums)) = sums else { continue };
            let report = EmissionsReport::from_sums(label, sums, company.employee_count);
            let factors = self.ports.factors.choose(period.factor_year()).map(|choice| FactorSetUsed {
                year: choice.set.year,
                edition: choice.set.edition.clone(),
                gwp_basis: choice.set.gwp_basis.clone(),
                fallback: choice.fallback,
            });
            periods.push(PassportPeriod { start: period.start(), end: period.end(), report, factors });
        }
        let plan = self.ports.passports.published_plan(&company.id).await?;
        let mut periods = periods.into_iter();
        let latest = periods.next();
        Ok(PublicPassport { company, version, built_on: today, built_at: now, latest, past: periods.collect(), plan })
    }

    fn held(&self, slug: &str) -> Option<Held> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(slug).cloned()
    }

    fn hold(&self, slug: &str, held: Held) {
        let mut entries = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(slug) {
            entries.clear();
        }
        entries.insert(slug.to_owned(), held);
    }

    fn forget(&self, slug: &str) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(slug);
    }

    /// Drops the passport of `company` from memory, after a write of its data in this process:
    /// the next view reads it again.
    pub fn forget_company(&self, company: &crate::model::CompanyId) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, held| held.passport.company.id != *company);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::model::{PeriodSums, RateLimitStatus};
    use crate::services::passports::test_support::Mocks;
    use crate::services::testing::acme;

    fn at(day: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, day, 12, 0, second).single().expect("time")
    }

    /// A passport store whose company is at `version`, counting the version reads and builds.
    fn mocks(version: Arc<AtomicI64>, lookups: Arc<AtomicUsize>, builds: Arc<AtomicUsize>) -> Mocks {
        let mut mocks = Mocks::default();
        mocks.passports.expect_activated_passport().returning(move |slug| {
            lookups.fetch_add(1, Ordering::SeqCst);
            let company = acme();
            Ok((slug == company.passport.slug).then(|| (company, DataVersion(version.load(Ordering::SeqCst)))))
        });
        mocks.passports.expect_reporting_periods().returning(move |_| {
            builds.fetch_add(1, Ordering::SeqCst);
            // One period in progress on the test's days, two ended.
            Ok(vec!["2026-27".into(), "2025-26".into(), "2024-25".into()])
        });
        mocks
            .sums
            .expect_period_sums()
            .returning(|_, period, _| Ok(Some((period.expect("asked"), PeriodSums::default()))));
        mocks.passports.expect_published_plan().returning(|_| Ok(None));
        mocks.limiter.expect_client_refused().returning(|_| None);
        mocks
    }

    #[test]
    fn a_passport_shows_only_ended_periods_newest_first() {
        let counters = (Arc::new(AtomicI64::new(1)), Arc::default(), Arc::default());
        let passports = mocks(counters.0, counters.1, counters.2).into_service();
        let slug = acme().passport.slug;
        let passport = pollster::block_on(passports.passport(&slug, None, at(1, 0))).expect("passport");
        let latest = passport.latest.as_ref().expect("a complete period");
        assert_eq!(latest.report.reporting_period, "2025-26", "2026-27 has not ended on 1 June 2026");
        assert_eq!(passport.past.iter().map(|p| p.report.reporting_period.as_str()).collect::<Vec<_>>(), ["2024-25"]);
        assert_eq!(latest.factors.as_ref().map(|f| f.year), Some(2025));
    }

    #[test]
    fn a_passport_is_read_again_only_after_the_recheck_and_rebuilt_only_when_its_data_moved() {
        let (version, lookups, builds) =
            (Arc::new(AtomicI64::new(1)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let passports = mocks(Arc::clone(&version), Arc::clone(&lookups), Arc::clone(&builds)).into_service();
        let slug = acme().passport.slug;
        let get = |when| pollster::block_on(passports.passport(&slug, None, when)).expect("passport");
        let first = get(at(1, 0));
        let within = get(at(1, 0) + TimeDelta::milliseconds(500));
        assert!(Arc::ptr_eq(&first, &within), "served from memory within the recheck");
        assert_eq!((lookups.load(Ordering::SeqCst), builds.load(Ordering::SeqCst)), (1, 1));
        let after = get(at(1, 2));
        assert!(Arc::ptr_eq(&first, &after), "the version was read again, unchanged: the same passport");
        assert_eq!((lookups.load(Ordering::SeqCst), builds.load(Ordering::SeqCst)), (2, 1));
        version.store(2, Ordering::SeqCst);
        let moved = get(at(1, 4));
        assert!(!Arc::ptr_eq(&first, &moved), "a write anywhere rebuilds it");
        assert_eq!((moved.version, builds.load(Ordering::SeqCst)), (DataVersion(2), 2));
        let next_day = get(at(2, 0));
        assert_eq!(builds.load(Ordering::SeqCst), 3, "a new day may end a period: rebuilt");
        assert_eq!(next_day.built_on, at(2, 0).date_naive());
    }

    #[test]
    fn unknown_and_switched_off_slugs_are_one_not_found_counted_against_the_address() {
        let counters = (Arc::new(AtomicI64::new(1)), Arc::default(), Arc::default());
        let mut mocks = mocks(counters.0, counters.1, counters.2);
        let counted = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&counted);
        mocks.limiter.expect_count_client().returning(move |client, _| {
            assert_eq!(client, "10.0.0.9");
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let passports = mocks.into_service();
        for slug in ["no-such-company", "UPPER", "../etc", ""] {
            let err = pollster::block_on(passports.passport(slug, Some("10.0.0.9"), at(1, 0))).expect_err(slug);
            assert!(matches!(err, DomainError::NotFound { entity: "passport" }), "{slug}: {err:?}");
        }
        assert_eq!(counted.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn a_lookup_is_counted_before_it_is_made_and_a_passport_held_costs_nothing() {
        let counters = (Arc::new(AtomicI64::new(1)), Arc::default(), Arc::default());
        let mut mocks = mocks(counters.0, counters.1, counters.2);
        let counted = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&counted);
        mocks.limiter.expect_count_client().returning(move |_, _| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let passports = mocks.into_service();
        let slug = acme().passport.slug;
        pollster::block_on(passports.passport(&slug, Some("10.0.0.1"), at(1, 0))).expect("first view");
        assert_eq!(counted.load(Ordering::SeqCst), 1, "a slug not held costs its lookup, hit or miss");
        for second in 1..5 {
            pollster::block_on(passports.passport(&slug, Some("10.0.0.1"), at(1, second))).expect("views");
        }
        assert_eq!(counted.load(Ordering::SeqCst), 1, "views of a passport held cost nothing");
    }

    #[test]
    fn an_address_out_of_allowance_is_refused_before_any_lookup() {
        let mut mocks = Mocks::default();
        let refusal = RateLimitStatus {
            limit: 60,
            remaining: 0,
            reset_after: std::time::Duration::from_secs(30),
            retry_after: Some(std::time::Duration::from_secs(1)),
        };
        mocks.limiter.expect_client_refused().returning(move |_| Some(refusal));
        mocks.passports.expect_activated_passport().never();
        let passports = mocks.into_service();
        let err =
            pollster::block_on(passports.passport("acme-industries", Some("10.0.0.9"), at(1, 0))).expect_err("refused");
        assert!(matches!(err, DomainError::RateLimited(_)), "{err:?}");
    }

    #[test]
    fn only_an_owner_switches_the_passport_and_this_process_forgets_it_at_once() {
        let (version, lookups, builds) =
            (Arc::new(AtomicI64::new(1)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut mocks = mocks(Arc::clone(&version), lookups, builds);
        let bumped = Arc::clone(&version);
        mocks
            .passports
            .expect_set_passport_activated()
            .returning(move |_, _| Ok(DataVersion(bumped.fetch_add(1, Ordering::SeqCst) + 1)));
        let passports = mocks.into_service();
        let slug = acme().passport.slug;
        let first = pollster::block_on(passports.passport(&slug, None, at(1, 0))).expect("passport");
        let member = Tenant { role: Role::Member, ..crate::services::testing::tenant() };
        let refused = pollster::block_on(passports.set_activated(&member, false)).expect_err("members may not");
        assert!(matches!(refused, DomainError::Forbidden { .. }), "{refused:?}");
        let owner = Tenant { role: Role::Owner, ..crate::services::testing::tenant() };
        assert_eq!(pollster::block_on(passports.set_activated(&owner, true)).expect("owner"), DataVersion(2));
        let again = pollster::block_on(passports.passport(&slug, None, at(1, 0))).expect("passport");
        assert!(!Arc::ptr_eq(&first, &again), "read again within the recheck: the switch was forgotten here");
    }
}
