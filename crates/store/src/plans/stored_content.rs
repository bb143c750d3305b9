//! A plan's content as stored (JSON text in `crp_plans.content`): a shape of the store's own, so
//! that renaming a domain field cannot silently change what a frozen plan says. Version 1 is
//! exactly the domain's serialised form that was stored before
//! (`tests/fixtures/crp/plan-content-v1.json`), field for field, with the same defaults; a field it
//! does not know is refused rather than dropped: every version 1 document was written from these
//! very fields, so an unknown one is a renamed field (whose value would otherwise silently go
//! missing) or a document of another shape.

use carbonpass_domain::crp::{
    Baseline, CategoryFigure, EmissionFigures, Figure, Methodology, OrganisationDetails, PeriodSpan, PlanContent,
    ScopeChange, StatementStatus, TrajectoryPoint,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::stored_inputs::{StoredDeclaration, StoredInterimTarget, StoredMeasure, StoredProject};
use super::version;
use crate::StoreError;
use crate::error::corrupt;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContentDocument {
    #[serde(default)]
    version: Option<u32>,
    organisation: StoredOrganisationDetails,
    reporting_period: StoredPeriod,
    current_emissions: Option<StoredFigures>,
    baseline: Option<StoredBaseline>,
    scope3_categories: Vec<StoredCategory>,
    interim_target: Option<StoredInterimTarget>,
    trajectory: Vec<StoredPoint>,
    projects: Vec<StoredProject>,
    measures: Vec<StoredMeasure>,
    declaration: Option<StoredDeclaration>,
    /// Version 3 on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    methodology: Option<StoredMethodology>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredMethodology {
    #[serde(default)]
    sites: Vec<String>,
    category_sources: Vec<StoredCategorySources>,
    estimated: Vec<String>,
    change: Option<Vec<StoredScopeChange>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredCategorySources {
    category: u8,
    sources: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredScopeChange {
    scope: u8,
    change: Decimal,
    from_factors: Decimal,
    from_activity: Decimal,
}

impl From<&Methodology> for StoredMethodology {
    fn from(m: &Methodology) -> Self {
        Self {
            sites: m.sites.clone(),
            category_sources: m
                .category_sources
                .iter()
                .map(|(category, sources)| StoredCategorySources { category: *category, sources: sources.clone() })
                .collect(),
            estimated: m.estimated.clone(),
            change: m.change.as_ref().map(|scopes| {
                scopes
                    .iter()
                    .map(|c| StoredScopeChange {
                        scope: c.scope,
                        change: c.change,
                        from_factors: c.from_factors,
                        from_activity: c.from_activity,
                    })
                    .collect()
            }),
        }
    }
}

impl From<StoredMethodology> for Methodology {
    fn from(m: StoredMethodology) -> Self {
        Self {
            sites: m.sites,
            category_sources: m.category_sources.into_iter().map(|c| (c.category, c.sources)).collect(),
            estimated: m.estimated,
            change: m.change.map(|scopes| {
                scopes
                    .into_iter()
                    .map(|c| ScopeChange {
                        scope: c.scope,
                        change: c.change,
                        from_factors: c.from_factors,
                        from_activity: c.from_activity,
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredOrganisationDetails {
    name: String,
    registered_address: Option<String>,
    company_number: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredPeriod {
    label: String,
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredFigure {
    tco2e: Decimal,
    note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredFigures {
    scope1: StoredFigure,
    scope2: StoredFigure,
    scope3: StoredFigure,
    total: Decimal,
    source: String,
    /// Version 2 on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope2_market_based: Option<StoredFigure>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredBaseline {
    period: StoredPeriod,
    emissions: Option<StoredFigures>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredCategory {
    category: u8,
    name: String,
    required: bool,
    tco2e: Option<Decimal>,
    statement: Option<String>,
    /// `not_applicable` or `not_quantified`; absent in plans generated before statuses existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredPoint {
    year: i32,
    tco2e: Decimal,
}

/// The content as the JSON text to store.
pub(super) fn to_json(content: &PlanContent) -> Result<String, StoreError> {
    serde_json::to_string(&ContentDocument::from(content))
        .map_err(|e| StoreError::Corrupt(format!("plan content: {e}")))
}

/// A plan's stored content read back; a field missing or of the wrong type is corrupt, never
/// defaulted.
pub(super) fn from_json(text: &str) -> Result<PlanContent, StoreError> {
    let document: ContentDocument = serde_json::from_str(text).map_err(|e| corrupt("plan content", &e.to_string()))?;
    PlanContent::try_from(document)
}

impl From<&PlanContent> for ContentDocument {
    fn from(c: &PlanContent) -> Self {
        Self {
            version: Some(if c.methodology.is_some() {
                version::CONTENT_WITH_METHODOLOGY
            } else if [c.current_emissions.as_ref(), c.baseline.as_ref().and_then(|b| b.emissions.as_ref())]
                .into_iter()
                .flatten()
                .any(|f| f.scope2_market_based.is_some())
            {
                version::CONTENT_WITH_MARKET_BASED
            } else {
                version::CURRENT
            }),
            organisation: StoredOrganisationDetails {
                name: c.organisation.name.clone(),
                registered_address: c.organisation.registered_address.clone(),
                company_number: c.organisation.company_number.clone(),
            },
            reporting_period: StoredPeriod::from(&c.reporting_period),
            current_emissions: c.current_emissions.as_ref().map(StoredFigures::from),
            baseline: c.baseline.as_ref().map(|b| StoredBaseline {
                period: StoredPeriod::from(&b.period),
                emissions: b.emissions.as_ref().map(StoredFigures::from),
            }),
            scope3_categories: c
                .scope3_categories
                .iter()
                .map(|f| StoredCategory {
                    category: f.category,
                    name: f.name.clone(),
                    required: f.required,
                    tco2e: f.tco2e,
                    statement: f.statement.clone(),
                    status: f.status.map(|s| s.as_str().to_owned()),
                })
                .collect(),
            interim_target: c.interim_target.as_ref().map(StoredInterimTarget::from),
            trajectory: c.trajectory.iter().map(|p| StoredPoint { year: p.year, tco2e: p.tco2e }).collect(),
            projects: c.projects.iter().map(StoredProject::from).collect(),
            measures: c.measures.iter().map(StoredMeasure::from).collect(),
            declaration: c.declaration.as_ref().map(StoredDeclaration::from),
            methodology: c.methodology.as_ref().map(StoredMethodology::from),
        }
    }
}

impl TryFrom<ContentDocument> for PlanContent {
    type Error = StoreError;
    fn try_from(d: ContentDocument) -> Result<Self, StoreError> {
        version::known("plan content", d.version, version::CONTENT_WITH_METHODOLOGY)?;
        Ok(Self {
            organisation: OrganisationDetails {
                name: d.organisation.name,
                registered_address: d.organisation.registered_address,
                company_number: d.organisation.company_number,
            },
            reporting_period: PeriodSpan::from(d.reporting_period),
            current_emissions: d.current_emissions.map(EmissionFigures::from),
            baseline: d.baseline.map(|b| Baseline {
                period: PeriodSpan::from(b.period),
                emissions: b.emissions.map(EmissionFigures::from),
            }),
            scope3_categories: d
                .scope3_categories
                .into_iter()
                .map(|f| {
                    let status = f
                        .status
                        .map(|s| StatementStatus::parse(&s).ok_or_else(|| corrupt("statement status", &s)))
                        .transpose()?;
                    Ok(CategoryFigure {
                        category: f.category,
                        name: f.name,
                        required: f.required,
                        tco2e: f.tco2e,
                        statement: f.statement,
                        status,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            interim_target: d.interim_target.map(Into::into),
            trajectory: d.trajectory.into_iter().map(|p| TrajectoryPoint { year: p.year, tco2e: p.tco2e }).collect(),
            projects: d.projects.into_iter().map(Into::into).collect(),
            measures: d.measures.into_iter().map(Into::into).collect(),
            declaration: d.declaration.map(Into::into),
            methodology: d.methodology.map(Methodology::from),
        })
    }
}

impl From<&PeriodSpan> for StoredPeriod {
    fn from(p: &PeriodSpan) -> Self {
        Self { label: p.label.clone(), start: p.start, end: p.end }
    }
}

impl From<StoredPeriod> for PeriodSpan {
    fn from(p: StoredPeriod) -> Self {
        Self { label: p.label, start: p.start, end: p.end }
    }
}

impl From<&EmissionFigures> for StoredFigures {
    fn from(f: &EmissionFigures) -> Self {
        let figure = |f: &Figure| StoredFigure { tco2e: f.tco2e, note: f.note.clone() };
        Self {
            scope1: figure(&f.scope1),
            scope2: figure(&f.scope2),
            scope3: figure(&f.scope3),
            total: f.total,
            source: f.source.clone(),
            scope2_market_based: f.scope2_market_based.as_ref().map(figure),
        }
    }
}

impl From<StoredFigures> for EmissionFigures {
    fn from(f: StoredFigures) -> Self {
        let figure = |f: StoredFigure| Figure { tco2e: f.tco2e, note: f.note };
        Self {
            scope1: figure(f.scope1),
            scope2: figure(f.scope2),
            scope3: figure(f.scope3),
            total: f.total,
            source: f.source,
            scope2_market_based: f.scope2_market_based.map(figure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = include_str!("../../tests/fixtures/crp/plan-content-v1.json");

    fn corrupt_message(text: &str) -> String {
        match from_json(text) {
            Err(StoreError::Corrupt(message)) => message,
            other => panic!("expected corrupt, got {other:?}"),
        }
    }

    #[test]
    fn the_v1_fixture_reads_and_writes_back_the_same_text_with_its_version() {
        let content = from_json(V1).expect("version 1 reads");
        assert!(content.organisation.registered_address.is_some() && content.organisation.company_number.is_some());
        let current = content.current_emissions.as_ref().expect("current emissions");
        assert!(current.scope1.note.is_none());
        let baseline = content.baseline.as_ref().and_then(|b| b.emissions.as_ref()).expect("baseline emissions");
        assert!(baseline.scope3.note.is_some(), "a zero with its note");
        assert!(content.scope3_categories.iter().any(|c| c.tco2e.is_some() && c.statement.is_some()));
        assert!(content.interim_target.is_some() && !content.trajectory.is_empty());
        assert!(content.projects.len() == 2 && !content.measures.is_empty() && content.declaration.is_some());

        let written = to_json(&content).expect("written");
        assert_eq!(written, V1.replacen('{', r#"{"version":1,"#, 1), "version 1's text, marked");
        assert_eq!(from_json(&written).expect("reads back"), content);
    }

    #[test]
    fn a_missing_renamed_or_mistyped_field_is_corrupt() {
        for (from, to, named) in [
            (r#","total":"9.4813544""#, "", "missing field `total`"),
            (r#""scope3Categories""#, r#""scope3""#, "unknown field `scope3`"),
            (r#""currentEmissions""#, r#""current""#, "unknown field `current`"),
            (r#""tco2e":"30.75""#, r#""tco2e":true"#, "invalid type: boolean `true`"),
        ] {
            assert!(V1.contains(from), "{from}");
            let message = corrupt_message(&V1.replacen(from, to, 1));
            assert!(message.starts_with("plan content") && message.contains(named), "{message}");
        }
    }

    #[test]
    fn a_newer_version_is_refused() {
        let message = corrupt_message(&V1.replacen('{', r#"{"version":4,"#, 1));
        assert_eq!(message, r#"plan content of unknown stored version "4""#);
    }
}
