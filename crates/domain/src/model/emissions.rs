//! Emission amounts. Held as exact integer micrograms of CO2e (what the store sums); rounded to
//! tCO2e only at the API edge.

/// Micrograms of CO2e. Integer, so sums are exact and order-independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Micrograms(pub i64);

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
