//! A plan's frozen content (`?expand=content`), on the wire.

use carbonpass_domain::crp::{CarbonReductionPlan, CategoryFigure, EmissionFigures, Figure, PeriodSpan, Section};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::figures::Tonnes;
use crate::dto::schema;
use crate::dto::time::rfc3339;

use super::inputs_out::{
    DeclarationOut, InterimTargetOut, MeasureOut, ProjectOut, declaration_out, interim_out, measure_out, project_out,
};

/// What the plan froze when it was generated, and what it still lacks for publishing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpContent)]
pub(crate) struct ContentOut<'a> {
    pub organisation: OrganisationDetailsOut<'a>,
    pub reporting_period: PeriodOut<'a>,
    /// `null` when the reporting period has no confirmed bills.
    pub current_emissions: Option<FiguresOut<'a>>,
    pub baseline: Option<BaselineOut<'a>>,
    /// Every required category (4, 5, 6, 7, 9), and every other with a figure or statement.
    pub scope3_categories: Vec<CategoryOut<'a>>,
    pub net_zero_year: i32,
    pub interim_target: Option<InterimTargetOut>,
    /// One point a year from the baseline to net zero; empty without baseline figures.
    pub trajectory: Vec<TrajectoryPointOut>,
    pub projects: Vec<ProjectOut<'a>>,
    pub measures: Vec<MeasureOut<'a>>,
    pub declaration: Option<DeclarationOut<'a>>,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    /// The sections the plan lacks.
    #[schema(schema_with = schema::sections_list)]
    pub missing_sections: Vec<&'static str>,
    /// The checks before publishing that the plan fails.
    pub failed_checks: Vec<FailedCheckOut>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpOrganisation)]
pub(crate) struct OrganisationDetailsOut<'a> {
    pub name: &'a str,
    pub registered_address: Option<&'a str>,
    pub company_number: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpPeriod)]
pub(crate) struct PeriodOut<'a> {
    #[schema(example = "2025-26")]
    pub label: &'a str,
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub end: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpFigure)]
pub(crate) struct FigureOut<'a> {
    pub tco2e: Tonnes,
    /// Why the figure is zero, when it is.
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpFigures)]
pub(crate) struct FiguresOut<'a> {
    pub scope1: FigureOut<'a>,
    pub scope2: FigureOut<'a>,
    pub scope3: FigureOut<'a>,
    pub total: Tonnes,
    pub source: &'a str,
    /// Scope 2 market-based, beside the location-based `scope2` (which `total` adds up) and never
    /// in the total, with how it was made (`note`); `null` for stated figures and plans
    /// generated before it was reported.
    pub scope2_market_based: Option<FigureOut<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpBaseline)]
pub(crate) struct BaselineOut<'a> {
    pub period: PeriodOut<'a>,
    pub emissions: Option<FiguresOut<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpScope3Category)]
pub(crate) struct CategoryOut<'a> {
    pub category: u8,
    pub name: &'a str,
    pub required: bool,
    /// From the period's bills and activities; 0 for a category stated `not_applicable` without
    /// any; `null` when nothing measures it.
    pub tco2e: Option<Tonnes>,
    pub statement: Option<&'a str>,
    /// The statement's status (`not_applicable`, `not_quantified`), when there is a statement.
    #[schema(schema_with = crate::dto::schema::statement_status_or_null)]
    pub status: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpTrajectoryPoint)]
pub(crate) struct TrajectoryPointOut {
    pub year: i32,
    pub tco2e: Tonnes,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpFailedCheck)]
pub(crate) struct FailedCheckOut {
    #[schema(schema_with = schema::check_code)]
    pub check: &'static str,
    pub message: String,
}

fn period_out(p: &PeriodSpan) -> PeriodOut<'_> {
    PeriodOut { label: &p.label, start: p.start.to_string(), end: p.end.to_string() }
}

fn figure_out(f: &Figure) -> FigureOut<'_> {
    FigureOut { tco2e: Tonnes::of_tonnes(f.tco2e), note: f.note.as_deref() }
}

fn figures_out(f: &EmissionFigures) -> FiguresOut<'_> {
    FiguresOut {
        scope1: figure_out(&f.scope1),
        scope2: figure_out(&f.scope2),
        scope3: figure_out(&f.scope3),
        total: Tonnes::of_tonnes(f.total),
        source: &f.source,
        scope2_market_based: f.scope2_market_based.as_ref().map(figure_out),
    }
}

fn category_out(c: &CategoryFigure) -> CategoryOut<'_> {
    CategoryOut {
        category: c.category,
        name: &c.name,
        required: c.required,
        tco2e: c.tco2e.map(Tonnes::of_tonnes),
        statement: c.statement.as_deref(),
        // A statement kept by a plan generated before statuses existed is not quantified.
        status: c.statement.as_ref().map(|_| c.status.unwrap_or_default().as_str()),
    }
}

impl<'a> ContentOut<'a> {
    pub(crate) fn of(plan: &'a CarbonReductionPlan) -> Self {
        let c = &plan.content;
        ContentOut {
            organisation: OrganisationDetailsOut {
                name: &c.organisation.name,
                registered_address: c.organisation.registered_address.as_deref(),
                company_number: c.organisation.company_number.as_deref(),
            },
            reporting_period: period_out(&c.reporting_period),
            current_emissions: c.current_emissions.as_ref().map(figures_out),
            baseline: c.baseline.as_ref().map(|b| BaselineOut {
                period: period_out(&b.period),
                emissions: b.emissions.as_ref().map(figures_out),
            }),
            scope3_categories: c.scope3_categories.iter().map(category_out).collect(),
            net_zero_year: plan.target_year,
            interim_target: c.interim_target.as_ref().map(interim_out),
            trajectory: c
                .trajectory
                .iter()
                .map(|p| TrajectoryPointOut { year: p.year, tco2e: Tonnes::of_tonnes(p.tco2e) })
                .collect(),
            projects: c.projects.iter().map(project_out).collect(),
            measures: c.measures.iter().map(measure_out).collect(),
            declaration: c.declaration.as_ref().map(declaration_out),
            published_at: plan.published_at.map(rfc3339),
            missing_sections: plan.missing_sections().into_iter().map(Section::as_str).collect(),
            failed_checks: plan
                .failed_checks()
                .into_iter()
                .map(|f| FailedCheckOut { check: f.check, message: f.message })
                .collect(),
        }
    }
}
