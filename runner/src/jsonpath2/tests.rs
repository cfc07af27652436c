use proptest::prelude::*;
use serde_json::{json, Value};

use super::JsonPath;

fn query(path: &str, document: &Value) -> Vec<Value> {
    JsonPath::parse(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .query(document)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn document() -> Value {
    json!({"a": [{"b": 1}, {"c": 2}], "x": [1, 2, 3], "y": [3, 2], "s": "hello", "t": true})
}

// Each expectation below is what jsonpath2 0.4.5 answered.

#[test]
fn a_filter_tests_the_node_it_follows() {
    let d = document();
    assert_eq!(query("$.a[?(@.b)]", &d), Vec::<Value>::new());
    assert_eq!(query("$.a[*][?(@.b)]", &d), vec![json!({"b": 1})]);
    assert_eq!(query("$[?(@.x[*] = 3)]", &d), vec![d.clone()]);
}

#[test]
fn path_against_path_compares_only_the_first_left_value() {
    let d = document();
    assert!(query("$[?(@.x[*] = @.y[*])]", &d).is_empty());
    assert_eq!(query("$[?(@.y[*] = @.x[*])]", &d), vec![d.clone()]);
}

#[test]
fn a_missing_path_is_neither_equal_nor_unequal() {
    let d = document();
    assert!(query("$[?(@.missing != 1)]", &d).is_empty());
    assert!(query("$[?(@.missing = null)]", &d).is_empty());
    assert_eq!(query("$[?(not @.missing)]", &d), vec![d.clone()]);
}

#[test]
fn booleans_are_integers() {
    let d = document();
    assert_eq!(query("$[?(@.t < 2)]", &d), vec![d.clone()]);
    assert_eq!(query("$.s.charAt(true)", &d), vec![json!("e")]);
    assert_eq!(query("$.x[$.t]", &d), vec![json!(2)]);
}

#[test]
fn slices_and_functions_follow_python() {
    let d = document();
    assert_eq!(
        query("$.x[2:-15:-1]", &d),
        json!([3, 2, 1, 3, 2, 1]).as_array().unwrap().clone()
    );
    assert_eq!(query("$.s.substring(-3)", &d), vec![json!("llo")]);
    assert_eq!(query("$.x.length()", &d), vec![json!(3)]);
    assert_eq!(query("$ . x [ 0 ]", &d), vec![json!(1)]);
    assert_eq!(query("$.x[-0]", &d), vec![json!(1)]);
    assert!(query("$.s[::0]", &d).is_empty());
    let zero = JsonPath::parse("$.x[::0]").unwrap();
    assert!(zero.query(&d).is_err());
}

#[test]
fn errors_surface_only_where_python_reaches_them() {
    let d = document();
    assert!(JsonPath::parse("$[?(@.x[::0] or 1)]")
        .unwrap()
        .query(&d)
        .is_err());
    assert_eq!(query("$[?(1 or @.x[::0])]", &d), vec![d.clone()]);
}

#[test]
fn recursive_descent_lists_a_level_before_going_down() {
    let d = json!({"a": {"b": 1}, "c": 2});
    assert_eq!(query("$..*", &d), vec![json!({"b": 1}), json!(2), json!(1)]);
}

#[test]
fn strings_keep_their_escapes() {
    let d = json!({"a\\\"b": 1, "a\"b": 2});
    assert_eq!(query(r#"$["a\"b"]"#, &d), vec![json!(1)]);
}

#[test]
fn what_jsonpath2_cannot_parse() {
    for path in [
        "$['a']",
        "$.true",
        "$.and",
        "$.a[0].b == 1",
        "$.x[01]",
        "$.foo(1)",
        "$.x[1e0]",
        "$[3.14156:]",
        "$.",
        "$..",
        "$[]",
        "$[foo]",
        "$.a-b",
        "${path}",
        "",
        "a",
        "$...a",
        "$[?(@.a == 1)]",
        "$ .[0]",
    ] {
        assert!(JsonPath::parse(path).is_err(), "{path} parsed");
    }
    let unknown = JsonPath::parse("$.foo(1, 2, 3)").unwrap_err();
    assert_eq!(unknown.to_string(), "callable subscript 'foo' not found");
    let deep = format!("$[?({}@{})]", "(".repeat(100), ")".repeat(100));
    assert!(JsonPath::parse(&deep).is_err());
}

// Paths generated from the grammar.

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,5}",
        Just("value".to_string()),
        Just("metric".to_string())
    ]
    .prop_filter("keywords are not keys", |k| {
        !["and", "or", "not", "true", "false", "null"].contains(&k.as_str())
    })
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (-5i64..10).prop_map(|n| n.to_string()),
        (-5.0f64..10.0).prop_map(|x| format!("{x:?}")),
        "[a-z0-9 ]{0,4}".prop_map(|s| format!("\"{s}\"")),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("null".to_string()),
        Just("[1, \"1\"]".to_string()),
        Just("{\"a\": 1}".to_string()),
    ]
}

/// Paths over `steps` from `$` or `@`.
fn relative(steps: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    (prop_oneof![Just("$"), Just("@")], steps).prop_map(|(start, steps)| format!("{start}{steps}"))
}

fn expression(steps: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let operand = prop_oneof![relative(steps.clone()), literal()];
    let op = prop_oneof![
        Just("="),
        Just("!="),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">=")
    ];
    let leaf = prop_oneof![
        (operand.clone(), op, operand.clone()).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        operand,
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// A run of steps, with filters and node subscripts nesting further runs.
pub(crate) fn steps() -> BoxedStrategy<String> {
    let index = -4i64..6;
    let slice_part = proptest::option::of(-4i64..6);
    let simple = prop_oneof![
        key().prop_map(|k| format!(".{k}")),
        key().prop_map(|k| format!("[\"{k}\"]")),
        Just(".*".to_string()),
        Just("[*]".to_string()),
        index.clone().prop_map(|n| format!("[{n}]")),
        (
            slice_part.clone(),
            slice_part.clone(),
            proptest::option::of(1i64..3)
        )
            .prop_map(|(a, b, c)| {
                let part = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
                match c {
                    Some(c) => format!("[{}:{}:{c}]", part(a), part(b)),
                    None => format!("[{}:{}]", part(a), part(b)),
                }
            }),
        key().prop_map(|k| format!("..{k}")),
        Just("..*".to_string()),
        Just("..[0]".to_string()),
        (index.clone(), index).prop_map(|(a, b)| format!("[{a},{b}]")),
        prop_oneof![
            Just(".length()"),
            Just("[keys()]"),
            Just(".values()"),
            Just(".entries()"),
            Just(".charAt(0)"),
            Just(".substring(1)"),
            Just(".substring(-2, 3)"),
        ]
        .prop_map(str::to_string),
    ];
    let run = proptest::collection::vec(simple.clone(), 0..4).prop_map(|s| s.concat());
    run.prop_recursive(2, 12, 3, |inner| {
        let nested = prop_oneof![
            expression(inner.clone().boxed()).prop_map(|e| format!("[?({e})]")),
            relative(inner.clone()).prop_map(|p| format!("[{p}]")),
        ];
        proptest::collection::vec(prop_oneof![inner, nested], 1..3).prop_map(|s| s.concat())
    })
    .boxed()
}

fn documents() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..5).prop_map(Value::from),
        (-3.0f64..5.0).prop_map(Value::from),
        "[a-z0-9]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_paths_parse_print_and_parse_back(steps in steps()) {
        let text = format!("${steps}");
        let path = JsonPath::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let printed = path.to_string();
        let again = JsonPath::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(again, path, "{} printed as {}", text, printed);
    }

    #[test]
    fn generated_paths_evaluate_without_panicking(steps in steps(), document in documents()) {
        let path = JsonPath::parse(&format!("${steps}")).unwrap();
        let _ = path.query(&document);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}|[$@.*\\[\\](),:?=<>!a-z0-9\" -]{0,40}") {
        if let Ok(path) = JsonPath::parse(&text) {
            let _ = path.query(&json!({"a": [1, {"b": "c"}]}));
        }
    }
}
