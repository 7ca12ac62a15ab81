//! Formatting of times, ages and numbers for cells. Times are always UTC and labelled so.

use jiff::Timestamp;

/// `12:03:10`, in UTC.
pub fn clock(at: Timestamp) -> String {
    at.strftime("%H:%M:%S").to_string()
}

/// When an event happened, as the strips show it: `12:03:10` on the day of `now` (UTC), else
/// with its date, `2026-12-02 23:59`, so a day-old or future-dated event is not read as today's.
pub fn event_time(now: Timestamp, at: Timestamp) -> String {
    let utc = jiff::tz::TimeZone::UTC;
    if at.to_zoned(utc.clone()).date() == now.to_zoned(utc).date() {
        clock(at)
    } else {
        at.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// `2026-12-03 12:03:10 UTC`.
pub fn datetime(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// How long ago, in the largest sensible unit: `45s`, `12m`, `3h`, `4d`. A time in the future
/// reads `in 3m`.
pub fn age(now: Timestamp, at: Timestamp) -> String {
    let seconds = now.as_second() - at.as_second();
    if seconds < 0 {
        return format!("in {}", span(-seconds));
    }
    span(seconds)
}

fn span(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 * 2 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// A number with a precision that suits its size; `—` when unknown, `NaN`/`+Inf`/`-Inf` as such.
pub fn number(value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(v) if v.is_nan() => "NaN".to_string(),
        Some(v) if v == f64::INFINITY => "+Inf".to_string(),
        Some(v) if v == f64::NEG_INFINITY => "-Inf".to_string(),
        Some(v) if v.abs() >= 1e9 => format!("{v:.2e}"),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// An integer count, `—` when unknown.
pub fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn ages_use_the_largest_unit() {
        assert_eq!(age(at(1000), at(955)), "45s");
        assert_eq!(age(at(10_000), at(10_000 - 720)), "12m");
        assert_eq!(age(at(100_000), at(100_000 - 3 * 3600)), "3h");
        assert_eq!(age(at(1_000_000), at(1_000_000 - 4 * 86_400)), "4d");
        assert_eq!(age(at(1000), at(1180)), "in 3m");
    }

    #[test]
    fn special_numbers_are_named() {
        assert_eq!(number(None), "—");
        assert_eq!(number(Some(f64::NAN)), "NaN");
        assert_eq!(number(Some(f64::INFINITY)), "+Inf");
        assert_eq!(number(Some(350.0)), "350");
        assert_eq!(number(Some(12.345)), "12.3");
        assert_eq!(number(Some(0.5)), "0.50");
        assert_eq!(number(Some(-1e308)), "-1.00e308");
        assert_eq!(number(Some(123_456_789.0)), "123456789");
    }

    #[test]
    fn clock_is_utc() {
        assert_eq!(clock(at(3 * 3600 + 5)), "03:00:05");
        assert_eq!(datetime(at(0)), "1970-01-01 00:00:00 UTC");
    }

    #[test]
    fn events_not_from_today_carry_their_date() {
        let now = at(86_400 + 12 * 3600);
        assert_eq!(event_time(now, at(86_400)), "00:00:00");
        assert_eq!(event_time(now, at(2 * 86_400 - 1)), "23:59:59");
        assert_eq!(event_time(now, at(86_400 - 1)), "1970-01-01 23:59");
        assert_eq!(event_time(now, at(2 * 86_400)), "1970-01-03 00:00");
    }
}
