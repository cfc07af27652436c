//! Python's text forms that the Python extension's output depends on, so we
//! can produce the same bytes: `repr()` of strings and floats,
//! `prometheus_client`'s `floatToGoString`, and `json.dumps(..., sort_keys=True)`.

use serde_json::Value;

/// Python's `repr()` of a string.
pub fn repr_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a float: the shortest text that reads back the same,
/// in positional form from 1e-4 up to 1e16 and in exponent form outside:
/// `1.0`, `0.30000000000000004`, `1e-05`, `1e+16`, `inf`, `nan`.
pub fn repr_float(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: `1.5e16`, `1e-5`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let positional = format!("{value}");
        if positional.contains('.') {
            positional
        } else {
            format!("{positional}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// `prometheus_client`'s `floatToGoString`: Python's repr, except `+Inf`,
/// `-Inf`, `NaN`, and an exponent for positive values of 1e6 and above.
pub fn go_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let text = repr_float(value);
    match text.find('.') {
        Some(dot) if value > 0.0 && dot > 6 => {
            let digits = format!("{}{}", &text[1..dot], &text[dot + 1..]);
            let mantissa = format!("{}.{digits}", &text[..1]);
            let mantissa = mantissa.trim_end_matches(['0', '.']);
            format!("{mantissa}e+{:02}", dot - 1)
        }
        _ => text,
    }
}

/// `json.dumps(value, sort_keys=True)`: keys sorted at every level, `", "`
/// and `": "` separators, non-ASCII as `\uXXXX`, floats as Python prints
/// them.
pub fn dumps_sorted(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => {
            if number.is_f64() {
                let float = number.as_f64().unwrap_or(f64::NAN);
                out.push_str(&match float {
                    f if f.is_nan() => "NaN".to_string(),
                    f if f.is_infinite() && f > 0.0 => "Infinity".to_string(),
                    f if f.is_infinite() => "-Infinity".to_string(),
                    f => repr_float(f),
                });
            } else {
                out.push_str(&number.to_string());
            }
        }
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // Python sorts str keys by code point; Rust's str order is the
            // same (UTF-8 preserves code point order).
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (123456789.125, "123456789.125"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e300, "1e+300"),
            (-2.5e-7, "-2.5e-07"),
            (1795336294.0643928, "1795336294.0643928"),
        ];
        for (value, python) in cases {
            assert_eq!(repr_float(value), python, "{value:e}");
        }
    }

    #[test]
    fn go_float_matches_prometheus_client() {
        assert_eq!(go_float(1795336294.0643928), "1.7953362940643928e+09");
        assert_eq!(go_float(1795336294.064492), "1.795336294064492e+09");
        assert_eq!(go_float(1234567.0), "1.234567e+06");
        assert_eq!(go_float(1000000.0), "1e+06");
        assert_eq!(go_float(123456.5), "123456.5");
        assert_eq!(go_float(0.005), "0.005");
        assert_eq!(go_float(10.0), "10.0");
        assert_eq!(go_float(f64::INFINITY), "+Inf");
        assert_eq!(go_float(f64::NAN), "NaN");
        assert_eq!(go_float(-1234567.0), "-1234567.0");
    }

    #[test]
    fn dumps_sorted_matches_python() {
        let value: Value = serde_json::from_str(
            r#"{"z": {"b": 1, "a": [3, {"y": 1.0, "x": 1e-05}]}, "t": "Ünï ☃ \"q\" \\ \n 🚀", "n": null, "f": false}"#,
        )
        .unwrap();
        assert_eq!(
            dumps_sorted(&value),
            r#"{"f": false, "n": null, "t": "\u00dcn\u00ef \u2603 \"q\" \\ \n \ud83d\ude80", "z": {"a": [3, {"x": 1e-05, "y": 1.0}], "b": 1}}"#
        );
    }

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(repr_str("up{"), "'up{'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a'b\"c\n"), "'a\\'b\"c\\n'");
    }
}
