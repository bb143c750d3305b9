//! Generating a plan's content from the company, its CRP inputs, its confirmed bills and its
//! recorded activities: pure, so the same data always gives the same plan.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::inputs::{CrpInputs, StatementStatus};
use super::plan::{
    Baseline, CategoryFigure, EmissionFigures, Figure, Methodology, OrganisationDetails, PeriodSpan, PlanContent,
    ScopeChange,
};
use super::scope3::{REQUIRED_CATEGORIES, Scope3Category, scope3_by_category};
use super::trajectory::trajectory;
use crate::DomainError;
use crate::calculation::{Calculation, ReportingPeriod, Scope};
use crate::model::{Company, Micrograms, Source};

/// A reporting period's confirmed bills and recorded activities: each one's source (bill type
/// or activity family) and calculation.
pub type PeriodRecords = Vec<(Source, Calculation)>;

/// What a plan is generated from.
#[derive(Debug)]
pub struct PlanSources<'a> {
    pub company: &'a Company,
    /// The company's sites: the plan's boundary.
    pub sites: &'a [crate::model::Site],
    pub inputs: &'a CrpInputs,
    pub period: ReportingPeriod,
    pub current: &'a [(Source, Calculation)],
    /// The baseline period and its records, when the inputs choose one.
    pub baseline: Option<(ReportingPeriod, &'a [(Source, Calculation)])>,
    pub target_year: i32,
}

fn span(period: ReportingPeriod) -> PeriodSpan {
    PeriodSpan { label: period.label(), start: period.start(), end: period.end() }
}

fn tonnes(amount: i128) -> Decimal {
    Micrograms(amount).tonnes().normalize()
}

/// The period's figures from its confirmed bills and recorded activities; `None` without any.
fn calculated(
    period: ReportingPeriod,
    bills: &[(Source, Calculation)],
) -> Result<Option<EmissionFigures>, DomainError> {
    let label = period.label();
    let mut scopes = [0_i128; 3];
    let mut types: [BTreeSet<Source>; 3] = Default::default();
    let mut count = 0_usize;
    let mut sets = BTreeSet::new();
    let only_bills = bills.iter().all(|(source, _)| matches!(source, Source::Bill(_)));
    // Market-based scope 2: instrumented records at their instrument's factor, the rest at their
    // location-based figure; and how many records of scope 2 had an instrument.
    let (mut market, mut scope2_records, mut instrumented) = (0_i128, 0_usize, 0_usize);
    for (source, calculation) in bills {
        let mut counted = false;
        let mut location2 = None;
        for (part_period, scope, amount) in calculation.micrograms()? {
            if part_period == label {
                let i = usize::from(scope.number() - 1);
                scopes[i] += i128::from(amount);
                types[i].insert(*source);
                counted = true;
                if scope == Scope::Two {
                    *location2.get_or_insert(0_i128) += i128::from(amount);
                }
            }
        }
        if let Some(location) = location2 {
            scope2_records += 1;
            let parts: Vec<_> = calculation.market_micrograms()?.into_iter().filter(|m| m.period == label).collect();
            if parts.is_empty() {
                market += location;
            } else {
                market += parts.iter().map(|m| i128::from(m.market_micrograms)).sum::<i128>();
                instrumented += 1;
            }
        }
        sets.extend(calculation.parts.iter().filter(|p| p.period == label).map(|p| p.factor_set.year));
        count += usize::from(counted);
    }
    if count == 0 {
        return Ok(None);
    }
    let bills_word = match (only_bills, count == 1) {
        (true, true) => "bill",
        (true, false) => "bills",
        (false, true) => "record",
        (false, false) => "bills and activity records",
    };
    // A zero is explained by what the bills are: none of the scope's kinds, or some whose
    // emissions come to less than the gram a figure shows.
    let figure = |scope: Scope, none_of_its_kinds: String| {
        let i = usize::from(scope.number() - 1);
        let tco2e = tonnes(scopes[i]);
        let note = tco2e.is_zero().then(|| {
            if types[i].is_empty() {
                none_of_its_kinds
            } else {
                format!("The confirmed {bills_word} of {label} for this scope come to less than a gram of CO2e.")
            }
        });
        Figure { tco2e, note }
    };
    let sets: Vec<String> = sets.iter().map(ToString::to_string).collect();
    Ok(Some(EmissionFigures {
        scope1: figure(
            Scope::One,
            format!(
                "No gas, fuel or vehicle use was recorded for {label}: none of its {count} confirmed {bills_word} is for gas, heating oil, gas oil, diesel, petrol, LPG, a company vehicle or a refrigerant."
            ),
        ),
        scope2: figure(
            Scope::Two,
            format!(
                "No purchased electricity or heat was recorded for {label}: none of its {count} confirmed {bills_word} is for electricity or heat."
            ),
        ),
        scope3: figure(
            Scope::Three,
            format!(
                "The {count} confirmed {bills_word} of {label} {} no scope 3 emissions.",
                if count == 1 { "carries" } else { "carry" }
            ),
        ),
        total: tonnes(scopes.iter().sum()),
        scope2_market_based: Some(Figure {
            tco2e: tonnes(market),
            note: Some(match (instrumented, scope2_records) {
                (_, 0) => format!("No purchased electricity or heat was recorded for {label}."),
                (0, _) => "No contractual instrument was stated, so the market-based figure uses the grid-average \
                           factor, as the location-based one does; no residual-mix factor is applied."
                    .to_owned(),
                (i, n) if i == n => format!(
                    "All {n} records of scope 2 state a contractual instrument: the supplier's own factor, or 0 for \
                     REGO-backed supply."
                ),
                (i, n) => format!(
                    "{i} of {n} records of scope 2 state a contractual instrument (the supplier's own factor, or 0 \
                     for REGO-backed supply); the rest use the grid-average factor, as no residual-mix factor is \
                     applied."
                ),
            }),
        }),
        source: format!(
            "Calculated from {count} confirmed {bills_word} with the DESNZ {} conversion factors.",
            sets.join(" and ")
        ),
    }))
}

fn stated(inputs: &CrpInputs) -> Option<EmissionFigures> {
    let stated = inputs.baseline_emissions.as_ref()?;
    let figure = |tco2e: Decimal| Figure {
        tco2e,
        note: tco2e.is_zero().then(|| format!("Stated as zero by the baseline's source: {}.", stated.source)),
    };
    Some(EmissionFigures {
        scope1: figure(stated.scope1),
        scope2: figure(stated.scope2),
        scope3: figure(stated.scope3),
        total: stated.scope1 + stated.scope2 + stated.scope3,
        scope2_market_based: None,
        source: format!("Stated: {}", stated.source),
    })
}

/// Every required category, every category with a figure, every category with a statement.
fn categories(sources: &PlanSources<'_>) -> Result<Vec<CategoryFigure>, DomainError> {
    let figures: BTreeMap<u8, Micrograms> =
        scope3_by_category(sources.current.iter().map(|(_, c)| c), &sources.period.label())?;
    let statements: BTreeMap<u8, &super::inputs::Scope3Statement> =
        sources.inputs.scope3_statements.iter().map(|s| (s.category, s)).collect();
    let numbers: BTreeSet<u8> =
        REQUIRED_CATEGORIES.into_iter().chain(figures.keys().copied()).chain(statements.keys().copied()).collect();
    Ok(numbers
        .into_iter()
        .filter_map(Scope3Category::new)
        .map(|category| {
            let n = category.number();
            let statement = statements.get(&n);
            // A figure from bills and activities wins over any statement; a category stated not
            // applicable, with none, is 0.
            let not_applicable = statement.is_some_and(|s| s.status == StatementStatus::NotApplicable);
            let tco2e = figures.get(&n).map(|m| tonnes(m.0)).or(not_applicable.then_some(Decimal::ZERO));
            CategoryFigure {
                category: n,
                name: category.name().to_owned(),
                required: category.required(),
                tco2e,
                statement: statement.map(|s| s.reason.clone()),
                status: statement.map(|s| s.status),
            }
        })
        .collect())
}

/// Activity and kg CO2e of one factor row in one period, summed over the period's records.
#[derive(Default)]
struct Use {
    activity: Decimal,
    kg: Decimal,
}

/// Each factor row's use in `label`, per scope: (scope, factor id, unit) → activity and kg.
fn uses(records: &[(Source, Calculation)], label: &str) -> BTreeMap<(u8, String, String), Use> {
    let mut found: BTreeMap<(u8, String, String), Use> = BTreeMap::new();
    for (_, calculation) in records {
        for part in calculation.parts.iter().filter(|p| p.period == label) {
            for line in &part.lines {
                let key = (line.scope.number(), line.factor_id.clone(), line.activity_unit.clone());
                let used = found.entry(key).or_default();
                used.activity += line.activity;
                used.kg += line.kg_co2e;
            }
        }
    }
    found
}

/// The change from the baseline per scope, split into factors and activity: for each factor
/// row used in both periods, the reporting year's activity × (its factor now − its factor then)
/// is the factors' part (factor IDs are the same across the sets, the 2019–2022 ones matched
/// to them by label); everything else is activity. Exact, in tCO2e; `None` on an overflow
/// (figures far beyond any real company's).
fn change(
    baseline: (ReportingPeriod, &[(Source, Calculation)]),
    current: (ReportingPeriod, &[(Source, Calculation)]),
) -> Option<Vec<ScopeChange>> {
    let then = uses(baseline.1, &baseline.0.label());
    let now = uses(current.1, &current.0.label());
    let mut scopes = Vec::new();
    for scope in 1..=3_u8 {
        let total = |uses: &BTreeMap<(u8, String, String), Use>| -> Decimal {
            uses.iter().filter(|(k, _)| k.0 == scope).map(|(_, u)| u.kg).sum()
        };
        let mut from_factors = Decimal::ZERO;
        for (key, used) in now.iter().filter(|(k, _)| k.0 == scope) {
            if let Some(before) = then.get(key).filter(|b| !b.activity.is_zero()) {
                let old_factor = before.kg.checked_div(before.activity)?;
                from_factors += used.kg.checked_sub(used.activity.checked_mul(old_factor)?)?;
            }
        }
        let change = total(&now).checked_sub(total(&then))?;
        let kilo = Decimal::ONE_THOUSAND;
        scopes.push(ScopeChange {
            scope,
            change: change / kilo,
            from_factors: from_factors / kilo,
            from_activity: (change - from_factors) / kilo,
        });
    }
    Some(scopes)
}

/// What the reporting year's scope 3 figures are made of, what was estimated, and the change
/// from a calculated baseline explained.
fn methodology(sources: &PlanSources<'_>, baseline_stated: bool) -> Methodology {
    let label = sources.period.label();
    let mut categories: BTreeMap<u8, BTreeSet<&'static str>> = BTreeMap::new();
    let mut estimated: BTreeMap<String, usize> = BTreeMap::new();
    for (source, calculation) in sources.current {
        let mut estimates_here = BTreeSet::new();
        for line in calculation.parts.iter().filter(|p| p.period == label).flat_map(|p| p.lines.iter()) {
            if let (Scope::Three, Some(category)) = (line.scope, line.category) {
                categories.entry(category).or_default().insert(source.describe());
            }
            if line.estimate {
                estimates_here.insert(format!(
                    "{}: {}",
                    line.description,
                    line.basis.as_deref().unwrap_or("estimated")
                ));
            }
        }
        for estimate in estimates_here {
            *estimated.entry(estimate).or_default() += 1;
        }
    }
    let change = match sources.baseline {
        Some((period, records)) if !baseline_stated && !records.is_empty() && !sources.current.is_empty() => {
            change((period, records), (sources.period, sources.current))
        }
        _ => None,
    };
    Methodology {
        sites: sources.sites.iter().map(|site| format!("{} ({})", site.name, site.city)).collect(),
        category_sources: categories
            .into_iter()
            .map(|(category, sources)| (category, sources.into_iter().map(str::to_owned).collect()))
            .collect(),
        estimated: estimated
            .into_iter()
            .map(|(what, n)| format!("{what} ({n} record{})", if n == 1 { "" } else { "s" }))
            .collect(),
        change,
    }
}

/// The plan's content: every figure and input it uses, frozen.
pub fn plan_content(sources: &PlanSources<'_>) -> Result<PlanContent, DomainError> {
    let inputs = sources.inputs;
    let current_emissions = calculated(sources.period, sources.current)?;
    let baseline = match sources.baseline {
        Some((period, bills)) => {
            let emissions = match stated(inputs) {
                Some(figures) => Some(figures),
                None => calculated(period, bills)?,
            };
            Some(Baseline { period: span(period), emissions })
        }
        None => None,
    };
    let path = match (&sources.baseline, baseline.as_ref().and_then(|b| b.emissions.as_ref())) {
        (Some((period, _)), Some(figures)) => trajectory(
            period.end_year(),
            figures.total,
            inputs.interim_target.as_ref().map(|t| (t.year, t.reduction_percent)),
            sources.target_year,
        ),
        _ => Vec::new(),
    };
    Ok(PlanContent {
        organisation: OrganisationDetails {
            name: sources.company.name.clone(),
            registered_address: inputs.organisation.as_ref().map(|o| o.registered_address.clone()),
            company_number: inputs.organisation.as_ref().and_then(|o| o.company_number.clone()),
        },
        reporting_period: span(sources.period),
        current_emissions,
        baseline,
        scope3_categories: categories(sources)?,
        interim_target: inputs.interim_target.clone(),
        trajectory: path,
        projects: inputs.projects.clone(),
        measures: inputs.measures.clone(),
        declaration: inputs.declaration.clone(),
        methodology: Some(methodology(sources, stated(inputs).is_some())),
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::calculation::{Activity, BillType, FactorLibrary, Unit, calculate};
    use crate::crp::inputs::{Scope3Statement, StatedBaseline};
    use crate::model::{CompanyId, Passport, Plan, ReportingYearStart};

    fn company() -> Company {
        Company {
            id: CompanyId::parse("comp_c").expect("id"),
            name: "Acme Ltd".into(),
            sector: "Manufacturing".into(),
            city: "Leeds".into(),
            employee_count: 10,
            plan: Plan::Business,
            passport: Passport { slug: "acme".into(), activated: false },
            reporting_year_start: ReportingYearStart::APRIL,
            sandbox: false,
        }
    }

    fn bill(
        bill_type: BillType,
        unit: Unit,
        quantity: impl Into<Decimal>,
        from: (i32, u32, u32),
        to: (i32, u32, u32),
    ) -> (Source, Calculation) {
        let date = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let activity = Activity {
            bill_type,
            quantity: quantity.into(),
            unit,
            period_start: date(from),
            period_end: date(to),
            calorific_value: None,
            volume_correction: None,
            sewerage_volume: None,
        };
        let library = FactorLibrary::official().expect("factors");
        (Source::Bill(bill_type), calculate(&library, ReportingYearStart::APRIL, &activity).expect("calculation"))
    }

    #[test]
    fn a_scope_under_a_gram_is_not_said_to_have_no_bills() {
        let company = company();
        let inputs = CrpInputs::default();
        let current = vec![bill(BillType::Electricity, Unit::Kwh, Decimal::new(1, 9), (2025, 4, 1), (2025, 6, 30))];
        let sources = PlanSources {
            company: &company,
            sites: &[],
            inputs: &inputs,
            period: ReportingPeriod::ending_in(2026, ReportingYearStart::APRIL),
            current: &current,
            baseline: None,
            target_year: 2050,
        };
        let figures = plan_content(&sources).expect("content").current_emissions.expect("figures");
        assert!(figures.scope2.tco2e.is_zero());
        let note = figures.scope2.note.expect("a zero says why");
        assert!(note.contains("less than a gram"), "{note}");
    }

    #[test]
    fn figures_add_up_and_a_zero_scope_says_why() {
        let company = company();
        let inputs = CrpInputs {
            scope3_statements: vec![Scope3Statement {
                category: 6,
                status: crate::crp::StatementStatus::NotApplicable,
                reason: "No business travel".into(),
            }],
            ..CrpInputs::default()
        };
        let current = vec![
            bill(BillType::Electricity, Unit::Kwh, 10_000, (2025, 4, 1), (2025, 6, 30)),
            bill(BillType::Water, Unit::CubicMetres, 100, (2025, 4, 1), (2025, 6, 30)),
        ];
        let sources = PlanSources {
            company: &company,
            sites: &[],
            inputs: &inputs,
            period: ReportingPeriod::ending_in(2026, ReportingYearStart::APRIL),
            current: &current,
            baseline: None,
            target_year: 2050,
        };
        let content = plan_content(&sources).expect("content");
        let figures = content.current_emissions.expect("figures");
        assert!(figures.scope1.tco2e.is_zero());
        assert!(figures.scope1.note.as_deref().is_some_and(|n| n.contains("No gas, fuel or vehicle use")));
        assert!(figures.scope2.tco2e > Decimal::ZERO && figures.scope2.note.is_none());
        assert_eq!(figures.total, figures.scope1.tco2e + figures.scope2.tco2e + figures.scope3.tco2e);
        assert!(figures.source.contains("2 confirmed bills") && figures.source.contains("DESNZ 2025"));
        let numbers: Vec<u8> = content.scope3_categories.iter().map(|c| c.category).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5, 6, 7, 9]);
        let sum: Decimal = content.scope3_categories.iter().filter_map(|c| c.tco2e).sum();
        assert_eq!(sum, figures.scope3.tco2e, "the categories add up to scope 3");
        let five = content.scope3_categories.iter().find(|c| c.category == 5).expect("5");
        assert!(five.tco2e.is_some() && five.required);
        let six = content.scope3_categories.iter().find(|c| c.category == 6).expect("6");
        // Stated not applicable, with no figure: 0, with its reason.
        assert_eq!((six.tco2e, six.statement.as_deref()), (Some(Decimal::ZERO), Some("No business travel")));
    }

    #[test]
    fn the_change_from_a_calculated_baseline_is_split_into_factors_and_activity() {
        let company = company();
        let inputs = CrpInputs { baseline_period: Some("2019-20".into()), ..CrpInputs::default() };
        let start = ReportingYearStart::APRIL;
        // 10,000 kWh at 2019's grid factor (0.25560), then 8,000 kWh at 2025's (0.17700), and
        // water in 2025 only.
        let baseline = vec![bill(BillType::Electricity, Unit::Kwh, 10_000, (2019, 4, 1), (2019, 6, 30))];
        let current = vec![
            bill(BillType::Electricity, Unit::Kwh, 8_000, (2025, 4, 1), (2025, 6, 30)),
            bill(BillType::Water, Unit::CubicMetres, 100, (2025, 4, 1), (2025, 6, 30)),
        ];
        let sources = PlanSources {
            company: &company,
            sites: &[],
            inputs: &inputs,
            period: ReportingPeriod::ending_in(2026, start),
            current: &current,
            baseline: Some((ReportingPeriod::ending_in(2020, start), &baseline)),
            target_year: 2045,
        };
        let methodology = plan_content(&sources).expect("content").methodology.expect("methodology");
        let change = methodology.change.expect("a calculated baseline");
        let two = change.iter().find(|c| c.scope == 2).expect("scope 2");
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        // 8,000 × 0.177 − 10,000 × 0.2556 = 1.416 − 2.556 = −1.140 t; the factors' part is
        // 8,000 × (0.177 − 0.2556) = −0.6288 t; the activity's −0.5112 t.
        assert_eq!((two.change, two.from_factors, two.from_activity), (d("-1.14"), d("-0.6288"), d("-0.5112")));
        for c in &change {
            assert_eq!(c.from_factors + c.from_activity, c.change, "scope {}: the parts add up", c.scope);
        }
        let five = methodology.category_sources.iter().find(|(n, _)| *n == 5).expect("category 5");
        assert_eq!(five.1, vec!["water bills".to_owned()], "category 5 here is wastewater only");
        assert!(methodology.estimated.iter().any(|e| e.contains("95%")), "{:?}", methodology.estimated);
    }

    #[test]
    fn a_stated_baseline_wins_and_starts_the_trajectory() {
        let company = company();
        let inputs = CrpInputs {
            baseline_period: Some("2019-20".into()),
            baseline_emissions: Some(StatedBaseline {
                scope1: Decimal::from(10),
                scope2: Decimal::ZERO,
                scope3: Decimal::from(30),
                source: "2020 footprint by Green Ltd".into(),
            }),
            ..CrpInputs::default()
        };
        let start = ReportingYearStart::APRIL;
        let sources = PlanSources {
            company: &company,
            sites: &[],
            inputs: &inputs,
            period: ReportingPeriod::ending_in(2026, start),
            current: &[],
            baseline: Some((ReportingPeriod::ending_in(2020, start), &[])),
            target_year: 2040,
        };
        let content = plan_content(&sources).expect("content");
        assert!(content.current_emissions.is_none());
        let baseline = content.baseline.expect("baseline").emissions.expect("figures");
        assert_eq!(baseline.total, Decimal::from(40));
        assert!(baseline.scope2.note.as_deref().is_some_and(|n| n.contains("Green Ltd")));
        assert_eq!(content.trajectory.first().map(|p| (p.year, p.tco2e)), Some((2020, Decimal::from(40))));
        assert_eq!(content.trajectory.last().map(|p| (p.year, p.tco2e)), Some((2040, Decimal::ZERO)));
    }
}
