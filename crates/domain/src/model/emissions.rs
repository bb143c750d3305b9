//! Emission amounts. Held as exact integer micrograms of CO2e (what the store sums); rounded to
//! tCO2e only at the API edge.

/// Micrograms of CO2e. Integer, so sums are exact and order-independent; 128 bits, so no sum of
/// amounts the quantity limits allow can overflow (one bill weighs at most about 1.3 × 10^18 µg;
/// `i128` holds 1.7 × 10^38).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Micrograms(pub i128);

/// Decimals of tCO2e wherever a figure is shown to a client: whole kilograms.
pub const TONNE_DECIMALS: u32 = 3;

/// tCO2e as shown to clients: rounded half away from zero to the kilogram. The one rounding of
/// figures on the way out; sums are always made before it, on exact amounts.
pub fn tonnes_to_the_kilogram(tonnes: rust_decimal::Decimal) -> rust_decimal::Decimal {
    tonnes.round_dp_with_strategy(TONNE_DECIMALS, rust_decimal::RoundingStrategy::MidpointAwayFromZero).normalize()
}

/// tCO2e as a person reads it in a document or on a page: rounded once, to the kilogram, always
/// with three decimals (so columns align) and thousands separated: `1,234.500`.
pub fn tonnes_text(tonnes: rust_decimal::Decimal) -> String {
    let rounded = tonnes_to_the_kilogram(tonnes);
    let text = format!("{:.3}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "000"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 5);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        grouped.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped.push('.');
    grouped.push_str(fraction);
    grouped
}

impl Micrograms {
    /// Tonnes of CO2e, exact (a tonne is 10^12 µg).
    pub fn tonnes(self) -> rust_decimal::Decimal {
        // |µg| stays far below the 7.9 × 10^28 a decimal's mantissa holds.
        rust_decimal::Decimal::try_from_i128_with_scale(self.0, 12).unwrap_or(rust_decimal::Decimal::MAX)
    }
}

/// Scope totals of one reporting period (such as `2025-26`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTotals {
    pub reporting_period: String,
    pub scope1: Micrograms,
    pub scope2: Micrograms,
    pub scope3: Micrograms,
}

impl PeriodTotals {
    pub fn total(&self) -> Micrograms {
        Micrograms(self.scope1.0 + self.scope2.0 + self.scope3.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_are_shown_to_the_kilogram_with_three_decimals_and_grouped_thousands() {
        let t = |s: &str| tonnes_text(s.parse().expect("decimal"));
        assert_eq!(t("0"), "0.000");
        assert_eq!(t("1.5"), "1.500");
        assert_eq!(t("0.0004"), "0.000");
        assert_eq!(t("0.0005"), "0.001", "half away from zero");
        assert_eq!(t("1234.5675"), "1,234.568");
        assert_eq!(t("999999.9994"), "999,999.999");
        assert_eq!(t("1000000000"), "1,000,000,000.000");
        assert_eq!(t("-1234.5"), "-1,234.500");
        assert_eq!(t("-0.0001"), "0.000", "no minus zero");
    }
}
