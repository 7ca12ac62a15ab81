//! The vertical scale of a sparkline, from finite values only.
//!
//! `NaN` is a gap, `+Inf` and `-Inf` are clipped to the top and the bottom, and the scale never
//! depends on them: one infinite sample must not flatten every other bar.

/// One bar of a sparkline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    /// No sample (a gap).
    Gap,
    /// A finite value scaled to `0..=levels`.
    Level(u64),
    /// An infinite value, clipped.
    ClippedHigh,
    ClippedLow,
}

/// The range of the finite values, if there are any.
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((low, high)) => Some((low.min(v), high.max(v))),
        })
}

/// Scales values to bars of `levels` steps between the lowest and the highest finite value, so
/// the shape of a series shows even when it moves little around a large level; the heading next
/// to a sparkline prints the range.
pub fn bars(values: &[f64], levels: u64) -> Vec<Bar> {
    bars_excluding(values, levels, &[])
}

/// Like [`bars`], but the scale leaves out the points at `outliers` (sorted indices, such as the
/// anomalies), which are clipped to the edge instead: one spike must not flatten the rest.
pub fn bars_excluding(values: &[f64], levels: u64, outliers: &[usize]) -> Vec<Bar> {
    let kept: Vec<f64> = values
        .iter()
        .enumerate()
        .filter(|(index, _)| outliers.binary_search(index).is_err())
        .map(|(_, value)| *value)
        .collect();
    // With no finite value there is no scale, but the infinities are still clipped, not gaps.
    let range = finite_range(&kept).or_else(|| finite_range(values));

    values
        .iter()
        .map(|&v| {
            if v == f64::INFINITY {
                Bar::ClippedHigh
            } else if v == f64::NEG_INFINITY {
                Bar::ClippedLow
            } else if let (false, Some((bottom, high))) = (v.is_nan(), range) {
                let span = (high - bottom).max(f64::EPSILON);
                let level = ((v - bottom) / span * levels as f64).round();
                // At least one step above the lowest value, so any rise stays visible.
                let level = if v > bottom && level < 1.0 {
                    1.0
                } else {
                    level
                };
                Bar::Level(level.clamp(0.0, levels as f64) as u64)
            } else {
                Bar::Gap
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_special_values_do_not_distort_the_scale() {
        let values = [1.0, 2.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 350.0];
        assert_eq!(finite_range(&values), Some((1.0, 350.0)));
        let scaled = bars(&values, 8);
        assert_eq!(scaled[2], Bar::Gap);
        assert_eq!(scaled[3], Bar::ClippedHigh);
        assert_eq!(scaled[4], Bar::ClippedLow);
        assert_eq!(scaled[5], Bar::Level(8));
        assert_eq!(scaled[0], Bar::Level(0));
        assert_eq!(scaled[1], Bar::Level(1));
    }

    #[test]
    fn an_all_nan_series_is_all_gaps() {
        assert_eq!(bars(&[f64::NAN, f64::NAN], 8), vec![Bar::Gap, Bar::Gap]);
        assert_eq!(finite_range(&[f64::NAN]), None);
    }

    #[test]
    fn infinities_are_clipped_even_without_a_finite_value() {
        assert_eq!(
            bars(&[f64::INFINITY, f64::NAN, f64::NEG_INFINITY], 8),
            vec![Bar::ClippedHigh, Bar::Gap, Bar::ClippedLow]
        );
    }

    #[test]
    fn outliers_are_clipped_instead_of_flattening_the_rest() {
        let values = [10.0, 12.0, 14.0, 400.0, 16.0];
        let plain = bars(&values, 8);
        assert_eq!(
            plain[4],
            Bar::Level(1),
            "with the spike in the scale, the rest is flat"
        );
        let robust = bars_excluding(&values, 8, &[3]);
        assert_eq!(
            robust,
            vec![
                Bar::Level(0),
                Bar::Level(3),
                Bar::Level(5),
                Bar::Level(8),
                Bar::Level(8)
            ]
        );
    }

    #[test]
    fn a_flat_series_sits_on_the_bottom() {
        assert_eq!(bars(&[5.0, 5.0], 8), vec![Bar::Level(0), Bar::Level(0)]);
    }

    #[test]
    fn negative_values_move_the_bottom() {
        assert_eq!(
            bars(&[-10.0, 0.0, 10.0], 2),
            vec![Bar::Level(0), Bar::Level(1), Bar::Level(2)]
        );
    }
}
