//! A Carbon Reduction Plan: what it froze when it was generated, its seven sections and whether
//! each is present (SPEC 4), and the checks buyers fail plans on.

use chrono::{DateTime, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::inputs::{Declaration, InterimTarget, LATEST_NET_ZERO_YEAR, Measure, Project};
use super::scope3::REQUIRED_CATEGORIES;
use super::trajectory::TrajectoryPoint;
use crate::model::PlanId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Draft,
    Published,
    /// Was published; a newer plan has been published since.
    Superseded,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [PlanStatus::Draft, PlanStatus::Published, PlanStatus::Superseded];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
            PlanStatus::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The template's seven sections, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    OrganisationDetails,
    BaselineEmissions,
    CurrentEmissions,
    ReductionTargets,
    ReductionProjects,
    EnvironmentalMeasures,
    Declaration,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::OrganisationDetails,
        Section::BaselineEmissions,
        Section::CurrentEmissions,
        Section::ReductionTargets,
        Section::ReductionProjects,
        Section::EnvironmentalMeasures,
        Section::Declaration,
    ];

    /// The section of a wire name, as `as_str` writes it.
    pub fn parse(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The name on the wire (`sections`, `missingSections`).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::OrganisationDetails => "organisationDetails",
            Section::BaselineEmissions => "baselineEmissions",
            Section::CurrentEmissions => "currentEmissions",
            Section::ReductionTargets => "reductionTargets",
            Section::ReductionProjects => "reductionProjects",
            Section::EnvironmentalMeasures => "environmentalMeasures",
            Section::Declaration => "declaration",
        }
    }

    /// The section's heading, as the document names it.
    pub fn title(self) -> &'static str {
        match self {
            Section::OrganisationDetails => "Organisation details",
            Section::BaselineEmissions => "Baseline emissions",
            Section::CurrentEmissions => "Current emissions",
            Section::ReductionTargets => "Emissions reduction targets",
            Section::ReductionProjects => "Carbon reduction projects",
            Section::EnvironmentalMeasures => "Environmental management measures",
            Section::Declaration => "Declaration and sign off",
        }
    }

    /// What the section needs to be present, for a person.
    pub fn needs(self) -> &'static str {
        match self {
            Section::OrganisationDetails => "the organisation's registered address (organisation.registeredAddress)",
            Section::BaselineEmissions => {
                "a baseline period (baselinePeriod) with confirmed bills, or stated figures (baselineEmissions)"
            }
            Section::CurrentEmissions => {
                "confirmed bills in the plan's reporting period, and a figure or statement for each required scope 3 category"
            }
            Section::ReductionTargets => {
                "a net-zero year after the plan's year and no later than 2050, and an interim target (year and reductionPercent) between them"
            }
            Section::ReductionProjects => "at least one completed or planned project with its estimated saving",
            Section::EnvironmentalMeasures => "at least one environmental management measure",
            Section::Declaration => "a signatory's name and role and the sign-off date (declaration)",
        }
    }
}

/// A reporting period as the plan states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpan {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// One scope's figure in tCO2e (exact); a zero carries why it is zero, from the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub tco2e: Decimal,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmissionFigures {
    pub scope1: Figure,
    /// Location-based (grid-average factors): the figure `total` adds up.
    pub scope2: Figure,
    pub scope3: Figure,
    pub total: Decimal,
    /// Scope 2 market-based, beside the location-based figure and never in `total`, with how it
    /// was made; `None` for stated figures and plans generated before it was reported.
    pub scope2_market_based: Option<Figure>,
    /// Where the figures come from (the bills and factor sets, or the stated source).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub period: PeriodSpan,
    /// `None` when the period has neither confirmed bills nor stated figures.
    pub emissions: Option<EmissionFigures>,
}

/// A scope 3 category in the plan: its figure for the reporting period, its statement, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryFigure {
    pub category: u8,
    pub name: String,
    pub required: bool,
    /// From the period's bills and activities; 0 for a category stated not applicable without
    /// any; `None` when nothing measures it.
    pub tco2e: Option<Decimal>,
    pub statement: Option<String>,
    /// What the statement says of the category, when there is one.
    pub status: Option<super::inputs::StatementStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationDetails {
    pub name: String,
    pub registered_address: Option<String>,
    pub company_number: Option<String>,
}

/// Everything a plan used, frozen when it was generated: a later bill or input never alters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContent {
    pub organisation: OrganisationDetails,
    pub reporting_period: PeriodSpan,
    /// `None` when the reporting period has no confirmed bills.
    pub current_emissions: Option<EmissionFigures>,
    pub baseline: Option<Baseline>,
    pub scope3_categories: Vec<CategoryFigure>,
    pub interim_target: Option<InterimTarget>,
    /// Empty without baseline figures (the path starts from them).
    pub trajectory: Vec<TrajectoryPoint>,
    pub projects: Vec<Project>,
    pub measures: Vec<Measure>,
    pub declaration: Option<Declaration>,
    /// How the figures were made, worked out from the records when the plan was generated;
    /// `None` for plans generated before it was.
    pub methodology: Option<Methodology>,
}

/// What a buyer needs to judge the figures, beyond the figures.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Methodology {
    /// The sites in the boundary when the plan was generated: "Head office (Leeds)".
    pub sites: Vec<String>,
    /// Each scope 3 category with a figure in the reporting year, and what that figure is made of
    /// (`water bills`, `waste records`), so a partial category (wastewater only) says so.
    pub category_sources: Vec<(u8, Vec<String>)>,
    /// What in the reporting year was estimated rather than measured, one entry per kind.
    pub estimated: Vec<String>,
    /// The change from a calculated baseline to the reporting year, split into what changed
    /// conversion factors and what changed activity explain; `None` when the baseline is stated.
    pub change: Option<Vec<ScopeChange>>,
}

/// One scope's change from the baseline, in tCO2e (exact): `from_factors + from_activity = change`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChange {
    pub scope: u8,
    pub change: Decimal,
    /// The reporting year's activity at the reporting year's factors, less the same activity at
    /// the baseline's factors: what the factors alone changed.
    pub from_factors: Decimal,
    /// The rest: more or less activity (and activity that is new or has ended).
    pub from_activity: Decimal,
}

/// The codes of the checks beyond the sections (`failedChecks`).
pub const PLAN_CHECKS: [&str; 6] = [
    "scope3_category_uncovered",
    "scope3_category_not_quantified",
    "periods_misaligned",
    "baseline_after_reporting_period",
    "reporting_period_not_ended",
    "reporting_period_out_of_date",
];

/// A check buyers fail plans on, failed: its stable code and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCheck {
    pub check: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarbonReductionPlan {
    pub id: PlanId,
    pub status: PlanStatus,
    /// The year in which the plan's reporting period ends.
    pub fy_year: i32,
    /// The net-zero year the plan commits to.
    pub target_year: i32,
    pub generated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub content: PlanContent,
}

/// A plan without its content, as a list shows it: the sections it has were judged once, when
/// it was generated (its content never changes), so a page of plans reads no content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSummary {
    pub id: PlanId,
    pub status: PlanStatus,
    pub fy_year: i32,
    pub target_year: i32,
    pub generated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The sections present, in the template's order.
    pub sections: Vec<Section>,
}

impl PlanSummary {
    pub fn has(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }
}

impl CarbonReductionPlan {
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            id: self.id.clone(),
            status: self.status,
            fy_year: self.fy_year,
            target_year: self.target_year,
            generated_at: self.generated_at,
            published_at: self.published_at,
            sections: self.present_sections(),
        }
    }

    pub fn present_sections(&self) -> Vec<Section> {
        Section::ALL.into_iter().filter(|s| self.has(*s)).collect()
    }

    /// Whether `section` is present, by the rules of SPEC 4.
    pub fn has(&self, section: Section) -> bool {
        let c = &self.content;
        match section {
            Section::OrganisationDetails => {
                !c.organisation.name.trim().is_empty() && c.organisation.registered_address.is_some()
            }
            Section::BaselineEmissions => c.baseline.as_ref().is_some_and(|b| b.emissions.is_some()),
            Section::CurrentEmissions => c.current_emissions.is_some() && self.uncovered_categories().is_empty(),
            Section::ReductionTargets => {
                self.target_year <= LATEST_NET_ZERO_YEAR
                    && self.target_year > self.fy_year
                    && c.interim_target.as_ref().is_some_and(|t| t.year > self.fy_year && t.year < self.target_year)
            }
            Section::ReductionProjects => !c.projects.is_empty(),
            Section::EnvironmentalMeasures => !c.measures.is_empty(),
            Section::Declaration => c.declaration.is_some(),
        }
    }

    pub fn missing_sections(&self) -> Vec<Section> {
        Section::ALL.into_iter().filter(|s| !self.has(*s)).collect()
    }

    /// Required scope 3 categories with neither a figure nor a statement.
    fn uncovered_categories(&self) -> Vec<u8> {
        let covered = |n: u8| {
            self.content
                .scope3_categories
                .iter()
                .any(|c| c.category == n && (c.tco2e.is_some() || c.statement.is_some()))
        };
        REQUIRED_CATEGORIES.into_iter().filter(|n| !covered(*n)).collect()
    }

    /// The checks beyond the sections that this plan fails, judged as of its generation.
    pub fn failed_checks(&self) -> Vec<FailedCheck> {
        let c = &self.content;
        let mut failed = Vec::new();
        for category in self.uncovered_categories() {
            let name = super::scope3::Scope3Category::new(category).map_or("", |c| c.name());
            failed.push(FailedCheck {
                check: "scope3_category_uncovered",
                message: format!(
                    "Scope 3 category {category} ({name}) has neither a figure nor a statement; add one to scope3Statements"
                ),
            });
        }
        for figure in c.scope3_categories.iter().filter(|f| f.required && f.tco2e.is_none() && f.statement.is_some()) {
            let name = super::scope3::Scope3Category::new(figure.category).map_or("", |c| c.name());
            failed.push(FailedCheck {
                check: "scope3_category_not_quantified",
                message: format!(
                    "Scope 3 category {} ({name}) is stated but not quantified; record its activities, or state it not_applicable if it does not happen",
                    figure.category
                ),
            });
        }
        let current = &c.reporting_period;
        if let Some(baseline) = &c.baseline {
            let months = |p: &PeriodSpan| (p.start.format("%m").to_string(), p.end.format("%m").to_string());
            if months(&baseline.period) != months(current) {
                failed.push(FailedCheck {
                    check: "periods_misaligned",
                    message: format!(
                        "The baseline period {} and the reporting period {} do not start and end in the same months",
                        baseline.period.label, current.label
                    ),
                });
            }
            if baseline.period.start > current.start {
                failed.push(FailedCheck {
                    check: "baseline_after_reporting_period",
                    message: format!(
                        "The baseline period {} comes after the reporting period {}",
                        baseline.period.label, current.label
                    ),
                });
            }
        }
        let generated = self.generated_at.date_naive();
        if current.end >= generated {
            failed.push(FailedCheck {
                check: "reporting_period_not_ended",
                message: format!(
                    "The reporting period {} had not ended when the plan was generated; its emissions are incomplete",
                    current.label
                ),
            });
        } else if current.end.checked_add_months(Months::new(12)).is_some_and(|limit| limit < generated) {
            failed.push(FailedCheck {
                check: "reporting_period_out_of_date",
                message: format!(
                    "The reporting period {} ended more than 12 months before the plan was generated; generate a plan for a later year",
                    current.label
                ),
            });
        }
        failed
    }

    /// The checks failed if the plan were published `today`: those of its content, and a draft
    /// kept so long that its reporting period is out of date now.
    pub fn failed_checks_on(&self, today: NaiveDate) -> Vec<FailedCheck> {
        let mut failed = self.failed_checks();
        let end = self.content.reporting_period.end;
        let stale = end.checked_add_months(Months::new(12)).is_some_and(|limit| limit < today);
        if stale && !failed.iter().any(|f| f.check == "reporting_period_out_of_date") {
            failed.push(FailedCheck {
                check: "reporting_period_out_of_date",
                message: format!(
                    "The reporting period {} ended more than 12 months ago; generate a plan for a later year",
                    self.content.reporting_period.label
                ),
            });
        }
        failed
    }

    /// Whether the plan may be published: every section present, every check passed.
    pub fn publishable(&self) -> bool {
        self.missing_sections().is_empty() && self.failed_checks().is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::crp::inputs::ProjectStatus;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn figures() -> EmissionFigures {
        let f = |n: i64| Figure { tco2e: Decimal::from(n), note: None };
        EmissionFigures {
            scope1: f(1),
            scope2: f(2),
            scope3: f(3),
            total: Decimal::from(6),
            source: "bills".into(),
            scope2_market_based: None,
        }
    }

    fn span(label: &str, start: NaiveDate, end: NaiveDate) -> PeriodSpan {
        PeriodSpan { label: label.into(), start, end }
    }

    /// A plan with every section present and every check passed.
    pub(crate) fn complete_plan() -> CarbonReductionPlan {
        let category = |n: u8| CategoryFigure {
            category: n,
            name: String::new(),
            required: REQUIRED_CATEGORIES.contains(&n),
            tco2e: Some(Decimal::ZERO),
            statement: Some("none".into()),
            status: Some(crate::crp::StatementStatus::NotApplicable),
        };
        CarbonReductionPlan {
            id: PlanId::parse("crp_p1").expect("id"),
            status: PlanStatus::Draft,
            fy_year: 2026,
            target_year: 2045,
            generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().expect("time"),
            published_at: None,
            content: PlanContent {
                organisation: OrganisationDetails {
                    name: "Acme".into(),
                    registered_address: Some("1 High St".into()),
                    company_number: None,
                },
                reporting_period: span("2025-26", date(2025, 4, 1), date(2026, 3, 31)),
                current_emissions: Some(figures()),
                baseline: Some(Baseline {
                    period: span("2024-25", date(2024, 4, 1), date(2025, 3, 31)),
                    emissions: Some(figures()),
                }),
                scope3_categories: REQUIRED_CATEGORIES.into_iter().map(category).collect(),
                interim_target: Some(InterimTarget { year: 2030, reduction_percent: Decimal::from(40) }),
                trajectory: Vec::new(),
                projects: vec![Project {
                    title: "LED".into(),
                    description: String::new(),
                    status: ProjectStatus::Planned,
                    year: 2027,
                    estimated_saving_tco2e: Decimal::ONE,
                }],
                measures: vec![Measure { title: "ISO 14001".into(), description: String::new() }],
                declaration: Some(Declaration {
                    signatory_name: "Ada".into(),
                    signatory_role: "Director".into(),
                    signed_on: date(2026, 5, 1),
                }),
                methodology: None,
            },
        }
    }

    fn missing(plan: &CarbonReductionPlan) -> Vec<&'static str> {
        plan.missing_sections().into_iter().map(Section::as_str).collect()
    }

    fn checks(plan: &CarbonReductionPlan) -> Vec<&'static str> {
        let codes: Vec<&'static str> = plan.failed_checks().into_iter().map(|c| c.check).collect();
        assert!(codes.iter().all(|c| PLAN_CHECKS.contains(c)), "{codes:?} are listed");
        codes
    }

    #[test]
    fn a_complete_plan_is_publishable() {
        let plan = complete_plan();
        assert!(missing(&plan).is_empty(), "{:?}", missing(&plan));
        assert!(checks(&plan).is_empty(), "{:?}", checks(&plan));
        assert!(plan.publishable());
    }

    #[test]
    fn each_section_goes_missing_by_its_own_rule() {
        type Change = Box<dyn Fn(&mut CarbonReductionPlan)>;
        let cases: Vec<(&str, Change)> = vec![
            ("organisationDetails", Box::new(|p| p.content.organisation.registered_address = None)),
            ("baselineEmissions", Box::new(|p| p.content.baseline = None)),
            ("baselineEmissions", Box::new(|p| p.content.baseline.as_mut().map(|b| b.emissions = None).unwrap_or(()))),
            ("currentEmissions", Box::new(|p| p.content.current_emissions = None)),
            ("reductionTargets", Box::new(|p| p.target_year = 2051)),
            ("reductionTargets", Box::new(|p| p.content.interim_target = None)),
            ("reductionTargets", Box::new(|p| p.content.interim_target.as_mut().map(|t| t.year = 2045).unwrap_or(()))),
            ("reductionTargets", Box::new(|p| p.content.interim_target.as_mut().map(|t| t.year = 2026).unwrap_or(()))),
            ("reductionProjects", Box::new(|p| p.content.projects.clear())),
            ("environmentalMeasures", Box::new(|p| p.content.measures.clear())),
            ("declaration", Box::new(|p| p.content.declaration = None)),
        ];
        for (section, change) in cases {
            let mut plan = complete_plan();
            change(&mut plan);
            assert_eq!(missing(&plan), vec![section]);
            assert!(!plan.publishable());
        }
    }

    #[test]
    fn a_required_category_without_figure_or_statement_fails_and_empties_current_emissions() {
        let mut plan = complete_plan();
        plan.content.scope3_categories.retain(|c| c.category != 6);
        assert_eq!(missing(&plan), vec!["currentEmissions"]);
        assert_eq!(checks(&plan), vec!["scope3_category_uncovered"]);
        assert!(plan.failed_checks()[0].message.contains("category 6 (Business travel)"));
    }

    #[test]
    fn a_required_category_stated_but_not_quantified_fails_its_own_check() {
        let mut plan = complete_plan();
        let travel = plan.content.scope3_categories.iter_mut().find(|c| c.category == 6).expect("category 6");
        travel.tco2e = None;
        travel.status = Some(crate::crp::StatementStatus::NotQuantified);
        assert_eq!(checks(&plan), vec!["scope3_category_not_quantified"]);
        assert!(plan.failed_checks()[0].message.contains("category 6 (Business travel)"));
        // A plan generated before statuses existed kept a statement without one: not quantified too.
        let travel = plan.content.scope3_categories.iter_mut().find(|c| c.category == 6).expect("category 6");
        travel.status = None;
        assert_eq!(checks(&plan), vec!["scope3_category_not_quantified"]);
    }

    #[test]
    fn the_checks_on_periods() {
        let mut plan = complete_plan();
        plan.content.baseline.as_mut().expect("baseline").period = span("2024", date(2024, 1, 1), date(2024, 12, 31));
        assert_eq!(checks(&plan), vec!["periods_misaligned"]);

        let mut plan = complete_plan();
        plan.content.baseline.as_mut().expect("baseline").period = span("2026-27", date(2026, 4, 1), date(2027, 3, 31));
        assert_eq!(checks(&plan), vec!["baseline_after_reporting_period"]);

        let mut plan = complete_plan();
        plan.generated_at = Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).single().expect("time");
        assert_eq!(checks(&plan), vec!["reporting_period_out_of_date"]);
        plan.generated_at = Utc.with_ymd_and_hms(2027, 3, 31, 0, 0, 0).single().expect("time");
        assert!(checks(&plan).is_empty(), "exactly 12 months after is still in date");

        let mut plan = complete_plan();
        plan.generated_at = Utc.with_ymd_and_hms(2026, 3, 31, 0, 0, 0).single().expect("time");
        assert_eq!(checks(&plan), vec!["reporting_period_not_ended"]);
    }
}
