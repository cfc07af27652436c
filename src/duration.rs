//! Durations as Prometheus reads them (`step`, `timeout`, mean windows): a
//! number of seconds, or `1h30m`-style units from `y` down to `ms`.

use crate::error::ProbeError;

/// Prometheus's limit on the points of one series in a range query.
pub const MAX_POINTS_PER_SERIES: u64 = 11_000;

/// A positive duration as the user wrote it (sent to Prometheus verbatim)
/// and as seconds (for the client's own arithmetic).
#[derive(Debug, Clone, PartialEq)]
pub struct PromDuration {
    pub text: String,
    pub seconds: f64,
}

impl PromDuration {
    /// Reads `what` (named in the error: "step", "timeout", "window"),
    /// rejecting zero, negative and anything Prometheus would not parse.
    pub fn parse(what: &str, input: &str) -> Result<PromDuration, ProbeError> {
        let text = input.trim();
        let seconds = parse_seconds(text).ok_or_else(|| {
            ProbeError::invalid(format!(
                "invalid {what} '{input}': expected seconds (15, 2.5) or a duration (15s, 1m, 1h30m)"
            ))
        })?;
        if seconds <= 0.0 {
            return Err(ProbeError::invalid(format!(
                "invalid {what} '{input}': it must be greater than zero"
            )));
        }
        Ok(PromDuration {
            text: text.to_string(),
            seconds,
        })
    }

    /// A duration we chose ourselves, written as Prometheus reads it.
    pub fn from_seconds(seconds: f64) -> PromDuration {
        PromDuration {
            text: format_seconds(seconds),
            seconds,
        }
    }
}

/// Seconds as a short decimal: `288`, `3.333`.
pub fn format_seconds(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round();
    if is_whole_thousand(millis) {
        format!("{}", millis / 1000.0)
    } else {
        let text = format!("{:.3}", millis / 1000.0);
        text.trim_end_matches('0').to_string()
    }
}

/// `millis % 1000.0 == 0.0` for a whole number (or an infinity or NaN),
/// from its bits: a whole `f64` is `mantissa * 2^exponent`, a multiple of
/// 1000 = 8 * 125 when 125 divides the mantissa and it holds three factors
/// of two. The `%` would bring libm's `fmod` into the component.
fn is_whole_thousand(millis: f64) -> bool {
    if millis == 0.0 || !millis.is_finite() {
        return millis == 0.0;
    }
    let bits = millis.to_bits();
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // A whole number is never subnormal, so the implicit bit is there.
    let factors_of_two = mantissa.trailing_zeros() as i32 + biased_exponent - 1075;
    mantissa % 125 == 0 && factors_of_two >= 3
}

fn parse_seconds(text: &str) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    let numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if numeric && text.bytes().any(|b| b.is_ascii_digit()) {
        return text.parse::<f64>().ok().filter(|s| s.is_finite());
    }
    parse_units(text)
}

/// `[0-9]+` and a unit, repeated, units from the largest to the smallest,
/// each at most once: Prometheus's `model.ParseDuration`.
fn parse_units(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 7] = [
        ("y", 365.0 * 86_400.0),
        ("w", 7.0 * 86_400.0),
        ("d", 86_400.0),
        ("h", 3_600.0),
        ("m", 60.0),
        ("s", 1.0),
        ("ms", 0.001),
    ];
    let mut rest = text;
    let mut next_unit = 0;
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let value = rest[..digits].parse::<f64>().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        let position = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)?;
        total += value * UNITS[next_unit + position].1;
        next_unit += position + 1;
        rest = &rest[unit_len..];
    }
    Some(total).filter(|t| t.is_finite())
}

/// The smallest whole number of seconds, at least 1, that keeps a range of
/// `range_seconds` within Prometheus's 11,000 points per series.
pub fn auto_step(range_seconds: f64) -> PromDuration {
    let range_millis = (range_seconds.max(0.0) * 1000.0).round();
    let step = (range_millis / (MAX_POINTS_PER_SERIES as f64 * 1000.0)).floor() + 1.0;
    PromDuration::from_seconds(step)
}

/// The step `compute-mean` uses by default: the window divided into 300
/// steps, as upstream intended, and never below one second.
pub fn mean_step(window_seconds: f64) -> PromDuration {
    PromDuration::from_seconds((window_seconds / 300.0).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(input: &str) -> f64 {
        PromDuration::parse("step", input).unwrap().seconds
    }

    #[test]
    fn numbers_and_units() {
        assert_eq!(seconds("15"), 15.0);
        assert_eq!(seconds("2.5"), 2.5);
        assert_eq!(seconds(" 15s "), 15.0);
        assert_eq!(seconds("1m"), 60.0);
        assert_eq!(seconds("1h30m"), 5_400.0);
        assert_eq!(seconds("1d"), 86_400.0);
        assert_eq!(seconds("1w"), 604_800.0);
        assert_eq!(seconds("500ms"), 0.5);
        assert_eq!(
            seconds("1y2w3d4h5m6s7ms"),
            31_536_000.0 + 1_209_600.0 + 259_200.0 + 14_706.007
        );
        assert_eq!(PromDuration::parse("step", " 15s ").unwrap().text, "15s");
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        for bad in [
            "", "abc", "15x", "1m1h", "1s1s", "s", "1.5m", "inf", "NaN", "1 m", "--1", "m5",
        ] {
            let error = PromDuration::parse("step", bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("invalid step '{bad}'")),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn zero_and_negative_are_invalid_arguments() {
        for bad in ["0", "0s", "-1", "0.0"] {
            assert_eq!(
                PromDuration::parse("step", bad).unwrap_err(),
                ProbeError::invalid(format!(
                    "invalid step '{bad}': it must be greater than zero"
                ))
            );
        }
    }

    #[test]
    fn auto_step_keeps_within_eleven_thousand_points() {
        assert_eq!(auto_step(30.0).text, "1");
        assert_eq!(auto_step(10_999.0).text, "1");
        assert_eq!(auto_step(11_000.0).text, "2");
        assert_eq!(auto_step(86_400.0).text, "8");
        for range in [
            1.0,
            10_999.0,
            11_000.0,
            11_001.0,
            86_400.0,
            7.0 * 86_400.0,
            365.0 * 86_400.0,
        ] {
            let step = auto_step(range).seconds;
            let points = (range / step).floor() + 1.0;
            assert!(points <= 11_000.0, "{range}s: {points} points");
            if step > 1.0 {
                let finer = ((range / (step - 1.0)).floor()) + 1.0;
                assert!(
                    finer > 11_000.0,
                    "{range}s: step {step} is not the smallest"
                );
            }
        }
    }

    proptest::proptest! {
        /// The same verdict as `%` for every whole number an `f64` holds
        /// (what `round` gives), NaN and the infinities included.
        #[test]
        fn whole_thousands_as_the_remainder_finds_them(bits in proptest::prelude::any::<u64>()) {
            let millis = f64::from_bits(bits).round();
            proptest::prop_assert_eq!(is_whole_thousand(millis), millis % 1000.0 == 0.0);
        }

        #[test]
        fn whole_thousands_among_step_sized_numbers(millis in -(1i64 << 55)..(1i64 << 55)) {
            let millis = millis as f64;
            proptest::prop_assert_eq!(is_whole_thousand(millis), millis % 1000.0 == 0.0);
        }
    }

    #[test]
    fn whole_thousands_at_the_edges() {
        for millis in [
            0.0,
            -0.0,
            1000.0,
            -1000.0,
            999.0,
            1e3,
            1e21,
            1e300,
            f64::MAX,
            f64::MIN,
            2f64.powi(53) * 125.0,
            2f64.powi(60),
            8.0 * 125.0 * 3.0,
            4.0 * 125.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert_eq!(
                is_whole_thousand(millis),
                millis % 1000.0 == 0.0,
                "{millis:e}"
            );
        }
    }

    #[test]
    fn mean_step_is_a_three_hundredth_of_the_window() {
        assert_eq!(mean_step(86_400.0).text, "288");
        assert_eq!(mean_step(1_000.0).text, "3.333");
        assert_eq!(mean_step(60.0).text, "1");
    }
}
