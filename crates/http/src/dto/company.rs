//! `GET /api/v1/company`: the seed's shape, field for field. Borrows from the overview (which may
//! be the in-memory copy shared by many requests) instead of copying it.

use carbonpass_domain::model::{CompanyOverview, Micrograms, PeriodTotals, Site};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompanyOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sector: &'a str,
    pub city: &'a str,
    pub employee_count: u32,
    pub plan_name: &'static str,
    pub sites: Vec<SiteOut<'a>>,
    pub current_emissions: Option<CurrentEmissionsOut<'a>>,
    pub passport_url: String,
    pub passport_activated: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SiteOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub city: &'a str,
    pub employee_count: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrentEmissionsOut<'a> {
    pub reporting_period: &'a str,
    pub total_tco2e: f64,
    pub scope1: f64,
    pub scope2: f64,
    pub scope3: f64,
}

/// Tonnes of CO2e, rounded half away from zero to 3 decimals (whole kilograms): the only place
/// an exact amount is rounded.
pub(crate) fn tonnes(amount: Micrograms) -> f64 {
    const PER_KG: i128 = 1_000_000_000;
    let ug = i128::from(amount.0);
    let kg = (ug + if ug >= 0 { PER_KG / 2 } else { -PER_KG / 2 }) / PER_KG;
    // Exact for any |kg| < 2^53, i.e. far beyond any company's emissions.
    kg as f64 / 1000.0
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
            total_tco2e: tonnes(totals.total()),
            scope1: tonnes(totals.scope1),
            scope2: tonnes(totals.scope2),
            scope3: tonnes(totals.scope3),
            reporting_period: &totals.reporting_period,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_round_half_away_from_zero_to_the_kilogram() {
        assert_eq!(tonnes(Micrograms(124_800_000_000_000)), 124.8);
        assert_eq!(tonnes(Micrograms(1_500_000_000)), 0.002);
        assert_eq!(tonnes(Micrograms(1_499_999_999)), 0.001);
        assert_eq!(tonnes(Micrograms(-1_500_000_000)), -0.002);
        assert_eq!(tonnes(Micrograms(0)), 0.0);
        assert_eq!(tonnes(Micrograms(526_499_500_000_000)), 526.5);
    }
}
