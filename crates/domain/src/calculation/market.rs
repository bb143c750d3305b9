//! Market-based scope 2 (GHG Protocol Scope 2 Guidance): beside the location-based figure (the
//! grid-average DESNZ factor, the one every total uses), a record can carry the contractual
//! instrument its energy was bought under, and its scope 2 is then also worked out at that
//! instrument's factor. A record without one counts at the grid factor in the market-based
//! figure too, and reports say how much did; no residual-mix factor is invented, since DESNZ
//! publishes none.

use rust_decimal::Decimal;

use super::engine::{Calculation, CalculationLine, Scope, to_micrograms};
use crate::DomainError;
use crate::model::plain_text;

/// The highest supplier-specific factor accepted, kg CO2e per kWh: above any UK fuel-mix
/// disclosure (coal-fired generation is about 1), so a figure past it is a typing error (g for kg).
pub const MAX_SUPPLIER_FACTOR: Decimal = Decimal::from_parts(2, 0, 0, false, 0);
/// The most decimal places a supplier-specific factor may have (disclosures give 3 to 6).
pub const MAX_SUPPLIER_FACTOR_DECIMALS: u32 = 10;
/// The longest `source` kept.
pub const MAX_SOURCE_CHARS: usize = 500;

/// The contractual instrument a record's electricity or heat was bought under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketInstrument {
    /// The supplier's own emission factor, from its fuel-mix disclosure.
    SupplierSpecific { kg_co2e_per_kwh: Decimal, source: String },
    /// A tariff backed by Renewable Energy Guarantees of Origin: 0 kg CO2e for generation.
    Rego { source: String },
}

/// Which kind of instrument: what reports group market-based figures by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstrumentKind {
    SupplierSpecific,
    Rego,
}

impl InstrumentKind {
    pub const ALL: [InstrumentKind; 2] = [InstrumentKind::SupplierSpecific, InstrumentKind::Rego];

    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::SupplierSpecific => "supplier_specific",
            InstrumentKind::Rego => "rego",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl MarketInstrument {
    /// Builds an instrument from what a client sent, naming the field at fault: `type` one of
    /// the kinds, a supplier-specific factor between 0 and [`MAX_SUPPLIER_FACTOR`], none for a
    /// REGO (its generation factor is 0 by definition), and a `source` a reader can check.
    pub fn new(kind: &str, kg_co2e_per_kwh: Option<Decimal>, source: Option<&str>) -> Result<Self, DomainError> {
        let kind = InstrumentKind::parse(kind)
            .ok_or_else(|| DomainError::invalid("marketInstrument.type", "must be supplier_specific or rego"))?;
        let source =
            plain_text("marketInstrument.source", source.unwrap_or_default(), MAX_SOURCE_CHARS)?.ok_or_else(|| {
                DomainError::invalid(
                    "marketInstrument.source",
                    "is required: where the figure comes from (the supplier's fuel mix disclosure, the REGO tariff)",
                )
            })?;
        match (kind, kg_co2e_per_kwh) {
            (InstrumentKind::SupplierSpecific, None) => Err(DomainError::invalid(
                "marketInstrument.kgCo2ePerKwh",
                "is required for a supplier_specific instrument",
            )),
            (InstrumentKind::SupplierSpecific, Some(factor)) => {
                if factor.is_sign_negative() || factor > MAX_SUPPLIER_FACTOR {
                    return Err(DomainError::invalid(
                        "marketInstrument.kgCo2ePerKwh",
                        format!("must be between 0 and {MAX_SUPPLIER_FACTOR} kg CO2e per kWh"),
                    ));
                }
                let factor = factor.normalize();
                if factor.scale() > MAX_SUPPLIER_FACTOR_DECIMALS {
                    return Err(DomainError::invalid(
                        "marketInstrument.kgCo2ePerKwh",
                        format!("must have at most {MAX_SUPPLIER_FACTOR_DECIMALS} decimal places"),
                    ));
                }
                Ok(MarketInstrument::SupplierSpecific { kg_co2e_per_kwh: factor, source })
            }
            (InstrumentKind::Rego, Some(_)) => Err(DomainError::invalid(
                "marketInstrument.kgCo2ePerKwh",
                "does not apply to a rego instrument, whose generation factor is 0",
            )),
            (InstrumentKind::Rego, None) => Ok(MarketInstrument::Rego { source }),
        }
    }

    pub fn kind(&self) -> InstrumentKind {
        match self {
            MarketInstrument::SupplierSpecific { .. } => InstrumentKind::SupplierSpecific,
            MarketInstrument::Rego { .. } => InstrumentKind::Rego,
        }
    }

    /// kg CO2e per kWh of generation.
    pub fn factor(&self) -> Decimal {
        match self {
            MarketInstrument::SupplierSpecific { kg_co2e_per_kwh, .. } => *kg_co2e_per_kwh,
            MarketInstrument::Rego { .. } => Decimal::ZERO,
        }
    }

    pub fn source(&self) -> &str {
        match self {
            MarketInstrument::SupplierSpecific { source, .. } | MarketInstrument::Rego { source } => source,
        }
    }

    fn describe(&self) -> String {
        match self {
            MarketInstrument::SupplierSpecific { source, .. } => {
                format!("Market-based: supplier-specific emission factor ({source})")
            }
            MarketInstrument::Rego { source } => {
                format!("Market-based: REGO-backed renewable supply, 0 for generation ({source})")
            }
        }
    }
}

/// What one instrumented record puts in one reporting period: its location-based scope 2 and
/// its market-based scope 2, in micrograms, each rounded as the totals round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketAmount {
    pub period: String,
    pub kind: InstrumentKind,
    pub location_micrograms: i64,
    pub market_micrograms: i64,
}

impl Calculation {
    /// Adds `instrument`'s market-based lines: for every scope 2 line of every part, the same kWh
    /// at the instrument's factor. Refused when a scope 2 line is not in kWh (no instrument is
    /// stated per any other unit).
    pub fn with_market_instrument(mut self, instrument: MarketInstrument) -> Result<Self, DomainError> {
        let factor = instrument.factor();
        for part in &mut self.parts {
            let mut market = Vec::new();
            for line in part.lines.iter().filter(|l| l.scope == Scope::Two) {
                if line.activity_unit != "kWh" {
                    return Err(DomainError::invalid(
                        "marketInstrument",
                        format!("applies to energy in kWh; this record's scope 2 is in {}", line.activity_unit),
                    ));
                }
                market.push(CalculationLine {
                    scope: Scope::Two,
                    category: None,
                    factor_id: instrument.kind().as_str().to_owned(),
                    description: instrument.describe(),
                    activity: line.activity,
                    activity_unit: line.activity_unit.clone(),
                    factor,
                    kg_co2e: line.activity.checked_mul(factor).ok_or_else(|| {
                        DomainError::invalid("marketInstrument.kgCo2ePerKwh", "is too large to calculate")
                    })?,
                    estimate: false,
                    basis: None,
                });
            }
            part.market_based = market;
        }
        self.market_instrument = Some(instrument);
        Ok(self)
    }

    /// Market-based scope 2 in kg CO2e over all parts: the instrument's lines, or the
    /// location-based figure when the record has no instrument.
    pub fn market_based_total(&self) -> Decimal {
        match self.market_instrument {
            Some(_) => self.parts.iter().flat_map(|p| p.market_based.iter()).map(|l| l.kg_co2e).sum(),
            None => self.total(Scope::Two),
        }
    }

    /// Each period's location- and market-based scope 2 of a record with an instrument (none
    /// without one: the market-based figure of such a record is its location-based one).
    pub fn market_micrograms(&self) -> Result<Vec<MarketAmount>, DomainError> {
        let Some(instrument) = &self.market_instrument else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for part in &self.parts {
            let location: Vec<&CalculationLine> = part.lines.iter().filter(|l| l.scope == Scope::Two).collect();
            if location.is_empty() {
                continue;
            }
            out.push(MarketAmount {
                period: part.period.clone(),
                kind: instrument.kind(),
                location_micrograms: to_micrograms(location.iter().map(|l| l.kg_co2e).sum())?,
                market_micrograms: to_micrograms(part.market_based.iter().map(|l| l.kg_co2e).sum())?,
            });
        }
        Ok(out)
    }
}

/// A period's market-based scope 2, by where each part of it comes from, in micrograms. Its
/// total is what the market-based figure is; `grid_average` is the part of records with no
/// instrument, counted at the location-based (grid-average) factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarketBased {
    pub supplier_specific: i128,
    pub rego: i128,
    pub grid_average: i128,
    /// Whether any record had an instrument (a REGO-only figure is 0 either way).
    pub any_instrument: bool,
}

impl MarketBased {
    /// From the location-based scope 2 total and, per instrument kind, the location- and
    /// market-based sums of the records with that instrument.
    pub fn of(location_total: i128, instrumented: &[(InstrumentKind, i128, i128)]) -> Self {
        let mut out = MarketBased {
            grid_average: location_total,
            any_instrument: !instrumented.is_empty(),
            ..MarketBased::default()
        };
        for (kind, location, market) in instrumented {
            out.grid_average -= location;
            match kind {
                InstrumentKind::SupplierSpecific => out.supplier_specific += market,
                InstrumentKind::Rego => out.rego += market,
            }
        }
        out
    }

    pub fn total(&self) -> i128 {
        self.supplier_specific + self.rego + self.grid_average
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn an_instrument_names_the_field_at_fault() {
        let field = |kind: &str, factor: Option<&str>, source: Option<&str>| match MarketInstrument::new(
            kind,
            factor.map(d),
            source,
        ) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(field("green", Some("0.1"), Some("s")), "marketInstrument.type");
        assert_eq!(field("supplier_specific", None, Some("s")), "marketInstrument.kgCo2ePerKwh");
        assert_eq!(field("supplier_specific", Some("-0.01"), Some("s")), "marketInstrument.kgCo2ePerKwh");
        assert_eq!(field("supplier_specific", Some("2.0001"), Some("s")), "marketInstrument.kgCo2ePerKwh");
        assert_eq!(field("supplier_specific", Some("0.12345678901"), Some("s")), "marketInstrument.kgCo2ePerKwh");
        assert_eq!(field(" rego", None, Some("s")), "marketInstrument.type");
        assert_eq!(field("", None, None), "marketInstrument.type", "the type is named first");
        let trailing = MarketInstrument::new("supplier_specific", Some(d("0.00000000010000000")), Some("s"));
        assert_eq!(trailing.map(|i| i.factor()).ok(), Some(d("0.0000000001")), "trailing zeros are not places");
        assert_eq!(field("rego", Some("0"), Some("s")), "marketInstrument.kgCo2ePerKwh");
        assert_eq!(field("rego", None, None), "marketInstrument.source");
        assert_eq!(field("rego", None, Some("  ")), "marketInstrument.source");
        assert_eq!(field("rego", None, Some("a\u{202E}b")), "marketInstrument.source");
        let ok = MarketInstrument::new("supplier_specific", Some(d("0.1200")), Some(" Octopus FMD 2024 ")).expect("ok");
        assert_eq!(ok.factor(), d("0.12"));
        assert_eq!(ok.source(), "Octopus FMD 2024");
        assert_eq!(MarketInstrument::new("rego", None, Some("REGO tariff")).expect("ok").factor(), Decimal::ZERO);
    }

    #[test]
    fn the_market_based_figure_adds_up_from_its_parts() {
        let m = MarketBased::of(1_000, &[(InstrumentKind::SupplierSpecific, 300, 120), (InstrumentKind::Rego, 200, 0)]);
        assert_eq!(m, MarketBased { supplier_specific: 120, rego: 0, grid_average: 500, any_instrument: true });
        assert_eq!(m.total(), 620);
        assert_eq!(MarketBased::of(42, &[]).total(), 42);
    }
}
