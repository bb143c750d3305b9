//! `marketInstrument` on the wire: what an electricity bill's confirmation or a heat record
//! may carry for market-based scope 2, and how it reads back.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::MarketInstrument;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::schema;

/// As sent. The schema is [`schema::market_instrument_in_or_null`] (one shape per `type`). Read
/// from the body's own text (see [`MarketInstrumentIn::parse`]), so that only an object is one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MarketInstrumentIn {
    #[serde(rename = "type")]
    pub kind: String,
    /// `Some(None)` when sent as `null`, which a `rego` instrument refuses as it refuses a number.
    #[serde(default, deserialize_with = "present")]
    pub kg_co2e_per_kwh: Option<Option<Box<RawValue>>>,
    pub source: Option<String>,
}

/// A field that is present, `null` or not.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<Box<RawValue>>>, D::Error> {
    Option::<Box<RawValue>>::deserialize(deserializer).map(Some)
}

impl MarketInstrumentIn {
    /// The instrument a body's `marketInstrument` holds: an object (serde would also take a
    /// list of its fields' values in order, which no client means), or `null` for none.
    pub fn parse(raw: Option<&RawValue>) -> Result<Option<MarketInstrument>, DomainError> {
        let Some(raw) = raw.filter(|raw| raw.get().trim() != "null") else { return Ok(None) };
        if !raw.get().trim_start().starts_with('{') {
            return Err(DomainError::invalid("marketInstrument", "must be an object with type and source, or null"));
        }
        let body: MarketInstrumentIn = serde_json::from_str(raw.get())
            .map_err(|e| DomainError::invalid("marketInstrument", format!("is not an instrument: {e}")))?;
        body.instrument().map(Some)
    }

    fn instrument(&self) -> Result<MarketInstrument, DomainError> {
        let factor = match &self.kg_co2e_per_kwh {
            None => None,
            Some(None) => {
                return Err(DomainError::invalid(
                    "marketInstrument.kgCo2ePerKwh",
                    "must be a number, not null (a rego instrument takes none: leave it out)",
                ));
            }
            // A minus sign is refused even on zero (`-0`): a disclosed factor is never negative.
            Some(Some(raw)) if raw.get().trim().trim_start_matches('"').starts_with('-') => {
                return Err(DomainError::invalid("marketInstrument.kgCo2ePerKwh", "must not be negative"));
            }
            Some(Some(raw)) => Some(super::bills::decimal("marketInstrument.kgCo2ePerKwh", raw)?),
        };
        MarketInstrument::new(&self.kind, factor, self.source.as_deref())
    }
}

/// The contractual instrument a record's electricity or heat was bought under: its market-based
/// scope 2 is worked out at `kgCo2ePerKwh` (0 for a REGO-backed tariff).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MarketInstrument)]
pub(crate) struct MarketInstrumentOut<'a> {
    /// `supplier_specific` (the supplier's fuel-mix disclosure) or `rego` (a REGO-backed tariff).
    #[serde(rename = "type")]
    #[schema(schema_with = schema::instrument_kind)]
    pub kind: &'static str,
    /// kg CO2e per kWh of generation: the supplier's figure, or 0 for `rego`.
    #[schema(schema_with = schema::supplier_factor_text)]
    pub kg_co2e_per_kwh: String,
    /// Where the figure comes from, as stated.
    pub source: &'a str,
}

impl<'a> From<&'a MarketInstrument> for MarketInstrumentOut<'a> {
    fn from(instrument: &'a MarketInstrument) -> Self {
        Self {
            kind: instrument.kind().as_str(),
            kg_co2e_per_kwh: instrument.factor().to_string(),
            source: instrument.source(),
        }
    }
}
