//! The CRP inputs document as stored, on the wire.

use carbonpass_domain::crp::{Declaration, InterimTarget, Measure, Project, StoredInputs};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::figures::Exact;
use crate::dto::schema;
use crate::dto::time::rfc3339;

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
    #[schema(schema_with = crate::dto::schema::statement_status)]
    pub status: &'static str,
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

pub(super) fn interim_out(t: &InterimTarget) -> InterimTargetOut {
    InterimTargetOut { year: t.year, reduction_percent: Exact(t.reduction_percent) }
}

pub(super) fn project_out(p: &Project) -> ProjectOut<'_> {
    ProjectOut {
        title: &p.title,
        description: &p.description,
        status: p.status.as_str(),
        year: p.year,
        estimated_saving_tco2e: Exact(p.estimated_saving_tco2e),
    }
}

pub(super) fn measure_out(m: &Measure) -> MeasureOut<'_> {
    MeasureOut { title: &m.title, description: &m.description }
}

pub(super) fn declaration_out(d: &Declaration) -> DeclarationOut<'_> {
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
                .map(|s| Scope3StatementOut { category: s.category, status: s.status.as_str(), reason: &s.reason })
                .collect(),
            declaration: i.declaration.as_ref().map(declaration_out),
            updated_at: Some(rfc3339(stored.updated_at)),
        }
    }
}
