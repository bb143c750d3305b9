//! Splitting an exact amount by weights (days) so that the parts always add up to the whole.

use rust_decimal::Decimal;

/// Splits `total` (≥ 0) in proportion to `weights`, at `total`'s own decimal scale, by the
/// largest-remainder method: each part is rounded down, and the units left over go to the parts
/// with the largest remainders (earlier parts first on a tie). The parts sum to `total` exactly.
/// All-zero weights give everything to the first part.
pub fn apportion(total: Decimal, weights: &[u32]) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let scale = total.scale();
    let units = total.mantissa();
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
    shares.into_iter().map(|(units, _)| Decimal::from_i128_with_scale(units, scale)).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn splits_by_days_exactly() {
        let parts = apportion(Decimal::new(1000, 0), &[17, 14]);
        assert_eq!(parts, [Decimal::new(548, 0), Decimal::new(452, 0)]);
        let thirds = apportion(Decimal::new(100, 2), &[1, 1, 1]);
        assert_eq!(thirds, [Decimal::new(34, 2), Decimal::new(33, 2), Decimal::new(33, 2)]);
        assert_eq!(apportion(Decimal::new(5, 1), &[0, 0]), [Decimal::new(5, 1), Decimal::new(0, 1)]);
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
                prop_assert!((*part - exact).abs() < Decimal::new(1, 3));
            }
        }
    }
}
