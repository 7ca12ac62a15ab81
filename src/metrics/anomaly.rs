//! Anomalies in a metric series: points far from the recent median, measured in robust spread.
//!
//! Each point is compared with the median of the finite points before it (a trailing window), and
//! its distance is divided by the median absolute deviation. Gaps (`NaN`) and infinities are never
//! anomalies and never enter the window, so a missed scrape cannot raise an alert.

/// Points compared against; about half an hour at one sample a minute.
const WINDOW: usize = 30;
/// Fewer trailing points than this and nothing is judged.
const MIN_HISTORY: usize = 10;
/// Robust z-score above which a point is anomalous.
const THRESHOLD: f64 = 6.0;
/// Scale factor that makes the MAD comparable to a standard deviation for normal data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// One anomalous point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anomaly {
    pub index: usize,
    /// How far from the trailing median, in robust standard deviations; negative for drops.
    pub score: f64,
}

/// Finds the anomalous points of `values`.
pub fn detect(values: &[f64]) -> Vec<Anomaly> {
    let mut anomalies = Vec::new();
    let mut window: Vec<f64> = Vec::with_capacity(WINDOW);

    for (index, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }

        if window.len() >= MIN_HISTORY
            && let Some(score) = robust_score(&window, value)
            && score.abs() >= THRESHOLD
        {
            anomalies.push(Anomaly { index, score });
            // An anomalous point stays out of the window, so a long spike keeps standing out.
            continue;
        }

        if window.len() == WINDOW {
            window.remove(0);
        }
        window.push(value);
    }
    anomalies
}

fn robust_score(window: &[f64], value: f64) -> Option<f64> {
    let center = median(window)?;
    let deviations: Vec<f64> = window.iter().map(|v| (v - center).abs()).collect();
    let mad = median(&deviations)? * MAD_TO_SIGMA;
    // A flat window of zeros (nothing failed, say) has no spread and no level to judge a share
    // of: the first non-zero value there is a change, not a measurable anomaly.
    if mad == 0.0 && center == 0.0 {
        return None;
    }
    // A flat window has no spread; judge against a small share of its level instead.
    let spread = mad.max(center.abs() * 0.02);
    Some((value - center) / spread)
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_count_after_zeros_is_no_anomaly() {
        let mut values = vec![0.0; 20];
        values.push(12.0);
        assert_eq!(detect(&values), Vec::new());
        // A flat non-zero level still has a spread to judge against.
        let mut level = vec![100.0; 20];
        level.push(200.0);
        assert_eq!(detect(&level).len(), 1);
    }

    fn noisy(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 50.0 + ((i * 7919) % 13) as f64 * 0.5)
            .collect()
    }

    #[test]
    fn a_spike_is_found_and_the_noise_is_not() {
        let mut values = noisy(60);
        values[40] = 400.0;
        let found = detect(&values);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].index, 40);
        assert!(found[0].score > THRESHOLD);
    }

    #[test]
    fn a_drop_has_a_negative_score() {
        let mut values = noisy(60);
        values[45] = 0.0;
        let found = detect(&values);
        assert_eq!(found.iter().map(|a| a.index).collect::<Vec<_>>(), vec![45]);
        assert!(found[0].score < -THRESHOLD);
    }

    #[test]
    fn gaps_and_infinities_are_not_anomalies() {
        let mut values = noisy(60);
        values[20] = f64::NAN;
        values[30] = f64::INFINITY;
        values[31] = f64::NEG_INFINITY;
        assert!(detect(&values).is_empty());
        assert!(detect(&[f64::NAN; 50]).is_empty());
        assert!(detect(&[]).is_empty());
    }

    #[test]
    fn a_flat_series_with_one_step_flags_the_step() {
        let mut values = vec![10.0; 40];
        values[35] = 30.0;
        assert_eq!(
            detect(&values).iter().map(|a| a.index).collect::<Vec<_>>(),
            vec![35]
        );
    }
}
