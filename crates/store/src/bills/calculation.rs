//! The calculation record as stored (JSON text in `bills.calculation`): its own shape, so that the
//! domain's types can change without rewriting stored records, and records written by older
//! engine versions still read back.

use carbonpass_domain::calculation::{
    Calculation, CalculationLine, CalculationPart, FactorSetUsed, GasConversion, InstrumentKind, LeftOut,
    MarketInstrument, Scope,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::error::corrupt;

/// What records made before the engine kept a version say about themselves.
const FIRST_ENGINE: &str = "1";
const NOT_RECORDED: &str = "not recorded (calculated before engine version 2)";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredCalculation {
    #[serde(default)]
    engine_version: Option<String>,
    #[serde(default)]
    total_days: Option<u32>,
    parts: Vec<StoredPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    market_instrument: Option<StoredInstrument>,
    /// Shares before the oldest factor set, left out of every figure; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    left_out: Vec<StoredLeftOut>,
}

/// A share no factor set covers, as kept.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredLeftOut {
    period: String,
    start: NaiveDate,
    end: NaiveDate,
    days: u32,
    quantity: Decimal,
}

/// A market instrument as kept: its kind, factor (0 for a REGO) and source.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredInstrument {
    #[serde(rename = "type")]
    kind: String,
    kg_co2e_per_kwh: Decimal,
    source: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredPart {
    period: String,
    #[serde(default)]
    start: Option<NaiveDate>,
    #[serde(default)]
    end: Option<NaiveDate>,
    days: u32,
    factor_set_year: i32,
    #[serde(default)]
    factor_set_edition: Option<String>,
    #[serde(default)]
    factor_set_source: Option<String>,
    #[serde(default)]
    gwp_basis: Option<String>,
    #[serde(default)]
    ids_derived: bool,
    #[serde(default)]
    fallback: bool,
    quantity: Decimal,
    #[serde(default)]
    gas_conversion: Option<StoredGasConversion>,
    lines: Vec<StoredLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    market_based: Vec<StoredLine>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredGasConversion {
    cubic_feet_to_cubic_metres: Option<Decimal>,
    cubic_metres: Decimal,
    volume_correction: Decimal,
    volume_correction_default: bool,
    calorific_value: Decimal,
    kwh: Decimal,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredLine {
    scope: StoredScope,
    category: Option<u8>,
    factor_id: String,
    description: String,
    activity: Decimal,
    activity_unit: String,
    factor: Decimal,
    kg_co2e: Decimal,
    estimate: bool,
    #[serde(default)]
    basis: Option<String>,
}

/// Scopes are stored as their number; records of engine version 1 spelled them `"One"`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredScope {
    Number(u8),
    Word(LegacyScope),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum LegacyScope {
    One,
    Two,
    Three,
}

/// The calculation as the JSON text to store.
pub(crate) fn to_stored(calculation: &Calculation) -> Result<String, StoreError> {
    let stored = StoredCalculation {
        engine_version: Some(calculation.engine_version.clone()),
        total_days: Some(calculation.total_days),
        parts: calculation.parts.iter().map(stored_part).collect(),
        market_instrument: calculation.market_instrument.as_ref().map(|i| StoredInstrument {
            kind: i.kind().as_str().to_owned(),
            kg_co2e_per_kwh: i.factor(),
            source: i.source().to_owned(),
        }),
        left_out: calculation
            .left_out
            .iter()
            .map(|l| StoredLeftOut {
                period: l.period.clone(),
                start: l.start,
                end: l.end,
                days: l.days,
                quantity: l.quantity,
            })
            .collect(),
    };
    serde_json::to_string(&stored).map_err(|e| StoreError::Corrupt(format!("calculation: {e}")))
}

fn stored_part(part: &CalculationPart) -> StoredPart {
    StoredPart {
        period: part.period.clone(),
        start: Some(part.start),
        end: Some(part.end),
        days: part.days,
        factor_set_year: part.factor_set.year,
        factor_set_edition: Some(part.factor_set.edition.clone()),
        factor_set_source: Some(part.factor_set.source.clone()),
        gwp_basis: Some(part.factor_set.gwp_basis.clone()),
        ids_derived: part.factor_set.ids_derived,
        fallback: part.factor_set.fallback,
        quantity: part.quantity,
        gas_conversion: part.gas_conversion.as_ref().map(|g| StoredGasConversion {
            cubic_feet_to_cubic_metres: g.cubic_feet_to_cubic_metres,
            cubic_metres: g.cubic_metres,
            volume_correction: g.volume_correction,
            volume_correction_default: g.volume_correction_default,
            calorific_value: g.calorific_value,
            kwh: g.kwh,
        }),
        lines: part.lines.iter().map(stored_line).collect(),
        market_based: part.market_based.iter().map(stored_line).collect(),
    }
}

fn stored_line(l: &CalculationLine) -> StoredLine {
    StoredLine {
        scope: StoredScope::Number(l.scope.number()),
        category: l.category,
        factor_id: l.factor_id.clone(),
        description: l.description.clone(),
        activity: l.activity,
        activity_unit: l.activity_unit.clone(),
        factor: l.factor,
        kg_co2e: l.kg_co2e,
        estimate: l.estimate,
        basis: l.basis.clone(),
    }
}

fn line_of(l: StoredLine) -> Result<CalculationLine, StoreError> {
    let scope = match l.scope {
        StoredScope::Number(n) => Scope::from_number(n).ok_or_else(|| corrupt("scope", &n.to_string()))?,
        StoredScope::Word(LegacyScope::One) => Scope::One,
        StoredScope::Word(LegacyScope::Two) => Scope::Two,
        StoredScope::Word(LegacyScope::Three) => Scope::Three,
    };
    Ok(CalculationLine {
        scope,
        category: l.category,
        factor_id: l.factor_id,
        description: l.description,
        activity: l.activity,
        activity_unit: l.activity_unit,
        factor: l.factor,
        kg_co2e: l.kg_co2e,
        estimate: l.estimate,
        basis: l.basis,
    })
}

fn instrument_of(stored: StoredInstrument) -> Result<MarketInstrument, StoreError> {
    match InstrumentKind::parse(&stored.kind) {
        Some(InstrumentKind::SupplierSpecific) => {
            Ok(MarketInstrument::SupplierSpecific { kg_co2e_per_kwh: stored.kg_co2e_per_kwh, source: stored.source })
        }
        Some(InstrumentKind::Rego) => Ok(MarketInstrument::Rego { source: stored.source }),
        None => Err(corrupt("market instrument", &stored.kind)),
    }
}

/// Reads a stored record back. `period_start` is the bill's first billing day: records of engine
/// version 1 kept only each part's days, and parts are consecutive, so their dates follow.
pub(crate) fn from_stored(text: &str, period_start: NaiveDate) -> Result<Calculation, StoreError> {
    let stored: StoredCalculation = serde_json::from_str(text).map_err(|e| corrupt("calculation", &e.to_string()))?;
    let mut next_start = period_start;
    let mut parts = Vec::with_capacity(stored.parts.len());
    for part in stored.parts {
        let start = part.start.unwrap_or(next_start);
        let end = part.end.unwrap_or_else(|| start + chrono::Days::new(u64::from(part.days.saturating_sub(1))));
        next_start = end.succ_opt().unwrap_or(end);
        let lines = part.lines.into_iter().map(line_of).collect::<Result<Vec<_>, StoreError>>()?;
        let market_based = part.market_based.into_iter().map(line_of).collect::<Result<Vec<_>, StoreError>>()?;
        parts.push(CalculationPart {
            period: part.period,
            start,
            end,
            days: part.days,
            factor_set: FactorSetUsed {
                year: part.factor_set_year,
                edition: part.factor_set_edition.unwrap_or_else(|| NOT_RECORDED.into()),
                source: part.factor_set_source.unwrap_or_else(|| NOT_RECORDED.into()),
                gwp_basis: part.gwp_basis.unwrap_or_else(|| NOT_RECORDED.into()),
                ids_derived: part.ids_derived,
                fallback: part.fallback,
            },
            quantity: part.quantity,
            gas_conversion: part.gas_conversion.map(|g| GasConversion {
                cubic_feet_to_cubic_metres: g.cubic_feet_to_cubic_metres,
                cubic_metres: g.cubic_metres,
                volume_correction: g.volume_correction,
                volume_correction_default: g.volume_correction_default,
                calorific_value: g.calorific_value,
                kwh: g.kwh,
            }),
            lines,
            market_based,
        });
    }
    let total_days = stored.total_days.unwrap_or_else(|| parts.iter().map(|p| p.days).sum());
    Ok(Calculation {
        engine_version: stored.engine_version.unwrap_or_else(|| FIRST_ENGINE.into()),
        total_days,
        parts,
        market_instrument: stored.market_instrument.map(instrument_of).transpose()?,
        left_out: stored
            .left_out
            .into_iter()
            .map(|l| LeftOut { period: l.period, start: l.start, end: l.end, days: l.days, quantity: l.quantity })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_of_the_first_engine_still_reads() {
        let v1 = r#"{"parts":[
            {"period":"2024-25","days":31,"factorSetYear":2024,"quantity":"3100","lines":[
              {"scope":"Two","category":null,"factorId":"7_400_4000_5_1","description":"d","activity":"3100",
               "activityUnit":"kWh","factor":"0.20705","kgCo2e":"641.85500","estimate":false}]},
            {"period":"2025-26","days":30,"factorSetYear":2025,"quantity":"3000","lines":[]}]}"#;
        let start = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        let c = from_stored(v1, start).expect("reads");
        assert_eq!((c.engine_version.as_str(), c.total_days), ("1", 61));
        assert_eq!(c.parts[0].lines[0].scope, Scope::Two);
        assert_eq!((c.parts[0].start, c.parts[0].end), (start, NaiveDate::from_ymd_opt(2025, 3, 31).expect("d")));
        assert_eq!(c.parts[1].start, NaiveDate::from_ymd_opt(2025, 4, 1).expect("date"));
        assert_eq!(c.parts[1].factor_set.edition, NOT_RECORDED);
    }
}
