//! From a bill's activity to scope 1, 2 and 3 amounts, with a record of every step.

use chrono::{Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::apportion::apportion;
use super::bill_type::{BillType, Unit};
use super::factors::{FactorId, FactorLibrary, FactorSet};
use super::market::MarketInstrument;
use super::period::ReportingPeriod;
use crate::DomainError;
use crate::model::ReportingYearStart;

/// The version of these rules, kept in every calculation record: a record made by older rules
/// says so (records from before versions were kept read as "1").
pub const ENGINE_VERSION: &str = "2";

/// The longest billing period a confirmation may state.
pub const MAX_BILLING_DAYS: i64 = 400;

/// The earliest day a billing period may start on.
pub const EARLIEST_BILLING_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// How far ahead of today a billing period may end (bills can be issued in advance; estimates
/// further out are refused).
pub const MAX_MONTHS_AHEAD: u32 = 12;

/// What a confirmed bill says was consumed, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub bill_type: BillType,
    pub quantity: Decimal,
    pub unit: Unit,
    /// First and last day of the billing period, both included.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Gas in a volume unit: the bill's average calorific value, MJ/m³ (required then).
    pub calorific_value: Option<Decimal>,
    /// Gas in a volume unit: the volume correction factor (default 1.02264).
    pub volume_correction: Option<Decimal>,
    /// Water: the sewerage volume in m³, when the bill states one.
    pub sewerage_volume: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    One,
    Two,
    Three,
}

/// One multiplication: `activity` (in `activity_unit`) × `factor` = `kg_co2e`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalculationLine {
    pub scope: Scope,
    /// GHG Protocol Scope 3 category (1, 3 or 5); `None` for scopes 1 and 2.
    pub category: Option<u8>,
    pub factor_id: String,
    pub description: String,
    pub activity: Decimal,
    pub activity_unit: String,
    /// kg CO2e per unit, from the part's factor set.
    pub factor: Decimal,
    pub kg_co2e: Decimal,
    /// True where the activity was estimated (water treatment on 95 % of the supplied volume).
    pub estimate: bool,
    /// Where the activity figure came from, when it is not simply the part's quantity.
    pub basis: Option<String>,
}

/// The factor set a part used, as the record names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSetUsed {
    pub year: i32,
    pub edition: String,
    pub source: String,
    pub gwp_basis: String,
    pub ids_derived: bool,
    /// The period is newer than every shipped set, so the newest was used instead of its own.
    pub fallback: bool,
}

/// Gas stated as a volume, turned into kWh for one part: m³ (from hundreds of cubic feet × 2.83
/// where so stated) × volume correction × calorific value ÷ 3.6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasConversion {
    /// `Some(2.83)` when the bill stated hundreds of cubic feet.
    pub cubic_feet_to_cubic_metres: Option<Decimal>,
    pub cubic_metres: Decimal,
    pub volume_correction: Decimal,
    /// True when the bill stated no correction factor and the standard 1.02264 was applied.
    pub volume_correction_default: bool,
    pub calorific_value: Decimal,
    pub kwh: Decimal,
}

/// The share of the bill falling in one reporting period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalculationPart {
    pub period: String,
    /// The days of the billing period inside this reporting period, first and last included.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: u32,
    pub factor_set: FactorSetUsed,
    /// This part's share of the bill's stated quantity, in the bill's unit: quantity × days ÷
    /// the bill's days, carried to [`SHARE_DECIMALS`](super::apportion::SHARE_DECIMALS) places
    /// (more if the quantity had more), the parts adding up to the whole exactly.
    pub quantity: Decimal,
    pub gas_conversion: Option<GasConversion>,
    pub lines: Vec<CalculationLine>,
    /// Market-based scope 2 of a record with a [`MarketInstrument`]: each scope 2 line's kWh at
    /// the instrument's factor. Not counted in any total (scope 2's total is location-based);
    /// empty without an instrument.
    pub market_based: Vec<CalculationLine>,
}

/// The whole calculation of one bill: its parts, and totals in kg CO2e (exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calculation {
    pub engine_version: String,
    /// Days of the billing period, first and last included.
    pub total_days: u32,
    pub parts: Vec<CalculationPart>,
    /// The contractual instrument of the record's electricity or heat, for market-based scope 2.
    pub market_instrument: Option<MarketInstrument>,
    /// Shares of the record in periods older than every factor set (before April 2019): left out
    /// of every figure, and said, rather than the whole record refused.
    pub left_out: Vec<LeftOut>,
}

/// A share of a record no published factor set covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub period: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: u32,
    /// Its share of the record's quantity, in the record's unit.
    pub quantity: Decimal,
}

impl LeftOut {
    /// The share of the record running `from`–`to` that falls in `period`.
    pub fn share(period: ReportingPeriod, from: NaiveDate, to: NaiveDate, days: u32, quantity: Decimal) -> Self {
        Self { period: period.label(), start: from.max(period.start()), end: to.min(period.end()), days, quantity }
    }
}

/// The most one bill can put in one reporting period and scope, in micrograms: far above what
/// the quantity limits allow (about 1.3 × 10^18 µg), far below `i64::MAX` (9.2 × 10^18).
const MAX_PART_MICROGRAMS: i64 = 5_000_000_000_000_000_000;

impl Calculation {
    /// kg CO2e of `scope`, over all parts.
    pub fn total(&self, scope: Scope) -> Decimal {
        self.lines().filter(|line| line.scope == scope).map(|line| line.kg_co2e).sum()
    }

    pub fn lines(&self) -> impl Iterator<Item = &CalculationLine> {
        self.parts.iter().flat_map(|part| part.lines.iter())
    }

    /// Micrograms of CO2e for each (reporting period, scope) with any line, rounded half away
    /// from zero once per pair: what aggregation sums (a rounding of at most 0.5 µg per pair).
    pub fn micrograms(&self) -> Result<Vec<(String, Scope, i64)>, DomainError> {
        let mut out = Vec::new();
        for part in &self.parts {
            for scope in [Scope::One, Scope::Two, Scope::Three] {
                let lines: Vec<&CalculationLine> = part.lines.iter().filter(|l| l.scope == scope).collect();
                if lines.is_empty() {
                    continue;
                }
                out.push((part.period.clone(), scope, to_micrograms(lines.iter().map(|l| l.kg_co2e).sum())?));
            }
        }
        Ok(out)
    }

    /// A bill's scope 3 micrograms by (reporting period, GHG Protocol category), each period's
    /// categories summing exactly to its scope 3 figure in [`Calculation::micrograms`]: each
    /// category is rounded on its own and what rounding leaves over (under a microgram per
    /// category) goes to the period's largest category, so a report's categories add up to its
    /// scope 3 total.
    pub fn scope3_micrograms_by_category(&self) -> Result<Vec<(String, u8, i64)>, DomainError> {
        let mut out = Vec::new();
        for part in &self.parts {
            let lines: Vec<&CalculationLine> = part.lines.iter().filter(|l| l.scope == Scope::Three).collect();
            if lines.is_empty() {
                continue;
            }
            let scope_total = to_micrograms(lines.iter().map(|l| l.kg_co2e).sum())?;
            let mut categories: Vec<u8> = lines.iter().map(|l| l.category.unwrap_or(0)).collect();
            categories.sort_unstable();
            categories.dedup();
            let mut amounts = Vec::with_capacity(categories.len());
            for category in categories {
                let kg: Decimal = lines.iter().filter(|l| l.category.unwrap_or(0) == category).map(|l| l.kg_co2e).sum();
                amounts.push((category, to_micrograms(kg)?));
            }
            let left_over = scope_total - amounts.iter().map(|(_, a)| a).sum::<i64>();
            // The first of the largest, so the choice does not depend on the order of equals.
            if let Some(largest) = amounts.iter_mut().rev().max_by_key(|(_, amount)| *amount) {
                largest.1 += left_over;
            }
            out.extend(amounts.into_iter().map(|(category, amount)| (part.period.clone(), category, amount)));
        }
        Ok(out)
    }
}

/// kg CO2e as micrograms, rounded half away from zero.
pub(super) fn to_micrograms(kg: Decimal) -> Result<i64, DomainError> {
    kg.checked_mul(Decimal::from(1_000_000_000_i64))
        .map(|v| v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .and_then(|v| i64::try_from(v).ok())
        .filter(|v| (0..=MAX_PART_MICROGRAMS).contains(v))
        .ok_or_else(|| DomainError::Internal(format!("{kg} kg is outside the bounds the limits allow")))
}

/// What one record puts in one reporting period, scope and scope 3 category, in micrograms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryAmount {
    pub period: String,
    pub scope: Scope,
    /// `None` in scopes 1 and 2.
    pub category: Option<u8>,
    pub micrograms: i64,
}

impl Calculation {
    /// Micrograms of CO2e for each (reporting period, scope, scope 3 category) with any line,
    /// rounded half away from zero once per triple: what an activity record adds to the totals
    /// (its scope amount is the sum of its categories').
    pub fn micrograms_by_category(&self) -> Result<Vec<CategoryAmount>, DomainError> {
        let mut out = Vec::new();
        for part in &self.parts {
            let mut keys: Vec<(Scope, Option<u8>)> = part.lines.iter().map(|l| (l.scope, l.category)).collect();
            keys.sort_unstable();
            keys.dedup();
            for (scope, category) in keys {
                let kg: Decimal =
                    part.lines.iter().filter(|l| l.scope == scope && l.category == category).map(|l| l.kg_co2e).sum();
                out.push(CategoryAmount {
                    period: part.period.clone(),
                    scope,
                    category,
                    micrograms: to_micrograms(kg)?,
                });
            }
        }
        Ok(out)
    }
}

impl Scope {
    pub fn number(self) -> u8 {
        match self {
            Scope::One => 1,
            Scope::Two => 2,
            Scope::Three => 3,
        }
    }

    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(Scope::One),
            2 => Some(Scope::Two),
            3 => Some(Scope::Three),
            _ => None,
        }
    }
}

/// The standard volume correction factor for gas.
const STANDARD_VCF: Decimal = Decimal::from_parts(102_264, 0, 0, false, 5);
/// Hundreds of cubic feet to cubic metres, as suppliers print it.
const HCF_TO_CUBIC_METRES: Decimal = Decimal::from_parts(283, 0, 0, false, 2);
/// Water treated when a bill states no sewerage volume: 95 % of the supplied volume.
const RETURN_TO_SEWER: Decimal = Decimal::from_parts(95, 0, 0, false, 2);
/// MJ per kWh.
const MJ_PER_KWH: Decimal = Decimal::from_parts(36, 0, 0, false, 1);
/// The highest calorific value and volume correction accepted (natural gas is about 38–40 MJ/m³
/// and 1.02264); they bound what a gas volume can become in kWh.
const MAX_CALORIFIC_VALUE: Decimal = Decimal::from_parts(100, 0, 0, false, 0);
const MAX_VOLUME_CORRECTION: Decimal = Decimal::from_parts(2, 0, 0, false, 0);

impl Activity {
    /// Checks the activity against the rules of SPEC 2 and 3; the error names the field at fault.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.quantity <= Decimal::ZERO {
            return Err(DomainError::invalid("consumption", "must be a positive amount"));
        }
        if !self.bill_type.accepts(self.unit) {
            return Err(DomainError::invalid(
                "unit",
                format!("{} does not fit a {} bill", self.unit.as_str(), self.bill_type.as_str()),
            ));
        }
        let max = self.unit.max_quantity();
        if self.quantity > max {
            return Err(DomainError::invalid(
                "consumption",
                format!("must be at most {max} {} (the largest bill accepted)", self.unit.as_str()),
            ));
        }
        if self.period_end < self.period_start {
            return Err(DomainError::invalid("periodEnd", "must be on or after periodStart"));
        }
        if (self.period_end - self.period_start).num_days() + 1 > MAX_BILLING_DAYS {
            return Err(DomainError::invalid(
                "periodEnd",
                format!("a billing period is at most {MAX_BILLING_DAYS} days"),
            ));
        }
        let is_gas_volume = self.bill_type == BillType::Gas && self.unit != Unit::Kwh;
        match (is_gas_volume, self.calorific_value) {
            (true, None) => {
                return Err(DomainError::invalid("calorificValue", "is required for gas stated as a volume"));
            }
            (true, Some(cv)) if cv <= Decimal::ZERO || cv > MAX_CALORIFIC_VALUE => {
                return Err(DomainError::invalid("calorificValue", "must be a positive MJ/m3 figure (about 38-40)"));
            }
            (false, Some(_)) => {
                return Err(DomainError::invalid("calorificValue", "applies only to gas stated as a volume"));
            }
            _ => {}
        }
        match (is_gas_volume, self.volume_correction) {
            (true, Some(vcf)) if vcf <= Decimal::ZERO || vcf > MAX_VOLUME_CORRECTION => {
                return Err(DomainError::invalid("volumeCorrectionFactor", "must be a positive factor near 1.02264"));
            }
            (false, Some(_)) => {
                return Err(DomainError::invalid("volumeCorrectionFactor", "applies only to gas stated as a volume"));
            }
            _ => {}
        }
        let max_water = Unit::CubicMetres.max_quantity();
        match (self.bill_type, self.sewerage_volume) {
            (BillType::Water, Some(volume)) if volume < Decimal::ZERO => {
                Err(DomainError::invalid("sewerageVolume", "must not be negative"))
            }
            (BillType::Water, Some(volume)) if volume > max_water => {
                Err(DomainError::invalid("sewerageVolume", format!("must be at most {max_water} m3")))
            }
            (BillType::Water, _) | (_, None) => Ok(()),
            (_, Some(_)) => Err(DomainError::invalid("sewerageVolume", "applies only to water bills")),
        }
    }

    /// Checks the billing period lies in the window bills are accepted for: starting no earlier
    /// than [`EARLIEST_BILLING_DATE`], ending no later than [`MAX_MONTHS_AHEAD`] months after
    /// `today`.
    pub fn validate_dates(&self, today: NaiveDate) -> Result<(), DomainError> {
        if self.period_start < EARLIEST_BILLING_DATE {
            return Err(DomainError::invalid("periodStart", format!("must be on or after {EARLIEST_BILLING_DATE}")));
        }
        let latest = today.checked_add_months(Months::new(MAX_MONTHS_AHEAD)).unwrap_or(today);
        if self.period_end > latest {
            return Err(DomainError::invalid(
                "periodEnd",
                format!("must be no later than {latest}, {MAX_MONTHS_AHEAD} months from today"),
            ));
        }
        Ok(())
    }
}

/// Calculates a bill. `start` is the company's reporting-year start month.
pub fn calculate(
    library: &FactorLibrary,
    start: ReportingYearStart,
    activity: &Activity,
) -> Result<Calculation, DomainError> {
    activity.validate()?;
    let (from, to) = (activity.period_start, activity.period_end);
    let periods = ReportingPeriod::overlapping(from, to, start);
    let days: Vec<u32> = periods.iter().map(|p| p.days_of(from, to)).collect();
    let quantities = apportion(activity.quantity, &days);
    let sewerage = activity.sewerage_volume.map(|v| apportion(v, &days));
    let mut parts = Vec::with_capacity(periods.len());
    let mut left_out = Vec::new();
    for (i, period) in periods.iter().enumerate() {
        let Some(choice) = library.choose(period.factor_year()) else {
            left_out.push(LeftOut::share(*period, from, to, days[i], quantities[i]));
            continue;
        };
        let sewerage_part = sewerage.as_ref().map(|s| s[i]);
        let gas_conversion = gas_conversion(activity, quantities[i])?;
        let kwh = gas_conversion.as_ref().map(|g| g.kwh);
        parts.push(CalculationPart {
            period: period.label(),
            start: from.max(period.start()),
            end: to.min(period.end()),
            days: days[i],
            factor_set: FactorSetUsed {
                year: choice.set.year,
                edition: choice.set.edition.clone(),
                source: choice.set.source.clone(),
                gwp_basis: choice.set.gwp_basis.clone(),
                ids_derived: choice.set.ids_derived,
                fallback: choice.fallback,
            },
            quantity: quantities[i],
            lines: lines_for(choice.set, activity, quantities[i], kwh, sewerage_part)?,
            gas_conversion,
            market_based: Vec::new(),
        });
    }
    // A record wholly before the oldest set has nothing to count: refused, as before.
    if parts.is_empty()
        && let Some(first) = periods.first()
    {
        return Err(DomainError::FactorSetUnavailable { period: first.label(), available: library.years() });
    }
    Ok(Calculation {
        engine_version: ENGINE_VERSION.to_owned(),
        total_days: days.iter().sum(),
        parts,
        market_instrument: None,
        left_out,
    })
}

/// Only reachable past the quantity limits, which `validate` enforces first.
fn too_large() -> DomainError {
    DomainError::invalid("consumption", "is too large to calculate")
}

fn line(
    set: &FactorSet,
    id: FactorId,
    scope: Scope,
    category: Option<u8>,
    activity: Decimal,
) -> Result<CalculationLine, DomainError> {
    let row = set.row(id).ok_or_else(|| DomainError::Internal(format!("factor set {} lacks {}", set.year, id.0)))?;
    Ok(CalculationLine {
        scope,
        category,
        factor_id: id.0.to_owned(),
        description: row.description.clone(),
        activity,
        activity_unit: row.unit.clone(),
        factor: row.kg_co2e_per_unit,
        kg_co2e: activity.checked_mul(row.kg_co2e_per_unit).ok_or_else(too_large)?,
        estimate: false,
        basis: None,
    })
}

fn lines_for(
    set: &FactorSet,
    activity: &Activity,
    quantity: Decimal,
    gas_kwh: Option<Decimal>,
    sewerage: Option<Decimal>,
) -> Result<Vec<CalculationLine>, DomainError> {
    use Scope::{One, Three, Two};
    let fuel = |fuel: FactorId, wtt: FactorId| -> Result<Vec<CalculationLine>, DomainError> {
        Ok(vec![line(set, fuel, One, None, quantity)?, line(set, wtt, Three, Some(3), quantity)?])
    };
    match activity.bill_type {
        BillType::Electricity => Ok(vec![
            line(set, FactorId::ELECTRICITY_GENERATION, Two, None, quantity)?,
            line(set, FactorId::ELECTRICITY_TD_LOSSES, Three, Some(3), quantity)?,
            line(set, FactorId::ELECTRICITY_WTT_GENERATION, Three, Some(3), quantity)?,
            line(set, FactorId::ELECTRICITY_WTT_TD, Three, Some(3), quantity)?,
        ]),
        BillType::Gas => {
            let kwh = gas_kwh.unwrap_or(quantity);
            Ok(vec![
                line(set, FactorId::NATURAL_GAS, One, None, kwh)?,
                line(set, FactorId::NATURAL_GAS_WTT, Three, Some(3), kwh)?,
            ])
        }
        BillType::Water => {
            let treatment = match sewerage {
                Some(volume) => CalculationLine {
                    basis: Some("the sewerage volume stated on the bill".into()),
                    ..line(set, FactorId::WATER_TREATMENT, Three, Some(5), volume)?
                },
                None => CalculationLine {
                    estimate: true,
                    basis: Some("estimated: 95% of the supplied volume (no sewerage volume stated)".into()),
                    ..line(
                        set,
                        FactorId::WATER_TREATMENT,
                        Three,
                        Some(5),
                        quantity.checked_mul(RETURN_TO_SEWER).ok_or_else(too_large)?,
                    )?
                },
            };
            Ok(vec![line(set, FactorId::WATER_SUPPLY, Three, Some(1), quantity)?, treatment])
        }
        BillType::HeatingOil => fuel(FactorId::BURNING_OIL, FactorId::BURNING_OIL_WTT),
        BillType::GasOil => fuel(FactorId::GAS_OIL, FactorId::GAS_OIL_WTT),
        BillType::Diesel => fuel(FactorId::DIESEL, FactorId::DIESEL_WTT),
        BillType::Petrol => fuel(FactorId::PETROL, FactorId::PETROL_WTT),
        BillType::Lpg => fuel(FactorId::LPG, FactorId::LPG_WTT),
    }
}

/// Gas stated as a volume, in kWh (gross CV): kWh = m³ × VCF × CV ÷ 3.6, with hundreds of cubic
/// feet × 2.83 = m³. `None` for gas stated in kWh and for other bills.
fn gas_conversion(activity: &Activity, quantity: Decimal) -> Result<Option<GasConversion>, DomainError> {
    if activity.bill_type != BillType::Gas || activity.unit == Unit::Kwh {
        return Ok(None);
    }
    let (cubic_feet_to_cubic_metres, cubic_metres) = match activity.unit {
        Unit::HundredsOfCubicFeet => {
            (Some(HCF_TO_CUBIC_METRES), quantity.checked_mul(HCF_TO_CUBIC_METRES).ok_or_else(too_large)?)
        }
        _ => (None, quantity),
    };
    let volume_correction = activity.volume_correction.unwrap_or(STANDARD_VCF);
    let calorific_value = activity.calorific_value.ok_or(DomainError::invalid("calorificValue", "is required"))?;
    let megajoules = cubic_metres
        .checked_mul(volume_correction)
        .and_then(|v| v.checked_mul(calorific_value))
        .ok_or_else(too_large)?;
    // The one inexact step of the engine: ÷ 3.6 carried to 28 significant digits.
    let kwh = megajoules.checked_div(MJ_PER_KWH).ok_or_else(too_large)?;
    Ok(Some(GasConversion {
        cubic_feet_to_cubic_metres,
        cubic_metres,
        volume_correction,
        volume_correction_default: activity.volume_correction.is_none(),
        calorific_value,
        kwh,
    }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("date")
    }

    fn activity(bill_type: BillType, quantity: &str, unit: Unit, from: NaiveDate, to: NaiveDate) -> Activity {
        Activity {
            bill_type,
            quantity: d(quantity),
            unit,
            period_start: from,
            period_end: to,
            calorific_value: None,
            volume_correction: None,
            sewerage_volume: None,
        }
    }

    fn run(a: &Activity) -> Calculation {
        let library = FactorLibrary::official().expect("factors");
        calculate(&library, ReportingYearStart::APRIL, a).expect("calculates")
    }

    fn totals(c: &Calculation) -> (Decimal, Decimal, Decimal) {
        (c.total(Scope::One), c.total(Scope::Two), c.total(Scope::Three))
    }

    #[test]
    fn electricity_in_one_period() {
        let c = run(&activity(BillType::Electricity, "1000", Unit::Kwh, day(2025, 5, 1), day(2025, 5, 31)));
        assert_eq!(c.parts.len(), 1);
        assert_eq!((c.parts[0].period.as_str(), c.parts[0].factor_set.year, c.parts[0].days), ("2025-26", 2025, 31));
        assert_eq!((c.total_days, c.engine_version.as_str()), (31, ENGINE_VERSION));
        assert!(!c.parts[0].factor_set.fallback);
        // 1000 × 0.17700; 1000 × (0.01853 + 0.04590 + 0.00397)
        assert_eq!(totals(&c), (d("0"), d("177.000"), d("68.40000")));
        let ids: Vec<&str> = c.lines().map(|l| l.factor_id.as_str()).collect();
        assert_eq!(ids, ["7_400_4000_5_1", "13_402_4000_5_1", "15_917_4000_5_1", "15_918_4000_5_1"]);
        assert!(c.lines().skip(1).all(|l| l.category == Some(3)));
    }

    #[test]
    fn electricity_across_a_period_boundary_uses_each_periods_set() {
        // 1 March – 30 April 2025: 31 days in 2024-25 (2024 set), 30 in 2025-26 (2025 set).
        let c = run(&activity(BillType::Electricity, "6100", Unit::Kwh, day(2025, 3, 1), day(2025, 4, 30)));
        let parts: Vec<(&str, i32, u32, Decimal)> =
            c.parts.iter().map(|p| (p.period.as_str(), p.factor_set.year, p.days, p.quantity)).collect();
        assert_eq!(parts, [("2024-25", 2024, 31, d("3100")), ("2025-26", 2025, 30, d("3000"))]);
        let ranges: Vec<(NaiveDate, NaiveDate)> = c.parts.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(ranges, [(day(2025, 3, 1), day(2025, 3, 31)), (day(2025, 4, 1), day(2025, 4, 30))]);
        assert_eq!(c.total_days, 61);
        // 3100 × 0.20705 + 3000 × 0.17700
        assert_eq!(c.total(Scope::Two), d("1172.85500"));
    }

    #[test]
    fn gas_in_kwh() {
        let c = run(&activity(BillType::Gas, "5000", Unit::Kwh, day(2024, 6, 1), day(2024, 6, 30)));
        // 2024 set: 5000 × 0.18290 and 5000 × 0.03021
        assert_eq!(totals(&c), (d("914.50000"), d("0"), d("151.05000")));
    }

    #[test]
    fn gas_in_cubic_metres_uses_the_calorific_value_and_correction() {
        let mut a = activity(BillType::Gas, "100", Unit::CubicMetres, day(2025, 6, 1), day(2025, 6, 30));
        a.calorific_value = Some(d("39.5"));
        let c = run(&a);
        // kWh = 100 × 1.02264 × 39.5 ÷ 3.6 = 1122.0633…; × 0.18296 and × 0.03021 (2025 set)
        assert_eq!(c.parts[0].lines[0].activity.round_dp(12), d("1122.063333333333"));
        assert_eq!(c.total(Scope::One).round_dp(12), d("205.292707466667"));
        assert_eq!(c.total(Scope::Three).round_dp(12), d("33.897533300000"));
        let conversion = c.parts[0].gas_conversion.as_ref().expect("recorded");
        assert_eq!(
            (conversion.cubic_feet_to_cubic_metres, conversion.cubic_metres, conversion.volume_correction),
            (None, d("100"), d("1.02264"))
        );
        assert!(conversion.volume_correction_default);
        assert_eq!(conversion.kwh, c.parts[0].lines[0].activity);
        a.volume_correction = Some(d("1"));
        let uncorrected = run(&a);
        assert!(uncorrected.total(Scope::One) < c.total(Scope::One), "a stated VCF replaces the default");
    }

    #[test]
    fn gas_in_hundreds_of_cubic_feet() {
        let mut a = activity(BillType::Gas, "10", Unit::HundredsOfCubicFeet, day(2025, 6, 1), day(2025, 6, 30));
        a.calorific_value = Some(d("39.5"));
        // 10 × 2.83 = 28.3 m³ → 28.3 × 1.02264 × 39.5 ÷ 3.6 = 317.5439233… kWh
        let c = run(&a);
        assert_eq!(c.parts[0].lines[0].activity.round_dp(10), d("317.5439233333"));
        let conversion = c.parts[0].gas_conversion.as_ref().expect("recorded");
        assert_eq!((conversion.cubic_feet_to_cubic_metres, conversion.cubic_metres), (Some(d("2.83")), d("28.30")));
    }

    #[test]
    fn water_treats_95_percent_unless_sewerage_is_stated() {
        let mut a = activity(BillType::Water, "200", Unit::CubicMetres, day(2023, 5, 1), day(2023, 7, 31));
        let estimated = run(&a);
        // 2023 set: supply 200 × 0.17668 (cat 1); treatment 190 × 0.20132 (cat 5, estimated)
        let lines: Vec<(Option<u8>, Decimal, Decimal, bool)> =
            estimated.lines().map(|l| (l.category, l.activity, l.kg_co2e, l.estimate)).collect();
        assert_eq!(lines, [(Some(1), d("200"), d("35.33600"), false), (Some(5), d("190.00"), d("38.2508000"), true)]);
        assert!(estimated.parts[0].lines[1].basis.as_deref().is_some_and(|b| b.contains("95%")));
        a.sewerage_volume = Some(d("150"));
        let stated = run(&a);
        assert_eq!(stated.parts[0].lines[1].kg_co2e, d("30.19800"));
        assert!(!stated.parts[0].lines[1].estimate);
        assert!(stated.parts[0].lines[1].basis.as_deref().is_some_and(|b| b.contains("stated")));
    }

    #[test]
    fn every_liquid_fuel_has_its_rows() {
        let cases = [
            (BillType::Diesel, "257.08200", "61.10100"),
            (BillType::Petrol, "206.91600", "58.09400"),
            (BillType::GasOil, "275.54100", "62.66500"),
            (BillType::HeatingOil, "254.01600", "53.07800"),
            (BillType::Lpg, "155.71300", "18.55100"),
        ];
        for (fuel, scope1, scope3) in cases {
            let c = run(&activity(fuel, "100", Unit::Litres, day(2025, 6, 1), day(2025, 6, 30)));
            assert_eq!(totals(&c), (d(scope1), d("0"), d(scope3)), "{fuel}");
        }
    }

    #[test]
    fn periods_use_the_set_of_their_greater_part_or_the_newest() {
        let library = FactorLibrary::official().expect("factors");
        let july = ReportingYearStart::new(7).expect("month");
        let a = activity(BillType::Diesel, "1", Unit::Litres, day(2024, 8, 1), day(2024, 8, 31));
        let c = calculate(&library, july, &a).expect("calc");
        assert_eq!((c.parts[0].period.as_str(), c.parts[0].factor_set.year), ("2024-25", 2025));
        let future = run(&activity(BillType::Diesel, "1", Unit::Litres, day(2031, 8, 1), day(2031, 8, 31)));
        assert_eq!((future.parts[0].factor_set.year, future.parts[0].factor_set.fallback), (2025, true));
    }

    #[test]
    fn the_oldest_sets_are_used_with_their_gwp_basis_and_older_periods_are_left_out() {
        // April 2019 – March 2020 uses the 2019 set (published by BEIS, AR4, derived row IDs).
        let c = run(&activity(BillType::Electricity, "1000", Unit::Kwh, day(2019, 6, 1), day(2019, 6, 30)));
        let set = &c.parts[0].factor_set;
        assert_eq!((set.year, set.fallback, set.ids_derived), (2019, false, true));
        assert!(set.gwp_basis.starts_with("IPCC AR4"), "{}", set.gwp_basis);
        assert_eq!(c.total(Scope::Two), d("255.60000"));
        // A bill straddling 1 April 2019: its March share (2018-19, older than every shipped set)
        // is left out and said; its April share counts at the 2019 factors.
        let library = FactorLibrary::official().expect("factors");
        let straddling = activity(BillType::Electricity, "1000", Unit::Kwh, day(2019, 3, 1), day(2019, 4, 30));
        let c = calculate(&library, ReportingYearStart::APRIL, &straddling).expect("the 2019-20 share counts");
        assert_eq!(c.parts.len(), 1);
        assert_eq!(
            (c.parts[0].period.as_str(), c.parts[0].days, c.parts[0].quantity),
            ("2019-20", 30, d("491.803278688525"))
        );
        assert_eq!(c.total(Scope::Two), d("491.803278688525") * d("0.25560"));
        assert_eq!(c.left_out.len(), 1);
        let left = &c.left_out[0];
        assert_eq!((left.period.as_str(), left.days, left.quantity), ("2018-19", 31, d("508.196721311475")));
        assert_eq!(left.quantity + c.parts[0].quantity, d("1000"), "nothing lost between the two");
        assert_eq!(c.total_days, 61);
        // Wholly before the oldest set: nothing to count, refused as before.
        let old = activity(BillType::Electricity, "1000", Unit::Kwh, day(2019, 1, 1), day(2019, 3, 31));
        match calculate(&library, ReportingYearStart::APRIL, &old) {
            Err(DomainError::FactorSetUnavailable { period, available }) => {
                assert_eq!(period, "2018-19");
                assert_eq!(available, [2019, 2020, 2021, 2022, 2023, 2024, 2025]);
            }
            other => panic!("expected factor_set_unavailable, got {other:?}"),
        }
    }

    #[test]
    fn shares_are_exact_whatever_decimals_the_client_typed() {
        // Diesel, 1000 l over 1 March – 30 April 2024: 31 of 61 days in 2023-24.
        let shares = |quantity: &str| -> Vec<Decimal> {
            let a = activity(BillType::Diesel, quantity, Unit::Litres, day(2024, 3, 1), day(2024, 4, 30));
            run(&a).parts.iter().map(|p| p.quantity).collect()
        };
        assert_eq!(shares("1000"), [d("508.196721311475"), d("491.803278688525")]);
        assert_eq!(shares("1000.000"), shares("1000"));
        let c = run(&activity(BillType::Diesel, "1000", Unit::Litres, day(2024, 3, 1), day(2024, 4, 30)));
        // 508.196721311475 × 2.51206 (2023) + 491.803278688525 × 2.51279 (2024)
        assert_eq!(c.total(Scope::One), d("1276.62065573770388850") + d("1235.79836065573873475"));
    }

    #[test]
    fn quantities_above_the_unit_maximum_are_refused_and_the_maximum_calculates() {
        for (bill_type, unit) in [
            (BillType::Electricity, Unit::Kwh),
            (BillType::Gas, Unit::Kwh),
            (BillType::Water, Unit::CubicMetres),
            (BillType::Diesel, Unit::Litres),
        ] {
            let max = unit.max_quantity();
            let at = Activity { quantity: max, ..activity(bill_type, "1", unit, day(2024, 1, 1), day(2025, 2, 3)) };
            let c = run(&at);
            assert!(c.micrograms().is_ok(), "{bill_type}: the maximum fits the store's integers");
            let over = Activity { quantity: max + Decimal::new(1, 9), ..at };
            assert!(matches!(over.validate(), Err(DomainError::Invalid { field: "consumption", .. })), "{bill_type}");
        }
        // Gas by volume at every maximum at once: the largest one bill can weigh.
        let mut gas = activity(BillType::Gas, "1", Unit::CubicMetres, day(2024, 1, 1), day(2024, 1, 1));
        gas.quantity = Unit::CubicMetres.max_quantity();
        gas.calorific_value = Some(MAX_CALORIFIC_VALUE);
        gas.volume_correction = Some(MAX_VOLUME_CORRECTION);
        let micrograms = run(&gas).micrograms().expect("fits");
        assert!(micrograms.iter().all(|(_, _, ug)| *ug <= MAX_PART_MICROGRAMS));
    }

    #[test]
    fn billing_dates_must_fall_in_the_accepted_window() {
        let today = day(2026, 11, 29);
        let one_day = activity(BillType::Electricity, "5", Unit::Kwh, day(2025, 5, 1), day(2025, 5, 1));
        assert!(one_day.validate().is_ok() && one_day.validate_dates(today).is_ok(), "a one-day bill");
        assert_eq!(run(&one_day).total_days, 1);
        let early = Activity { period_start: day(1999, 12, 31), ..one_day.clone() };
        assert!(matches!(early.validate_dates(today), Err(DomainError::Invalid { field: "periodStart", .. })));
        let ahead = Activity { period_start: day(2027, 11, 1), period_end: day(2027, 11, 30), ..one_day.clone() };
        assert!(matches!(ahead.validate_dates(today), Err(DomainError::Invalid { field: "periodEnd", .. })));
        let next_year = Activity { period_start: day(2027, 11, 1), period_end: day(2027, 11, 29), ..one_day };
        assert!(next_year.validate_dates(today).is_ok());
    }

    #[test]
    fn bad_activity_is_refused_naming_the_field() {
        let good = activity(BillType::Electricity, "10", Unit::Kwh, day(2025, 5, 1), day(2025, 5, 31));
        let field = |a: Activity| match a.validate() {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(good.validate().is_ok());
        assert_eq!(field(Activity { quantity: d("0"), ..good.clone() }), "consumption");
        assert_eq!(field(Activity { quantity: d("-1"), ..good.clone() }), "consumption");
        assert_eq!(field(Activity { unit: Unit::Litres, ..good.clone() }), "unit");
        assert_eq!(field(Activity { period_end: day(2025, 4, 30), ..good.clone() }), "periodEnd");
        assert_eq!(field(Activity { period_end: day(2026, 6, 5), ..good.clone() }), "periodEnd");
        assert_eq!(field(Activity { sewerage_volume: Some(d("1")), ..good.clone() }), "sewerageVolume");
        assert_eq!(field(Activity { calorific_value: Some(d("39")), ..good.clone() }), "calorificValue");
        let gas = Activity { bill_type: BillType::Gas, unit: Unit::CubicMetres, ..good.clone() };
        assert_eq!(field(gas.clone()), "calorificValue");
        let gas = Activity { calorific_value: Some(d("39.2")), ..gas };
        assert!(gas.validate().is_ok());
        assert_eq!(field(Activity { volume_correction: Some(d("0")), ..gas }), "volumeCorrectionFactor");
        // A 400-day period is the longest allowed.
        assert!(Activity { period_end: day(2026, 6, 4), ..good }.validate().is_ok());
    }

    fn any_bill() -> impl Strategy<Value = (BillType, Unit)> {
        prop_oneof![
            Just((BillType::Electricity, Unit::Kwh)),
            Just((BillType::Gas, Unit::Kwh)),
            Just((BillType::Water, Unit::CubicMetres)),
            Just((BillType::Diesel, Unit::Litres)),
            Just((BillType::Lpg, Unit::Litres)),
        ]
    }

    proptest! {
        #[test]
        fn the_parts_add_up_to_the_whole_bill(
            (bill_type, unit) in any_bill(),
            units in 1i64..100_000_000,
            scale in 0u32..4,
            start_offset in 0i64..2000,
            length in 1i64..400,
            year_start in 1u32..=12,
        ) {
            let from = day(2020, 1, 1) + chrono::Duration::days(start_offset);
            let to = from + chrono::Duration::days(length);
            let a = Activity { quantity: Decimal::new(units, scale), ..activity(bill_type, "1", unit, from, to) };
            let library = FactorLibrary::official().expect("factors");
            let start = ReportingYearStart::new(year_start).expect("month");
            let c = calculate(&library, start, &a).expect("calculates");
            prop_assert_eq!(c.parts.iter().map(|p| p.quantity).sum::<Decimal>(), a.quantity);
            prop_assert_eq!(c.parts.iter().map(|p| i64::from(p.days)).sum::<i64>(), length + 1);
            let lines_total: Decimal = c.lines().map(|l| l.kg_co2e).sum();
            prop_assert_eq!(c.total(Scope::One) + c.total(Scope::Two) + c.total(Scope::Three), lines_total);
        }

        #[test]
        fn scope_3_categories_add_up_to_the_scope_3_figure(
            units in 1i64..100_000_000,
            scale in 0u32..7,
            sewerage in proptest::option::of(1i64..100_000_000),
            start_offset in 0i64..2000,
            length in 1i64..400,
        ) {
            // Water splits into categories 1 and 5, each rounded on its own.
            let from = day(2020, 1, 1) + chrono::Duration::days(start_offset);
            let to = from + chrono::Duration::days(length);
            let a = Activity {
                quantity: Decimal::new(units, scale),
                sewerage_volume: sewerage.map(|v| Decimal::new(v, scale)),
                ..activity(BillType::Water, "1", Unit::CubicMetres, from, to)
            };
            let c = run(&a);
            let categories = c.scope3_micrograms_by_category().expect("µg");
            for (period, scope, amount) in c.micrograms().expect("µg") {
                prop_assert_eq!(scope, Scope::Three);
                let mine: Vec<(u8, i64)> =
                    categories.iter().filter(|(p, _, _)| *p == period).map(|(_, n, a)| (*n, *a)).collect();
                prop_assert_eq!(mine.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![1, 5]);
                prop_assert_eq!(mine.iter().map(|(_, a)| a).sum::<i64>(), amount);
                for (n, a) in mine {
                    let own: Decimal = c.parts.iter().filter(|p| p.period == period)
                        .flat_map(|p| p.lines.iter()).filter(|l| l.category == Some(n)).map(|l| l.kg_co2e).sum();
                    let exact = own * Decimal::from(1_000_000_000_i64);
                    prop_assert!((Decimal::from(a) - exact).abs() <= Decimal::new(15, 1), "{} vs {}", a, exact);
                }
            }
        }

        #[test]
        fn amounts_scale_linearly(
            (bill_type, unit) in any_bill(),
            units in 1i64..10_000_000,
            k in 1i64..1000,
            start_offset in 0i64..300,
            length in 1i64..28,
        ) {
            // Within one period (a billing month inside an April–March year), exactly linear.
            let from = day(2024, 4, 1) + chrono::Duration::days(start_offset);
            let to = from + chrono::Duration::days(length);
            let one = Activity { quantity: Decimal::new(units, 2), ..activity(bill_type, "1", unit, from, to) };
            let many = Activity { quantity: one.quantity * Decimal::from(k), ..one.clone() };
            let (a, b) = (run(&one), run(&many));
            prop_assert_eq!(a.parts.len(), 1);
            for scope in [Scope::One, Scope::Two, Scope::Three] {
                prop_assert_eq!(b.total(scope), a.total(scope) * Decimal::from(k));
            }
        }
    }
}
