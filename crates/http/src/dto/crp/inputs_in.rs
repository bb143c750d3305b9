//! `PUT /api/v1/crp-inputs`: the inputs document as sent, and its parsing into the domain's.

use carbonpass_domain::DomainError;
use carbonpass_domain::crp::{
    CrpInputs, Declaration, InterimTarget, Measure, Organisation, Project, ProjectStatus, Scope3Statement,
    StatedBaseline, StatementStatus,
};
use carbonpass_domain::model::parse_date;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::dto::bills::decimal;
use crate::dto::schema;

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
    /// `not_applicable`: the activity does not happen, and the category is 0 tCO2e with this
    /// reason; `not_quantified` (the default): it happens but is not measured, and a plan with a
    /// required category left so cannot be published. Bills and activities of the category give
    /// its figure whatever this says.
    #[schema(schema_with = crate::dto::schema::statement_status)]
    pub status: Option<String>,
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
                .enumerate()
                .map(|(i, s)| {
                    let status = match s.status.as_deref() {
                        None => StatementStatus::NotQuantified,
                        Some(raw) => StatementStatus::parse(raw).ok_or_else(|| {
                            DomainError::invalid_at(
                                format!("scope3Statements[{i}].status"),
                                "must be not_applicable or not_quantified",
                            )
                        })?,
                    };
                    Ok(Scope3Statement { category: s.category, status, reason: s.reason })
                })
                .collect::<Result<_, DomainError>>()?,
            declaration,
        })
    }
}
