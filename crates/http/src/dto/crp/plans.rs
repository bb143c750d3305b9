//! `/api/v1/crp`: generating a plan, listing and reading plans in the seed's shape.

use carbonpass_domain::DomainError;
use carbonpass_domain::crp::{CarbonReductionPlan, PlanSummary, Section};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::schema;
use crate::dto::time::rfc3339;

use super::content::ContentOut;

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
