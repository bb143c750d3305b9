//! The trajectory to net zero: a straight line from the baseline to zero in the net-zero year,
//! bent through the interim target when there is one. One point per year.

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimals of a trajectory point: tCO2e to the kilogram, as every figure is shown.
const POINT_DECIMALS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrajectoryPoint {
    pub year: i32,
    pub tco2e: Decimal,
}

/// The yearly path from `baseline` tCO2e in `baseline_year` to zero in `net_zero_year`, through
/// `(year, reduction %)` when given. Empty unless the years rise strictly (baseline, interim,
/// net zero) and the baseline is not negative; the interim point is exact before rounding.
pub fn trajectory(
    baseline_year: i32,
    baseline: Decimal,
    interim: Option<(i32, Decimal)>,
    net_zero_year: i32,
) -> Vec<TrajectoryPoint> {
    let mut anchors = vec![(baseline_year, baseline)];
    if let Some((year, percent)) = interim {
        let kept = (Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED;
        match baseline.checked_mul(kept) {
            Some(value) => anchors.push((year, value)),
            None => return Vec::new(),
        }
    }
    anchors.push((net_zero_year, Decimal::ZERO));
    let rising = anchors.windows(2).all(|w| w[0].0 < w[1].0);
    if !rising || baseline < Decimal::ZERO {
        return Vec::new();
    }
    let mut points = Vec::new();
    for pair in anchors.windows(2) {
        let ((y0, v0), (y1, v1)) = (pair[0], pair[1]);
        let span = Decimal::from(y1 - y0);
        for year in y0..y1 {
            let value = v0 + (v1 - v0) * Decimal::from(year - y0) / span;
            points.push(TrajectoryPoint { year, tco2e: rounded(value) });
        }
    }
    points.push(TrajectoryPoint { year: net_zero_year, tco2e: Decimal::ZERO });
    points
}

fn rounded(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(POINT_DECIMALS, RoundingStrategy::MidpointAwayFromZero).normalize()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_worked_example() {
        // 100 t in 2025, −50 % by 2030, zero in 2035.
        let points = trajectory(2025, Decimal::from(100), Some((2030, Decimal::from(50))), 2035);
        let values: Vec<String> = points.iter().map(|p| p.tco2e.to_string()).collect();
        assert_eq!(values, ["100", "90", "80", "70", "60", "50", "40", "30", "20", "10", "0"]);
        assert_eq!(points.first().map(|p| p.year), Some(2025));
        assert_eq!(points.last().map(|p| p.year), Some(2035));
    }

    #[test]
    fn years_out_of_order_give_no_path() {
        assert!(trajectory(2030, Decimal::ONE, None, 2030).is_empty());
        assert!(trajectory(2025, Decimal::ONE, Some((2025, Decimal::TEN)), 2040).is_empty());
        assert!(trajectory(2025, Decimal::ONE, Some((2041, Decimal::TEN)), 2040).is_empty());
    }

    proptest! {
        /// The path starts at the baseline, passes through the interim target, ends at zero in
        /// the net-zero year, has one point a year, and never rises.
        #[test]
        fn the_path_keeps_its_promises(
            baseline_year in 1990i32..2040,
            interim_gap in 1i32..15,
            final_gap in 1i32..15,
            thousandths in 0i64..1_000_000_000_000_000,
            hundredths in 1i64..10_000,
        ) {
            let baseline = Decimal::new(thousandths, 3);
            let percent = Decimal::new(hundredths, 2);
            let interim_year = baseline_year + interim_gap;
            let net_zero = interim_year + final_gap;
            let points = trajectory(baseline_year, baseline, Some((interim_year, percent)), net_zero);
            prop_assert_eq!(points.len(), usize::try_from(net_zero - baseline_year + 1).unwrap_or(0));
            prop_assert_eq!(points[0].tco2e, baseline.normalize());
            let expected = rounded(baseline * (Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED);
            let at_interim = points.iter().find(|p| p.year == interim_year).map(|p| p.tco2e);
            prop_assert_eq!(at_interim, Some(expected));
            prop_assert_eq!(points.last().map(|p| (p.year, p.tco2e)), Some((net_zero, Decimal::ZERO)));
            for pair in points.windows(2) {
                prop_assert_eq!(pair[1].year, pair[0].year + 1);
                prop_assert!(pair[1].tco2e <= pair[0].tco2e);
            }
        }
    }
}
