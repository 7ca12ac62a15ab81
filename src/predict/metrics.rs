//! Small statistics the models and their evaluation share: medians, percentiles, errors.
//!
//! Every function takes any input (empty, NaN) and answers `None` rather than panicking.

/// The median of the finite values; `None` when there are none. Reorders `values`.
pub fn median(values: &mut Vec<f64>) -> Option<f64> {
    percentile(values, 50.0)
}

/// The `rank` percentile (0–100) of the finite values with linear interpolation between the
/// closest ranks, as numpy's default does; `None` when there are none. Reorders `values`.
pub fn percentile(values: &mut Vec<f64>, rank: f64) -> Option<f64> {
    values.retain(|value| value.is_finite());
    if values.is_empty() || !rank.is_finite() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let position = (values.len() - 1) as f64 * rank.clamp(0.0, 100.0) / 100.0;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let low = *values.get(below)?;
    let high = *values.get(above)?;
    if below == above {
        return Some(low);
    }
    Some(low * (above as f64 - position) + high * (position - below as f64))
}

/// The split-conformal half width: the ⌈(n+1)·level⌉-th smallest absolute residual, so that a
/// new value falls within it with probability at least `level` when rows are exchangeable.
/// `None` with no residuals; infinite when there are too few for the level.
pub fn conformal_half_width(residuals: &[f64], level: f64) -> Option<f64> {
    let mut absolute: Vec<f64> = residuals
        .iter()
        .map(|residual| residual.abs())
        .filter(|residual| residual.is_finite())
        .collect();
    if absolute.is_empty() {
        return None;
    }
    absolute.sort_by(f64::total_cmp);
    let n = absolute.len();
    let rank = ((n as f64 + 1.0) * level).ceil() as usize;
    if rank > n {
        return Some(f64::INFINITY);
    }
    absolute.get(rank.saturating_sub(1)).copied()
}

/// Mean absolute error over pairs where both values are finite.
pub fn mean_absolute_error(actual: &[f64], predicted: &[f64]) -> Option<f64> {
    let pairs: Vec<f64> = actual
        .iter()
        .zip(predicted)
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .map(|(a, p)| (a - p).abs())
        .collect();
    (!pairs.is_empty()).then(|| pairs.iter().sum::<f64>() / pairs.len() as f64)
}

/// The coefficient of determination, 1 − SS_res/SS_tot; `None` with fewer than two pairs or
/// when every actual value is the same.
pub fn r_squared(actual: &[f64], predicted: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = actual
        .iter()
        .zip(predicted)
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .map(|(a, p)| (*a, *p))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let mean = pairs.iter().map(|(a, _)| a).sum::<f64>() / pairs.len() as f64;
    let total: f64 = pairs.iter().map(|(a, _)| (a - mean).powi(2)).sum();
    let residual: f64 = pairs.iter().map(|(a, p)| (a - p).powi(2)).sum();
    (total > 0.0).then(|| 1.0 - residual / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let mut values = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&mut values, 75.0), Some(3.25));
        assert_eq!(median(&mut vec![5.0, f64::NAN, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut Vec::new()), None);
    }

    #[test]
    fn conformal_width_takes_the_corrected_rank() {
        let residuals: Vec<f64> = (1..=9).map(f64::from).collect();
        // (9 + 1) × 0.8 = 8 → the 8th smallest.
        assert_eq!(conformal_half_width(&residuals, 0.8), Some(8.0));
        assert_eq!(conformal_half_width(&[1.0], 0.8), Some(f64::INFINITY));
        assert_eq!(conformal_half_width(&[], 0.8), None);
    }

    #[test]
    fn errors_of_a_perfect_and_a_constant_guess() {
        let actual = [1.0, 2.0, 3.0];
        assert_eq!(mean_absolute_error(&actual, &actual), Some(0.0));
        assert_eq!(r_squared(&actual, &actual), Some(1.0));
        assert_eq!(r_squared(&actual, &[2.0, 2.0, 2.0]), Some(0.0));
        assert_eq!(r_squared(&[1.0, 1.0], &[1.0, 2.0]), None);
    }
}
