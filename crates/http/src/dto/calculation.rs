//! A bill's calculation record on the wire: scope totals in tCO2e (rounded, as shown everywhere)
//! and every step behind them, exact (decimals as strings, so no digit is lost), so that a figure
//! can be reproduced by hand from the DESNZ rows it names.

use carbonpass_domain::calculation::{Calculation, CalculationLine, CalculationPart, GasConversion, Scope};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::figures::Tonnes;
use super::schema;

/// How a bill's emissions were calculated: scope totals in tCO2e and every step behind them, exact.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Calculation)]
pub(crate) struct CalculationOut<'a> {
    pub total_tco2e: Tonnes,
    pub scope1: Tonnes,
    pub scope2: Tonnes,
    pub scope3: Tonnes,
    /// Scope 2 market-based: at the instrument's factor when the record has one
    /// (`marketInstrument`), else the same as `scope2`. Not in `totalTco2e`, which is
    /// location-based.
    pub scope2_market_based: Tonnes,
    /// The version of the calculation rules that produced this record.
    pub engine_version: &'a str,
    /// Days of the billing period, first and last included.
    pub total_days: u32,
    pub parts: Vec<PartOut<'a>>,
    /// Shares of the record in periods older than every DESNZ factor set (before April 2019):
    /// left out of every figure, rather than the whole record refused. Empty for most records.
    pub left_out: Vec<LeftOutShare<'a>>,
}

/// A share of a record no published factor set covers, and so in no figure.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CalculationLeftOutShare)]
pub(crate) struct LeftOutShare<'a> {
    pub period: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: u32,
    /// The record's quantity that falls in those days.
    #[schema(schema_with = schema::decimal_text)]
    pub quantity: String,
    /// Why, in a sentence.
    pub reason: &'static str,
}

/// The share of a bill that falls in one reporting period, and its lines.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CalculationPart)]
pub(crate) struct PartOut<'a> {
    pub period: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: u32,
    /// Kept for clients of the first record shape: the same as `factorSet.year`.
    pub factor_set_year: i32,
    pub factor_set: FactorSetOut<'a>,
    /// The bill's quantity that falls in this period.
    #[schema(schema_with = schema::decimal_text)]
    pub quantity: String,
    pub gas_conversion: Option<GasConversionOut>,
    pub lines: Vec<LineOut<'a>>,
    /// Market-based scope 2 of a record with an instrument: each scope 2 line's kWh at the
    /// instrument's factor (`factorId` names the instrument type). Not counted in any total.
    pub market_based: Vec<LineOut<'a>>,
}

/// The DESNZ conversion factor set a part was calculated with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = FactorSet)]
pub(crate) struct FactorSetOut<'a> {
    pub year: i32,
    pub edition: &'a str,
    pub source: &'a str,
    pub gwp_basis: &'a str,
    /// True for 2019–2022, whose official files have no row IDs: the IDs are those of the
    /// matching 2023–2025 rows.
    pub ids_derived: bool,
    /// True when the period is newer than every shipped set and the newest was used.
    pub fallback: bool,
}

/// Gas billed by volume, converted to kWh.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = GasConversion)]
pub(crate) struct GasConversionOut {
    #[schema(schema_with = schema::decimal_text_or_null)]
    pub cubic_feet_to_cubic_metres: Option<String>,
    #[schema(schema_with = schema::decimal_text)]
    pub cubic_metres: String,
    #[schema(schema_with = schema::decimal_text)]
    pub volume_correction_factor: String,
    pub volume_correction_factor_default: bool,
    #[schema(schema_with = schema::decimal_text)]
    pub calorific_value: String,
    #[schema(schema_with = schema::decimal_text)]
    pub kwh: String,
}

/// One emission: activity × one DESNZ factor.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CalculationLine)]
pub(crate) struct LineOut<'a> {
    #[schema(minimum = 1, maximum = 3)]
    pub scope: u8,
    /// The GHG Protocol scope 3 category, for scope 3 lines.
    pub category: Option<u8>,
    /// The DESNZ row id of the factor.
    pub factor_id: &'a str,
    pub description: &'a str,
    #[schema(schema_with = schema::decimal_text)]
    pub activity: String,
    pub activity_unit: &'a str,
    /// kg CO2e per activity unit.
    #[schema(schema_with = schema::decimal_text)]
    pub factor: String,
    #[schema(schema_with = schema::decimal_text)]
    pub kg_co2e: String,
    /// True when the activity was estimated (see `basis`).
    pub estimate: bool,
    pub basis: Option<&'a str>,
}

impl<'a> From<&'a Calculation> for CalculationOut<'a> {
    fn from(calc: &'a Calculation) -> Self {
        let (s1, s2, s3) = (calc.total(Scope::One), calc.total(Scope::Two), calc.total(Scope::Three));
        Self {
            total_tco2e: Tonnes::of_kilograms(s1 + s2 + s3),
            scope1: Tonnes::of_kilograms(s1),
            scope2: Tonnes::of_kilograms(s2),
            scope3: Tonnes::of_kilograms(s3),
            scope2_market_based: Tonnes::of_kilograms(calc.market_based_total()),
            engine_version: &calc.engine_version,
            total_days: calc.total_days,
            parts: calc.parts.iter().map(PartOut::from).collect(),
            left_out: calc
                .left_out
                .iter()
                .map(|l| LeftOutShare {
                    period: &l.period,
                    start: l.start,
                    end: l.end,
                    days: l.days,
                    quantity: l.quantity.to_string(),
                    reason: "No UK Government conversion factors were published for this period (the oldest set is \
                             2019's), so this share of the record is in no figure.",
                })
                .collect(),
        }
    }
}

impl<'a> From<&'a CalculationPart> for PartOut<'a> {
    fn from(part: &'a CalculationPart) -> Self {
        let set = &part.factor_set;
        Self {
            period: &part.period,
            start: part.start,
            end: part.end,
            days: part.days,
            factor_set_year: set.year,
            factor_set: FactorSetOut {
                year: set.year,
                edition: &set.edition,
                source: &set.source,
                gwp_basis: &set.gwp_basis,
                ids_derived: set.ids_derived,
                fallback: set.fallback,
            },
            quantity: part.quantity.to_string(),
            gas_conversion: part.gas_conversion.as_ref().map(GasConversionOut::from),
            lines: part.lines.iter().map(LineOut::from).collect(),
            market_based: part.market_based.iter().map(LineOut::from).collect(),
        }
    }
}

impl From<&GasConversion> for GasConversionOut {
    fn from(g: &GasConversion) -> Self {
        Self {
            cubic_feet_to_cubic_metres: g.cubic_feet_to_cubic_metres.map(|v| v.to_string()),
            cubic_metres: g.cubic_metres.to_string(),
            volume_correction_factor: g.volume_correction.to_string(),
            volume_correction_factor_default: g.volume_correction_default,
            calorific_value: g.calorific_value.to_string(),
            kwh: g.kwh.to_string(),
        }
    }
}

impl<'a> From<&'a CalculationLine> for LineOut<'a> {
    fn from(line: &'a CalculationLine) -> Self {
        Self {
            scope: line.scope.number(),
            category: line.category,
            factor_id: &line.factor_id,
            description: &line.description,
            activity: line.activity.to_string(),
            activity_unit: &line.activity_unit,
            factor: line.factor.to_string(),
            kg_co2e: line.kg_co2e.to_string(),
            estimate: line.estimate,
            basis: line.basis.as_deref(),
        }
    }
}
