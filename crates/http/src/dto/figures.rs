//! How figures go on the wire. Emissions in tCO2e are JSON numbers written from exact decimals,
//! rounded half away from zero to 3 decimals (whole kilograms) here and nowhere before, and never
//! passed through a binary float: `526.5`, `0.0`, `12345678901234.567`. They always carry a decimal
//! point, so every client reads them as the same (non-integer) type.

use carbonpass_domain::model::{Micrograms, tonnes_to_the_kilogram};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// The one writer of exact decimals as JSON numbers: the decimal's own digits, never a binary
/// float's. With `point`, a whole number keeps a decimal point (`2.0`), so every client reads
/// the figure as the same (non-integer) type.
pub(crate) fn exact_number(value: Decimal, point: bool) -> Box<RawValue> {
    let text = value.normalize().to_string();
    let text = if point && !text.contains('.') { format!("{text}.0") } else { text };
    // A decimal's text is always a valid JSON number.
    RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// tCO2e as shown: rounded to the kilogram (the domain's one rounding), written as an exact
/// JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tonnes(Decimal);

impl Tonnes {
    pub fn of_micrograms(amount: Micrograms) -> Self {
        Self::of_tonnes(amount.tonnes())
    }

    pub fn of_kilograms(kg: Decimal) -> Self {
        Self::of_tonnes(kg / Decimal::ONE_THOUSAND)
    }

    pub fn of_tonnes(tonnes: Decimal) -> Self {
        Self(tonnes_to_the_kilogram(tonnes))
    }
}

/// On the wire a JSON number; in the document a `number` said to be exact to the kilogram.
impl utoipa::PartialSchema for Tonnes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Number)
            .description(Some("tCO2e, exact to 3 decimals (the kilogram), rounded half away from zero."))
            .examples([serde_json::json!(526.5)])
            .into()
    }
}

impl utoipa::ToSchema for Tonnes {}

impl Serialize for Tonnes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        exact_number(self.0, true).serialize(serializer)
    }
}

/// An exact decimal the client sent, written back as the same JSON number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exact(pub Decimal);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        exact_number(self.0, false).serialize(serializer)
    }
}

impl utoipa::PartialSchema for Exact {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Number)
            .description(Some("An exact decimal, as it was sent."))
            .into()
    }
}

impl utoipa::ToSchema for Exact {}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(ug: i128) -> String {
        serde_json::to_string(&Tonnes::of_micrograms(Micrograms(ug))).expect("json")
    }

    #[test]
    fn tonnes_round_half_away_from_zero_to_the_kilogram() {
        assert_eq!(shown(124_800_000_000_000), "124.8");
        assert_eq!(shown(1_500_000_000), "0.002");
        assert_eq!(shown(1_499_999_999), "0.001");
        assert_eq!(shown(-1_500_000_000), "-0.002");
        assert_eq!(shown(0), "0.0");
        assert_eq!(shown(526_499_500_000_000), "526.5");
        assert_eq!(shown(172_000_000_000_000), "172.0");
    }

    #[test]
    fn large_figures_keep_every_digit() {
        // 2^53 kg and more: a binary float would lose the last digits.
        assert_eq!(shown(9_007_199_254_740_993_000_000_000), "9007199254740.993");
        assert_eq!(shown(i128::from(i64::MAX) * 1_000), "9223372036.855");
        let body =
            serde_json::to_string(&Tonnes::of_micrograms(Micrograms(123_456_789_012_345_678_901_234))).expect("json");
        assert_eq!(body, "123456789012.346");
    }
}
