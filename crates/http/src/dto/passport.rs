//! The public passport's JSON twin (`GET /company/{slug}.json`, and the payload of its JWS) and
//! the JWK set of the keys that sign it. Public: no internal id appears in either.

use carbonpass_domain::crp::CarbonReductionPlan;
use carbonpass_domain::model::{PassportKey, PassportPeriod, PublicPassport};
use serde::Serialize;
use utoipa::ToSchema;

use super::emissions::{Scope2Out, Scope3Out, ScopeOut, per_employee};
use super::figures::{Exact, Tonnes};
use super::time::rfc3339;

/// What a company shows buyers: its latest complete reporting period's emissions with the
/// method, earlier periods, and its published Carbon Reduction Plan. Only confirmed records and
/// the published plan of a live company are ever in it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Passport)]
pub(crate) struct PassportOut<'a> {
    /// Where this passport is published.
    #[schema(format = "uri", example = "https://carbonpass.co/company/acme-industries")]
    pub url: String,
    pub company: PassportCompanyOut<'a>,
    /// The latest reporting period that has ended with confirmed data; `null` before one has.
    pub reporting_period: Option<PassportPeriodOut<'a>>,
    /// Earlier complete periods, newest first.
    pub past_periods: Vec<PassportPeriodOut<'a>>,
    /// The plan the company has published; `null` if it has none.
    pub carbon_reduction_plan: Option<PublishedPlanOut<'a>>,
    pub verification: VerificationOut,
    /// When these figures were read from the company's data: what a signed copy is as of.
    #[schema(format = DateTime)]
    pub generated_at: String,
}

/// The company as its passport shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportCompany)]
pub(crate) struct PassportCompanyOut<'a> {
    #[schema(example = "Acme Industries Ltd")]
    pub name: &'a str,
    #[schema(example = "Manufacturing")]
    pub sector: &'a str,
    #[schema(example = "Leeds")]
    pub city: &'a str,
    pub employee_count: u32,
}

/// One complete reporting period's emissions, company-wide, in tCO2e.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportPeriod)]
pub(crate) struct PassportPeriodOut<'a> {
    #[schema(example = "2025-26")]
    pub reporting_period: &'a str,
    #[schema(format = Date, example = "2025-04-01")]
    pub start: String,
    /// The period's last day.
    #[schema(format = Date, example = "2026-03-31")]
    pub end: String,
    pub total_tco2e: Tonnes,
    pub scope1: ScopeOut,
    pub scope2: Scope2Out,
    pub scope3: Scope3Out,
    pub per_employee: Option<Tonnes>,
    pub method: MethodOut,
}

/// How a period's figures were worked out.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportMethod)]
pub(crate) struct MethodOut {
    #[schema(example = "GHG Protocol Corporate Standard; operational control; all sites")]
    pub standard: &'static str,
    /// Which scope 2 figure is in the totals, and which stands beside them.
    pub scope2: &'static str,
    /// The UK Government (DESNZ) conversion factor set used; `null` for a period older than every
    /// set.
    pub factor_set: Option<FactorSetOut>,
}

/// A DESNZ conversion factor set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportFactorSet)]
pub(crate) struct FactorSetOut {
    #[schema(example = 2025)]
    pub year: i32,
    /// The official file: its version, date and hash.
    pub edition: String,
    /// The global-warming-potential basis (IPCC AR4 before 2023, AR5 from 2023).
    #[schema(example = "AR5")]
    pub gwp_basis: String,
    /// The period is newer than every set shipped, so the newest stood in.
    pub fallback: bool,
}

/// The published Carbon Reduction Plan, as a buyer needs it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportPlan)]
pub(crate) struct PublishedPlanOut<'a> {
    /// The plan's reporting period.
    #[schema(example = "2025-26")]
    pub reporting_period: &'a str,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    #[schema(example = 2050)]
    pub net_zero_year: i32,
    #[schema(example = "2019-20")]
    pub baseline_period: Option<&'a str>,
    pub baseline_tco2e: Option<Tonnes>,
    /// The reporting period's emissions as the plan states them.
    pub reporting_period_tco2e: Option<Tonnes>,
    pub interim_target: Option<InterimTargetOut>,
    /// The plan as a PDF, at a URL that always serves the published plan.
    #[schema(format = "uri")]
    pub pdf_url: String,
}

/// The plan's interim target: a cut from the baseline by a year.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportInterimTarget)]
pub(crate) struct InterimTargetOut {
    pub year: i32,
    #[schema(value_type = f64, example = 50)]
    pub reduction_percent: Exact,
}

/// Where a buyer's system checks this passport.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PassportVerification)]
pub(crate) struct VerificationOut {
    /// This document as the payload of a compact JWS (`EdDSA`, Ed25519).
    #[schema(format = "uri")]
    pub jws_url: String,
    /// The public keys that sign passports, as a JWK set.
    #[schema(format = "uri")]
    pub jwks_url: String,
}

/// The public keys passports are signed with (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JsonWebKeySet)]
pub(crate) struct JwksOut {
    pub keys: Vec<JwkOut>,
}

/// An Ed25519 public key (RFC 8037).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = JsonWebKey)]
pub(crate) struct JwkOut {
    #[schema(example = "OKP")]
    pub kty: &'static str,
    #[schema(example = "Ed25519")]
    pub crv: &'static str,
    /// The public key, base64url.
    pub x: String,
    /// The key's RFC 7638 thumbprint: what a passport's JWS header names as `kid`.
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: &'static str,
    #[serde(rename = "use")]
    #[schema(rename = "use", example = "sig")]
    pub use_: &'static str,
}

impl From<PassportKey> for JwkOut {
    fn from(key: PassportKey) -> Self {
        Self { kty: "OKP", crv: "Ed25519", x: key.x, kid: key.kid, alg: "EdDSA", use_: "sig" }
    }
}

/// The URLs a passport names, from its own.
pub(crate) struct PassportUrls {
    pub page: String,
    pub origin: String,
}

impl PassportUrls {
    pub fn pdf(&self) -> String {
        format!("{}/plan.pdf", self.page)
    }
}

impl<'a> PassportOut<'a> {
    pub fn of(passport: &'a PublicPassport, urls: &PassportUrls) -> Self {
        let company = &passport.company;
        Self {
            url: urls.page.clone(),
            company: PassportCompanyOut {
                name: &company.name,
                sector: &company.sector,
                city: &company.city,
                employee_count: company.employee_count,
            },
            reporting_period: passport.latest.as_ref().map(PassportPeriodOut::of),
            past_periods: passport.past.iter().map(PassportPeriodOut::of).collect(),
            carbon_reduction_plan: passport.plan.as_ref().map(|plan| PublishedPlanOut::of(plan, urls)),
            verification: VerificationOut {
                jws_url: format!("{}.jws", urls.page),
                jwks_url: format!("{}/.well-known/jwks.json", urls.origin),
            },
            generated_at: rfc3339(passport.built_at),
        }
    }
}

/// The standard and boundary every period is reported under.
pub(crate) const STANDARD: &str =
    "GHG Protocol Corporate Standard; operational control; every site of the company; confirmed records only";

/// How scope 2 is reported.
pub(crate) const SCOPE2_METHOD: &str = "Location-based (UK grid-average factors) in every total; market-based \
     (contractual instruments: supplier-specific factors, REGO-backed supply) reported beside it, never in a total";

impl<'a> PassportPeriodOut<'a> {
    fn of(period: &'a PassportPeriod) -> Self {
        let report = &period.report;
        Self {
            reporting_period: &report.reporting_period,
            start: period.start.to_string(),
            end: period.end.to_string(),
            total_tco2e: Tonnes::of_micrograms(report.total()),
            scope1: ScopeOut::from(&report.scope1),
            scope2: Scope2Out::of(report),
            scope3: Scope3Out::of(report),
            per_employee: per_employee(report),
            method: MethodOut {
                standard: STANDARD,
                scope2: SCOPE2_METHOD,
                factor_set: period.factors.as_ref().map(|set| FactorSetOut {
                    year: set.year,
                    edition: set.edition.clone(),
                    gwp_basis: set.gwp_basis.clone(),
                    fallback: set.fallback,
                }),
            },
        }
    }
}

impl<'a> PublishedPlanOut<'a> {
    fn of(plan: &'a CarbonReductionPlan, urls: &PassportUrls) -> Self {
        let content = &plan.content;
        let baseline = content.baseline.as_ref();
        Self {
            reporting_period: &content.reporting_period.label,
            published_at: plan.published_at.map(rfc3339),
            net_zero_year: plan.target_year,
            baseline_period: baseline.map(|b| b.period.label.as_str()),
            baseline_tco2e: baseline.and_then(|b| b.emissions.as_ref()).map(|e| Tonnes::of_tonnes(e.total)),
            reporting_period_tco2e: content.current_emissions.as_ref().map(|e| Tonnes::of_tonnes(e.total)),
            interim_target: content
                .interim_target
                .as_ref()
                .map(|t| InterimTargetOut { year: t.year, reduction_percent: Exact(t.reduction_percent) }),
            pdf_url: urls.pdf(),
        }
    }
}
