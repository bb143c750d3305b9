//! An activity record's calculation: the bills' engine and rules (days to reporting periods,
//! each period's set, exact products), with the rows its type uses in each set.

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

use super::catalogue::{ActivityCatalogue, ActivityType, RowRole};
use super::family::Family;
use crate::DomainError;
use crate::calculation::{
    Calculation, CalculationLine, CalculationPart, EARLIEST_BILLING_DATE, ENGINE_VERSION, FactorLibrary, FactorSetUsed,
    MAX_MONTHS_AHEAD, ReportingPeriod, apportion,
};
use crate::model::{ActivityInput, ReportingYearStart, plain_text};

/// The longest period one record may cover (a year, with room for a 53-week one).
pub const MAX_ACTIVITY_DAYS: i64 = 400;
/// The longest `reference` kept.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// The longest `note` kept.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Checks `input` against the catalogue and the rules every record obeys, fills in the
/// defaults (radiative forcing on for flights), and calculates it. The error names the field
/// at fault; a period whose set lacks the type is refused naming both.
pub fn calculate(
    library: &FactorLibrary,
    catalogue: &ActivityCatalogue,
    start: ReportingYearStart,
    input: ActivityInput,
    today: NaiveDate,
) -> Result<(ActivityInput, Family, Calculation), DomainError> {
    let activity_type = catalogue.get(&input.activity_type).ok_or_else(|| {
        DomainError::invalid(
            "activityType",
            format!("unknown activity type {:?}; GET /api/v1/activity-types lists them", input.activity_type),
        )
    })?;
    let input = check(activity_type, input, today)?;
    let calculation = parts(library, activity_type, start, &input)?;
    Ok((input, activity_type.family, calculation))
}

fn check(t: &ActivityType, mut input: ActivityInput, today: NaiveDate) -> Result<ActivityInput, DomainError> {
    if !t.units.contains(&input.unit) {
        let units: Vec<&str> = t.units.iter().map(|u| u.as_str()).collect();
        return Err(DomainError::invalid(
            "unit",
            format!("{} does not fit {}; expected {}", input.unit, t.id, units.join(" or ")),
        ));
    }
    if input.quantity <= Decimal::ZERO {
        return Err(DomainError::invalid("quantity", "must be a positive amount"));
    }
    let max = input.unit.max_quantity();
    if input.quantity > max {
        return Err(DomainError::invalid("quantity", format!("must be at most {max} {} in one record", input.unit)));
    }
    if input.period_end < input.period_start {
        return Err(DomainError::invalid("periodEnd", "must be on or after periodStart"));
    }
    if (input.period_end - input.period_start).num_days() + 1 > MAX_ACTIVITY_DAYS {
        return Err(DomainError::invalid("periodEnd", format!("a record covers at most {MAX_ACTIVITY_DAYS} days")));
    }
    if input.period_start < EARLIEST_BILLING_DATE {
        return Err(DomainError::invalid("periodStart", format!("must be on or after {EARLIEST_BILLING_DATE}")));
    }
    let latest = today.checked_add_months(Months::new(MAX_MONTHS_AHEAD)).unwrap_or(today);
    if input.period_end > latest {
        return Err(DomainError::invalid(
            "periodEnd",
            format!("must be no later than {latest}, {MAX_MONTHS_AHEAD} months from today"),
        ));
    }
    match (t.family.takes_direction(), input.direction) {
        (true, None) => {
            return Err(DomainError::invalid("direction", "is required for freight: upstream or downstream"));
        }
        (false, Some(_)) => return Err(DomainError::invalid("direction", "applies only to freight")),
        _ => {}
    }
    input.radiative_forcing = match (t.radiative_forcing, input.radiative_forcing) {
        (true, choice) => Some(choice.unwrap_or(true)),
        (false, None) => None,
        (false, Some(_)) => return Err(DomainError::invalid("radiativeForcing", "applies only to flights")),
    };
    input.reference = match input.reference.as_deref() {
        Some(text) => plain_text("reference", text, MAX_REFERENCE_CHARS)?,
        None => None,
    };
    input.note = match input.note.as_deref() {
        Some(text) => plain_text("note", text, MAX_NOTE_CHARS)?,
        None => None,
    };
    Ok(input)
}

/// Only reachable past the quantity limits, which `check` enforces first.
fn too_large() -> DomainError {
    DomainError::invalid("quantity", "is too large to calculate")
}

fn parts(
    library: &FactorLibrary,
    t: &ActivityType,
    start: ReportingYearStart,
    input: &ActivityInput,
) -> Result<Calculation, DomainError> {
    let (from, to) = (input.period_start, input.period_end);
    let periods = ReportingPeriod::overlapping(from, to, start);
    let days: Vec<u32> = periods.iter().map(|p| p.days_of(from, to)).collect();
    let quantities = apportion(input.quantity, &days);
    let mut parts = Vec::with_capacity(periods.len());
    for (i, period) in periods.iter().enumerate() {
        let choice = library
            .choose(period.factor_year())
            .ok_or_else(|| DomainError::FactorSetUnavailable { period: period.label(), available: library.years() })?;
        let set = choice.set;
        let variant = t.variant(set.year, input.unit, input.radiative_forcing).ok_or_else(|| {
            DomainError::ActivityTypeUnavailable {
                activity_type: t.id.clone(),
                unit: input.unit.as_str(),
                period: period.label(),
                set_year: set.year,
                available: t.years().filter(|y| t.variant(*y, input.unit, input.radiative_forcing).is_some()).collect(),
            }
        })?;
        let mut lines = Vec::with_capacity(variant.rows.len());
        for used in &variant.rows {
            let row = set
                .row_by_id(&used.factor_id)
                .ok_or_else(|| DomainError::Internal(format!("factor set {} lacks {}", set.year, used.factor_id)))?;
            let (scope, category) = used.role.scope_and_category(t.family, input.direction);
            let description = if row.column_text.is_empty() {
                row.description.clone()
            } else {
                format!("{} / {}", row.description, row.column_text)
            };
            lines.push(CalculationLine {
                scope,
                category,
                factor_id: row.id.clone(),
                description,
                activity: quantities[i],
                activity_unit: row.unit.clone(),
                factor: row.kg_co2e_per_unit,
                kg_co2e: quantities[i].checked_mul(row.kg_co2e_per_unit).ok_or_else(too_large)?,
                estimate: false,
                basis: basis(used.role, input.radiative_forcing),
            });
        }
        parts.push(CalculationPart {
            period: period.label(),
            start: from.max(period.start()),
            end: to.min(period.end()),
            days: days[i],
            factor_set: FactorSetUsed {
                year: set.year,
                edition: set.edition.clone(),
                source: set.source.clone(),
                gwp_basis: set.gwp_basis.clone(),
                ids_derived: set.ids_derived,
                fallback: choice.fallback,
            },
            quantity: quantities[i],
            gas_conversion: None,
            lines,
        });
    }
    Ok(Calculation { engine_version: ENGINE_VERSION.to_owned(), total_days: days.iter().sum(), parts })
}

/// Why a line is there, where its row alone does not say.
fn basis(role: RowRole, radiative_forcing: Option<bool>) -> Option<String> {
    match (role, radiative_forcing) {
        (RowRole::Activity, Some(true)) => {
            Some("with radiative forcing (the non-CO2 effects at altitude), as DESNZ advises".into())
        }
        (RowRole::Activity, Some(false)) => Some("without radiative forcing, as the record asked".into()),
        (RowRole::WellToTank, _) => Some("well-to-tank: producing and delivering the fuel".into()),
        (RowRole::EvElectricity, _) => Some("the electricity charging the vehicle".into()),
        (RowRole::EvTransmission, _) => Some("transmission and distribution losses of that electricity".into()),
        (RowRole::HeatDistribution, _) => Some("district heat lost in distribution".into()),
        (RowRole::HeatDistributionWellToTank, _) => Some("well-to-tank of the heat lost in distribution".into()),
        (RowRole::Activity, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activities::{ActivityUnit, Direction};
    use crate::calculation::Scope;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("date")
    }

    fn input(activity_type: &str, quantity: &str, unit: ActivityUnit, from: NaiveDate, to: NaiveDate) -> ActivityInput {
        ActivityInput {
            activity_type: activity_type.into(),
            quantity: d(quantity),
            unit,
            period_start: from,
            period_end: to,
            site_id: None,
            direction: None,
            radiative_forcing: None,
            reference: None,
            note: None,
        }
    }

    fn run(input: ActivityInput) -> Result<(ActivityInput, Family, Calculation), DomainError> {
        let library = FactorLibrary::official().expect("sets");
        let catalogue = ActivityCatalogue::build(&library).expect("catalogue");
        calculate(&library, &catalogue, ReportingYearStart::APRIL, input, day(2026, 12, 6))
    }

    #[test]
    fn a_flight_counts_with_radiative_forcing_by_default_and_its_wtt_in_category_6() {
        let (checked, family, c) = run(input(
            "business_travel.air.long_haul.economy",
            "10000",
            ActivityUnit::PassengerKm,
            day(2025, 5, 1),
            day(2025, 5, 1),
        ))
        .expect("calculates");
        assert_eq!((checked.radiative_forcing, family), (Some(true), Family::AirTravel));
        let lines: Vec<&CalculationLine> = c.lines().collect();
        // 10,000 passenger-km × 0.11704 (2025, long-haul economy with RF).
        assert_eq!((lines[0].factor_id.as_str(), lines[0].kg_co2e), ("21_316_3170_11_1", d("1170.40000")));
        assert!(lines.iter().all(|l| l.scope == Scope::Three && l.category == Some(6)));
        assert_eq!(lines[1].basis.as_deref(), Some("well-to-tank: producing and delivering the fuel"));
    }

    #[test]
    fn freight_needs_a_direction_and_counts_in_4_or_9() {
        let freight = |direction| {
            let mut i = input(
                "freight.hgv_all_diesel.all_rigids.average_laden",
                "1000",
                ActivityUnit::TonneKm,
                day(2019, 6, 1),
                day(2019, 6, 30),
            );
            i.direction = direction;
            run(i)
        };
        assert!(matches!(freight(None), Err(DomainError::Invalid { field: "direction", .. })));
        let (_, _, up) = freight(Some(Direction::Upstream)).expect("upstream");
        // 1000 tonne-km × 0.21970 (2019, HGV all rigids average laden).
        assert_eq!(up.lines().next().map(|l| (l.category, l.kg_co2e)), Some((Some(4), d("219.70000"))));
        let (_, _, down) = freight(Some(Direction::Downstream)).expect("downstream");
        assert!(down.lines().all(|l| l.category == Some(9)));
    }

    #[test]
    fn a_type_its_periods_set_lacks_is_refused_naming_both() {
        // Refrigerants have no rows in 2019–2021.
        let refused = run(input("refrigerant.r410a", "2", ActivityUnit::Kg, day(2021, 5, 1), day(2021, 5, 1)));
        match refused {
            Err(DomainError::ActivityTypeUnavailable { activity_type, period, set_year, available, .. }) => {
                assert_eq!((activity_type.as_str(), period.as_str(), set_year), ("refrigerant.r410a", "2021-22", 2021));
                assert_eq!(available, [2022, 2023, 2024, 2025]);
            }
            other => panic!("{other:?}"),
        }
        let (_, family, c) = run(input("refrigerant.r410a", "2", ActivityUnit::Kg, day(2025, 5, 1), day(2025, 5, 1)))
            .expect("2025 has it");
        assert_eq!(family, Family::Refrigerant);
        assert!(c.lines().all(|l| l.scope == Scope::One && l.category.is_none()));
    }

    #[test]
    fn records_split_across_periods_by_days_like_bills() {
        // 1 March – 30 April 2025: 31 days in 2024-25, 30 in 2025-26; 6,100 km.
        let (_, _, c) = run(input(
            "vehicle.cars_by_size.average_car.diesel",
            "6100",
            ActivityUnit::Km,
            day(2025, 3, 1),
            day(2025, 4, 30),
        ))
        .expect("calculates");
        let split: Vec<(i32, Decimal)> = c.parts.iter().map(|p| (p.factor_set.year, p.quantity)).collect();
        assert_eq!(split, [(2024, d("3100")), (2025, d("3000"))]);
        assert_eq!(c.parts[0].lines[0].scope, Scope::One);
        assert_eq!(c.parts[0].lines[1].category, Some(3), "a company car's WTT is category 3");
    }

    #[test]
    fn bad_inputs_are_refused_by_field() {
        let base = || input("waste.glass.closed_loop", "1", ActivityUnit::Tonnes, day(2025, 5, 1), day(2025, 5, 31));
        let field = |i: ActivityInput| match run(i) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(ActivityInput { activity_type: "waste.unicorns".into(), ..base() }), "activityType");
        assert_eq!(field(ActivityInput { unit: ActivityUnit::Km, ..base() }), "unit");
        assert_eq!(field(ActivityInput { quantity: d("0"), ..base() }), "quantity");
        assert_eq!(field(ActivityInput { quantity: d("1000001"), ..base() }), "quantity");
        assert_eq!(field(ActivityInput { period_end: day(2025, 4, 1), ..base() }), "periodEnd");
        assert_eq!(field(ActivityInput { period_end: day(2026, 6, 30), ..base() }), "periodEnd");
        assert_eq!(field(ActivityInput { direction: Some(Direction::Upstream), ..base() }), "direction");
        assert_eq!(field(ActivityInput { radiative_forcing: Some(true), ..base() }), "radiativeForcing");
        assert_eq!(field(ActivityInput { reference: Some("a\u{202E}b".into()), ..base() }), "reference");
    }
}
