//! Splitting an exact amount by weights (days) so that the parts always add up to the whole.

use rust_decimal::Decimal;

/// Decimal places an apportioned share is carried to (more when the whole has more): a
/// millionth of a millionth of a kWh or litre, far below anything a bill or report shows, and
/// the same whatever number of decimals the client typed.
pub const SHARE_DECIMALS: u32 = 12;

/// Splits `total` (≥ 0) in proportion to `weights`, carried to [`SHARE_DECIMALS`] places (or
/// `total`'s own scale if finer, or fewer only when the 28 digits of a decimal cannot hold that),
/// by the largest-remainder method: each part is rounded down, and the units left over go to the
/// parts with the largest remainders (earlier parts first on a tie). The parts sum to `total`
/// exactly, and are returned without trailing zeros. All-zero weights give everything to the
/// first part.
pub fn apportion(total: Decimal, weights: &[u32]) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let mut fine = total;
    let mut scale = total.scale().max(SHARE_DECIMALS);
    while scale > total.scale() {
        let mut candidate = total;
        candidate.rescale(scale);
        if candidate.scale() == scale && candidate == total {
            fine = candidate;
            break;
        }
        scale -= 1;
    }
    let scale = fine.scale();
    let units = fine.mantissa();
    let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    if sum == 0 || units <= 0 {
        let mut parts = vec![Decimal::new(0, scale); weights.len()];
        parts[0] = total;
        return parts;
    }
    let mut shares: Vec<(i128, i128)> = weights
        .iter()
        .map(|&w| {
            let exact = units * i128::from(w);
            (exact / sum, exact % sum)
        })
        .collect();
    let left = units - shares.iter().map(|(floor, _)| floor).sum::<i128>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then(a.cmp(&b)));
    // Fewer units are left than there are parts (each remainder is below one unit).
    for &i in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i].0 += 1;
    }
    // Each part is at most the whole, which fitted at this scale.
    shares.into_iter().map(|(units, _)| Decimal::from_i128_with_scale(units, scale).normalize()).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn splits_by_days_exactly() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        let parts = apportion(Decimal::new(1000, 0), &[17, 14]);
        // 1000 × 17/31 = 548.387096774193548…
        assert_eq!(parts, [d("548.387096774194"), d("451.612903225806")]);
        let thirds = apportion(Decimal::new(100, 2), &[1, 1, 1]);
        assert_eq!(thirds, [d("0.333333333334"), d("0.333333333333"), d("0.333333333333")]);
        assert_eq!(apportion(Decimal::new(5, 1), &[0, 0]), [Decimal::new(5, 1), Decimal::ZERO]);
        assert_eq!(apportion(Decimal::new(5, 1), &[3]), [Decimal::new(5, 1)]);
    }

    #[test]
    fn the_split_does_not_depend_on_how_the_whole_was_written() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        // Diesel, 1000 l over 1 March – 30 April 2024: 31 of 61 days in 2023-24.
        for written in ["1000", "1000.000", "1e3"] {
            let total = Decimal::from_str_exact(written).or_else(|_| Decimal::from_scientific(written)).expect("d");
            assert_eq!(apportion(total, &[31, 30]), [d("508.196721311475"), d("491.803278688525")], "{written}");
        }
        // A finer whole keeps its own digits.
        let fine = d("1234.567890123456789012");
        let parts = apportion(fine, &[1, 1]);
        assert_eq!(parts.iter().copied().sum::<Decimal>(), fine);
        assert_eq!(parts[0], d("617.283945061728394506"));
        // The largest accepted quantity still splits at the full scale.
        let big = d("1000000000.123456789012345678");
        assert_eq!(apportion(big, &[1, 2]).iter().copied().sum::<Decimal>(), big);
    }

    proptest! {
        #[test]
        fn parts_always_add_up_to_the_whole(
            units in 0i64..1_000_000_000_000,
            scale in 0u32..6,
            weights in proptest::collection::vec(0u32..400, 1..6),
        ) {
            let total = Decimal::new(units, scale);
            let parts = apportion(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), total);
            prop_assert!(parts.iter().all(|p| *p >= Decimal::ZERO));
        }

        #[test]
        fn each_part_is_within_one_unit_of_its_exact_share(
            units in 1i64..1_000_000_000,
            weights in proptest::collection::vec(1u32..400, 1..6),
        ) {
            let total = Decimal::new(units, 3);
            let parts = apportion(total, &weights);
            let sum: u32 = weights.iter().sum();
            for (part, w) in parts.iter().zip(&weights) {
                let exact = total * Decimal::from(*w) / Decimal::from(sum);
                prop_assert!((*part - exact).abs() < Decimal::new(1, SHARE_DECIMALS));
            }
        }
    }
}
