//! What a company tells us for its Carbon Reduction Plan beyond its bills (`/crp-inputs`): its
//! registered details, baseline, targets, projects, measures, scope 3 statements and declaration.
//! One document per company, replaced whole; checked here field by field, each error naming the
//! field as the client wrote it (`projects[2].title`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::scope3::Scope3Category;
use crate::DomainError;
use crate::calculation::ReportingPeriod;
use crate::model::{ReportingYearStart, plain_text};

/// The latest net-zero year a plan may commit to (PPN 006: net zero by 2050 at the latest).
pub const LATEST_NET_ZERO_YEAR: i32 = 2050;
/// The earliest year anything in a plan may name.
pub const EARLIEST_YEAR: i32 = 1990;
/// The latest year a project may name.
pub const LATEST_PROJECT_YEAR: i32 = 2100;
/// The most projects, measures or statements one plan holds.
pub const MAX_ITEMS: usize = 50;
/// The most tCO2e any figure of a plan may state (a billion tonnes: far beyond any company).
pub const MAX_TONNES: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Decimals kept of a stated figure (tCO2e to the gram).
pub const TONNE_DECIMALS: u32 = 6;

const SHORT_TEXT: usize = 200;
const LONG_TEXT: usize = 1000;
const ADDRESS_TEXT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrpInputs {
    pub organisation: Option<Organisation>,
    /// A reporting period label (`2024-25`) in the company's reporting year.
    pub baseline_period: Option<String>,
    /// Figures for a baseline older than the company's data here; without them the baseline is
    /// calculated from the confirmed bills of `baseline_period`.
    pub baseline_emissions: Option<StatedBaseline>,
    pub net_zero_year: Option<i32>,
    pub interim_target: Option<InterimTarget>,
    pub projects: Vec<Project>,
    pub measures: Vec<Measure>,
    pub scope3_statements: Vec<Scope3Statement>,
    pub declaration: Option<Declaration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub registered_address: String,
    /// The Companies House number (`01234567`, `SC123456`), when the company has one.
    pub company_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedBaseline {
    pub scope1: Decimal,
    pub scope2: Decimal,
    pub scope3: Decimal,
    /// Where the figures come from (a previous report, a consultant's footprint).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterimTarget {
    pub year: i32,
    /// The cut from the baseline by `year`, in percent: more than 0, less than 100.
    pub reduction_percent: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    Completed,
    Planned,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 2] = [ProjectStatus::Completed, ProjectStatus::Planned];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Completed => "completed",
            ProjectStatus::Planned => "planned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub title: String,
    pub description: String,
    pub status: ProjectStatus,
    pub year: i32,
    pub estimated_saving_tco2e: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub title: String,
    pub description: String,
}

/// Why a scope 3 category has no figure (or what its figure leaves out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope3Statement {
    pub category: u8,
    pub status: StatementStatus,
    pub reason: String,
}

/// What a statement says of its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatementStatus {
    /// The activity does not happen: the category is 0 tCO2e, printed as 0 with the reason.
    NotApplicable,
    /// The activity happens but is not measured: no figure, and the plan cannot be published
    /// while a required category is left so. Statements saved before statuses existed are this.
    #[default]
    NotQuantified,
}

impl StatementStatus {
    pub const ALL: [StatementStatus; 2] = [StatementStatus::NotApplicable, StatementStatus::NotQuantified];

    pub fn as_str(self) -> &'static str {
        match self {
            StatementStatus::NotApplicable => "not_applicable",
            StatementStatus::NotQuantified => "not_quantified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        StatementStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub signatory_name: String,
    /// A director's role (`Managing Director`).
    pub signatory_role: String,
    pub signed_on: NaiveDate,
}

/// The inputs as stored, with when they were last replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInputs {
    pub inputs: CrpInputs,
    pub updated_at: DateTime<Utc>,
}

/// Plain text of at most `max` characters at `path`, required.
fn required_text(path: &str, text: &str, max: usize) -> Result<String, DomainError> {
    plain_text("text", text, max)
        .map_err(|e| e.at(path))?
        .ok_or_else(|| DomainError::invalid_at(path, "must not be empty"))
}

/// Plain text of at most `max` characters at `path`; empty is allowed.
fn optional_text(path: &str, text: &str, max: usize) -> Result<String, DomainError> {
    Ok(plain_text("text", text, max).map_err(|e| e.at(path))?.unwrap_or_default())
}

/// A figure in tCO2e: at least zero (or more than zero when `positive`), at most
/// [`MAX_TONNES`], to at most [`TONNE_DECIMALS`] places.
fn tonnes(path: &str, value: Decimal, positive: bool) -> Result<Decimal, DomainError> {
    if value < Decimal::ZERO || (positive && value.is_zero()) {
        let least = if positive { "more than 0" } else { "0 or more" };
        return Err(DomainError::invalid_at(path, format!("must be {least} tCO2e")));
    }
    if value > MAX_TONNES {
        return Err(DomainError::invalid_at(path, "must be at most 1000000000 tCO2e"));
    }
    if value.normalize().scale() > TONNE_DECIMALS {
        return Err(DomainError::invalid_at(path, "must have at most 6 decimals (tCO2e to the gram)"));
    }
    Ok(value.normalize())
}

fn year_between(path: &str, year: i32, first: i32, last: i32, why: &str) -> Result<i32, DomainError> {
    if (first..=last).contains(&year) {
        Ok(year)
    } else {
        Err(DomainError::invalid_at(path, format!("must be a year from {first} to {last}{why}")))
    }
}

/// A UK company registration number: two letters or digits, then six digits.
fn is_company_number(text: &str) -> bool {
    text.len() == 8
        && text.bytes().take(2).all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && text.bytes().skip(2).all(|b| b.is_ascii_digit())
}

impl CrpInputs {
    /// Every text the plan prints, with its path in the document.
    pub fn texts(&self) -> Vec<(String, &str)> {
        let mut texts: Vec<(String, &str)> = Vec::new();
        if let Some(o) = &self.organisation {
            texts.push(("organisation.registeredAddress".into(), &o.registered_address));
        }
        if let Some(b) = &self.baseline_emissions {
            texts.push(("baselineEmissions.source".into(), &b.source));
        }
        for (i, p) in self.projects.iter().enumerate() {
            texts.push((format!("projects[{i}].title"), &p.title));
            texts.push((format!("projects[{i}].description"), &p.description));
        }
        for (i, m) in self.measures.iter().enumerate() {
            texts.push((format!("measures[{i}].title"), &m.title));
            texts.push((format!("measures[{i}].description"), &m.description));
        }
        for (i, s) in self.scope3_statements.iter().enumerate() {
            texts.push((format!("scope3Statements[{i}].reason"), &s.reason));
        }
        if let Some(d) = &self.declaration {
            texts.push(("declaration.signatoryName".into(), &d.signatory_name));
            texts.push(("declaration.signatoryRole".into(), &d.signatory_role));
        }
        texts
    }

    /// The inputs with their text trimmed, checked against the company's reporting year
    /// (`start`) and `today`. The error names the first field at fault.
    pub fn validated(self, start: ReportingYearStart, today: NaiveDate) -> Result<Self, DomainError> {
        let organisation = self
            .organisation
            .map(|o| -> Result<Organisation, DomainError> {
                let registered_address =
                    required_text("organisation.registeredAddress", &o.registered_address, ADDRESS_TEXT)?;
                // Exactly as the document says: an empty or padded number is refused, not guessed at.
                let company_number = match o.company_number.as_deref() {
                    None => None,
                    Some(number) if is_company_number(number) => Some(number.to_owned()),
                    Some(_) => {
                        return Err(DomainError::invalid_at(
                            "organisation.companyNumber",
                            "must be a Companies House number: 8 characters, two letters or digits then six digits (01234567, SC123456)",
                        ));
                    }
                };
                Ok(Organisation { registered_address, company_number })
            })
            .transpose()?;

        let baseline_period = self
            .baseline_period
            .map(|label| -> Result<String, DomainError> {
                let period = ReportingPeriod::parse(&label, start).map_err(|e| e.at("baselinePeriod"))?;
                if period.start() > today {
                    return Err(DomainError::invalid_at("baselinePeriod", "has not started yet"));
                }
                Ok(period.label())
            })
            .transpose()?;

        let baseline_emissions = self
            .baseline_emissions
            .map(|b| -> Result<StatedBaseline, DomainError> {
                if baseline_period.is_none() {
                    return Err(DomainError::invalid_at(
                        "baselineEmissions",
                        "needs baselinePeriod: the reporting period the figures are for",
                    ));
                }
                Ok(StatedBaseline {
                    scope1: tonnes("baselineEmissions.scope1", b.scope1, false)?,
                    scope2: tonnes("baselineEmissions.scope2", b.scope2, false)?,
                    scope3: tonnes("baselineEmissions.scope3", b.scope3, false)?,
                    source: required_text("baselineEmissions.source", &b.source, LONG_TEXT)?,
                })
            })
            .transpose()?;

        let net_zero_year = self
            .net_zero_year
            .map(|year| {
                year_between(
                    "netZeroYear",
                    year,
                    today.year(),
                    LATEST_NET_ZERO_YEAR,
                    " (PPN 006: net zero by 2050 at the latest, and not in the past)",
                )
            })
            .transpose()?;

        let interim_target = self
            .interim_target
            .map(|t| -> Result<InterimTarget, DomainError> {
                // Without a stated net-zero year the plan aims at 2050, so the interim year comes before it.
                let last = net_zero_year.unwrap_or(LATEST_NET_ZERO_YEAR) - 1;
                let year =
                    year_between("interimTarget.year", t.year, EARLIEST_YEAR, last, " (before the net-zero year)")?;
                let percent = t.reduction_percent.normalize();
                if percent <= Decimal::ZERO || percent >= Decimal::ONE_HUNDRED {
                    return Err(DomainError::invalid_at(
                        "interimTarget.reductionPercent",
                        "must be more than 0 and less than 100",
                    ));
                }
                if percent.scale() > 2 {
                    return Err(DomainError::invalid_at(
                        "interimTarget.reductionPercent",
                        "must have at most 2 decimals",
                    ));
                }
                Ok(InterimTarget { year, reduction_percent: percent })
            })
            .transpose()?;

        let projects = at_most("projects", self.projects)?
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let path = |field: &str| format!("projects[{i}].{field}");
                if p.status == ProjectStatus::Completed && p.year > today.year() {
                    return Err(DomainError::invalid_at(
                        path("year"),
                        format!("a completed project must be dated {} or earlier", today.year()),
                    ));
                }
                Ok(Project {
                    title: required_text(&path("title"), &p.title, SHORT_TEXT)?,
                    description: optional_text(&path("description"), &p.description, LONG_TEXT)?,
                    status: p.status,
                    year: year_between(&path("year"), p.year, EARLIEST_YEAR, LATEST_PROJECT_YEAR, "")?,
                    estimated_saving_tco2e: tonnes(&path("estimatedSavingTco2e"), p.estimated_saving_tco2e, true)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;

        let measures = at_most("measures", self.measures)?
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                Ok(Measure {
                    title: required_text(&format!("measures[{i}].title"), &m.title, SHORT_TEXT)?,
                    description: optional_text(&format!("measures[{i}].description"), &m.description, LONG_TEXT)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;

        let mut seen = Vec::new();
        let scope3_statements = at_most("scope3Statements", self.scope3_statements)?
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let path = format!("scope3Statements[{i}].category");
                if Scope3Category::new(s.category).is_none() {
                    return Err(DomainError::invalid_at(path, "must be a GHG Protocol scope 3 category, 1 to 15"));
                }
                if seen.contains(&s.category) {
                    return Err(DomainError::invalid_at(path, format!("category {} is stated twice", s.category)));
                }
                seen.push(s.category);
                Ok(Scope3Statement {
                    category: s.category,
                    status: s.status,
                    reason: required_text(&format!("scope3Statements[{i}].reason"), &s.reason, LONG_TEXT)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;

        let declaration = self
            .declaration
            .map(|d| -> Result<Declaration, DomainError> {
                if d.signed_on > today {
                    return Err(DomainError::invalid_at("declaration.signedOn", "must not be in the future"));
                }
                if d.signed_on.year() < EARLIEST_YEAR {
                    return Err(DomainError::invalid_at(
                        "declaration.signedOn",
                        format!("must be in {EARLIEST_YEAR} or later"),
                    ));
                }
                Ok(Declaration {
                    signatory_name: required_text("declaration.signatoryName", &d.signatory_name, SHORT_TEXT)?,
                    signatory_role: required_text("declaration.signatoryRole", &d.signatory_role, SHORT_TEXT)?,
                    signed_on: d.signed_on,
                })
            })
            .transpose()?;

        let inputs = Self {
            organisation,
            baseline_period,
            baseline_emissions,
            net_zero_year,
            interim_target,
            projects,
            measures,
            scope3_statements,
            declaration,
        };
        // What the plan's PDF may cost to lay out, judged here so no saved input is found too
        // costly only when a plan is rendered.
        for (path, text) in inputs.texts() {
            super::layout::check_text(&path, text)?;
        }
        super::layout::check_total(inputs.texts())?;
        Ok(inputs)
    }
}

fn at_most<T>(path: &str, items: Vec<T>) -> Result<Vec<T>, DomainError> {
    if items.len() > MAX_ITEMS {
        return Err(DomainError::invalid_at(path, format!("must have at most {MAX_ITEMS} items")));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).expect("date")
    }

    pub(crate) fn complete() -> CrpInputs {
        CrpInputs {
            organisation: Some(Organisation {
                registered_address: " 1 High Street, Leeds LS1 1AA ".into(),
                company_number: Some("01234567".into()),
            }),
            baseline_period: Some("2024-25".into()),
            baseline_emissions: None,
            net_zero_year: Some(2045),
            interim_target: Some(InterimTarget { year: 2030, reduction_percent: Decimal::from(42) }),
            projects: vec![Project {
                title: "LED lighting".into(),
                description: "All sites".into(),
                status: ProjectStatus::Completed,
                year: 2025,
                estimated_saving_tco2e: Decimal::new(125, 1),
            }],
            measures: vec![Measure { title: "ISO 14001".into(), description: String::new() }],
            scope3_statements: vec![Scope3Statement {
                category: 4,
                status: StatementStatus::NotApplicable,
                reason: "No deliveries".into(),
            }],
            declaration: Some(Declaration {
                signatory_name: "Ada Lovelace".into(),
                signatory_role: "Director".into(),
                signed_on: today(),
            }),
        }
    }

    fn error_path(inputs: CrpInputs) -> String {
        match inputs.validated(ReportingYearStart::APRIL, today()) {
            Err(DomainError::InvalidAt { path, .. }) => path,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn valid_inputs_are_kept_trimmed() {
        let inputs = complete().validated(ReportingYearStart::APRIL, today()).expect("valid");
        assert_eq!(inputs.organisation.expect("org").registered_address, "1 High Street, Leeds LS1 1AA");
        assert_eq!(
            CrpInputs::default().validated(ReportingYearStart::APRIL, today()).expect("empty"),
            CrpInputs::default()
        );
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut i = complete();
        i.net_zero_year = Some(2051);
        assert_eq!(error_path(i), "netZeroYear");
        let mut i = complete();
        i.net_zero_year = Some(2025);
        assert_eq!(error_path(i), "netZeroYear");
        let mut i = complete();
        i.interim_target = Some(InterimTarget { year: 2045, reduction_percent: Decimal::from(50) });
        assert_eq!(error_path(i), "interimTarget.year");
        for bad in [Decimal::ZERO, Decimal::ONE_HUNDRED, Decimal::from(-5), Decimal::new(12345, 3)] {
            let mut i = complete();
            i.interim_target = Some(InterimTarget { year: 2030, reduction_percent: bad });
            assert_eq!(error_path(i), "interimTarget.reductionPercent", "{bad}");
        }
        let mut i = complete();
        i.projects.push(Project { title: "  ".into(), ..i.projects[0].clone() });
        assert_eq!(error_path(i), "projects[1].title");
        let mut i = complete();
        i.projects[0].estimated_saving_tco2e = Decimal::ZERO;
        assert_eq!(error_path(i), "projects[0].estimatedSavingTco2e");
        let mut i = complete();
        i.projects[0].estimated_saving_tco2e = Decimal::new(1, 7);
        assert_eq!(error_path(i), "projects[0].estimatedSavingTco2e");
        let mut i = complete();
        i.scope3_statements.push(Scope3Statement {
            category: 4,
            status: StatementStatus::NotQuantified,
            reason: "again".into(),
        });
        assert_eq!(error_path(i), "scope3Statements[1].category");
        let mut i = complete();
        i.scope3_statements[0].category = 16;
        assert_eq!(error_path(i), "scope3Statements[0].category");
        let mut i = complete();
        i.baseline_period = Some("2024".into());
        assert_eq!(error_path(i), "baselinePeriod");
        let mut i = complete();
        i.baseline_period = Some("2027-28".into());
        assert_eq!(error_path(i), "baselinePeriod");
        let mut i = complete();
        i.baseline_period = None;
        i.baseline_emissions = Some(StatedBaseline {
            scope1: Decimal::ONE,
            scope2: Decimal::ONE,
            scope3: Decimal::ONE,
            source: "x".into(),
        });
        assert_eq!(error_path(i), "baselineEmissions");
        let mut i = complete();
        i.organisation = Some(Organisation { registered_address: "x".into(), company_number: Some("123".into()) });
        assert_eq!(error_path(i), "organisation.companyNumber");
        for not_a_number in ["", " 01234567"] {
            let mut i = complete();
            i.organisation =
                Some(Organisation { registered_address: "x".into(), company_number: Some(not_a_number.into()) });
            assert_eq!(error_path(i), "organisation.companyNumber", "{not_a_number:?}");
        }
        let mut i = complete();
        i.declaration =
            Some(Declaration { signed_on: today().succ_opt().expect("date"), ..complete().declaration.expect("d") });
        assert_eq!(error_path(i), "declaration.signedOn");
        let mut i = complete();
        i.declaration = Some(Declaration { signatory_role: "\u{202E}".into(), ..complete().declaration.expect("d") });
        assert_eq!(error_path(i), "declaration.signatoryRole");
        let mut i = complete();
        i.declaration = Some(Declaration {
            signed_on: NaiveDate::from_ymd_opt(0, 1, 1).expect("date"),
            ..complete().declaration.expect("d")
        });
        assert_eq!(error_path(i), "declaration.signedOn");
        let mut i = complete();
        i.projects[0].year = 2027;
        assert_eq!(error_path(i), "projects[0].year", "completed next year");
        let mut i = complete();
        i.projects[0].status = ProjectStatus::Planned;
        i.projects[0].year = 2027;
        assert!(i.validated(ReportingYearStart::APRIL, today()).is_ok(), "planned for next year");
        let mut i = complete();
        i.net_zero_year = None;
        i.interim_target = Some(InterimTarget { year: 2050, reduction_percent: Decimal::from(50) });
        assert_eq!(error_path(i), "interimTarget.year", "the default net-zero year is 2050");
        let mut i = complete();
        i.measures = vec![Measure { title: "m".into(), description: String::new() }; MAX_ITEMS + 1];
        assert_eq!(error_path(i), "measures");
    }

    proptest! {
        /// Any net-zero year is accepted exactly when it lies from this year to 2050.
        #[test]
        fn net_zero_years_from_now_to_2050(year in 1900i32..2200) {
            let mut i = complete();
            i.net_zero_year = Some(year);
            i.interim_target = None;
            let accepted = i.validated(ReportingYearStart::APRIL, today()).is_ok();
            prop_assert_eq!(accepted, (2026..=2050).contains(&year));
        }

        /// An interim target is accepted exactly when its cut lies strictly between 0 and 100 %
        /// with at most 2 decimals, and its year comes before the net-zero year.
        #[test]
        fn interim_targets(year in 1980i32..2060, hundredths in -1000i64..11000) {
            let percent = Decimal::new(hundredths, 2);
            let mut i = complete();
            i.interim_target = Some(InterimTarget { year, reduction_percent: percent });
            let accepted = i.validated(ReportingYearStart::APRIL, today()).is_ok();
            let ok = (EARLIEST_YEAR..2045).contains(&year) && percent > Decimal::ZERO && percent < Decimal::ONE_HUNDRED;
            prop_assert_eq!(accepted, ok);
        }
    }
}
