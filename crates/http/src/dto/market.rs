//! `marketInstrument` on the wire: what an electricity bill's confirmation or a heat record
//! may carry for market-based scope 2, and how it reads back.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::MarketInstrument;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::schema;

/// As sent. The schema is [`schema::market_instrument_in`] (one shape per `type`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MarketInstrumentIn {
    #[serde(rename = "type")]
    pub kind: String,
    pub kg_co2e_per_kwh: Option<Box<RawValue>>,
    pub source: Option<String>,
}

impl MarketInstrumentIn {
    pub fn instrument(&self) -> Result<MarketInstrument, DomainError> {
        let factor = self
            .kg_co2e_per_kwh
            .as_deref()
            .map(|raw| super::bills::decimal("marketInstrument.kgCo2ePerKwh", raw))
            .transpose()?;
        MarketInstrument::new(self.kind.trim(), factor, self.source.as_deref())
    }

    /// The fields as sent, for an `Idempotency-Key` fingerprint.
    pub fn fingerprint(&self) -> String {
        format!("{:?}/{:?}/{:?}", self.kind, self.kg_co2e_per_kwh.as_deref().map(RawValue::get), self.source)
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
    #[schema(schema_with = schema::decimal_text)]
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
