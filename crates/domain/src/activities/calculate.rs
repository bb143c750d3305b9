//! An activity record's calculation: the bills' engine and rules (days to reporting periods,
//! each period's set, exact products), with the rows its type uses in each set.

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

use super::catalogue::{ActivityCatalogue, ActivityType, RowRole};
use super::family::Family;
use crate::DomainError;
use crate::calculation::{
    Calculation, CalculationLine, CalculationPart, EARLIEST_BILLING_DATE, ENGINE_VERSION, FactorLibrary, FactorSetUsed,
    MAX_MONTHS_AHEAD, MarketInstrument, ReportingPeriod, apportion,
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
    match (&input.market_instrument, t.family) {
        (Some(MarketInstrument::Rego { .. }), Family::Heat) => {
            return Err(DomainError::invalid(
                "marketInstrument.type",
                "rego certifies electricity; heat takes a supplier_specific factor",
            ));
        }
        (Some(_), family) if family != Family::Heat => {
            return Err(DomainError::invalid(
                "marketInstrument",
                "applies only to purchased heat and steam (and to electricity bills)",
            ));
        }
        _ => {}
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
    let mut left_out = Vec::new();
    for (i, period) in periods.iter().enumerate() {
        // A share before the oldest set is left out and said, not the whole record refused.
        let Some(choice) = library.choose(period.factor_year()) else {
            left_out.push(crate::calculation::LeftOut::share(*period, from, to, days[i], quantities[i]));
            continue;
        };
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
            market_based: Vec::new(),
        });
    }
    if parts.is_empty()
        && let Some(first) = periods.first()
    {
        return Err(DomainError::FactorSetUnavailable { period: first.label(), available: library.years() });
    }
    let calculation = Calculation {
        engine_version: ENGINE_VERSION.to_owned(),
        total_days: days.iter().sum(),
        parts,
        market_instrument: None,
        left_out,
    };
    match &input.market_instrument {
        Some(instrument) => calculation.with_market_instrument(instrument.clone()),
        None => Ok(calculation),
    }
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
            market_instrument: None,
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

    /// A line as expected: DESNZ row, kg CO2e, scope, category.
    type Expected = (&'static str, &'static str, u8, Option<u8>);

    /// One record of every family, 1,000 units in May of each year (so its own set), against the
    /// official rows: each kg figure is 1,000 × the row's factor as the DESNZ flat file of that
    /// year publishes it (rounded to its 5 decimal places; checked against
    /// `data/desnz/ghg-conversion-factors-<year>-flat.csv`), multiplied by hand.
    #[test]
    fn every_family_recomputes_by_hand_in_the_2019_2022_and_2025_sets() {
        #[rustfmt::skip]
        const CASES: &[(&str, ActivityUnit, i32, &[Expected])] = &[
        ("business_travel.air.short_haul.economy", ActivityUnit::PassengerKm, 2019, &[("21_316_3164_11_1", "155.73", 3, Some(6)), ("22_912_3164_11_1", "17.06", 3, Some(6))]),
        ("business_travel.air.short_haul.economy", ActivityUnit::PassengerKm, 2022, &[("21_316_3164_11_1", "151.02", 3, Some(6)), ("22_912_3164_11_1", "16.54", 3, Some(6))]),
        ("business_travel.air.short_haul.economy", ActivityUnit::PassengerKm, 2025, &[("21_316_3164_11_1", "125.76", 3, Some(6)), ("22_912_3164_11_1", "22.49", 3, Some(6))]),
        ("business_travel.ferry.foot_passenger", ActivityUnit::PassengerKm, 2019, &[("23_318_3188_11_1", "18.74", 3, Some(6)), ("24_914_3188_11_1", "3.62", 3, Some(6))]),
        ("business_travel.ferry.foot_passenger", ActivityUnit::PassengerKm, 2022, &[("23_318_3188_11_1", "18.74", 3, Some(6)), ("24_914_3188_11_1", "4.21", 3, Some(6))]),
        ("business_travel.ferry.foot_passenger", ActivityUnit::PassengerKm, 2025, &[("23_318_3188_11_1", "18.71", 3, Some(6)), ("24_914_3188_11_1", "4.24", 3, Some(6))]),
        ("commuting.ferry.foot_passenger", ActivityUnit::PassengerKm, 2019, &[("23_318_3188_11_1", "18.74", 3, Some(7)), ("24_914_3188_11_1", "3.62", 3, Some(7))]),
        ("commuting.ferry.foot_passenger", ActivityUnit::PassengerKm, 2022, &[("23_318_3188_11_1", "18.74", 3, Some(7)), ("24_914_3188_11_1", "4.21", 3, Some(7))]),
        ("commuting.ferry.foot_passenger", ActivityUnit::PassengerKm, 2025, &[("23_318_3188_11_1", "18.71", 3, Some(7)), ("24_914_3188_11_1", "4.24", 3, Some(7))]),
        ("business_travel.hotel.uk", ActivityUnit::RoomNights, 2019, &[("29_600_4000_13_1", "17400", 3, Some(6))]),
        ("business_travel.hotel.uk", ActivityUnit::RoomNights, 2022, &[("29_600_4000_13_1", "10400", 3, Some(6))]),
        ("business_travel.hotel.uk", ActivityUnit::RoomNights, 2025, &[("29_600_4000_13_1", "10400", 3, Some(6))]),
        ("business_travel.rail.national_rail", ActivityUnit::PassengerKm, 2019, &[("25_315_3147_11_1", "41.15", 3, Some(6)), ("26_911_3147_11_1", "7.9", 3, Some(6))]),
        ("business_travel.rail.national_rail", ActivityUnit::PassengerKm, 2022, &[("25_315_3147_11_1", "35.49", 3, Some(6)), ("26_911_3147_11_1", "8.92", 3, Some(6))]),
        ("business_travel.rail.national_rail", ActivityUnit::PassengerKm, 2025, &[("25_315_3147_11_1", "35.46", 3, Some(6)), ("26_911_3147_11_1", "8.97", 3, Some(6))]),
        ("commuting.bus.average_local_bus", ActivityUnit::PassengerKm, 2019, &[("25_314_3145_11_1", "104.71", 3, Some(7)), ("26_910_3145_11_1", "25", 3, Some(7))]),
        ("commuting.bus.average_local_bus", ActivityUnit::PassengerKm, 2022, &[("25_314_3145_11_1", "96.5", 3, Some(7)), ("26_910_3145_11_1", "24.94", 3, Some(7))]),
        ("commuting.bus.average_local_bus", ActivityUnit::PassengerKm, 2025, &[("25_314_3145_11_1", "103.85", 3, Some(7)), ("26_910_3145_11_1", "26.49", 3, Some(7))]),
        ("commuting.homeworking.homeworking_office_equipment_heating", ActivityUnit::FteHours, 2022, &[("32_603_9999_12_1", "340.75", 3, Some(7))]),
        ("commuting.homeworking.homeworking_office_equipment_heating", ActivityUnit::FteHours, 2025, &[("32_603_9999_12_1", "333.78", 3, Some(7))]),
        ("freight.hgv_all_diesel.all_hgvs.average_laden", ActivityUnit::TonneKm, 2019, &[("27_304_3140_14_1", "111.33", 3, Some(4)), ("28_907_3140_14_1", "26.36", 3, Some(4))]),
        ("freight.hgv_all_diesel.all_hgvs.average_laden", ActivityUnit::TonneKm, 2022, &[("27_304_3140_14_1", "106.14", 3, Some(4)), ("28_907_3140_14_1", "25.99", 3, Some(4))]),
        ("freight.hgv_all_diesel.all_hgvs.average_laden", ActivityUnit::TonneKm, 2025, &[("27_304_3140_14_1", "101.63", 3, Some(4)), ("28_907_3140_14_1", "23.59", 3, Some(4))]),
        ("heat.district_heat_and_steam", ActivityUnit::Kwh, 2019, &[("10_401_4003_5_1", "176.06", 2, None), ("16_919_4003_5_1", "25.16", 3, Some(3)), ("13_403_4004_5_1", "9.27", 3, Some(3)), ("16_920_4004_5_1", "1.32", 3, Some(3))]),
        ("heat.district_heat_and_steam", ActivityUnit::Kwh, 2022, &[("10_401_4003_5_1", "170.73", 2, None), ("16_919_4003_5_1", "31.53", 3, Some(3)), ("13_403_4004_5_1", "8.99", 3, Some(3)), ("16_920_4004_5_1", "1.66", 3, Some(3))]),
        ("heat.district_heat_and_steam", ActivityUnit::Kwh, 2025, &[("10_401_4003_5_1", "175.29", 2, None), ("16_919_4003_5_1", "33.41", 3, Some(3)), ("13_403_4004_5_1", "9.45", 3, Some(3)), ("16_920_4004_5_1", "1.76", 3, Some(3))]),
        ("refrigerant.r410a", ActivityUnit::Kg, 2022, &[("3_201_2156_3_1", "2088000", 1, None)]),
        ("refrigerant.r410a", ActivityUnit::Kg, 2025, &[("3_201_2156_3_1", "1924000", 1, None)]),
        ("vehicle.cars_by_size.average_car.diesel", ActivityUnit::Km, 2019, &[("4_301_3069_4_1", "173.36", 1, None), ("26_904_3069_4_1", "41.35", 3, Some(3))]),
        ("vehicle.cars_by_size.average_car.diesel", ActivityUnit::Km, 2022, &[("4_301_3069_4_1", "170.82", 1, None), ("26_904_3069_4_1", "41.04", 3, Some(3))]),
        ("vehicle.cars_by_size.average_car.diesel", ActivityUnit::Km, 2025, &[("4_301_3069_4_1", "173.04", 1, None), ("26_904_3069_4_1", "41.46", 3, Some(3))]),
        ("waste.commercial_and_industrial_waste.landfill", ActivityUnit::Tonnes, 2019, &[("20_507_5313_15_1", "99759.2", 3, Some(5))]),
        ("waste.commercial_and_industrial_waste.landfill", ActivityUnit::Tonnes, 2022, &[("20_507_5313_15_1", "467008.38", 3, Some(5))]),
        ("waste.commercial_and_industrial_waste.landfill", ActivityUnit::Tonnes, 2025, &[("20_507_5313_15_1", "520532.7", 3, Some(5))]),
        ];
        let families: std::collections::BTreeSet<&str> = CASES.iter().map(|(t, ..)| *t).collect();
        let library = FactorLibrary::official().expect("sets");
        let catalogue = ActivityCatalogue::build(&library).expect("catalogue");
        let covered: std::collections::BTreeSet<Family> =
            families.iter().filter_map(|t| catalogue.get(t)).map(|t| t.family).collect();
        assert_eq!(covered.len(), Family::ALL.len(), "every family has a case");
        for (activity_type, unit, year, lines) in CASES {
            let mut i = input(activity_type, "1000", *unit, day(*year, 5, 1), day(*year, 5, 1));
            if activity_type.starts_with("freight.") {
                i.direction = Some(Direction::Upstream);
            }
            let (_, _, c) = run(i).unwrap_or_else(|e| panic!("{activity_type} {year}: {e:?}"));
            assert_eq!(c.parts.len(), 1);
            assert_eq!(c.parts[0].factor_set.year, *year, "{activity_type}");
            let got: Vec<(String, Decimal, u8, Option<u8>)> =
                c.lines().map(|l| (l.factor_id.clone(), l.kg_co2e, l.scope.number(), l.category)).collect();
            let want: Vec<(String, Decimal, u8, Option<u8>)> =
                lines.iter().map(|(id, kg, scope, category)| ((*id).to_owned(), d(kg), *scope, *category)).collect();
            assert_eq!(got, want, "{activity_type} in the {year} set");
        }
        // The sets without a family's rows refuse it rather than borrow another year's.
        for (activity_type, unit) in [
            ("refrigerant.r410a", ActivityUnit::Kg),
            ("commuting.homeworking.homeworking_office_equipment_heating", ActivityUnit::FteHours),
        ] {
            let refused = run(input(activity_type, "1000", unit, day(2019, 5, 1), day(2019, 5, 1)));
            assert!(
                matches!(refused, Err(DomainError::ActivityTypeUnavailable { set_year: 2019, .. })),
                "{activity_type}"
            );
        }
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
