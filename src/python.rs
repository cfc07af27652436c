//! Python's text forms that the Python extension's output depends on, so we
//! can produce the same bytes: `repr()` of strings and floats,
//! `prometheus_client`'s `floatToGoString`, and `json.dumps(..., sort_keys=True)`;
//! and Python's `float()` of text.

mod float;
mod printable;

use serde_json::Value;

pub use float::float;
use printable::is_printable;

/// Python's `repr()` of a string: single quotes unless the text has a
/// single quote and no double quote; `\\`, `\n`, `\r`, `\t`; other
/// characters Python does not print (`str.isprintable`) as `\xhh`,
/// `\uhhhh` or `\Uhhhhhhhh`.
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
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of the value `json.loads` makes of this JSON:
/// `True`, `None`, `1.0`, `{'k': [1, 'it\'s']}`.
pub fn repr_value(value: &Value) -> String {
    match value {
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::String(text) => repr_str(text),
        Value::Number(number) if number.is_f64() => repr_float(number.as_f64().unwrap_or(f64::NAN)),
        Value::Number(number) => number.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(key, item)| format!("{}: {}", repr_str(key), repr_value(item)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's truthiness (`bool()`) of a JSON value: `None`, `False`, zero
/// and empty strings, lists and mappings are false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `str()` of such a value, as an f-string or `%s` prints it: a
/// string as it is, anything else as its `repr()`.
pub fn str_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => repr_value(other),
    }
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
        // A number read is finite: only an integer or a float's repr.
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() => out.push_str(&repr_float(float)),
            _ => out.push_str(&number.to_string()),
        },
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
            // Python sorts str keys by code point; Rust's str order is the
            // same (UTF-8 preserves code point order). The map is sorted
            // already unless serde_json's `preserve_order` is on.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
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

/// The lines the machine's `python3` prints for `script` given `lines` on
/// stdin, one for each: the tests that hold our emulations to CPython.
#[cfg(test)]
fn run_python(script: &str, lines: &[String]) -> Vec<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut python = Command::new("python3")
        .args(["-c", script])
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|why| {
            panic!(
                "these tests compare with CPython and need python3 ({why}): run scripts/setup.sh"
            )
        });
    let input: String = lines.iter().map(|line| format!("{line}\n")).collect();
    python
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(output.status.success(), "python3 failed");
    let printed = String::from_utf8(output.stdout).unwrap();
    let printed: Vec<String> = printed.lines().map(String::from).collect();
    assert_eq!(
        printed.len(),
        lines.len(),
        "python3 printed a line for each"
    );
    printed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn truthiness_is_pythons() {
        let falsy = [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ];
        let truthy_ = [
            json!(true),
            json!(-1),
            json!(0.5),
            json!("0"),
            json!([0]),
            json!({"a": 0}),
        ];
        assert!(falsy.iter().all(|v| !truthy(v)));
        assert!(truthy_.iter().all(truthy));
    }

    #[test]
    fn dumps_sorted_matches_python() {
        let value: Value = serde_json::from_str(
            r#"{"z": {"b": 1, "z": 2, "a": [3, {"y": 1.0, "x": 1e-05}], "b": 5}, "t": "Ünï ☃ \"q\" \\ \n 🚀", "n": null, "f": false}"#,
        )
        .unwrap();
        assert_eq!(
            dumps_sorted(&value),
            r#"{"f": false, "n": null, "t": "\u00dcn\u00ef \u2603 \"q\" \\ \n \ud83d\ude80", "z": {"a": [3, {"x": 1e-05, "y": 1.0}], "b": 5, "z": 2}}"#
        );
    }

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(repr_str("up{"), "'up{'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a'b\"c\n"), "'a\\'b\"c\\n'");
    }

    /// Every value of a corpus through `repr_value` and through Python's own
    /// `repr(json.loads(...))`: the two must agree to the byte. Python is the
    /// machine's `python3` (scripts/setup.sh installs it).
    #[test]
    fn repr_matches_pythons_own_repr() {
        let mut corpus: Vec<Value> = Vec::new();
        let texts = [
            "",
            "up{",
            "it's",
            "say \"hi\"",
            "both ' and \"",
            "back\\slash",
            "tab\there",
            "new\nline",
            "cr\rhere",
            "nul\u{0}",
            "bell\u{7}",
            "del\u{7f}",
            "esc\u{1b}[0m",
            "latin é ß",
            "nbsp\u{a0}",
            "soft\u{ad}hyphen",
            "next\u{85}line",
            "ctrl\u{9f}",
            "zero\u{200b}width",
            "rtl\u{202e}mark",
            "line\u{2028}sep",
            "para\u{2029}sep",
            "ideographic\u{3000}space",
            "bom\u{feff}",
            "private\u{e000}use",
            "replacement\u{fffd}",
            "not a char\u{ffff}",
            "emoji 😀",
            "tag\u{e0001}",
            "astral private\u{f0000}",
            "math 𝔸",
            "cjk 漢字",
            "arabic \u{600}",
            "combining e\u{301}",
            "ogham\u{1680}space",
        ];
        corpus.extend(texts.iter().map(|t| Value::String(t.to_string())));
        for number in [
            "0",
            "-1",
            "123456789012345678",
            "1.0",
            "0.1",
            "1e16",
            "1e-5",
            "1.5e300",
            "-0.0",
            "0.30000000000000004",
            "123.456",
            "1e22",
            "12345678901234567890",
        ] {
            corpus.push(serde_json::from_str(number).unwrap());
        }
        corpus.extend([Value::Null, Value::Bool(true), Value::Bool(false)]);
        // Keys in order: the guest's maps are sorted, the runner's keep the
        // document's order, as Python's dicts do.
        corpus.push(serde_json::json!({"n": [1, 2.5, "it's"], "query": "up{", "when": null}));
        corpus.push(serde_json::json!([[], {}, {"k\u{a0}": {"nested": [true, false]}}]));

        let lines: Vec<String> = corpus.iter().map(Value::to_string).collect();
        let expected = run_python(
            "import json, sys\nfor line in sys.stdin:\n    print(repr(json.loads(line)))",
            &lines,
        );
        let differences: Vec<String> = corpus
            .iter()
            .zip(&expected)
            .filter(|(value, python)| repr_value(value) != **python)
            .map(|(value, python)| format!("{value}: ours {} python {python}", repr_value(value)))
            .collect();
        assert!(differences.is_empty(), "{differences:#?}");
    }
}
