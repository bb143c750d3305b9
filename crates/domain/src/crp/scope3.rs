//! Scope 3 categories (GHG Protocol): which a plan must cover, and the figures bills give.
//!
//! PPN 006 requires categories 4, 5, 6, 7 and 9. Bills give category 3 (well-to-tank and
//! transmission and distribution losses of fuels and electricity), 1 (water supply) and 5
//! (wastewater treatment); each calculation line records its category.

use std::collections::BTreeMap;

use crate::DomainError;
use crate::calculation::Calculation;
use crate::model::Micrograms;

/// The categories every plan must cover, with a figure or a statement of why there is none.
pub const REQUIRED_CATEGORIES: [u8; 5] = [4, 5, 6, 7, 9];

/// A scope 3 category, 1 to 15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope3Category(u8);

impl Scope3Category {
    pub fn new(number: u8) -> Option<Self> {
        (1..=15).contains(&number).then_some(Self(number))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn required(self) -> bool {
        REQUIRED_CATEGORIES.contains(&self.0)
    }

    /// The GHG Protocol's name of the category.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "Purchased goods and services",
            2 => "Capital goods",
            3 => "Fuel- and energy-related activities",
            4 => "Upstream transportation and distribution",
            5 => "Waste generated in operations",
            6 => "Business travel",
            7 => "Employee commuting",
            8 => "Upstream leased assets",
            9 => "Downstream transportation and distribution",
            10 => "Processing of sold products",
            11 => "Use of sold products",
            12 => "End-of-life treatment of sold products",
            13 => "Downstream leased assets",
            14 => "Franchises",
            _ => "Investments",
        }
    }
}

/// Scope 3 of `period` by category, in micrograms, over `calculations`: each record's split as
/// the store keeps it ([`Calculation::scope3_micrograms_by_category`], adding up exactly to its
/// scope 3 amount), so a plan's categories are `/emissions`' categories.
pub fn scope3_by_category<'a>(
    calculations: impl IntoIterator<Item = &'a Calculation>,
    period: &str,
) -> Result<BTreeMap<u8, Micrograms>, DomainError> {
    let mut sums: BTreeMap<u8, Micrograms> = BTreeMap::new();
    for calculation in calculations {
        for (part_period, category, amount) in calculation.scope3_micrograms_by_category()? {
            if part_period == period {
                sums.entry(category).or_default().0 += i128::from(amount);
            }
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::calculation::{Activity, BillType, FactorLibrary, Scope, Unit, calculate};
    use crate::model::ReportingYearStart;
    use rust_decimal::Decimal;

    fn water(cubic_metres: i64, sewerage: Option<i64>) -> Calculation {
        let activity = Activity {
            bill_type: BillType::Water,
            quantity: Decimal::from(cubic_metres),
            unit: Unit::CubicMetres,
            period_start: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
            period_end: NaiveDate::from_ymd_opt(2025, 5, 31).expect("date"),
            calorific_value: None,
            volume_correction: None,
            sewerage_volume: sewerage.map(Decimal::from),
        };
        calculate(&FactorLibrary::official().expect("factors"), ReportingYearStart::APRIL, &activity).expect("calc")
    }

    #[test]
    fn water_gives_categories_1_and_5() {
        let calc = water(100, Some(80));
        let by = scope3_by_category([&calc], "2025-26").expect("µg");
        assert_eq!(by.keys().copied().collect::<Vec<_>>(), vec![1, 5]);
        assert!(by[&5].0 > 0);
    }

    proptest! {
        /// For any bill, each period's categories add up to exactly its scope 3 amount in the
        /// totals (what `Calculation::micrograms` stores).
        #[test]
        fn categories_add_up_to_the_stored_scope_3(m3 in 1i64..10_000_000, sewer in proptest::option::of(1i64..10_000_000)) {
            let calc = water(m3, sewer);
            for (period, scope, stored) in calc.micrograms().expect("µg") {
                if scope != Scope::Three { continue; }
                let by = scope3_by_category([&calc], &period).expect("µg");
                prop_assert_eq!(by.values().map(|m| m.0).sum::<i128>(), i128::from(stored));
            }
        }
    }
}
