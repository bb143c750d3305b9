//! Emission amounts. Held as exact integer grams of CO2e; rounded to tCO2e only at the API edge.

/// Grams of CO2e. Integer, so sums are exact and order-independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Grams(pub i64);

/// Scope totals of one reporting period (such as `2025-26`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTotals {
    pub reporting_period: String,
    pub scope1: Grams,
    pub scope2: Grams,
    pub scope3: Grams,
}

impl PeriodTotals {
    pub fn total(&self) -> Grams {
        Grams(self.scope1.0 + self.scope2.0 + self.scope3.0)
    }
}
