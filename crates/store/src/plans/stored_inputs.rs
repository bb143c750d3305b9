//! The CRP inputs as stored (JSON text in `crp_inputs.document`): a shape of the store's own, so
//! that renaming a domain field cannot silently change what stored documents mean. Version 1 is
//! exactly the domain's serialised form that was stored before
//! (`tests/fixtures/crp/inputs-v1.json`), field for field, with the same defaults; a field it does
//! not know is refused rather than dropped: every version 1 document was written from these very
//! fields, so an unknown one is a renamed field (whose value would otherwise silently go missing)
//! or a document of another shape.

use carbonpass_domain::crp::{
    CrpInputs, Declaration, InterimTarget, Measure, Organisation, Project, ProjectStatus, Scope3Statement,
    StatedBaseline, StatementStatus,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::version;
use crate::StoreError;
use crate::error::corrupt;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InputsDocument {
    #[serde(default)]
    version: Option<u32>,
    organisation: Option<StoredOrganisation>,
    baseline_period: Option<String>,
    baseline_emissions: Option<StoredBaseline>,
    net_zero_year: Option<i32>,
    interim_target: Option<StoredInterimTarget>,
    #[serde(default)]
    projects: Vec<StoredProject>,
    #[serde(default)]
    measures: Vec<StoredMeasure>,
    #[serde(default)]
    scope3_statements: Vec<StoredScope3Statement>,
    declaration: Option<StoredDeclaration>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredOrganisation {
    registered_address: String,
    company_number: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredBaseline {
    scope1: Decimal,
    scope2: Decimal,
    scope3: Decimal,
    source: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StoredInterimTarget {
    year: i32,
    reduction_percent: Decimal,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredProjectStatus {
    Completed,
    Planned,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StoredProject {
    title: String,
    description: String,
    status: StoredProjectStatus,
    year: i32,
    estimated_saving_tco2e: Decimal,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StoredMeasure {
    title: String,
    description: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredScope3Statement {
    category: u8,
    /// Written only when `not_applicable`: absent, as in every document saved before statuses
    /// existed, it is `not_quantified` (so those documents keep their text).
    #[serde(default = "not_quantified", skip_serializing_if = "is_not_quantified")]
    status: String,
    reason: String,
}

fn not_quantified() -> String {
    StatementStatus::NotQuantified.as_str().to_owned()
}

fn is_not_quantified(status: &str) -> bool {
    status == StatementStatus::NotQuantified.as_str()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StoredDeclaration {
    signatory_name: String,
    signatory_role: String,
    signed_on: NaiveDate,
}

/// The inputs as the JSON text to store.
pub(super) fn to_json(inputs: &CrpInputs) -> Result<String, StoreError> {
    serde_json::to_string(&InputsDocument::from(inputs)).map_err(|e| StoreError::Corrupt(format!("CRP inputs: {e}")))
}

/// Stored inputs read back; a field missing or of the wrong type is corrupt, never defaulted.
pub(super) fn from_json(text: &str) -> Result<CrpInputs, StoreError> {
    let document: InputsDocument = serde_json::from_str(text).map_err(|e| corrupt("CRP inputs", &e.to_string()))?;
    CrpInputs::try_from(document)
}

impl From<&CrpInputs> for InputsDocument {
    fn from(inputs: &CrpInputs) -> Self {
        Self {
            version: Some(version::CURRENT),
            organisation: inputs.organisation.as_ref().map(|o| StoredOrganisation {
                registered_address: o.registered_address.clone(),
                company_number: o.company_number.clone(),
            }),
            baseline_period: inputs.baseline_period.clone(),
            baseline_emissions: inputs.baseline_emissions.as_ref().map(|b| StoredBaseline {
                scope1: b.scope1,
                scope2: b.scope2,
                scope3: b.scope3,
                source: b.source.clone(),
            }),
            net_zero_year: inputs.net_zero_year,
            interim_target: inputs.interim_target.as_ref().map(StoredInterimTarget::from),
            projects: inputs.projects.iter().map(StoredProject::from).collect(),
            measures: inputs.measures.iter().map(StoredMeasure::from).collect(),
            scope3_statements: inputs
                .scope3_statements
                .iter()
                .map(|s| StoredScope3Statement {
                    category: s.category,
                    status: s.status.as_str().to_owned(),
                    reason: s.reason.clone(),
                })
                .collect(),
            declaration: inputs.declaration.as_ref().map(StoredDeclaration::from),
        }
    }
}

impl TryFrom<InputsDocument> for CrpInputs {
    type Error = StoreError;
    fn try_from(document: InputsDocument) -> Result<Self, StoreError> {
        version::known("CRP inputs", document.version, version::CURRENT)?;
        Ok(Self {
            organisation: document
                .organisation
                .map(|o| Organisation { registered_address: o.registered_address, company_number: o.company_number }),
            baseline_period: document.baseline_period,
            baseline_emissions: document.baseline_emissions.map(|b| StatedBaseline {
                scope1: b.scope1,
                scope2: b.scope2,
                scope3: b.scope3,
                source: b.source,
            }),
            net_zero_year: document.net_zero_year,
            interim_target: document.interim_target.map(InterimTarget::from),
            projects: document.projects.into_iter().map(Project::from).collect(),
            measures: document.measures.into_iter().map(Measure::from).collect(),
            scope3_statements: document
                .scope3_statements
                .into_iter()
                .map(|s| {
                    let status =
                        StatementStatus::parse(&s.status).ok_or_else(|| corrupt("statement status", &s.status))?;
                    Ok(Scope3Statement { category: s.category, status, reason: s.reason })
                })
                .collect::<Result<_, StoreError>>()?,
            declaration: document.declaration.map(Declaration::from),
        })
    }
}

// What a plan's content copies from the inputs is stored in the same shape in both documents.

impl From<&InterimTarget> for StoredInterimTarget {
    fn from(t: &InterimTarget) -> Self {
        Self { year: t.year, reduction_percent: t.reduction_percent }
    }
}

impl From<StoredInterimTarget> for InterimTarget {
    fn from(t: StoredInterimTarget) -> Self {
        Self { year: t.year, reduction_percent: t.reduction_percent }
    }
}

impl From<&Project> for StoredProject {
    fn from(p: &Project) -> Self {
        Self {
            title: p.title.clone(),
            description: p.description.clone(),
            status: match p.status {
                ProjectStatus::Completed => StoredProjectStatus::Completed,
                ProjectStatus::Planned => StoredProjectStatus::Planned,
            },
            year: p.year,
            estimated_saving_tco2e: p.estimated_saving_tco2e,
        }
    }
}

impl From<StoredProject> for Project {
    fn from(p: StoredProject) -> Self {
        Self {
            title: p.title,
            description: p.description,
            status: match p.status {
                StoredProjectStatus::Completed => ProjectStatus::Completed,
                StoredProjectStatus::Planned => ProjectStatus::Planned,
            },
            year: p.year,
            estimated_saving_tco2e: p.estimated_saving_tco2e,
        }
    }
}

impl From<&Measure> for StoredMeasure {
    fn from(m: &Measure) -> Self {
        Self { title: m.title.clone(), description: m.description.clone() }
    }
}

impl From<StoredMeasure> for Measure {
    fn from(m: StoredMeasure) -> Self {
        Self { title: m.title, description: m.description }
    }
}

impl From<&Declaration> for StoredDeclaration {
    fn from(d: &Declaration) -> Self {
        Self {
            signatory_name: d.signatory_name.clone(),
            signatory_role: d.signatory_role.clone(),
            signed_on: d.signed_on,
        }
    }
}

impl From<StoredDeclaration> for Declaration {
    fn from(d: StoredDeclaration) -> Self {
        Self { signatory_name: d.signatory_name, signatory_role: d.signatory_role, signed_on: d.signed_on }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = include_str!("../../tests/fixtures/crp/inputs-v1.json");

    fn corrupt_message(text: &str) -> String {
        match from_json(text) {
            Err(StoreError::Corrupt(message)) => message,
            other => panic!("expected corrupt, got {other:?}"),
        }
    }

    #[test]
    fn the_v1_fixture_reads_and_writes_back_the_same_text_with_its_version() {
        let inputs = from_json(V1).expect("version 1 reads");
        assert!(inputs.organisation.as_ref().is_some_and(|o| o.company_number.is_some()));
        assert!(inputs.baseline_period.is_some() && inputs.baseline_emissions.is_some());
        assert!(inputs.net_zero_year.is_some() && inputs.interim_target.is_some());
        let statuses: Vec<ProjectStatus> = inputs.projects.iter().map(|p| p.status).collect();
        assert_eq!(statuses, [ProjectStatus::Completed, ProjectStatus::Planned]);
        assert!(!inputs.measures.is_empty() && !inputs.scope3_statements.is_empty() && inputs.declaration.is_some());

        let written = to_json(&inputs).expect("written");
        assert_eq!(written, V1.replacen('{', r#"{"version":1,"#, 1), "version 1's text, marked");
        assert_eq!(from_json(&written).expect("reads back"), inputs);
    }

    #[test]
    fn a_missing_renamed_or_mistyped_field_is_corrupt() {
        for (from, to, named) in [
            (r#","signedOn":"2026-12-06""#, "", "missing field `signedOn`"),
            (r#""registeredAddress""#, r#""address""#, "unknown field `address`"),
            (r#""netZeroYear""#, r#""netZero""#, "unknown field `netZero`"),
            (r#""status":"planned""#, r#""status":"dropped""#, "unknown variant `dropped`"),
            (r#""year":2029"#, r#""year":"2029""#, "invalid type: string"),
        ] {
            assert!(V1.contains(from), "{from}");
            let message = corrupt_message(&V1.replacen(from, to, 1));
            assert!(message.starts_with("CRP inputs") && message.contains(named), "{message}");
        }
    }

    #[test]
    fn a_newer_version_is_refused() {
        let message = corrupt_message(&V1.replacen('{', r#"{"version":2,"#, 1));
        assert_eq!(message, r#"CRP inputs of unknown stored version "2""#);
    }
}
