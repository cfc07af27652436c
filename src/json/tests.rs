//! The reader against serde_json, the reader it replaces: the same verdict
//! and the same values over chosen and generated documents.

use proptest::prelude::*;

use super::*;

fn value(text: &str) -> Result<Value, Error> {
    parse(text)
}

/// Ours as serde_json's value, numbers by serde_json's own reading of
/// their text, so the two compare exactly.
fn to_serde(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::from_str(n.as_str()).unwrap(),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
        Value::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

/// Same verdict as serde_json for a value read in full and for a value
/// passed over, and the same value.
fn assert_as_serde(text: &str) {
    let ours = value(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "{text:?}: {ours:?} / {theirs:?}"
    );
    if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
        assert_eq!(&to_serde(ours), theirs, "{text:?}");
        assert_kinds(ours, theirs);
    }
    let skipped = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    assert_eq!(Reader::is_document(text), skipped, "{text:?}");
}

/// An integer stays one, anything else is an f64, as in serde_json.
fn assert_kinds(ours: &Value, theirs: &serde_json::Value) {
    match (ours, theirs) {
        (Value::Number(n), serde_json::Value::Number(m)) => {
            assert_eq!(n.integer().is_some(), !m.is_f64(), "{}", n.as_str());
            if let Some(integer) = n.integer() {
                assert_eq!(integer, m.to_string());
            }
        }
        (Value::Array(items), serde_json::Value::Array(others)) => items
            .iter()
            .zip(others)
            .for_each(|(a, b)| assert_kinds(a, b)),
        (Value::Object(entries), serde_json::Value::Object(others)) => {
            for (key, item) in map_entries(entries) {
                assert_kinds(item, &others[key]);
            }
        }
        _ => {}
    }
}

#[test]
fn chosen_documents_read_as_serde_json_reads_them() {
    for text in [
        "",
        " ",
        "null",
        "true",
        "false",
        "nul",
        "tru",
        "nulls",
        "0",
        "-0",
        "-",
        "01",
        "1.",
        ".5",
        "1e",
        "1e+",
        "1E-2",
        "-1.5e+300",
        "1e400",
        "-1e400",
        "1e-400",
        "0e99999",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "0.30000000000000004",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\u2603\"",
        "\"\\ud83d\\ude80\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800\\n\"",
        "\"\\ud800x\"",
        "\"\\u12\"",
        "\"\\x\"",
        "\"tab\there\"",
        "\"nul\u{0}\"",
        "\"del\u{7f}\"",
        "\"é😀\"",
        "\"open",
        "[",
        "[1",
        "[1,",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[]",
        "[ ]",
        "[[]]",
        "{",
        "{}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"a\":1}x",
        "{\"a\":1,\"a\":2}",
        "{\"b\":1,\"a\":{\"c\":[true,null]}}",
        " \t\n\r[1] \n",
        "[1]\u{a0}",
        "\u{feff}[1]",
        "{\"\\ud800\":1}",
        "[\"\\ud800\"]",
        "[1e400]",
        "NaN",
        "Infinity",
        "[+1]",
        "'a'",
    ] {
        assert_as_serde(text);
    }
}

#[test]
fn chosen_answers_read_as_serde_derive_read_them() {
    for text in [
        r#"{"status":"success","data":{"resultType":"scalar","result":[1e400,"1"]}}"#,
        r#"{"status":"success","data":{"resultType":"scalar","result":[-0,"2"]}}"#,
        r#"{"status":"success","data":{"result":[1,"3"],"resultType":"scalar"}}"#,
        r#"{"status":"success","data":{"result":["\ud800"],"resultType":"matrix"}}"#,
        r#"{"status":"success","data":{"resultType":"matrix","result":["\ud800"]}}"#,
        r#"{"status":"success","data":{"result":[1e400],"resultType":"string"}}"#,
        r#"{"status":"success","data":{"resultType":"string","result":[1e400]}}"#,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"value":null}]}}"#,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"4"],"value":[1,"4"]}]}}"#,
        r#"{"status":"success","data":{"resultType":"vector","result":[[[1,"5"]]]}}"#,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"6",7]}]}}"#,
        r#"{"status":"success","data":["scalar",[1,"7"]]}"#,
        r#"{"status":"success","data":["scalar",[1,"7"],1]}"#,
        r#"{"status":"success","data":{"resultType":"vector","resultType":"vector","result":[]}}"#,
        r#"{"status":"success","data":{"resultType":"vector"}}"#,
        r#"{"status":"success","data":{"resultType":"vectors","result":[]}}"#,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":null,"values":[[1,"1"]]}]}}"#,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"\ud800"},"values":[[1,"1"]]}]}}"#,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"b":"1","a":"2","b":"3"}},{}]}}"#,
        r#"{"status":"success","data":{"resultType":"matrix","result":[[{},[[1,"8"]]]]}}"#,
        r#"{"status":"success","data":{"alerts":[{"labels":{"job":"a","job":"x"},"state":"firing"},{"state":"firing","x":"\ud800"}]}}"#,
        r#"{"status":"success","data":{"alerts":[[{"job":"y"},"firing"]]}}"#,
        r#"{"status":"success","data":{"alerts":[{"labels":null,"state":"firing"}]}}"#,
        r#"{"status":"success","data":{"alerts":null}}"#,
        r#"{"status":"success","x":"\ud800","data":{"resultType":"scalar","result":[1,"9"]}}"#,
        r#"{"status":"success","\ud800":1}"#,
        r#"{"status":["\ud800"]}"#,
        r#"{"status":"error","errorType":null,"error":"e"}"#,
        r#"{"status":"error","errorType":1,"error":"e"}"#,
        r#"{"status":"success","status":"success"}"#,
        r#"["success"]"#,
        r#"["error","bad_data","oops"]"#,
        r#"["error","bad_data","oops",1]"#,
    ] {
        assert_as_serde(text);
        for status in [200, 422] {
            oracle::assert_answer_as_before(text, status);
        }
    }
}

#[test]
fn nesting_is_limited_only_for_values_read_in_full() {
    for depth in [126, 127, 128, 129] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_as_serde(&text);
        let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert_as_serde(&text);
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Reader::is_document(&deep));
    assert!(value(&deep).is_err());
}

#[test]
fn errors_say_where() {
    let error = value("{\"a\": [1,\n  2,, 3]}").unwrap_err();
    assert_eq!(error.to_string(), "expected value at line 2 column 5");
}

#[test]
fn a_raw_value_is_the_documents_own_text() {
    let mut reader = Reader::new(" [ {\"b\" : 1 , \"a\":[]} ,\"x\" ] ");
    let mut raws = Vec::new();
    reader
        .array(&mut |r| {
            raws.push(r.raw()?);
            Ok(())
        })
        .unwrap();
    assert_eq!(raws, ["{\"b\" : 1 , \"a\":[]}", "\"x\""]);
}

#[test]
fn maps_keep_the_last_of_a_repeated_key_and_print_sorted() {
    let value = value(r#"{"b": "x\n\u0001é", "a": 1, "b": [1.50, -0, null]}"#).unwrap();
    assert_eq!(
        value.get("b").map(ToString::to_string).as_deref(),
        Some("[1.50,-0,null]")
    );
    assert_eq!(value.to_string(), r#"{"a":1,"b":[1.50,-0,null]}"#);
    let text = value.get("a").map(ToString::to_string);
    assert_eq!(text.as_deref(), Some("1"));
    let escaped = self::value(r#"{"k": "x\n\u0001é\"\\"}"#).unwrap();
    let theirs: serde_json::Value = serde_json::from_str(r#"{"k": "x\n\u0001é\"\\"}"#).unwrap();
    assert_eq!(escaped.to_string(), theirs.to_string());
}

const LEAVES: [&str; 29] = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "7",
    "1795336232.249",
    "1.5e3",
    "1e400",
    "-12",
    "18446744073709551616",
    "\"success\"",
    "\"error\"",
    "\"bad_data\"",
    "\"vector\"",
    "\"scalar\"",
    "\"matrix\"",
    "\"string\"",
    "\"firing\"",
    "\"pending\"",
    "\"0.25\"",
    "\"NaN\"",
    "\"+Inf\"",
    "\"x\"",
    "\"\\ud800\"",
    "\"\\u00e9\\n\"",
    "\"a\\\"b\"",
    "[]",
    "{}",
];

/// Answers as Prometheus writes them, with any of [`LEAVES`] in their
/// slots, then edited as in [`document`].
fn answer() -> impl Strategy<Value = String> {
    let templates = prop::sample::select(vec![
        r#"{"status":$,"data":{"resultType":$,"result":[{"metric":{"job":$},"value":[$,$]}]}}"#,
        r#"{"status":$,"data":{"resultType":$,"result":[$,$]},"warnings":[$]}"#,
        r#"{"data":{"result":[{"metric":{},"values":[[$,$],[$,$]]}],"resultType":$},"status":$}"#,
        r#"{"status":$,"data":{"resultType":"matrix","result":[{"metric":{"a":$},"values":[[1,$]]},{"metric":$,"values":$}]}}"#,
        r#"{"status":$,"data":{"alerts":[{"labels":{"job":$,"job":$},"state":$,"value":$},$]}}"#,
        r#"{"status":$,"errorType":$,"error":$}"#,
        r#"[$,$,$]"#,
    ]);
    let leaves = prop::collection::vec(prop::sample::select(LEAVES.to_vec()), 12);
    (templates, leaves, edits()).prop_map(|(template, leaves, edits)| {
        let mut text = String::new();
        for (i, part) in template.split('$').enumerate() {
            if i > 0 {
                text.push_str(leaves[i - 1]);
            }
            text.push_str(part);
        }
        edit(text, edits)
    })
}

type Edit = (prop::sample::Index, usize, &'static str);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = (
        any::<prop::sample::Index>(),
        0..3usize,
        prop::sample::select(vec![
            "", ",", "]", "}", "[", "{", "\"", ":", "\\", " ", "1", "e", "-", ".", "n",
        ]),
    );
    prop::collection::vec(edit, 0..3)
}

fn edit(mut text: String, edits: Vec<Edit>) -> String {
    for (at, cut, add) in edits {
        let at = at.index(text.len() + 1);
        let end = (at + cut).min(text.len());
        text.replace_range(at..end, add);
    }
    text
}

/// Prometheus-like documents: known keys and values, repeated keys, arrays
/// where objects belong, and, once written, bytes cut or added.
fn document() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(LEAVES.to_vec()).prop_map(str::to_string);
    let key = prop::sample::select(vec![
        "status",
        "errorType",
        "error",
        "data",
        "resultType",
        "result",
        "value",
        "values",
        "metric",
        "alerts",
        "labels",
        "state",
        "job",
        "x",
        "\\ud800",
        "st\\u0061tus",
    ]);
    let tree = leaf.prop_recursive(5, 48, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|entries| {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }),
        ]
    });
    (tree, edits()).prop_map(|(text, edits)| edit(text, edits))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn documents_read_as_serde_json_reads_them(text in document()) {
        assert_as_serde(&text);
    }

    #[test]
    fn documents_read_as_answers_as_serde_derive_read_them(text in document(), status in prop::sample::select(vec![200u16, 422])) {
        oracle::assert_answer_as_before(&text, status);
    }

    /// An object read as a map holds what a `BTreeMap` built from its
    /// entries holds: sorted by key, the last of a repeated key kept.
    #[test]
    fn map_entries_as_a_btree_map_holds_them(keys in prop::collection::vec("[ab\u{e9}]{0,2}", 0..24)) {
        let entries: Vec<(String, Value)> = keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, Value::Number(Number::read(&i.to_string()))))
            .collect();
        let theirs: std::collections::BTreeMap<&String, &Value> =
            entries.iter().map(|(k, v)| (k, v)).collect();
        prop_assert_eq!(map_entries(&entries), theirs.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn answers_read_as_serde_derive_read_them(text in answer(), status in prop::sample::select(vec![200u16, 422])) {
        assert_as_serde(&text);
        oracle::assert_answer_as_before(&text, status);
    }
}

#[path = "oracle.rs"]
mod oracle;
