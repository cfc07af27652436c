//! Time expressions: everything the Python extension's date parser accepted
//! for `when`, `start` and `end`, read the same way on every machine (naive
//! timestamps are UTC), and printed as RFC 3339 UTC with milliseconds.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, Unit};

use crate::error::ProbeError;

/// Reads a time expression relative to `now`. Anything it cannot read fails
/// with upstream's exact message, `failed to parse '<input>'`.
pub fn parse_time_expr(input: &str, now: Timestamp) -> Result<Timestamp, ProbeError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ProbeError::unparsable(input));
    }
    parse_epoch(trimmed)
        .or_else(|| parse_absolute(trimmed))
        .or_else(|| parse_relative(trimmed, now))
        .ok_or_else(|| ProbeError::unparsable(input))
}

/// RFC 3339 in UTC with millisecond precision, the form Prometheus is sent:
/// `2026-11-22T08:29:32.400Z`.
pub fn format_rfc3339(at: Timestamp) -> String {
    let rounded = at.round(Unit::Millisecond).unwrap_or(at);
    format!("{rounded:.3}")
}

/// `1795336200` or `1795336200.5`: seconds since the Unix epoch.
fn parse_epoch(text: &str) -> Option<Timestamp> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0i32, |acc, digit| acc * 10 + i32::from(digit - b'0'));
    Timestamp::new(seconds, nanos).ok()
}

/// RFC 3339 with `Z` or an offset; otherwise a naive date and time (or a bare
/// date), which upstream read in the runner's time zone and we read as UTC.
fn parse_absolute(text: &str) -> Option<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let naive: DateTime = text.parse().ok()?;
    naive.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl TimeUnit {
    fn from_word(word: &str) -> Option<TimeUnit> {
        Some(match word {
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::Seconds,
            "m" | "min" | "mins" | "minute" | "minutes" => TimeUnit::Minutes,
            "h" | "hr" | "hrs" | "hour" | "hours" => TimeUnit::Hours,
            "d" | "day" | "days" => TimeUnit::Days,
            "w" | "wk" | "wks" | "week" | "weeks" => TimeUnit::Weeks,
            "mo" | "month" | "months" => TimeUnit::Months,
            "y" | "yr" | "yrs" | "year" | "years" => TimeUnit::Years,
            _ => return None,
        })
    }

    /// Seconds in one unit, for the units of fixed length.
    fn fixed_seconds(self) -> Option<f64> {
        Some(match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3_600.0,
            TimeUnit::Days => 86_400.0,
            TimeUnit::Weeks => 604_800.0,
            TimeUnit::Months | TimeUnit::Years => return None,
        })
    }
}

/// `now`, `yesterday`, `5 min ago`, `30s ago`, `in 2 hours`, `-5m`,
/// `an hour ago`, `last week`: case-insensitive, extra spaces ignored.
fn parse_relative(text: &str, now: Timestamp) -> Option<Timestamp> {
    let lower = text.to_lowercase();
    let words = split_words(&lower);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let (count, unit) = match words.as_slice() {
        ["now"] | ["today"] => return Some(now),
        ["yesterday"] => (-1.0, TimeUnit::Days),
        ["tomorrow"] => (1.0, TimeUnit::Days),
        ["last", unit] => (-1.0, TimeUnit::from_word(unit)?),
        [amount, unit, "ago"] => (-unsigned_amount(amount)?, TimeUnit::from_word(unit)?),
        ["in", amount, unit] => (unsigned_amount(amount)?, TimeUnit::from_word(unit)?),
        [signed, unit] => (signed_amount(signed)?, TimeUnit::from_word(unit)?),
        _ => return None,
    };
    shift(now, count, unit)
}

/// Splits on white space and between a number and the unit glued to it
/// (`30s` → `30`, `s`; `-5m` → `-5`, `m`).
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let number_end = word
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
            .map_or(word.len(), |(i, _)| i);
        let has_digit = word[..number_end].bytes().any(|b| b.is_ascii_digit());
        if has_digit && number_end < word.len() {
            words.push(word[..number_end].to_string());
            words.push(word[number_end..].to_string());
        } else {
            words.push(word.to_string());
        }
    }
    words
}

/// `5`, `1.5`, or the article `a`/`an` for one.
fn unsigned_amount(word: &str) -> Option<f64> {
    match word {
        "a" | "an" => Some(1.0),
        _ if word.bytes().all(|b| b.is_ascii_digit() || b == b'.') => word.parse().ok(),
        _ => None,
    }
}

/// `-5` or `+5`: the sign is what makes `-5m` a time expression.
fn signed_amount(word: &str) -> Option<f64> {
    if let Some(rest) = word.strip_prefix('-') {
        unsigned_amount(rest)
            .filter(|_| rest.starts_with(|c: char| c.is_ascii_digit()))
            .map(|n| -n)
    } else {
        let rest = word.strip_prefix('+')?;
        unsigned_amount(rest).filter(|_| rest.starts_with(|c: char| c.is_ascii_digit()))
    }
}

/// Moves `now` by `count` units: fixed-length units exactly (fractions
/// allowed), months and years on the UTC calendar (whole numbers only).
fn shift(now: Timestamp, count: f64, unit: TimeUnit) -> Option<Timestamp> {
    if !count.is_finite() {
        return None;
    }
    if let Some(unit_seconds) = unit.fixed_seconds() {
        let offset = SignedDuration::try_from_secs_f64(count * unit_seconds).ok()?;
        return now.checked_add(offset).ok();
    }
    if count.fract() != 0.0 || count.abs() > 100_000.0 {
        return None;
    }
    // The cast is exact: `count` is whole and small (checked above).
    let whole = count as i64;
    let span = if unit == TimeUnit::Months {
        Span::new().try_months(whole).ok()?
    } else {
        Span::new().try_years(whole).ok()?
    };
    let calendar = now.to_zoned(TimeZone::UTC);
    calendar.checked_add(span).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-22T08:30:00Z".parse().unwrap()
    }

    fn parsed(input: &str) -> String {
        format_rfc3339(parse_time_expr(input, now()).unwrap_or_else(|e| panic!("{input}: {e}")))
    }

    #[test]
    fn now_and_named_days() {
        assert_eq!(parsed("now"), "2026-11-22T08:30:00.000Z");
        assert_eq!(parsed("today"), "2026-11-22T08:30:00.000Z");
        assert_eq!(parsed("yesterday"), "2026-11-21T08:30:00.000Z");
        assert_eq!(parsed("tomorrow"), "2026-11-23T08:30:00.000Z");
        assert_eq!(parsed("  NOW "), "2026-11-22T08:30:00.000Z");
    }

    #[test]
    fn every_unit_spelling_in_the_past() {
        let cases = [
            (
                ["s", "sec", "secs", "second", "seconds"],
                "2026-11-22T08:29:30.000Z",
            ),
            (
                ["m", "min", "mins", "minute", "minutes"],
                "2026-11-22T08:00:00.000Z",
            ),
            (
                ["h", "hr", "hrs", "hour", "hours"],
                "2026-11-21T02:30:00.000Z",
            ),
            (
                ["d", "day", "days", "d", "days"],
                "2026-10-23T08:30:00.000Z",
            ),
            (
                ["w", "wk", "wks", "week", "weeks"],
                "2026-04-26T08:30:00.000Z",
            ),
        ];
        for (spellings, expected) in cases {
            for unit in spellings {
                assert_eq!(parsed(&format!("30 {unit} ago")), expected, "30 {unit} ago");
                assert_eq!(parsed(&format!("30{unit} ago")), expected, "30{unit} ago");
                assert_eq!(parsed(&format!("-30{unit}")), expected, "-30{unit}");
            }
        }
    }

    #[test]
    fn upstream_spellings() {
        assert_eq!(parsed("30s ago"), "2026-11-22T08:29:30.000Z");
        assert_eq!(parsed("5 min ago"), "2026-11-22T08:25:00.000Z");
        assert_eq!(parsed("2 hrs ago"), "2026-11-22T06:30:00.000Z");
        assert_eq!(parsed("1w ago"), "2026-11-15T08:30:00.000Z");
        assert_eq!(parsed("-5m"), "2026-11-22T08:25:00.000Z");
        assert_eq!(parsed("an hour ago"), "2026-11-22T07:30:00.000Z");
        assert_eq!(parsed("a minute ago"), "2026-11-22T08:29:00.000Z");
        assert_eq!(parsed("last week"), "2026-11-15T08:30:00.000Z");
        assert_eq!(parsed("in 2 hours"), "2026-11-22T10:30:00.000Z");
        assert_eq!(parsed("In   An  Hour"), "2026-11-22T09:30:00.000Z");
        assert_eq!(parsed("1 Minute Ago"), "2026-11-22T08:29:00.000Z");
        assert_eq!(parsed("1.5 hours ago"), "2026-11-22T07:00:00.000Z");
        assert_eq!(parsed("+10s"), "2026-11-22T08:30:10.000Z");
    }

    #[test]
    fn months_and_years_follow_the_calendar() {
        assert_eq!(parsed("1 month ago"), "2026-10-22T08:30:00.000Z");
        assert_eq!(parsed("last month"), "2026-10-22T08:30:00.000Z");
        assert_eq!(parsed("2 years ago"), "2024-11-22T08:30:00.000Z");
        assert_eq!(parsed("in 3 months"), "2027-02-22T08:30:00.000Z");
        let end_of_march: Timestamp = "2026-03-31T00:00:00Z".parse().unwrap();
        let a_month_before = parse_time_expr("1 month ago", end_of_march).unwrap();
        assert_eq!(format_rfc3339(a_month_before), "2026-02-28T00:00:00.000Z");
        assert!(parse_time_expr("1.5 months ago", now()).is_err());
    }

    #[test]
    fn absolute_forms() {
        assert_eq!(parsed("2026-11-22T08:30:00Z"), "2026-11-22T08:30:00.000Z");
        assert_eq!(
            parsed("2026-11-22T08:30:00+02:00"),
            "2026-11-22T06:30:00.000Z"
        );
        assert_eq!(
            parsed("2026-11-22T08:30:00.123456Z"),
            "2026-11-22T08:30:00.123Z"
        );
        assert_eq!(parsed("2026-11-22 08:30:00"), "2026-11-22T08:30:00.000Z");
        assert_eq!(parsed("2026-11-22"), "2026-11-22T00:00:00.000Z");
        assert_eq!(parsed("1795336200"), "2026-11-22T08:30:00.000Z");
        assert_eq!(parsed("1795336200.5"), "2026-11-22T08:30:00.500Z");
        assert_eq!(parsed("1795336200.0004"), "2026-11-22T08:30:00.000Z");
    }

    #[test]
    fn rejects_with_upstream_message() {
        for input in [
            "2 mns ago",
            "right now",
            "",
            "   ",
            "ago",
            "5 ago",
            "minutes ago",
            "in",
            "-",
            "-m",
            "5 minutes",
            "5..5 min ago",
            "- 5m",
            "--5m",
            "-5 m ago",
            "in -5 m",
            "1e3 s ago",
            "now now",
            "2026-13-01",
            "2026-11-22T25:00:00Z",
            "99999999999999999999",
            "9999999999999 weeks ago",
            "last",
            "a ago",
            "\u{1F680}",
            "\"; DROP",
            "NaN s ago",
        ] {
            let error = parse_time_expr(input, now()).expect_err(input);
            assert_eq!(error, ProbeError::unparsable(input), "{input:?}");
        }
        assert_eq!(
            parse_time_expr("2 mns ago", now()).unwrap_err().to_string(),
            "failed to parse '2 mns ago'"
        );
    }

    #[test]
    fn output_is_millisecond_utc() {
        let at: Timestamp = "2026-11-22T08:29:32.4Z".parse().unwrap();
        assert_eq!(format_rfc3339(at), "2026-11-22T08:29:32.400Z");
        let at: Timestamp = "2026-11-22T10:29:32.0006+02:00".parse().unwrap();
        assert_eq!(format_rfc3339(at), "2026-11-22T08:29:32.001Z");
    }
}
