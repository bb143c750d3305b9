//! The plan as the template reads it (`/data.json`): every value already written out as the
//! document shows it (figures to the kilogram with thousands separators, dates in words), so the
//! template only places text. Values are JSON strings: typst shows a string as text and never
//! reads it as markup.

use carbonpass_domain::calculation::{FactorLibrary, ReportingPeriod};
use carbonpass_domain::crp::{
    CarbonReductionPlan, EmissionFigures, Figure, PeriodSpan, PlanContent, PlanStatus, Section, StatementStatus,
};
use carbonpass_domain::model::{ReportingYearStart, tonnes_text};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanData {
    /// "Draft" or "Superseded" where the plan is not the company's published one.
    status_label: Option<&'static str>,
    draft: bool,
    /// Across every page of a plan that is not the company's current one.
    watermark: Option<&'static str>,
    generated_on: String,
    published_on: Option<String>,
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
    /// The template's sentences on the reduction, the targets and the projects.
    reading: Reading,
    /// Baseline, reporting year and the trajectory, drawn in the document.
    chart: Option<Chart>,
    /// How the baseline's and the reporting year's figures were made.
    baseline_details: Vec<String>,
    current_details: Vec<String>,
    /// Where the plan is published: the company's passport.
    publication_url: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reading {
    reduction: Option<String>,
    five_year: Option<String>,
    interim_progress: Option<String>,
    above_trajectory: Option<String>,
    completed_savings: Option<String>,
}

/// A bar chart of the actual years with the trajectory over it; positions as fractions of the
/// plot (a drawing's geometry, not a figure: the figures are the labels).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Chart {
    /// The top of the scale, as labelled.
    top: String,
    /// The bars' figures, in words under the chart: "2019-20 (baseline): 21.988 tCO2e".
    legend: String,
    /// Every year on the axis, oldest first, labelled or not.
    years: Vec<ChartYear>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChartYear {
    label: String,
    /// Shown under the axis (every year when few, else every fifth and the ends).
    labelled: bool,
    /// An actual year's bar: its height (0–1) and its figure.
    bar: Option<(f64, String)>,
    /// The trajectory's height that year (0–1).
    path: Option<f64>,
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

/// tCO2e as the whole document shows it: the domain's one rounding, to the kilogram, with three
/// decimals so columns align.
pub(crate) fn tonnes(value: Decimal) -> String {
    tonnes_text(value)
}

/// Client text that can break inside a long unbroken run (a reference, a code): a zero-width
/// space every 20 characters of a run longer than 24, so no word runs over its table cell.
pub(crate) fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        if c.is_whitespace() || c == '-' || c == '/' {
            run = 0;
        } else {
            run += 1;
            if run > 24 && run % 20 == 5 {
                out.push('\u{200B}');
            }
        }
        out.push(c);
    }
    out
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
    pub(crate) fn of(plan: &CarbonReductionPlan, publication_url: Option<&str>) -> Self {
        let c = &plan.content;
        let period =
            |p: &carbonpass_domain::crp::PeriodSpan| format!("{} ({} to {})", p.label, day(p.start), day(p.end));
        let mut to_do: Vec<String> = plan
            .missing_sections()
            .into_iter()
            .map(|s: Section| format!("{}: {}.", s.title(), needs_in_words(s)))
            .collect();
        to_do.extend(plan.failed_checks().into_iter().map(|check| format!("{}.", check.message)));
        let reading = plan.reading();
        Self {
            status_label: match plan.status {
                PlanStatus::Draft => Some("Draft"),
                PlanStatus::Superseded => Some("Superseded"),
                PlanStatus::Published => None,
            },
            draft: plan.status == PlanStatus::Draft,
            watermark: match plan.status {
                PlanStatus::Draft => Some("DRAFT"),
                PlanStatus::Superseded => Some("SUPERSEDED"),
                PlanStatus::Published => None,
            },
            generated_on: day(plan.generated_at.date_naive()),
            published_on: plan.published_at.map(|at| day(at.date_naive())),
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
                    name: covered(c, f.category, &f.name),
                    figure: f.tco2e.map(tonnes).unwrap_or_else(|| "not quantified".to_owned()),
                    // A plan generated before statuses existed prints its statement as it did then.
                    statement: breakable(&match (&f.statement, f.status) {
                        // A figure from confirmed records outweighs a statement that the category
                        // does not happen: said, not printed side by side as if both held.
                        (Some(reason), Some(StatementStatus::NotApplicable))
                            if f.tco2e.is_some_and(|t| !t.is_zero()) =>
                        {
                            format!("Stated not applicable ({reason}), but confirmed records give this figure.")
                        }
                        (Some(reason), Some(StatementStatus::NotApplicable)) => format!("Not applicable: {reason}"),
                        (Some(reason), Some(StatementStatus::NotQuantified)) => format!("Not quantified: {reason}"),
                        (Some(reason), None) => reason.clone(),
                        (None, _) => String::new(),
                    }),
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
                    title: breakable(&p.title),
                    description: breakable(&p.description),
                    status: p.status.as_str(),
                    year: p.year.to_string(),
                    saving: tonnes(p.estimated_saving_tco2e),
                })
                .collect(),
            measures: c.measures.iter().map(|m| [breakable(&m.title), breakable(&m.description)]).collect(),
            declaration: c.declaration.as_ref().map(|d| Declaration {
                signatory_name: d.signatory_name.clone(),
                signatory_role: d.signatory_role.clone(),
                signed_on: day(d.signed_on),
            }),
            to_do,
            reading: Reading {
                reduction: reading.reduction,
                five_year: reading.five_year,
                interim_progress: reading.interim_progress,
                above_trajectory: reading.above_trajectory,
                completed_savings: reading.completed_savings,
            },
            chart: chart(plan),
            baseline_details: c
                .baseline
                .as_ref()
                .and_then(|b| b.emissions.as_ref().map(|e| details(c, &b.period, e)))
                .unwrap_or_default(),
            current_details: c
                .current_emissions
                .as_ref()
                .map(|e| {
                    let mut lines = details(c, &c.reporting_period, e);
                    lines.extend(reporting_year_details(c));
                    lines
                })
                .unwrap_or_default(),
            publication_url: publication_url.map(str::to_owned),
        }
    }
}

/// What a section lacks, for the draft's own reader (the API's message names the fields).
fn needs_in_words(section: Section) -> &'static str {
    match section {
        Section::OrganisationDetails => "the organisation's registered address",
        Section::BaselineEmissions => "a baseline year with confirmed records, or stated baseline figures",
        Section::CurrentEmissions => {
            "confirmed records in the reporting year, and a figure or statement for each required scope 3 category"
        }
        Section::ReductionTargets => "a net-zero year no later than 2050, and an interim target between now and then",
        Section::ReductionProjects => "at least one completed or planned project with its estimated saving",
        Section::EnvironmentalMeasures => "at least one environmental management measure",
        Section::Declaration => "a signatory's name and position, and the sign-off date",
    }
}

/// The DESNZ set a calculated period's figures use, said as a buyer reads it.
fn factor_set(period: &PeriodSpan) -> Option<(String, String)> {
    let start = ReportingYearStart::new(chrono::Datelike::month(&period.start)).ok()?;
    let period = ReportingPeriod::parse(&period.label, start).ok()?;
    let library = FactorLibrary::official().ok()?;
    let choice = library.choose(period.factor_year())?;
    let fallback = if choice.fallback { " (the newest published set, standing in for the period's own)" } else { "" };
    Some((
        format!(
            "Conversion factors: the UK Government's GHG conversion factors for company reporting, {}{fallback}: {}.",
            choice.set.year, choice.set.edition
        ),
        choice.set.gwp_basis.clone(),
    ))
}

/// The "additional details" of a period's figures: how they were made, what they include.
fn details(content: &PlanContent, period: &PeriodSpan, figures: &EmissionFigures) -> Vec<String> {
    let mut lines = Vec::new();
    let calculated = !figures.source.starts_with("Stated");
    if calculated {
        let sites = content
            .methodology
            .as_ref()
            .filter(|m| !m.sites.is_empty())
            .map(|m| {
                format!(
                    " ({} site{}: {})",
                    m.sites.len(),
                    if m.sites.len() == 1 { "" } else { "s" },
                    breakable(&m.sites.join(", "))
                )
            })
            .unwrap_or_default();
        lines.push(format!(
            "Boundary: operational control; every site of {}{sites}; only confirmed records count. {}",
            content.organisation.name, figures.source
        ));
        lines.push(
            "Scope 1 covers gas and other fuels burnt, company vehicles and refrigerant losses; scope 2 purchased \
             electricity and heat; scope 3 the categories listed below, including well-to-tank and transmission \
             losses of the energy used (category 3) and water supply and treatment (categories 1 and 5)."
                .to_owned(),
        );
        lines.push(
            "Scope 2 is reported location-based (UK grid-average factors) in every total; where suppliers' \
             contractual instruments are stated, the market-based figure is given beside it, never in a total."
                .to_owned(),
        );
        if let Some((set, gwp)) = factor_set(period) {
            lines.push(format!("{set} Global warming potentials: {gwp}."));
        }
    } else {
        lines.push(format!(
            "{}. The figures are the source's: its boundary, factor set and warming potentials apply.",
            figures.source
        ));
    }
    lines
}

/// A scope 3 category's name, with what its figure covers when the plan knows it: a partial
/// category (wastewater only in category 5) is never mistaken for the whole.
fn covered(content: &PlanContent, category: u8, name: &str) -> String {
    let sources = content
        .methodology
        .as_ref()
        .and_then(|m| m.category_sources.iter().find(|(n, _)| *n == category).map(|(_, s)| s.join(", ")));
    match sources {
        Some(sources) if category == 5 && !sources.contains("waste records") => {
            format!("{name} (covers {sources} only: wastewater, not solid waste)")
        }
        Some(sources) => format!("{name} (covers {sources})"),
        None => name.to_owned(),
    }
}

/// `p %` of `whole`, one decimal.
fn share(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        return "–".to_owned();
    }
    let p = (part * Decimal::ONE_HUNDRED / whole)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{p:.1} %")
}

/// The reporting year's details beyond the method: warming potentials that differ from the
/// baseline's, the change explained, estimates, statements and exclusions.
fn reporting_year_details(c: &PlanContent) -> Vec<String> {
    let mut lines = Vec::new();
    let baseline =
        c.baseline.as_ref().filter(|b| b.emissions.as_ref().is_some_and(|e| !e.source.starts_with("Stated")));
    if let Some(baseline) = baseline
        && let (Some((_, then)), Some((_, now))) = (factor_set(&baseline.period), factor_set(&c.reporting_period))
        && then != now
    {
        let short = |basis: &str| basis.split(';').next().unwrap_or(basis).trim().to_owned();
        lines.push(format!(
            "The baseline year's figures use the warming potentials of {}, this year's those of {} (the \
             Government's conversion factors changed basis in 2023): the two years are not strictly comparable, \
             and part of the change between them comes from the change of basis.",
            short(&then),
            short(&now)
        ));
    }
    if let Some(methodology) = &c.methodology {
        if let Some(scopes) = &methodology.change {
            // On the figures as printed (to the kilogram), so every part shown adds up.
            let shown = |value: Decimal| carbonpass_domain::model::tonnes_to_the_kilogram(value);
            let parts: Vec<(u8, Decimal, Decimal, Decimal)> = scopes
                .iter()
                .map(|s| {
                    let (change, factors) = (shown(s.change), shown(s.from_factors));
                    (s.scope, change, factors, change - factors)
                })
                .collect();
            let total: Decimal = parts.iter().map(|p| p.1).sum();
            let factors: Decimal = parts.iter().map(|p| p.2).sum();
            let activity = total - factors;
            // Shares only where both parts go the same way as the whole: otherwise a share
            // above 100 % says less than the tonnes do.
            let same_way =
                |part: Decimal, whole: Decimal| part.is_zero() || part.is_sign_negative() == whole.is_sign_negative();
            let shares = !total.is_zero() && same_way(factors, total) && same_way(activity, total);
            let part = |value: Decimal| {
                if shares {
                    format!("{} tCO2e ({})", tonnes(value), share(value, total))
                } else {
                    format!("{} tCO2e", tonnes(value))
                }
            };
            let mut text = format!(
                "Change from the baseline explained: of the change of {} tCO2e, {} comes from changed conversion \
                 factors and {} from changed activity",
                tonnes(total),
                part(factors),
                part(activity)
            );
            let per_scope: Vec<String> = parts
                .iter()
                .filter(|p| !p.1.is_zero())
                .map(|(scope, change, factors, activity)| {
                    format!(
                        "scope {scope}: {} tCO2e, of which {} tCO2e from factors and {} tCO2e from activity",
                        tonnes(*change),
                        tonnes(*factors),
                        tonnes(*activity)
                    )
                })
                .collect();
            if !per_scope.is_empty() {
                text.push_str(&format!(" ({})", per_scope.join("; ")));
            }
            text.push_str(
                ". Worked out for each conversion factor used in both years: this year's activity at this year's \
                 factor, less the same activity at the baseline's factor.",
            );
            lines.push(text);
        } else if c.baseline.as_ref().is_some_and(|b| b.emissions.is_some()) {
            lines.push(
                "The change from the baseline cannot be split into factors and activity: the baseline's figures are \
                 stated, not calculated from records."
                    .to_owned(),
            );
        }
        lines.push(if methodology.estimated.is_empty() {
            "Estimated data: none; every figure is from a confirmed bill or record as stated.".to_owned()
        } else {
            format!("Estimated rather than measured: {}.", methodology.estimated.join("; "))
        });
    }
    let stated: Vec<String> = c
        .scope3_categories
        .iter()
        .filter(|f| f.status.is_some() && f.tco2e.is_none_or(|t| t.is_zero()))
        .map(|f| f.category.to_string())
        .collect();
    if !stated.is_empty() {
        lines.push(format!(
            "Stated rather than measured: scope 3 categories {} have statements in place of figures (see the table).",
            stated.join(", ")
        ));
    }
    let listed: Vec<u8> = c.scope3_categories.iter().map(|f| f.category).collect();
    // A required category missing is a failed check (drafts say so), not an exclusion.
    let excluded: Vec<String> = (1..=15_u8)
        .filter(|n| !listed.contains(n) && !carbonpass_domain::crp::REQUIRED_CATEGORIES.contains(n))
        .map(|n| n.to_string())
        .collect();
    if !excluded.is_empty() {
        lines.push(format!(
            "Excluded: scope 3 categories {} are outside the required subset and have no records, so are not reported.",
            excluded.join(", ")
        ));
    }
    lines
}

/// The chart: the baseline and the reporting year as bars, the trajectory as a line, from the
/// baseline year to net zero.
fn chart(plan: &CarbonReductionPlan) -> Option<Chart> {
    let c = &plan.content;
    let baseline = c.baseline.as_ref()?;
    let base = baseline.emissions.as_ref()?.total;
    let base_year = chrono::Datelike::year(&baseline.period.end);
    let last = c.trajectory.last().map_or(plan.fy_year, |p| p.year).max(plan.fy_year);
    let current = c.current_emissions.as_ref().map(|e| e.total);
    let top = c.trajectory.iter().map(|p| p.tco2e).chain([base]).chain(current).max()?;
    if top <= Decimal::ZERO || last < base_year {
        return None;
    }
    let height = |value: Decimal| (value / top).to_f64().unwrap_or(0.0).clamp(0.0, 1.0);
    let span = last - base_year;
    let years = (base_year..=last)
        .map(|year| {
            let bar = if year == base_year {
                Some((height(base), tonnes(base)))
            } else if year == plan.fy_year {
                current.map(|now| (height(now), tonnes(now)))
            } else {
                None
            };
            ChartYear {
                label: year.to_string(),
                labelled: span <= 12
                    || year == base_year
                    || year == last
                    || year == plan.fy_year
                    || (year - base_year) % 5 == 0,
                bar,
                path: c.trajectory.iter().find(|p| p.year == year).map(|p| height(p.tco2e)),
            }
        })
        .collect();
    let mut legend = format!("{} (baseline): {} tCO2e", baseline.period.label, tonnes(base));
    if let Some(now) = current {
        legend.push_str(&format!("; {} (reporting year): {} tCO2e", c.reporting_period.label, tonnes(now)));
    }
    Some(Chart { top: tonnes(top), legend, years })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_the_one_rounding_to_the_kilogram() {
        assert_eq!(tonnes(Decimal::new(123_456_789, 4)), "12,345.679");
        assert_eq!(tonnes(Decimal::ZERO), "0.000");
        assert_eq!(tonnes(Decimal::new(125, 1)), "12.500");
        assert_eq!(tonnes(Decimal::new(9_999_995, 4)), "1,000.000");
        assert_eq!(tonnes(Decimal::new(-12_345, 1)), "-1,234.500");
        assert_eq!(tonnes(Decimal::from(1_000_000_000)), "1,000,000,000.000");
    }
}
