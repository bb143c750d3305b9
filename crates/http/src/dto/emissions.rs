//! `GET /api/v1/emissions` (the seed's shape) and `/api/v1/sessions`.

use std::collections::BTreeMap;

use carbonpass_domain::calculation::MarketBased;
use carbonpass_domain::crp::Scope3Category;
use carbonpass_domain::model::{EmissionsReport, Micrograms, ScopeTotal, SessionContribution, SessionSummary};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::figures::Tonnes;
use super::schema;
use super::time::rfc3339;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmissionsQueryIn {
    /// The reporting period (`2025-26`); by default the latest with confirmed bills or recorded
    /// activities (which may be one that has not ended, or not yet begun, when a bill or record
    /// runs into it).
    #[param(example = "2025-26", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub period: Option<String>,
    /// Only this site's emissions.
    #[param(example = "site_3rZ1")]
    pub site_id: Option<String>,
}

/// A reporting period's emissions by scope, per employee, and the sessions that contributed, in tCO2e.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Emissions)]
pub(crate) struct EmissionsOut<'a> {
    #[schema(example = "2025-26")]
    pub reporting_period: &'a str,
    pub total_tco2e: Tonnes,
    pub scope1: ScopeOut,
    pub scope2: Scope2Out,
    pub scope3: Scope3Out,
    pub per_employee: Option<Tonnes>,
    pub sessions: Vec<SessionContributionOut<'a>>,
    /// What recorded activities contributed, per site (`siteId` `null` for records of no site).
    pub activities: Vec<ActivityContributionOut<'a>>,
}

/// One scope's total and its share by source: bill types and activity families.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ScopeEmissions)]
pub(crate) struct ScopeOut {
    pub total: Tonnes,
    /// Each source's share of the scope, in tCO2e: bill types (`electricity`, `gas`, …) and
    /// activity families (`vehicle`, `business_travel.air`, `freight`, `waste`, …); `null` when
    /// the scope has no data.
    #[schema(value_type = Option<BTreeMap<String, Tonnes>>)]
    pub breakdown: Option<BTreeMap<&'static str, Tonnes>>,
}

/// Scope 2: `total` is location-based (grid-average factors, the figure `totalTco2e` adds up),
/// and the market-based figure stands beside it, never instead.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Scope2Emissions)]
pub(crate) struct Scope2Out {
    #[serde(flatten)]
    pub scope: ScopeOut,
    /// Location-based scope 2: the same as `total`.
    pub location_based: Tonnes,
    /// Market-based scope 2: records bought under an instrument at its factor (a supplier's
    /// fuel-mix disclosure; 0 for REGO-backed supply), the rest at the grid factor (see
    /// `marketBasedMethod`). Not in `totalTco2e`.
    pub market_based: Tonnes,
    pub market_based_method: MarketBasedMethodOut,
}

/// How the market-based figure is made up: its parts add up to `marketBased`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MarketBasedMethod)]
pub(crate) struct MarketBasedMethodOut {
    /// Records with a supplier-specific factor, at that factor.
    pub supplier_specific_tco2e: Tonnes,
    /// Records with REGO-backed supply: 0 for generation.
    pub rego_tco2e: Tonnes,
    /// Records with no instrument, at the location-based grid factor (no residual-mix factor
    /// is applied: DESNZ publishes none for the UK).
    pub grid_average_tco2e: Tonnes,
    /// The method in a sentence, saying when part of the figure is at the grid factor.
    pub note: &'static str,
}

impl MarketBasedMethodOut {
    fn of(market: &MarketBased) -> Self {
        let note = if !market.any_instrument {
            "No record of scope 2 states a contractual instrument, so the market-based figure is the location-based \
             one, at the grid-average factor; no residual-mix factor is applied."
        } else if market.grid_average == 0 {
            "Every record of scope 2 has a contractual instrument: supplier-specific factors as stated, 0 for \
             REGO-backed supply."
        } else {
            "Records with a contractual instrument at its factor (supplier-specific as stated, 0 for REGO-backed \
             supply); records without one at the grid-average factor, as no residual-mix factor is applied."
        };
        Self {
            supplier_specific_tco2e: Tonnes::of_micrograms(Micrograms(market.supplier_specific)),
            rego_tco2e: Tonnes::of_micrograms(Micrograms(market.rego)),
            grid_average_tco2e: Tonnes::of_micrograms(Micrograms(market.grid_average)),
            note,
        }
    }
}

/// Scope 3: its total and share by source, and its GHG Protocol categories.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Scope3Emissions)]
pub(crate) struct Scope3Out {
    #[serde(flatten)]
    pub scope: ScopeOut,
    /// Each GHG Protocol category with emissions, in category order, adding up to `total`:
    /// bills' (water in 1 and 5, WTT and network losses in 3) and activities' (travel in 6,
    /// commuting in 7, …) together. Empty when the scope has no data.
    pub categories: Vec<CategoryOut>,
}

/// One scope 3 category's emissions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Scope3CategoryEmissions)]
pub(crate) struct CategoryOut {
    /// The GHG Protocol category number (1–15).
    #[schema(minimum = 1, maximum = 15, example = 6)]
    pub category: u8,
    #[schema(example = "Business travel")]
    pub name: &'static str,
    pub tco2e: Tonnes,
}

/// What the activities recorded for one site (or for none) contributed to the period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityContribution)]
pub(crate) struct ActivityContributionOut<'a> {
    pub site_id: Option<&'a str>,
    pub site_name: Option<&'a str>,
    pub total_tco2e: Tonnes,
}

/// A session's part of the period's total.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionContribution)]
pub(crate) struct SessionContributionOut<'a> {
    pub id: &'a str,
    pub site_id: &'a str,
    pub site_name: &'a str,
    pub total_tco2e: Tonnes,
    /// The day the session was opened, as the seed shows it (`2026-03-15`).
    #[schema(format = Date)]
    pub created_at: String,
}

impl From<&ScopeTotal> for ScopeOut {
    fn from(scope: &ScopeTotal) -> Self {
        let breakdown = (!scope.breakdown.is_empty()).then(|| {
            scope.breakdown.iter().map(|(source, amount)| (source.as_str(), Tonnes::of_micrograms(*amount))).collect()
        });
        Self { total: Tonnes::of_micrograms(scope.total), breakdown }
    }
}

impl<'a> From<&'a SessionContribution> for SessionContributionOut<'a> {
    fn from(s: &'a SessionContribution) -> Self {
        Self {
            id: s.id.as_str(),
            site_id: s.site_id.as_str(),
            site_name: &s.site_name,
            total_tco2e: Tonnes::of_micrograms(s.amount),
            created_at: s.created_at.date_naive().to_string(),
        }
    }
}

impl Scope2Out {
    pub fn of(report: &EmissionsReport) -> Self {
        Self {
            scope: ScopeOut::from(&report.scope2),
            location_based: Tonnes::of_micrograms(report.scope2.total),
            market_based: Tonnes::of_micrograms(Micrograms(report.scope2_market.total())),
            market_based_method: MarketBasedMethodOut::of(&report.scope2_market),
        }
    }
}

impl Scope3Out {
    pub fn of(report: &EmissionsReport) -> Self {
        Self {
            scope: ScopeOut::from(&report.scope3),
            categories: report
                .scope3_categories
                .iter()
                .filter_map(|(number, amount)| {
                    // The store only holds categories 1–15 (a CHECK constraint).
                    let category = Scope3Category::new(*number)?;
                    Some(CategoryOut {
                        category: *number,
                        name: category.name(),
                        tco2e: Tonnes::of_micrograms(*amount),
                    })
                })
                .collect(),
        }
    }
}

/// tCO2e per employee (the exact total ÷ employees, rounded once); `None` with no employees.
pub(crate) fn per_employee(report: &EmissionsReport) -> Option<Tonnes> {
    if report.employees == 0 {
        return None;
    }
    Some(Tonnes::of_tonnes(report.total().tonnes() / Decimal::from(report.employees)))
}

impl<'a> From<&'a EmissionsReport> for EmissionsOut<'a> {
    fn from(report: &'a EmissionsReport) -> Self {
        Self {
            reporting_period: &report.reporting_period,
            total_tco2e: Tonnes::of_micrograms(report.total()),
            scope1: ScopeOut::from(&report.scope1),
            scope2: Scope2Out::of(report),
            scope3: Scope3Out::of(report),
            per_employee: per_employee(report),
            sessions: report.sessions.iter().map(SessionContributionOut::from).collect(),
            activities: report
                .activities
                .iter()
                .map(|a| ActivityContributionOut {
                    site_id: a.site_id.as_ref().map(|id| id.as_str()),
                    site_name: a.site_name.as_deref(),
                    total_tco2e: Tonnes::of_micrograms(a.amount),
                })
                .collect(),
        }
    }
}

/// A footprint-collection session: the bills of one site and reporting period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Session)]
pub(crate) struct SessionOut<'a> {
    pub id: &'a str,
    pub site_id: &'a str,
    pub site_name: &'a str,
    pub reporting_period: &'a str,
    #[schema(schema_with = schema::session_status)]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    pub total_tco2e: Tonnes,
}

impl<'a> From<&'a SessionSummary> for SessionOut<'a> {
    fn from(s: &'a SessionSummary) -> Self {
        Self {
            id: s.id.as_str(),
            site_id: s.site_id.as_str(),
            site_name: &s.site_name,
            reporting_period: &s.reporting_period,
            status: if s.completed { "completed" } else { "in_progress" },
            created_at: rfc3339(s.created_at),
            completed_at: s.completed_at.map(rfc3339),
            total_tco2e: Tonnes::of_micrograms(s.amount),
        }
    }
}
