//! Emulates CPython's `decimal.Decimal` (libmpdec) as chaoslib's `range`
//! tolerance uses it: `Decimal(x)` of what `json.loads` makes (an int, a
//! float exactly as the binary double it is, a bool, text, a
//! `(sign, digits, exponent)` list) and the ordering comparison `<=`, exact,
//! which raises on NaN. Held to Python by the differential test
//! `cli/tests/all/tolerances/`.
//!
//! Text is read as `Decimal(str)` reads it: surrounding whitespace
//! stripped, every `_` dropped, `inf`/`infinity`/`nan`/`snan` in any case,
//! digits with an optional point and exponent. Not emulated: non-ASCII
//! decimal digits (`'١٢'`, which Python reads as 12) are refused, and
//! exponents beyond libmpdec's limits are only approximated.

use std::cmp::Ordering;

use serde_json::Value;

use super::python_space;

/// A `Decimal`: finite (sign, coefficient digits without leading zeros,
/// exponent), infinite, or NaN (quiet or signalling: both raise when
/// ordered).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Decimal {
    Finite {
        negative: bool,
        digits: String,
        exponent: i128,
    },
    Infinite {
        negative: bool,
    },
    NaN,
}

/// Why `Decimal(x)` raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DecimalError {
    /// `decimal.InvalidOperation`: text that is not a number.
    Invalid,
    /// `TypeError`: `None` or a mapping.
    Type,
    /// `ValueError`: a list that is not `(sign, digits, exponent)`.
    Sequence,
}

/// libmpdec's largest exponent (`MPD_MAX_EMAX` on 64-bit machines).
const MAX_EMAX: i128 = 999_999_999_999_999_999;

impl Decimal {
    /// `Decimal(value)`.
    pub(super) fn of(value: &Value) -> Result<Decimal, DecimalError> {
        match value {
            Value::Bool(b) => Ok(Decimal::integer(false, u64::from(*b).to_string())),
            Value::Number(n) => Ok(if let Some(u) = n.as_u64() {
                Decimal::integer(false, u.to_string())
            } else if let Some(i) = n.as_i64() {
                Decimal::integer(i < 0, i.unsigned_abs().to_string())
            } else {
                Decimal::float(n.as_f64().unwrap_or(f64::NAN))
            }),
            Value::String(text) => Decimal::text(text).ok_or(DecimalError::Invalid),
            Value::Array(items) => Decimal::tuple(items),
            Value::Null | Value::Object(_) => Err(DecimalError::Type),
        }
    }

    fn integer(negative: bool, digits: String) -> Decimal {
        Decimal::finite(negative, &digits, 0)
    }

    fn finite(negative: bool, digits: &str, exponent: i128) -> Decimal {
        Decimal::Finite {
            negative,
            digits: digits.trim_start_matches('0').to_string(),
            exponent,
        }
    }

    /// The double's exact value: every finite double has a finite decimal
    /// expansion of at most 767 significant digits, which `{:.800e}`
    /// writes exactly.
    fn float(f: f64) -> Decimal {
        if f.is_nan() {
            return Decimal::NaN;
        }
        if f.is_infinite() {
            return Decimal::Infinite { negative: f < 0.0 };
        }
        let written = format!("{:.800e}", f.abs());
        let (mantissa, exponent) = written.split_once('e').unwrap_or((&written, "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exponent = exponent.parse::<i128>().unwrap_or(0) - 800;
        Decimal::finite(f.is_sign_negative(), &digits, exponent)
    }

    /// `Decimal(str)`.
    fn text(text: &str) -> Option<Decimal> {
        let mut ascii = String::with_capacity(text.len());
        for c in text.trim_matches(python_space).chars() {
            match c {
                '_' => {}
                '\u{1}'..='\u{7f}' => ascii.push(c),
                // Inner whitespace (and anything else) is not a number.
                _ => return None,
            }
        }
        let (negative, rest) = match ascii.as_bytes().first() {
            Some(b'-') => (true, &ascii[1..]),
            Some(b'+') => (false, &ascii[1..]),
            _ => (false, ascii.as_str()),
        };
        let lower = rest.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Some(Decimal::Infinite { negative });
        }
        for nan in ["snan", "nan"] {
            if let Some(payload) = lower.strip_prefix(nan) {
                return payload
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then_some(Decimal::NaN);
            }
        }
        let (number, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let exponent = match exponent {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !all_digits(unsigned) {
                    return None;
                }
                // libmpdec reads the exponent into a 64-bit integer.
                i128::from(e.parse::<i64>().ok()?)
            }
        };
        let digits = format!("{whole}{fraction}");
        let exponent = exponent - fraction.len() as i128;
        let decimal = Decimal::finite(negative, &digits, exponent);
        match &decimal {
            Decimal::Finite { digits, .. } if digits.is_empty() && exponent > MAX_EMAX => None,
            Decimal::Finite { digits, .. }
                if exponent + digits.len() as i128 - 1 > MAX_EMAX && !digits.is_empty() =>
            {
                None
            }
            _ => Some(decimal),
        }
    }

    /// `Decimal((sign, digits, exponent))`, from a list.
    fn tuple(items: &[Value]) -> Result<Decimal, DecimalError> {
        let [sign, digits, exponent] = items else {
            return Err(DecimalError::Sequence);
        };
        let int = |value: &Value| match value {
            Value::Bool(b) => Some(i128::from(*b)),
            Value::Number(n) if !n.is_f64() => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from)),
            _ => None,
        };
        let negative = match int(sign) {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(DecimalError::Sequence),
        };
        let Value::Array(digits) = digits else {
            return Err(DecimalError::Sequence);
        };
        let digits = digits
            .iter()
            .map(|d| match int(d) {
                Some(d @ 0..=9) => Ok(char::from(b'0' + d as u8)),
                _ => Err(DecimalError::Sequence),
            })
            .collect::<Result<String, _>>()?;
        match exponent {
            Value::String(flag) if flag == "F" => Ok(Decimal::Infinite { negative }),
            Value::String(flag) if flag == "n" || flag == "N" => Ok(Decimal::NaN),
            other => match int(other) {
                Some(exponent) => Ok(Decimal::finite(negative, &digits, exponent)),
                None => Err(DecimalError::Sequence),
            },
        }
    }

    /// `self <= other`; `None` where Python raises (a NaN).
    pub(super) fn le(&self, other: &Decimal) -> Option<bool> {
        Some(self.cmp(other)? != Ordering::Greater)
    }

    fn cmp(&self, other: &Decimal) -> Option<Ordering> {
        use Decimal::{Finite, Infinite, NaN};
        Some(match (self, other) {
            (NaN, _) | (_, NaN) => return None,
            (Infinite { negative: a }, Infinite { negative: b }) => b.cmp(a),
            (Infinite { negative }, Finite { .. }) => {
                if *negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (Finite { .. }, Infinite { negative }) => {
                if *negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (a @ Finite { .. }, b @ Finite { .. }) => {
                let (sa, sb) = (a.signum(), b.signum());
                if sa != sb || sa == 0 {
                    return Some(sa.cmp(&sb));
                }
                let magnitude = a.magnitude_cmp(b);
                if sa < 0 {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
        })
    }

    fn signum(&self) -> i8 {
        match self {
            Decimal::Finite { digits, .. } if digits.is_empty() => 0,
            Decimal::Finite { negative: true, .. } => -1,
            _ => 1,
        }
    }

    /// Compares two non-zero finite magnitudes: by their leading digit's
    /// power of ten, then digit by digit.
    fn magnitude_cmp(&self, other: &Decimal) -> Ordering {
        let (
            Decimal::Finite {
                digits: a,
                exponent: ea,
                ..
            },
            Decimal::Finite {
                digits: b,
                exponent: eb,
                ..
            },
        ) = (self, other)
        else {
            return Ordering::Equal;
        };
        let adjusted = |digits: &String, exponent: &i128| exponent + digits.len() as i128;
        adjusted(a, ea).cmp(&adjusted(b, eb)).then_with(|| {
            let (a, b) = (a.trim_end_matches('0'), b.trim_end_matches('0'));
            a.cmp(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(value: Value) -> Decimal {
        Decimal::of(&value).unwrap()
    }

    #[test]
    fn text_is_read_as_python_reads_it() {
        assert_eq!(d(json!("1_000")), d(json!(1000)));
        assert_eq!(d(json!(" _1. ")), d(json!(1)));
        assert_eq!(d(json!("+.5e-3")).le(&d(json!(0.0005))), Some(true));
        assert_eq!(d(json!(0.0005)).le(&d(json!("+.5e-3"))), Some(false));
        assert_eq!(d(json!("nan")), Decimal::NaN);
        assert_eq!(d(json!("-Infinity")), Decimal::Infinite { negative: true });
        for bad in ["", "e3", "1e", "1.2.3", "--1", "0x10", "infinite", "1 0"] {
            assert_eq!(
                Decimal::of(&json!(bad)),
                Err(DecimalError::Invalid),
                "{bad}"
            );
        }
        assert_eq!(Decimal::of(&Value::Null), Err(DecimalError::Type));
        assert_eq!(Decimal::of(&json!([1, 2])), Err(DecimalError::Sequence));
        assert_eq!(d(json!([1, [1, 2], -1])), d(json!("-1.2")));
    }

    #[test]
    fn ordering_is_exact() {
        // Decimal(0.1) is the double's value, a little above 0.1.
        assert_eq!(d(json!(0.1)).le(&d(json!("0.1"))), Some(false));
        assert_eq!(d(json!("0.1")).le(&d(json!(0.1))), Some(true));
        let big = 9_007_199_254_740_993u64;
        assert_eq!(
            d(json!(big)).le(&d(json!(9_007_199_254_740_992.0))),
            Some(false)
        );
        assert_eq!(d(json!("-0")).le(&d(json!(0))), Some(true));
        assert_eq!(d(json!(0)).le(&d(json!(-0.0))), Some(true));
        assert_eq!(d(json!(0.0)).le(&d(json!("0e5"))), Some(true));
        assert_eq!(d(json!("10e-1")).le(&d(json!(1))), Some(true));
        assert_eq!(d(json!(1)).le(&d(json!("10e-1"))), Some(true));
        assert_eq!(d(json!("nan")).le(&d(json!(1))), None);
        assert_eq!(d(json!("-inf")).le(&d(json!(-1e300))), Some(true));
    }
}
