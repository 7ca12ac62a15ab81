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
    values.iter().copied().filter(|v| v.is_finite()).fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((low, high)) => Some((low.min(v), high.max(v))),
    })
}

/// Scales values to bars of `levels` steps. The bottom of the scale is zero for series that never
/// go negative, so bar heights compare as quantities.
pub fn bars(values: &[f64], levels: u64) -> Vec<Bar> {
    let Some((low, high)) = finite_range(values) else {
        return values.iter().map(|_| Bar::Gap).collect();
    };
    let bottom = if low >= 0.0 { 0.0 } else { low };
    let span = (high - bottom).max(f64::EPSILON);

    values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                Bar::Gap
            } else if v == f64::INFINITY {
                Bar::ClippedHigh
            } else if v == f64::NEG_INFINITY {
                Bar::ClippedLow
            } else {
                let level = ((v - bottom) / span * levels as f64).round();
                // At least one step for any non-zero value, so small values stay visible.
                let level = if v > bottom && level < 1.0 { 1.0 } else { level };
                Bar::Level(level.clamp(0.0, levels as f64) as u64)
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
        assert_eq!(scaled[0], Bar::Level(1));
    }

    #[test]
    fn an_all_nan_series_is_all_gaps() {
        assert_eq!(bars(&[f64::NAN, f64::NAN], 8), vec![Bar::Gap, Bar::Gap]);
        assert_eq!(finite_range(&[f64::NAN]), None);
    }

    #[test]
    fn negative_values_move_the_bottom() {
        assert_eq!(bars(&[-10.0, 0.0, 10.0], 2), vec![Bar::Level(0), Bar::Level(1), Bar::Level(2)]);
    }
}
