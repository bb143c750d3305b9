//! Carbon Reduction Plans: the inputs (`/crp-inputs`), generating a plan from them and the
//! confirmed bills, publishing it, reading it, and its PDF.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Plans;
use super::flights::Joined;
use super::ports::{NewPlan, PlanQuery, StillAllowed, StoredPdf};
use crate::DomainError;
use crate::calculation::ReportingPeriod;
use crate::crp::{
    CarbonReductionPlan, CrpInputs, EARLIEST_YEAR, LATEST_NET_ZERO_YEAR, PlanSources, PlanStatus, PlanSummary, Section,
    StoredInputs, plan_content,
};
use crate::model::{Action, PlanId, Tenant};

/// The latest `fyYear` a plan may be asked for.
const LATEST_FY_YEAR: i32 = 2100;

/// What `POST /crp` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratePlan {
    /// The year in which the plan's reporting period ends.
    pub fy_year: i32,
    /// The net-zero year; default the inputs' `netZeroYear`, else 2050.
    pub target_year: Option<i32>,
}

impl Plans {
    /// The tenant's CRP inputs; an empty document if none were ever saved.
    #[tracing::instrument(name = "plans.crp_inputs", skip_all)]
    pub async fn crp_inputs(&self, tenant: &Tenant) -> Result<Option<StoredInputs>, DomainError> {
        self.plans.crp_inputs(&tenant.company).await
    }

    /// Replaces the tenant's CRP inputs with `inputs`, once they pass every rule.
    #[tracing::instrument(name = "plans.replace_crp_inputs", skip_all)]
    pub async fn replace_crp_inputs(
        &self,
        tenant: &Tenant,
        inputs: CrpInputs,
        now: DateTime<Utc>,
    ) -> Result<StoredInputs, DomainError> {
        tenant.require(Action::Plan)?;
        let overview = self.overviews.of(tenant).await?;
        let inputs = inputs.validated(overview.company.reporting_year_start, now.date_naive())?;
        self.printable(&inputs)?;
        self.plans.save_crp_inputs(&tenant.company, inputs, now).await
    }

    /// Every text of the inputs is one the plan's PDF can show.
    fn printable(&self, inputs: &CrpInputs) -> Result<(), DomainError> {
        for (path, text) in inputs.texts() {
            if let Some(c) = self.renderer.unshowable(text) {
                return Err(DomainError::invalid_at(
                    path,
                    format!(
                        "contains {c:?} (U+{:04X}), which the plan's PDF cannot show; its typeface covers {}",
                        u32::from(c),
                        self.renderer.scripts()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Generates a draft plan for the reporting period ending in `ask.fy_year`, freezing every
    /// figure and input it uses.
    #[tracing::instrument(name = "plans.generate_plan", skip_all)]
    pub async fn generate_plan(
        &self,
        tenant: &Tenant,
        ask: GeneratePlan,
        now: DateTime<Utc>,
    ) -> Result<CarbonReductionPlan, DomainError> {
        tenant.require(Action::Plan)?;
        let overview = self.overviews.of(tenant).await?;
        let company = &overview.company;
        let start = company.reporting_year_start;
        if !(EARLIEST_YEAR..=LATEST_FY_YEAR).contains(&ask.fy_year) {
            return Err(DomainError::invalid(
                "fyYear",
                format!("must be a year from {EARLIEST_YEAR} to {LATEST_FY_YEAR}"),
            ));
        }
        let period = ReportingPeriod::ending_in(ask.fy_year, start);
        if period.start() > now.date_naive() {
            return Err(DomainError::invalid(
                "fyYear",
                format!("the reporting period {} has not started yet", period.label()),
            ));
        }
        let inputs = self.plans.crp_inputs(&tenant.company).await?.map(|s| s.inputs).unwrap_or_default();
        let target_year = ask.target_year.or(inputs.net_zero_year).unwrap_or(LATEST_NET_ZERO_YEAR);
        if target_year <= ask.fy_year || target_year > LATEST_NET_ZERO_YEAR {
            let whence = if ask.target_year.is_some() { "" } else { " (taken from netZeroYear in the CRP inputs)" };
            return Err(DomainError::invalid(
                "targetYear",
                format!("{target_year}{whence} must come after fyYear {} and be 2050 at the latest", ask.fy_year),
            ));
        }
        if let Some(interim) = inputs.interim_target.as_ref().filter(|t| t.year >= target_year) {
            return Err(DomainError::invalid(
                "targetYear",
                format!("{target_year} must come after the interim target's year {} in the CRP inputs", interim.year),
            ));
        }
        let baseline_period = inputs
            .baseline_period
            .as_deref()
            .map(|label| {
                ReportingPeriod::parse(label, start).map_err(|_| {
                    DomainError::invalid_at(
                        "baselinePeriod",
                        format!("{label} in the CRP inputs is no longer a reporting period of the company; replace it"),
                    )
                })
            })
            .transpose()?;
        let mut periods = vec![period.label()];
        if let Some(baseline) = baseline_period.filter(|_| inputs.baseline_emissions.is_none()) {
            periods.push(baseline.label());
        }
        let mut bills = self.plans.period_records(&tenant.company, periods).await?.into_iter();
        let current = bills.next().unwrap_or_default();
        let baseline_bills = bills.next().unwrap_or_default();
        let content = plan_content(&PlanSources {
            company,
            sites: &overview.sites,
            inputs: &inputs,
            period,
            current: &current,
            baseline: baseline_period.map(|p| (p, baseline_bills.as_slice())),
            target_year,
        })?;
        let plan = NewPlan { fy_year: ask.fy_year, target_year, generated_at: now, content };
        self.plans.insert_plan(&tenant.company, plan, self.plan_limit).await
    }

    #[tracing::instrument(name = "plans.plan", skip_all)]
    pub async fn plan(&self, tenant: &Tenant, id: &PlanId) -> Result<CarbonReductionPlan, DomainError> {
        self.plans.find_plan(&tenant.company, id).await?.ok_or(DomainError::not_found("carbon reduction plan"))
    }

    /// The tenant's plans, newest first, and whether more follow.
    #[tracing::instrument(name = "plans.plans", skip_all)]
    pub async fn plans(&self, tenant: &Tenant, mut query: PlanQuery) -> Result<(Vec<PlanSummary>, bool), DomainError> {
        if !(1..=100).contains(&query.limit) {
            return Err(DomainError::invalid("limit", "must be from 1 to 100"));
        }
        let limit = query.limit as usize;
        query.limit += 1;
        let mut page = self.plans.list_plans(&tenant.company, query).await?;
        let more = page.len() > limit;
        page.truncate(limit);
        Ok((page, more))
    }

    /// Publishes one of the tenant's plans: only with every section present and every check
    /// passed (`PlanIncomplete` otherwise). Publishing a published plan changes nothing.
    #[tracing::instrument(name = "plans.publish_plan", skip_all)]
    pub async fn publish_plan(
        &self,
        tenant: &Tenant,
        id: &PlanId,
        now: DateTime<Utc>,
    ) -> Result<CarbonReductionPlan, DomainError> {
        tenant.require(Action::Publish)?;
        let plan = self.plan(tenant, id).await?;
        // A published plan is published again as it is, whatever the date.
        let failed_checks =
            if plan.status == PlanStatus::Draft { plan.failed_checks_on(now.date_naive()) } else { Vec::new() };
        let missing_sections = plan.missing_sections();
        if !missing_sections.is_empty() || !failed_checks.is_empty() {
            return Err(DomainError::PlanIncomplete {
                missing_sections: missing_sections.into_iter().map(Section::as_str).collect(),
                failed_checks,
            });
        }
        let (published, _changed) = self.plans.publish_plan(&tenant.company, id, now).await?;
        Ok(published)
    }

    /// Deletes one of the tenant's draft plans and its stored PDFs. `Conflict` for a published
    /// or superseded plan (they are the record of what the company declared).
    #[tracing::instrument(name = "plans.delete_plan", skip_all)]
    pub async fn delete_plan(&self, tenant: &Tenant, id: &PlanId) -> Result<(), DomainError> {
        tenant.require(Action::Plan)?;
        let blob_keys = self.plans.delete_draft(&tenant.company, id).await?;
        for key in blob_keys {
            // The records are gone; a file left behind here is one the sweep of files nobody
            // refers to removes.
            let _best_effort = self.blobs.delete(&key).await;
        }
        Ok(())
    }

    /// One of the tenant's plans with its PDF as stored, if it is: what `HEAD` can say without
    /// rendering.
    #[tracing::instrument(name = "plans.stored_plan_pdf", skip_all)]
    pub async fn stored_plan_pdf(
        &self,
        tenant: &Tenant,
        id: &PlanId,
    ) -> Result<(CarbonReductionPlan, Option<StoredPdf>), DomainError> {
        let plan = self.plan(tenant, id).await?;
        let stored = self.plans.stored_pdf(&tenant.company, id, plan.status).await?;
        Ok((plan, stored))
    }

    /// One of the tenant's plans as a PDF: the one stored for its status, or rendered now (once,
    /// however many ask at the same time), stored and served. `still_allowed` is asked again
    /// when a render that had to wait gets its turn, and by requests that waited for another's
    /// render, before they get its bytes.
    #[tracing::instrument(name = "plans.plan_pdf", skip_all)]
    pub async fn plan_pdf(
        &self,
        tenant: &Tenant,
        id: &PlanId,
        still_allowed: StillAllowed,
    ) -> Result<PlanPdf, DomainError> {
        let plan = self.plan(tenant, id).await?;
        let key = (tenant.company.clone(), plan.id.clone(), plan.status);
        let mut still_allowed = Some(still_allowed);
        loop {
            if let Some(stored) = self.plans.stored_pdf(&tenant.company, id, plan.status).await?
                && let Some(bytes) = self.read_stored(&stored).await?
            {
                return Ok(PlanPdf { plan, bytes, sha256: stored.sha256, source: PdfSource::Stored });
            }
            match self.flights.join(key.clone()) {
                Joined::Leader(leader) => {
                    let check = still_allowed.take().ok_or_else(|| DomainError::Internal("checked twice".into()))?;
                    let outcome = self.render_and_store(tenant, &plan, check).await;
                    leader.land(match &outcome {
                        Ok((bytes, sha256)) => Shared::Pdf(bytes.clone(), sha256.clone()),
                        Err(DomainError::Unavailable(why)) => Shared::Unavailable(why.clone()),
                        Err(_) => Shared::TryAgain,
                    });
                    let (bytes, sha256) = outcome?;
                    return Ok(PlanPdf { plan, bytes, sha256, source: PdfSource::Rendered });
                }
                Joined::Follower(follow) => match follow.await {
                    Some(Shared::Pdf(bytes, sha256)) => {
                        if let Some(check) = still_allowed.take() {
                            check.await?;
                        }
                        return Ok(PlanPdf { plan, bytes, sha256, source: PdfSource::Rendered });
                    }
                    Some(Shared::Unavailable(why)) => return Err(DomainError::Unavailable(why)),
                    // The leader was refused for itself (its key revoked) or went away: this
                    // request renders for itself.
                    Some(Shared::TryAgain) | None => {}
                },
            }
        }
    }

    /// The bytes of a stored PDF; `None` if its file is gone (it is rendered again).
    async fn read_stored(&self, stored: &StoredPdf) -> Result<Option<Arc<Vec<u8>>>, DomainError> {
        let mut reader = match self.blobs.open(&stored.blob_key).await {
            Ok(reader) => reader,
            Err(DomainError::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut bytes = Vec::with_capacity(usize::try_from(reader.size()).unwrap_or(0));
        while let Some(chunk) = reader.next_chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(Arc::new(bytes)))
    }

    /// Renders the plan (waiting its turn), stores the PDF and records it for the plan's status.
    async fn render_and_store(
        &self,
        tenant: &Tenant,
        plan: &CarbonReductionPlan,
        still_allowed: StillAllowed,
    ) -> Result<(Arc<Vec<u8>>, String), DomainError> {
        // The plan says where it is published only when that page is there.
        let overview = self.overviews.of(tenant).await?;
        let passport = &overview.company.passport;
        let slug = passport.activated.then(|| passport.slug.clone());
        let bytes = Arc::new(self.renderer.render_pdf(&tenant.company, plan, slug, still_allowed).await?);
        let mut sink = self.blobs.create().await?;
        if let Err(err) = sink.write(&bytes).await {
            sink.abort().await;
            return Err(err);
        }
        let blob = sink.finish().await?;
        let written = blob.key.clone();
        match self.plans.record_pdf(&tenant.company, &plan.id, plan.status, blob).await {
            Ok(stored) => {
                if stored.blob_key != written {
                    // Another process recorded its copy first: serve that one, keep no second.
                    let _best_effort = self.blobs.delete(&written).await;
                    if let Some(theirs) = self.read_stored(&stored).await? {
                        return Ok((theirs, stored.sha256));
                    }
                }
                Ok((bytes, stored.sha256))
            }
            Err(err) => {
                let _best_effort = self.blobs.delete(&written).await;
                Err(err)
            }
        }
    }
}

/// A plan's PDF, with where it came from.
#[derive(Debug, Clone)]
pub struct PlanPdf {
    pub plan: CarbonReductionPlan,
    /// Shared with other requests for the same PDF, never copied per response.
    pub bytes: Arc<Vec<u8>>,
    /// Lowercase hex SHA-256 of `bytes`: the PDF's strong `ETag`.
    pub sha256: String,
    pub source: PdfSource,
}

/// Where a served PDF came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfSource {
    Stored,
    Rendered,
}

impl PdfSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PdfSource::Stored => "stored",
            PdfSource::Rendered => "rendered",
        }
    }
}

/// What a render's followers get from it.
#[derive(Clone)]
pub(super) enum Shared {
    Pdf(Arc<Vec<u8>>, String),
    /// The renderer refused (queue full, deadline) or storage failed: so would theirs.
    Unavailable(String),
    /// Refused for reasons of the leader's own (its access), or failed: they render for themselves.
    TryAgain,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use mockall::predicate::eq;

    use super::*;
    use crate::crp::InterimTarget;
    use crate::model::{CompanyOverview, DataVersion, Passport, Plan, ReportingYearStart};
    use crate::services::plans::test_support::Mocks;
    use crate::services::testing::{company_from, tenant};
    use rust_decimal::Decimal;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).single().expect("time")
    }

    fn with_company(mocks: &mut Mocks) {
        let company = company_from(
            crate::model::NewCompany {
                name: "Acme Ltd".into(),
                sector: "Retail".into(),
                city: "Leeds".into(),
                employee_count: 5,
                plan: Plan::Business,
                passport: Passport { slug: "acme".into(), activated: false },
                reporting_year_start: ReportingYearStart::APRIL,
            },
            "comp_c",
        );
        mocks.companies.expect_overview().returning(move |_| {
            Ok(Some(CompanyOverview {
                company: company.clone(),
                sites: vec![],
                current_emissions: None,
                version: DataVersion(1),
            }))
        });
    }

    #[test]
    fn members_and_consultants_prepare_plans_but_only_owners_publish_them() {
        for role in [crate::model::Role::Member, crate::model::Role::Consultant] {
            let mut mocks = Mocks::default();
            mocks.plans.expect_find_plan().never();
            mocks.plans.expect_publish_plan().never();
            let services = mocks.into_service();
            let caller = Tenant { role, ..tenant() };
            let id = PlanId::parse("crp_p1").expect("id");
            let result = pollster::block_on(services.publish_plan(&caller, &id, now()));
            assert!(matches!(result, Err(DomainError::Forbidden { .. })), "{role:?}: {result:?}");
        }
    }

    #[test]
    fn inputs_are_validated_before_they_are_saved() {
        let mut mocks = Mocks::default();
        with_company(&mut mocks);
        mocks.plans.expect_save_crp_inputs().never();
        let services = mocks.into_service();
        let bad = CrpInputs { net_zero_year: Some(2060), ..CrpInputs::default() };
        let result = pollster::block_on(services.replace_crp_inputs(&tenant(), bad, now()));
        assert!(matches!(result, Err(DomainError::InvalidAt { path, .. }) if path == "netZeroYear"));
    }

    #[test]
    fn text_the_pdf_cannot_show_is_refused_with_its_path() {
        let mut mocks = Mocks::default();
        with_company(&mut mocks);
        mocks.plans.expect_save_crp_inputs().never();
        mocks.renderer.expect_unshowable().returning(|text| text.chars().find(|c| *c == '中'));
        mocks.renderer.expect_scripts().return_const("Latin");
        let services = mocks.into_service();
        let inputs = CrpInputs {
            measures: vec![
                crate::crp::Measure { title: "ISO 14001".into(), description: String::new() },
                crate::crp::Measure { title: "Energy audit".into(), description: "中国工厂".into() },
            ],
            ..CrpInputs::default()
        };
        let result = pollster::block_on(services.replace_crp_inputs(&tenant(), inputs, now()));
        match result {
            Err(DomainError::InvalidAt { path, message }) => {
                assert_eq!(path, "measures[1].description");
                assert!(message.contains("U+4E2D") && message.contains("Latin"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn generating_reads_the_period_and_the_baseline_and_takes_the_net_zero_year() {
        let mut mocks = Mocks::default();
        with_company(&mut mocks);
        let inputs =
            CrpInputs { baseline_period: Some("2023-24".into()), net_zero_year: Some(2040), ..CrpInputs::default() };
        mocks
            .plans
            .expect_crp_inputs()
            .returning(move |_| Ok(Some(StoredInputs { inputs: inputs.clone(), updated_at: now() })));
        mocks
            .plans
            .expect_period_records()
            .with(eq(tenant().company), eq(vec!["2025-26".to_owned(), "2023-24".to_owned()]))
            .returning(|_, _| Ok(vec![vec![], vec![]]));
        mocks.plans.expect_insert_plan().returning(|_, new, _| {
            Ok(CarbonReductionPlan {
                id: PlanId::parse("crp_new").expect("id"),
                status: PlanStatus::Draft,
                fy_year: new.fy_year,
                target_year: new.target_year,
                generated_at: new.generated_at,
                published_at: None,
                content: new.content,
            })
        });
        let services = mocks.into_service();
        let plan = pollster::block_on(services.generate_plan(
            &tenant(),
            GeneratePlan { fy_year: 2026, target_year: None },
            now(),
        ))
        .expect("plan");
        assert_eq!((plan.fy_year, plan.target_year), (2026, 2040));
        assert_eq!(plan.content.reporting_period.label, "2025-26");
        assert!(!plan.has(Section::CurrentEmissions), "no bills: no current emissions");
    }

    #[test]
    fn generating_refuses_years_out_of_order() {
        for (fy, target, field) in
            [(2026, Some(2026), "targetYear"), (2026, Some(2051), "targetYear"), (2028, None, "fyYear")]
        {
            let mut mocks = Mocks::default();
            with_company(&mut mocks);
            mocks.plans.expect_crp_inputs().returning(|_| Ok(None));
            mocks.plans.expect_insert_plan().never();
            let services = mocks.into_service();
            let result = pollster::block_on(services.generate_plan(
                &tenant(),
                GeneratePlan { fy_year: fy, target_year: target },
                now(),
            ));
            assert!(matches!(result, Err(DomainError::Invalid { field: f, .. }) if f == field), "{fy} {target:?}");
        }
    }

    #[test]
    fn a_target_year_at_or_before_the_interim_target_is_refused() {
        let mut mocks = Mocks::default();
        with_company(&mut mocks);
        mocks.plans.expect_crp_inputs().returning(|_| {
            let inputs = CrpInputs {
                interim_target: Some(InterimTarget { year: 2035, reduction_percent: Decimal::from(50) }),
                ..CrpInputs::default()
            };
            Ok(Some(StoredInputs { inputs, updated_at: now() }))
        });
        mocks.plans.expect_insert_plan().never();
        let services = mocks.into_service();
        let result = pollster::block_on(services.generate_plan(
            &tenant(),
            GeneratePlan { fy_year: 2026, target_year: Some(2035) },
            now(),
        ));
        assert!(matches!(result, Err(DomainError::Invalid { field, .. }) if field == "targetYear"), "{result:?}");
    }

    #[test]
    fn an_incomplete_plan_is_not_published_and_says_what_it_lacks() {
        let mut mocks = Mocks::default();
        let mut plan = crate::crp::complete_plan();
        plan.content.measures.clear();
        mocks.plans.expect_find_plan().returning(move |_, _| Ok(Some(plan.clone())));
        mocks.plans.expect_publish_plan().never();
        let services = mocks.into_service();
        let id = PlanId::parse("crp_p1").expect("id");
        match pollster::block_on(services.publish_plan(&tenant(), &id, now())) {
            Err(DomainError::PlanIncomplete { missing_sections, .. }) => {
                assert_eq!(missing_sections, vec!["environmentalMeasures"]);
            }
            other => panic!("expected PlanIncomplete, got {other:?}"),
        }
    }

    #[test]
    fn a_draft_kept_until_its_period_is_out_of_date_is_not_published() {
        let mut mocks = Mocks::default();
        let plan = crate::crp::complete_plan();
        mocks.plans.expect_find_plan().returning(move |_, _| Ok(Some(plan.clone())));
        mocks.plans.expect_publish_plan().never();
        let services = mocks.into_service();
        let id = PlanId::parse("crp_p1").expect("id");
        let much_later = Utc.with_ymd_and_hms(2027, 6, 1, 9, 0, 0).single().expect("time");
        match pollster::block_on(services.publish_plan(&tenant(), &id, much_later)) {
            Err(DomainError::PlanIncomplete { missing_sections, failed_checks }) => {
                assert!(missing_sections.is_empty());
                let codes: Vec<&str> = failed_checks.iter().map(|f| f.check).collect();
                assert_eq!(codes, vec!["reporting_period_out_of_date"]);
            }
            other => panic!("expected PlanIncomplete, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_plan_is_published_by_the_store() {
        let mut mocks = Mocks::default();
        let plan = crate::crp::complete_plan();
        let found = plan.clone();
        mocks.plans.expect_find_plan().returning(move |_, _| Ok(Some(found.clone())));
        mocks.plans.expect_publish_plan().times(1).returning(move |_, _, at| {
            Ok((CarbonReductionPlan { status: PlanStatus::Published, published_at: Some(at), ..plan.clone() }, true))
        });
        let services = mocks.into_service();
        let id = PlanId::parse("crp_p1").expect("id");
        let published = pollster::block_on(services.publish_plan(&tenant(), &id, now())).expect("published");
        assert_eq!(published.status, PlanStatus::Published);
    }
}
