//! `/api/v1/crp-inputs` and `/api/v1/crp`: the CRP inputs document, plans in the seed's shape,
//! and a plan's frozen content (`?expand=content`).

use carbonpass_domain::DomainError;
use carbonpass_domain::crp::{
    CarbonReductionPlan, CategoryFigure, CrpInputs, Declaration, EmissionFigures, Figure, InterimTarget, Measure,
    Organisation, PeriodSpan, PlanSummary, Project, ProjectStatus, Scope3Statement, Section, StatedBaseline,
    StoredInputs,
};
use carbonpass_domain::model::parse_date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::bills::decimal;
use super::figures::Tonnes;
use super::schema;
use super::time::rfc3339;

/// An exact decimal the client sent, written back as the same JSON number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exact(Decimal);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::figures::exact_number(self.0, false).serialize(serializer)
    }
}

impl utoipa::PartialSchema for Exact {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Number)
            .description(Some("An exact decimal, as it was sent."))
            .into()
    }
}

impl utoipa::ToSchema for Exact {}

// ---- the inputs, as sent ----

/// `PUT /api/v1/crp-inputs`: the whole document. A field left out or `null` is not set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CrpInputsRequest, description = "Everything a Carbon Reduction Plan needs beyond the bills. Replaced whole: a field left out or `null` is not set.")]
pub(crate) struct CrpInputsIn {
    pub organisation: Option<OrganisationIn>,
    /// A reporting period of the company (`2024-25`; `2024` for a January start).
    #[schema(example = "2024-25", pattern = "^[0-9]{4}(-[0-9]{2})?$")]
    pub baseline_period: Option<String>,
    /// Figures for a baseline older than the company's bills here; without them the baseline is
    /// calculated from the confirmed bills of `baselinePeriod`.
    pub baseline_emissions: Option<StatedBaselineIn>,
    /// Net zero by this year: from this year to 2050 (PPN 006).
    #[schema(minimum = 2000, maximum = 2050, example = 2045)]
    pub net_zero_year: Option<i32>,
    pub interim_target: Option<InterimTargetIn>,
    #[schema(max_items = 50)]
    pub projects: Option<Vec<ProjectIn>>,
    #[schema(max_items = 50)]
    pub measures: Option<Vec<MeasureIn>>,
    /// Why a scope 3 category has no figure; one per category.
    #[schema(max_items = 15)]
    pub scope3_statements: Option<Vec<Scope3StatementIn>>,
    pub declaration: Option<DeclarationIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = OrganisationRequest)]
pub(crate) struct OrganisationIn {
    #[schema(min_length = 1, max_length = 500, example = "1 High Street, Leeds LS1 1AA")]
    pub registered_address: String,
    /// The Companies House number, if any.
    #[schema(pattern = "^[A-Z0-9]{2}[0-9]{6}$", example = "01234567")]
    pub company_number: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = StatedBaselineRequest)]
pub(crate) struct StatedBaselineIn {
    #[schema(schema_with = schema::tonnes_or_zero_in)]
    pub scope1: Box<RawValue>,
    #[schema(schema_with = schema::tonnes_or_zero_in)]
    pub scope2: Box<RawValue>,
    #[schema(schema_with = schema::tonnes_or_zero_in)]
    pub scope3: Box<RawValue>,
    /// Where the figures come from.
    #[schema(min_length = 1, max_length = 1000, example = "2019-20 footprint by Green Consulting Ltd")]
    pub source: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = InterimTargetRequest)]
pub(crate) struct InterimTargetIn {
    /// Before the net-zero year.
    #[schema(minimum = 1990, maximum = 2049, example = 2030)]
    pub year: i32,
    /// The cut from the baseline by `year`, in percent.
    #[schema(schema_with = schema::percent_in)]
    pub reduction_percent: Box<RawValue>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ProjectRequest)]
pub(crate) struct ProjectIn {
    #[schema(min_length = 1, max_length = 200, example = "LED lighting retrofit")]
    pub title: String,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[schema(schema_with = schema::project_status)]
    pub status: String,
    /// The year it was completed, or is planned for.
    #[schema(minimum = 1990, maximum = 2100, example = 2025)]
    pub year: i32,
    #[schema(schema_with = schema::positive_tonnes_in)]
    pub estimated_saving_tco2e: Box<RawValue>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = MeasureRequest)]
pub(crate) struct MeasureIn {
    #[schema(min_length = 1, max_length = 200, example = "ISO 14001 certification")]
    pub title: String,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Scope3StatementRequest)]
pub(crate) struct Scope3StatementIn {
    /// A GHG Protocol scope 3 category, 1–15.
    #[schema(minimum = 1, maximum = 15, example = 4)]
    pub category: u8,
    #[schema(min_length = 1, max_length = 1000, example = "We buy no transport: suppliers deliver at their cost.")]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = DeclarationRequest)]
pub(crate) struct DeclarationIn {
    #[schema(min_length = 1, max_length = 200, example = "Ada Lovelace")]
    pub signatory_name: String,
    /// A director's role.
    #[schema(min_length = 1, max_length = 200, example = "Managing Director")]
    pub signatory_role: String,
    /// The sign-off date, not in the future.
    #[schema(schema_with = schema::date_text)]
    pub signed_on: String,
}

fn amount(path: &str, value: &RawValue) -> Result<Decimal, DomainError> {
    decimal("amount", value).map_err(|e| e.at(path))
}

impl TryFrom<CrpInputsIn> for CrpInputs {
    type Error = DomainError;
    fn try_from(body: CrpInputsIn) -> Result<Self, DomainError> {
        let stated = body
            .baseline_emissions
            .map(|b| -> Result<StatedBaseline, DomainError> {
                Ok(StatedBaseline {
                    scope1: amount("baselineEmissions.scope1", &b.scope1)?,
                    scope2: amount("baselineEmissions.scope2", &b.scope2)?,
                    scope3: amount("baselineEmissions.scope3", &b.scope3)?,
                    source: b.source,
                })
            })
            .transpose()?;
        let interim = body
            .interim_target
            .map(|t| -> Result<InterimTarget, DomainError> {
                Ok(InterimTarget {
                    year: t.year,
                    reduction_percent: amount("interimTarget.reductionPercent", &t.reduction_percent)?,
                })
            })
            .transpose()?;
        let projects = body
            .projects
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, p)| -> Result<Project, DomainError> {
                Ok(Project {
                    status: ProjectStatus::parse(&p.status).ok_or_else(|| {
                        DomainError::invalid_at(format!("projects[{i}].status"), "must be completed or planned")
                    })?,
                    estimated_saving_tco2e: amount(
                        &format!("projects[{i}].estimatedSavingTco2e"),
                        &p.estimated_saving_tco2e,
                    )?,
                    title: p.title,
                    description: p.description.unwrap_or_default(),
                    year: p.year,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let declaration = body
            .declaration
            .map(|d| -> Result<Declaration, DomainError> {
                Ok(Declaration {
                    signed_on: parse_date("signedOn", &d.signed_on).map_err(|e| e.at("declaration.signedOn"))?,
                    signatory_name: d.signatory_name,
                    signatory_role: d.signatory_role,
                })
            })
            .transpose()?;
        Ok(CrpInputs {
            organisation: body
                .organisation
                .map(|o| Organisation { registered_address: o.registered_address, company_number: o.company_number }),
            baseline_period: body.baseline_period,
            baseline_emissions: stated,
            net_zero_year: body.net_zero_year,
            interim_target: interim,
            projects,
            measures: body
                .measures
                .unwrap_or_default()
                .into_iter()
                .map(|m| Measure { title: m.title, description: m.description.unwrap_or_default() })
                .collect(),
            scope3_statements: body
                .scope3_statements
                .unwrap_or_default()
                .into_iter()
                .map(|s| Scope3Statement { category: s.category, reason: s.reason })
                .collect(),
            declaration,
        })
    }
}

// ---- the inputs, as stored ----

/// The CRP inputs as saved; every field is present, `null` when not set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpInputs)]
pub(crate) struct CrpInputsOut<'a> {
    pub organisation: Option<OrganisationOut<'a>>,
    pub baseline_period: Option<&'a str>,
    pub baseline_emissions: Option<StatedBaselineOut<'a>>,
    pub net_zero_year: Option<i32>,
    pub interim_target: Option<InterimTargetOut>,
    pub projects: Vec<ProjectOut<'a>>,
    pub measures: Vec<MeasureOut<'a>>,
    pub scope3_statements: Vec<Scope3StatementOut<'a>>,
    pub declaration: Option<DeclarationOut<'a>>,
    /// When the inputs were last replaced; `null` before they ever were.
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Organisation)]
pub(crate) struct OrganisationOut<'a> {
    pub registered_address: &'a str,
    pub company_number: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = StatedBaseline)]
pub(crate) struct StatedBaselineOut<'a> {
    pub scope1: Exact,
    pub scope2: Exact,
    pub scope3: Exact,
    pub source: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InterimTarget)]
pub(crate) struct InterimTargetOut {
    pub year: i32,
    pub reduction_percent: Exact,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Project)]
pub(crate) struct ProjectOut<'a> {
    pub title: &'a str,
    pub description: &'a str,
    #[schema(schema_with = schema::project_status)]
    pub status: &'static str,
    pub year: i32,
    pub estimated_saving_tco2e: Exact,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Measure)]
pub(crate) struct MeasureOut<'a> {
    pub title: &'a str,
    pub description: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Scope3Statement)]
pub(crate) struct Scope3StatementOut<'a> {
    pub category: u8,
    pub reason: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Declaration)]
pub(crate) struct DeclarationOut<'a> {
    pub signatory_name: &'a str,
    pub signatory_role: &'a str,
    #[schema(format = Date)]
    pub signed_on: String,
}

fn interim_out(t: &InterimTarget) -> InterimTargetOut {
    InterimTargetOut { year: t.year, reduction_percent: Exact(t.reduction_percent) }
}

fn project_out(p: &Project) -> ProjectOut<'_> {
    ProjectOut {
        title: &p.title,
        description: &p.description,
        status: p.status.as_str(),
        year: p.year,
        estimated_saving_tco2e: Exact(p.estimated_saving_tco2e),
    }
}

fn measure_out(m: &Measure) -> MeasureOut<'_> {
    MeasureOut { title: &m.title, description: &m.description }
}

fn declaration_out(d: &Declaration) -> DeclarationOut<'_> {
    DeclarationOut {
        signatory_name: &d.signatory_name,
        signatory_role: &d.signatory_role,
        signed_on: d.signed_on.to_string(),
    }
}

impl<'a> CrpInputsOut<'a> {
    pub fn of(stored: Option<&'a StoredInputs>) -> Self {
        let empty = CrpInputsOut {
            organisation: None,
            baseline_period: None,
            baseline_emissions: None,
            net_zero_year: None,
            interim_target: None,
            projects: Vec::new(),
            measures: Vec::new(),
            scope3_statements: Vec::new(),
            declaration: None,
            updated_at: None,
        };
        let Some(stored) = stored else { return empty };
        let i = &stored.inputs;
        CrpInputsOut {
            organisation: i.organisation.as_ref().map(|o| OrganisationOut {
                registered_address: &o.registered_address,
                company_number: o.company_number.as_deref(),
            }),
            baseline_period: i.baseline_period.as_deref(),
            baseline_emissions: i.baseline_emissions.as_ref().map(|b| StatedBaselineOut {
                scope1: Exact(b.scope1),
                scope2: Exact(b.scope2),
                scope3: Exact(b.scope3),
                source: &b.source,
            }),
            net_zero_year: i.net_zero_year,
            interim_target: i.interim_target.as_ref().map(interim_out),
            projects: i.projects.iter().map(project_out).collect(),
            measures: i.measures.iter().map(measure_out).collect(),
            scope3_statements: i
                .scope3_statements
                .iter()
                .map(|s| Scope3StatementOut { category: s.category, reason: &s.reason })
                .collect(),
            declaration: i.declaration.as_ref().map(declaration_out),
            updated_at: Some(rfc3339(stored.updated_at)),
        }
    }
}

// ---- plans ----

/// `POST /api/v1/crp`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = GenerateCrpRequest)]
pub(crate) struct GenerateIn {
    /// The year in which the plan's reporting period ends (`2026` for `2025-26`).
    #[schema(pattern = "^[0-9]{4}$", example = "2026")]
    pub fy_year: String,
    /// The net-zero year the plan commits to, after `fyYear` and 2050 at the latest; default the
    /// CRP inputs' `netZeroYear`, else 2050.
    #[schema(pattern = "^[0-9]{4}$", example = "2050")]
    pub target_year: Option<String>,
}

/// A four-digit year sent as text.
pub(crate) fn year(field: &'static str, text: &str) -> Result<i32, DomainError> {
    let digits = text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| DomainError::invalid(field, "must be a year, four digits"))
}

/// `GET /api/v1/crp/{id}` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ShowQueryIn {
    /// `content` adds the plan's frozen content, with what it still lacks.
    #[param(pattern = "^content$")]
    pub expand: Option<String>,
}

/// `GET /api/v1/crp` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQueryIn {
    /// Plans per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^crp_[0-9A-Za-z]{1,64}$")]
    pub cursor: Option<String>,
}

/// Which of the template's seven sections the plan has.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CrpSections)]
pub(crate) struct SectionsOut {
    pub organisation_details: bool,
    pub baseline_emissions: bool,
    pub current_emissions: bool,
    pub reduction_targets: bool,
    pub reduction_projects: bool,
    pub environmental_measures: bool,
    pub declaration: bool,
}

/// A Carbon Reduction Plan, in the seed's shape; `content` only with `?expand=content`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Crp)]
pub(crate) struct CrpOut<'a> {
    #[schema(example = "crp_5tN8xBmQ")]
    pub id: &'a str,
    #[schema(schema_with = schema::plan_status)]
    pub status: &'static str,
    #[schema(example = "2026")]
    pub fy_year: String,
    #[schema(example = "2050")]
    pub target_year: String,
    #[schema(format = DateTime, example = "2026-04-06T14:35:48Z")]
    pub generated_at: String,
    pub sections: SectionsOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub content: Option<ContentOut<'a>>,
}

impl<'a> CrpOut<'a> {
    /// A plan in a list: no content.
    pub fn summary(plan: &'a PlanSummary) -> Self {
        let has = |s| plan.has(s);
        CrpOut {
            id: plan.id.as_str(),
            status: plan.status.as_str(),
            fy_year: plan.fy_year.to_string(),
            target_year: plan.target_year.to_string(),
            generated_at: rfc3339(plan.generated_at),
            sections: SectionsOut {
                organisation_details: has(Section::OrganisationDetails),
                baseline_emissions: has(Section::BaselineEmissions),
                current_emissions: has(Section::CurrentEmissions),
                reduction_targets: has(Section::ReductionTargets),
                reduction_projects: has(Section::ReductionProjects),
                environmental_measures: has(Section::EnvironmentalMeasures),
                declaration: has(Section::Declaration),
            },
            content: None,
        }
    }

    /// One plan (`summary` is `plan.summary()`), with its content when `expand`.
    pub fn of(summary: &'a PlanSummary, plan: &'a CarbonReductionPlan, expand: bool) -> Self {
        CrpOut { content: expand.then(|| ContentOut::of(plan)), ..CrpOut::summary(summary) }
    }
}

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
    pub tco2e: Option<Tonnes>,
    pub statement: Option<&'a str>,
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
    }
}

fn category_out(c: &CategoryFigure) -> CategoryOut<'_> {
    CategoryOut {
        category: c.category,
        name: &c.name,
        required: c.required,
        tco2e: c.tco2e.map(Tonnes::of_tonnes),
        statement: c.statement.as_deref(),
    }
}

impl<'a> ContentOut<'a> {
    fn of(plan: &'a CarbonReductionPlan) -> Self {
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

/// The CRP inputs document read from JSON text exactly as `PUT /api/v1/crp-inputs` reads it (for
/// the CLI, which takes the same file).
pub fn crp_inputs_from_json(text: &str) -> Result<CrpInputs, crate::ApiError> {
    let body: CrpInputsIn = serde_json::from_str(text)
        .map_err(|e| crate::ApiError::from(actix_web::error::JsonPayloadError::Deserialize(e)))?;
    Ok(CrpInputs::try_from(body)?)
}

/// The CRP inputs as `GET /api/v1/crp-inputs` writes them (its `data`), pretty-printed.
pub fn crp_inputs_to_json(stored: Option<&StoredInputs>) -> String {
    serde_json::to_string_pretty(&CrpInputsOut::of(stored)).unwrap_or_default()
}
