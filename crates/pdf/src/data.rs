//! The plan as the template reads it (`/data.json`): every value already written out as the
//! document shows it (figures to the kilogram with thousands separators, dates in words), so the
//! template only places text. Values are JSON strings: typst shows a string as text and never
//! reads it as markup.

use carbonpass_domain::crp::{CarbonReductionPlan, EmissionFigures, Figure, PlanStatus, Section, StatementStatus};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanData {
    id: String,
    status: &'static str,
    draft: bool,
    /// Across every page of a plan that is not the company's current one.
    watermark: Option<&'static str>,
    generated_on: String,
    published_on: Option<String>,
    fy_year: String,
    target_year: String,
    organisation: Organisation,
    reporting_period: String,
    baseline: Option<Emissions>,
    baseline_period: Option<String>,
    current: Option<Emissions>,
    scope3: Vec<Category>,
    interim_target: Option<String>,
    trajectory: Vec<[String; 2]>,
    projects: Vec<Project>,
    measures: Vec<[String; 2]>,
    declaration: Option<Declaration>,
    /// What the plan still lacks (shown on drafts).
    to_do: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Organisation {
    name: String,
    registered_address: String,
    company_number: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Emissions {
    /// Rows of scope, tCO2e, note.
    rows: Vec<[String; 3]>,
    total: String,
    source: String,
    /// Scope 2 market-based, printed after the total it is not part of.
    market_based: Option<[String; 3]>,
}

#[derive(Serialize)]
struct Category {
    number: String,
    name: String,
    figure: String,
    statement: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Project {
    title: String,
    description: String,
    status: &'static str,
    year: String,
    saving: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Declaration {
    signatory_name: String,
    signatory_role: String,
    signed_on: String,
}

/// tCO2e to the kilogram with thousands separators: `12,345.678`.
pub(crate) fn tonnes(value: Decimal) -> String {
    // To the kilogram at least, and to the gram where the figure has grams: a saving of 0.0004 t
    // is not printed as 0.000.
    let exact = value.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero).normalize();
    let text = format!("{exact:.*}", exact.scale().max(3) as usize);
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "000"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{fraction}")
}

pub(crate) fn day(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

fn figure_row(scope: &str, figure: &Figure) -> [String; 3] {
    [scope.to_owned(), tonnes(figure.tco2e), figure.note.clone().unwrap_or_default()]
}

fn emissions(figures: &EmissionFigures) -> Emissions {
    let scope2 = if figures.scope2_market_based.is_some() { "Scope 2 (location-based)" } else { "Scope 2" };
    let rows = vec![
        figure_row("Scope 1", &figures.scope1),
        figure_row(scope2, &figures.scope2),
        figure_row("Scope 3 (included sources)", &figures.scope3),
    ];
    Emissions {
        market_based: figures.scope2_market_based.as_ref().map(|f| figure_row("Scope 2 (market-based)", f)),
        rows,
        total: tonnes(figures.total),
        source: figures.source.clone(),
    }
}

impl PlanData {
    pub(crate) fn of(plan: &CarbonReductionPlan) -> Self {
        let c = &plan.content;
        let period =
            |p: &carbonpass_domain::crp::PeriodSpan| format!("{} ({} to {})", p.label, day(p.start), day(p.end));
        let mut to_do: Vec<String> = plan
            .missing_sections()
            .into_iter()
            .map(|s: Section| format!("Section {} needs {}.", s.as_str(), s.needs()))
            .collect();
        to_do.extend(plan.failed_checks().into_iter().map(|check| format!("{}.", check.message)));
        Self {
            id: plan.id.as_str().to_owned(),
            status: plan.status.as_str(),
            draft: plan.status == PlanStatus::Draft,
            watermark: match plan.status {
                PlanStatus::Draft => Some("DRAFT"),
                PlanStatus::Superseded => Some("SUPERSEDED"),
                PlanStatus::Published => None,
            },
            generated_on: day(plan.generated_at.date_naive()),
            published_on: plan.published_at.map(|at| day(at.date_naive())),
            fy_year: plan.fy_year.to_string(),
            target_year: plan.target_year.to_string(),
            organisation: Organisation {
                name: c.organisation.name.clone(),
                registered_address: c.organisation.registered_address.clone().unwrap_or_default(),
                company_number: c.organisation.company_number.clone().unwrap_or_default(),
            },
            reporting_period: period(&c.reporting_period),
            baseline: c.baseline.as_ref().and_then(|b| b.emissions.as_ref()).map(emissions),
            baseline_period: c.baseline.as_ref().map(|b| period(&b.period)),
            current: c.current_emissions.as_ref().map(emissions),
            scope3: c
                .scope3_categories
                .iter()
                .map(|f| Category {
                    number: f.category.to_string(),
                    name: f.name.clone(),
                    figure: f.tco2e.map(tonnes).unwrap_or_else(|| "not quantified".to_owned()),
                    // A plan generated before statuses existed prints its statement as it did then.
                    statement: match (&f.statement, f.status) {
                        (Some(reason), Some(StatementStatus::NotApplicable)) => format!("Not applicable: {reason}"),
                        (Some(reason), Some(StatementStatus::NotQuantified)) => format!("Not quantified: {reason}"),
                        (Some(reason), None) => reason.clone(),
                        (None, _) => String::new(),
                    },
                })
                .collect(),
            interim_target: c
                .interim_target
                .as_ref()
                .map(|t| format!("{} % below the baseline by {}", t.reduction_percent.normalize(), t.year)),
            trajectory: c.trajectory.iter().map(|p| [p.year.to_string(), tonnes(p.tco2e)]).collect(),
            projects: c
                .projects
                .iter()
                .map(|p| Project {
                    title: p.title.clone(),
                    description: p.description.clone(),
                    status: p.status.as_str(),
                    year: p.year.to_string(),
                    saving: tonnes(p.estimated_saving_tco2e),
                })
                .collect(),
            measures: c.measures.iter().map(|m| [m.title.clone(), m.description.clone()]).collect(),
            declaration: c.declaration.as_ref().map(|d| Declaration {
                signatory_name: d.signatory_name.clone(),
                signatory_role: d.signatory_role.clone(),
                signed_on: day(d.signed_on),
            }),
            to_do,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_are_grouped_and_shown_to_the_kilogram_or_the_gram() {
        assert_eq!(tonnes(Decimal::new(123_456_789, 4)), "12,345.6789");
        assert_eq!(tonnes(Decimal::ZERO), "0.000");
        assert_eq!(tonnes(Decimal::new(125, 1)), "12.500");
        assert_eq!(tonnes(Decimal::new(4, 4)), "0.0004", "not 0.000");
        assert_eq!(tonnes(Decimal::new(1, 6)), "0.000001");
        assert_eq!(tonnes(Decimal::new(9_999_995, 4)), "999.9995");
        assert_eq!(tonnes(Decimal::new(-12_345, 1)), "-1,234.500");
        assert_eq!(tonnes(Decimal::from(1_000_000_000)), "1,000,000,000.000");
    }
}
