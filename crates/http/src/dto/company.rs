//! `GET /api/v1/company`: the seed's shape, field for field. Borrows from the overview (which may
//! be the in-memory copy shared by many requests) instead of copying it.

use carbonpass_domain::model::{CompanyOverview, PeriodTotals, Site};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::figures::Tonnes;
use super::schema;

/// The caller's company: profile, plan, sites and its latest reporting period's emissions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Company)]
pub(crate) struct CompanyOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sector: &'a str,
    pub city: &'a str,
    pub employee_count: u32,
    #[schema(schema_with = schema::plan)]
    pub plan_name: &'static str,
    pub sites: Vec<SiteOut<'a>>,
    /// `null` until a bill is confirmed.
    pub current_emissions: Option<CurrentEmissionsOut<'a>>,
    #[schema(format = "uri")]
    pub passport_url: String,
    pub passport_activated: bool,
}

/// `PATCH /api/v1/company`: what an owner may change through the API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UpdateCompanyRequest)]
pub(crate) struct CompanyPatchIn {
    /// `true` publishes the carbon passport at `passportUrl`; `false` takes it down.
    pub passport_activated: bool,
}

/// A site of the company.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Site)]
pub(crate) struct SiteOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub city: &'a str,
    pub employee_count: u32,
}

/// The latest reporting period's totals, in tCO2e.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CurrentEmissions)]
pub(crate) struct CurrentEmissionsOut<'a> {
    #[schema(example = "2025-26")]
    pub reporting_period: &'a str,
    pub total_tco2e: Tonnes,
    pub scope1: Tonnes,
    pub scope2: Tonnes,
    pub scope3: Tonnes,
}

impl<'a> CompanyOut<'a> {
    pub fn from_overview(overview: &'a CompanyOverview, passport_url: String) -> Self {
        let CompanyOverview { company, sites, current_emissions, version: _ } = overview;
        Self {
            id: company.id.as_str(),
            name: &company.name,
            sector: &company.sector,
            city: &company.city,
            employee_count: company.employee_count,
            plan_name: company.plan.as_str(),
            sites: sites.iter().map(SiteOut::from).collect(),
            current_emissions: current_emissions.as_ref().map(CurrentEmissionsOut::from),
            passport_url,
            passport_activated: company.passport.activated,
        }
    }
}

impl<'a> From<&'a Site> for SiteOut<'a> {
    fn from(site: &'a Site) -> Self {
        let Site { id, name, city, employee_count } = site;
        Self { id: id.as_str(), name, city, employee_count: *employee_count }
    }
}

impl<'a> From<&'a PeriodTotals> for CurrentEmissionsOut<'a> {
    fn from(totals: &'a PeriodTotals) -> Self {
        Self {
            total_tco2e: Tonnes::of_micrograms(totals.total()),
            scope1: Tonnes::of_micrograms(totals.scope1),
            scope2: Tonnes::of_micrograms(totals.scope2),
            scope3: Tonnes::of_micrograms(totals.scope3),
            reporting_period: &totals.reporting_period,
        }
    }
}
