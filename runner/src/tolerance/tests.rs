//! Tolerances against Chaos Toolkit's verdicts (checked with
//! `chaoslib.hypothesis.within_tolerance`), met and not met for every kind.

use super::*;
use serde_json::json;

fn ok(tolerance: Value, output: Value) -> bool {
    within(&tolerance, &output, &Map::new()).unwrap()
}

/// Every kind of tolerance, with outputs it accepts and outputs it
/// refuses: a checker that always (or never) says "met" fails here.
/// The verdicts are `chaoslib.hypothesis.within_tolerance`'s (1.44).
#[test]
fn every_tolerance_kind_is_checked() {
    let prometheus = json!({"status": "success", "data": {"resultType": "vector",
        "result": [{"value": [1, "1"]}, {"value": [1, "0"]}]}});
    let values = "$.data.result[*].value[1]";
    let http = |status: u16, body: &str| json!({"status": status, "headers": {}, "body": body});
    let process = |status: i32, out: &str| json!({"status": status, "stdout": out, "stderr": ""});
    // (kind, tolerance, outputs within it, outputs outside it)
    let cases = [
        (
            "bool",
            json!(true),
            json!([true, 1]),
            json!([false, 2, "true", {"status": true}]),
        ),
        (
            "bool",
            json!(false),
            json!([false, 0]),
            json!([true, "false", null]),
        ),
        (
            "int",
            json!(0),
            json!([0, 0.0, false]),
            json!([1, "0", null, [0]]),
        ),
        ("int", json!(1), json!([1, 1.0, true]), json!([1.5, 2, "1"])),
        ("int", json!(200), json!([]), json!([{"body": 200}])),
        (
            "int status",
            json!(200),
            json!([http(200, "")]),
            json!([http(500, "")]),
        ),
        (
            "int status",
            json!(0),
            json!([process(0, "")]),
            json!([process(1, "0")]),
        ),
        ("int status", json!(0), json!([]), json!([{"status": "0"}])),
        (
            "string",
            json!("up"),
            json!(["up"]),
            json!(["down", "up\n", "UP", null]),
        ),
        ("string", json!("1"), json!(["1"]), json!([1, true])),
        ("string", json!("200"), json!([]), json!([http(200, "200")])),
        (
            "list range",
            json!([1, 5]),
            json!([3, 1, 5.0, 2.5]),
            json!([0, 5.5, 6, -3]),
        ),
        (
            "list range",
            json!([0.5, 1.5]),
            json!([true, 1]),
            json!([false, 2]),
        ),
        (
            "list range",
            json!(["a", "c"]),
            json!(["b", "a", "c"]),
            json!(["d", "A"]),
        ),
        (
            "list membership",
            json!([0, 3, 4]),
            json!([3, 4.0, 0]),
            json!([2, "3", 3.5]),
        ),
        (
            "list membership",
            json!(["a", "b", "c"]),
            json!(["b"]),
            json!(["z", "ab"]),
        ),
        (
            "list membership",
            json!([]),
            json!([]),
            json!([2, "", null]),
        ),
        (
            "list membership",
            json!([200, 299]),
            json!([http(200, "")]),
            json!([http(250, "")]),
        ),
        (
            "list membership",
            json!([0, 3, 4]),
            json!([process(3, "")]),
            json!([process(1, "")]),
        ),
        (
            "range",
            json!({"type": "range", "range": [0, 1]}),
            json!([0.5, 0, 1, true, " 0.5 ", "1e-1"]),
            json!([1.5, -0.1, "2", "abc", ""]),
        ),
        (
            "range",
            json!({"type": "range", "range": [0.5, 1.5]}),
            json!([1]),
            json!([2, 0]),
        ),
        (
            "range",
            json!({"type": "range", "range": [200, 299], "target": "status"}),
            json!([http(204, ""), http(299, "")]),
            json!([http(404, ""), http(199, "")]),
        ),
        (
            "regex",
            json!({"type": "regex", "pattern": "wor"}),
            json!(["hello world", "wor"]),
            json!(["hello", "WOR", ""]),
        ),
        (
            "regex",
            json!({"type": "regex", "pattern": "^ok"}),
            json!(["ok\n"]),
            json!(["not ok"]),
        ),
        (
            "regex",
            json!({"type": "regex", "pattern": "inj.ct"}),
            json!(["injected"]),
            json!(["injured"]),
        ),
        (
            "regex",
            json!({"type": "regex", "pattern": "^ok", "target": "stdout"}),
            json!([process(0, "ok\n")]),
            json!([process(0, "failed\n")]),
        ),
        (
            "jsonpath",
            json!({"type": "jsonpath", "path": values}),
            json!([prometheus]),
            json!([{"data": {"result": []}}, "{}"]),
        ),
        (
            "jsonpath",
            json!({"type": "jsonpath", "path": "$.status"}),
            json!([prometheus, r#"{"status": "success"}"#]),
            json!([{"state": "success"}, "status", r#"{"stat": 1}"#]),
        ),
        (
            "jsonpath expect",
            json!({"type": "jsonpath", "path": values, "expect": ["1", "0"]}),
            json!([prometheus]),
            json!([{"data": {"result": [{"value": [1, "0"]}, {"value": [1, "1"]}]}}]),
        ),
        (
            "jsonpath expect",
            json!({"type": "jsonpath", "path": values, "expect": "1"}),
            json!([{"data": {"result": [{"value": [1, "1"]}]}}]),
            json!([prometheus, {"data": {"result": [{"value": [1, 1]}]}}]),
        ),
        (
            "jsonpath expect",
            json!({"type": "jsonpath", "path": values, "expect": [1, 0]}),
            json!([]),
            json!([prometheus]),
        ),
        (
            "jsonpath expect",
            json!({"type": "jsonpath", "path": "$.status", "expect": "success"}),
            json!([prometheus]),
            json!([{"status": "error"}, {}]),
        ),
        (
            "jsonpath expect",
            json!({"type": "jsonpath", "path": "$.missing", "expect": []}),
            json!([prometheus]),
            json!([{"missing": 1}]),
        ),
        (
            "jsonpath count",
            json!({"type": "jsonpath", "path": values, "count": 2}),
            json!([prometheus]),
            json!([{"data": {"result": [{"value": [1, "1"]}]}}, {}]),
        ),
        (
            // Python's `==`: 2.0 == 2 (a count need not be an int).
            "jsonpath count",
            json!({"type": "jsonpath", "path": values, "count": 2.0}),
            json!([prometheus]),
            json!([{"data": {"result": [{"value": [1, "1"]}]}}]),
        ),
        (
            "jsonpath count",
            json!({"type": "jsonpath", "path": "$.missing", "count": 0}),
            json!([prometheus]),
            json!([{"missing": 1}]),
        ),
        (
            "jsonpath count",
            json!({"type": "jsonpath", "path": values, "count": 5, "expect": ["1", "0"]}),
            json!([prometheus]),
            json!([{"data": {"result": [{"value": [1, "1"]}]}}]),
        ),
        (
            "jsonpath target",
            json!({"type": "jsonpath", "path": "$.a", "expect": 1, "target": "body"}),
            json!([http(200, r#"{"a": 1}"#), http(500, r#"{"a": 1.0}"#)]),
            json!([http(200, r#"{"a": 2}"#), http(200, r#"{"a": "1"}"#)]),
        ),
        (
            "jsonpath target",
            json!({"type": "jsonpath", "path": "$.a", "target": "body"}),
            json!([http(200, r#"{"a": null}"#)]),
            json!([http(200, r#"{"b": 2}"#), http(200, "not json")]),
        ),
    ];
    let mut wrong = Vec::new();
    let mut verdicts: Vec<(&str, bool)> = Vec::new();
    for (kind, tolerance, within_it, outside_it) in &cases {
        for (outputs, met) in [(within_it, true), (outside_it, false)] {
            for output in outputs.as_array().unwrap() {
                verdicts.push((kind, met));
                let got = within(tolerance, output, &Map::new());
                if got != Ok(met) {
                    wrong.push(format!(
                        "{kind}: {tolerance} on {output}: {got:?}, not {met}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for kind in [
        "bool",
        "int",
        "int status",
        "string",
        "list range",
        "list membership",
        "range",
        "regex",
        "jsonpath",
        "jsonpath expect",
        "jsonpath count",
        "jsonpath target",
    ] {
        for met in [true, false] {
            assert!(
                verdicts.contains(&(kind, met)),
                "no {kind} case with met = {met}"
            );
        }
    }

    // Placeholders: what they resolve to must match.
    let names = json!({"want": 3, "word": "up", "pat": "^up", "path": "$.status", "is": "success"});
    let names = names.as_object().unwrap();
    let jsonpath = json!({"type": "jsonpath", "path": "${path}", "expect": "${is}"});
    let placeholders = [
        (json!("${want}"), json!(3), true),
        (json!("${want}"), json!(4), false),
        (json!("${word}"), json!("up"), true),
        (json!("${word}"), json!("down"), false),
        (
            json!({"type": "regex", "pattern": "${pat}"}),
            json!("up 1"),
            true,
        ),
        (
            json!({"type": "regex", "pattern": "${pat}"}),
            json!("down 1"),
            false,
        ),
        (jsonpath.clone(), prometheus.clone(), true),
        (jsonpath, json!({"status": "error"}), false),
    ];
    for (tolerance, output, met) in placeholders {
        let got = within(&tolerance, &output, names);
        assert_eq!(got, Ok(met), "{tolerance} on {output}");
    }
}

#[test]
fn literals_follow_python_equality() {
    assert!(
        ok(json!(true), json!(true))
            && ok(json!(true), json!(1))
            && !ok(json!(true), json!({"status": 1}))
    );
    assert!(ok(json!(1), json!(1.0)) && ok(json!(200), json!({"status": 200, "body": ""})));
    assert!(ok(json!("1"), json!("1")) && !ok(json!("1"), json!(1)));
}

#[test]
fn lists_are_ranges_or_membership() {
    assert!(
        ok(json!([1, 5]), json!(3)) && ok(json!([1, 5]), json!(5)) && !ok(json!([1, 5]), json!(6))
    );
    assert!(ok(json!(["a", "c"]), json!("b")));
    assert!(ok(json!([1, 2, 3]), json!(2)) && !ok(json!([]), json!(2)));
    // With a status, even two elements mean membership.
    assert!(
        !ok(json!([200, 299]), json!({"status": 250}))
            && ok(json!([200, 299]), json!({"status": 200}))
    );
    assert!(within(&json!([1, 5]), &json!("3"), &Map::new()).is_err());
}

#[test]
fn range_regex_and_targets() {
    assert!(ok(json!({"type": "range", "range": [0, 1]}), json!("0.5")));
    assert!(!ok(json!({"type": "range", "range": [0, 1]}), json!("abc")));
    assert!(ok(
        json!({"type": "range", "range": [200, 299], "target": "status"}),
        json!({"status": 204})
    ));
    assert!(
        ok(
            json!({"type": "regex", "pattern": "wor"}),
            json!("hello world")
        ),
        "search, not match"
    );
    assert!(ok(
        json!({"type": "regex", "pattern": "^ok", "target": "stdout"}),
        json!({"stdout": "ok\n"})
    ));
    assert!(within(
        &json!({"type": "regex", "pattern": "x"}),
        &json!({"a": 1}),
        &Map::new()
    )
    .is_err());
}

#[test]
fn jsonpath_expect_count_and_decoding() {
    let answer = json!({"data": {"result": [{"value": [1, "1"]}, {"value": [1, "0"]}]}});
    let path = "$.data.result[*].value[1]";
    assert!(ok(
        json!({"type": "jsonpath", "path": path}),
        answer.clone()
    ));
    assert!(ok(
        json!({"type": "jsonpath", "path": path, "expect": ["1", "0"]}),
        answer.clone()
    ));
    assert!(
        !ok(
            json!({"type": "jsonpath", "path": path, "expect": "1"}),
            answer.clone()
        ),
        "a scalar needs exactly one match"
    );
    assert!(ok(
        json!({"type": "jsonpath", "path": path, "count": 2}),
        answer.clone()
    ));
    assert!(
        ok(
            json!({"type": "jsonpath", "path": path, "count": 5, "expect": ["1", "0"]}),
            answer.clone()
        ),
        "expect wins over count"
    );
    assert!(ok(
        json!({"type": "jsonpath", "path": "$.a", "expect": 1, "target": "body"}),
        json!({"status": 200, "body": "{\"a\": 1}"})
    ));
    assert!(!ok(
        json!({"type": "jsonpath", "path": "$.missing"}),
        answer
    ));
}

#[test]
fn placeholders_in_tolerances() {
    let names = json!({"want": 3, "pat": "^up"})
        .as_object()
        .unwrap()
        .clone();
    assert!(within(&json!("${want}"), &json!(3), &names).unwrap());
    assert!(within(
        &json!({"type": "regex", "pattern": "${pat}"}),
        &json!("up 1"),
        &names
    )
    .unwrap());
}

fn json_values() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[$\\{\\}a-z_]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                "[a-z_]{1,6}|type|range|pattern|path|expect|count|target",
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Any tolerance against any output, with any names: an answer or an
    /// error, never a panic.
    #[test]
    fn tolerances_never_panic(tolerance in json_values(), output in json_values(), names in json_values()) {
        let names = names.as_object().cloned().unwrap_or_default();
        let _ = validate(&tolerance);
        let _ = within(&tolerance, &output, &names);
    }

    /// Any document as an experiment: problems found, never a panic.
    #[test]
    fn experiment_validation_never_panics(experiment in json_values()) {
        let _ = crate::validation_problems(&experiment);
    }

    /// Substitution never panics, and text without `$` comes back as it was.
    #[test]
    fn substitution_never_panics(value in json_values(), names in json_values()) {
        let names = names.as_object().cloned().unwrap_or_default();
        let substituted = substitute(&value, &names);
        if !value.to_string().contains('$') {
            proptest::prop_assert_eq!(substituted, value);
        }
    }
}

#[test]
fn validation() {
    assert!(validate(&json!(1.5)).is_err() && validate(&Value::Null).is_err());
    assert!(validate(&json!({"type": "range", "range": [1]})).is_err());
    assert!(validate(&json!({"type": "regex", "pattern": "("})).is_err());
    assert!(validate(&json!({"type": "jsonpath", "path": "$$$["})).is_err());
    let unsupported = validate(&json!({"type": "median"})).unwrap_err();
    assert!(
        matches!(&unsupported, ToleranceError::UnsupportedType(kind) if kind == "'median'"),
        "{unsupported:?}"
    );
    assert!(unsupported.to_string().contains("unsupported"));
    assert!(validate(
        &json!({"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "1"})
    )
    .is_ok());
}

#[test]
fn range_bounds_are_python_numbers_and_patterns_python_regex() {
    // `True` is a number in Python: 1.
    assert_eq!(
        validate(&json!({"type": "range", "range": [false, true]})),
        Ok(())
    );
    assert_eq!(
        within(
            &json!({"type": "range", "range": [false, true]}),
            &json!(0.5),
            &Map::new()
        ),
        Ok(true)
    );
    assert_eq!(
        validate(&json!({"type": "regex", "pattern": "(?<x>1)"})),
        Err(ToleranceError::NotPythonGroup("(?<x>1)".into()))
    );
    assert_eq!(
        validate(&json!({"type": "regex", "pattern": "(?P<x>1)"})),
        Ok(())
    );
    assert_eq!(
        validate(&json!({"type": "regex", "pattern": "\\(?<x>1\\)"})),
        Ok(())
    );
}
