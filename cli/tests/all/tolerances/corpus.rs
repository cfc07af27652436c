//! The corpus of the tolerance differential test, generated as products of
//! small pools: every tolerance kind with bounds, patterns, paths, targets,
//! `expect` and `count` drawn from them, and outputs of every JSON shape.
//!
//! Not in it: `probe` tolerances, whose verdict is the activity they run
//! (`chaosprom run`'s tests run them); regex syntax beyond the core that
//! Python's `re` and Rust's `regex` share, integers beyond 64 bits and
//! non-ASCII digits in numbers (what the runner's tolerance module says it
//! does not emulate).

use serde_json::{json, Value};

/// 2^53 + 1, the first integer a double cannot hold.
const ABOVE_2_53: u64 = 9_007_199_254_740_993;

/// Scalars of every JSON kind, with the edges Python reads its own way.
fn scalars() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(false),
        json!(0),
        json!(1),
        json!(-1),
        json!(2),
        json!(5),
        json!(200),
        json!(0.0),
        json!(-0.0),
        json!(0.1),
        json!(0.5),
        json!(1.0),
        json!(1.5),
        json!(1e300),
        json!(9_007_199_254_740_992u64),
        json!(ABOVE_2_53),
        json!(9_007_199_254_740_992.0),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(18_446_744_073_709_551_616.0),
        json!(""),
        json!("0"),
        json!("1"),
        json!("0.1"),
        json!("1.5"),
        json!(" 0.5 "),
        json!("1_000"),
        json!("_1_"),
        json!("1e3"),
        json!("+.5e-3"),
        json!("nan"),
        json!("NaN"),
        json!("sNaN"),
        json!("inf"),
        json!("-Infinity"),
        json!("1 0"),
        json!("\u{a0}7\u{2003}"),
        json!("0x10"),
        json!("9007199254740993"),
        json!("abc"),
        json!("a"),
        json!("b"),
        json!("c"),
        json!("up"),
        json!("UP"),
        json!("200"),
        json!("ok\n"),
        json!("\n"),
        json!("hello world"),
    ]
}

/// Outputs: the scalars, lists, mappings, and the shapes of an http or
/// process result and of a Prometheus answer (also as text).
pub(super) fn outputs() -> Vec<Value> {
    let answer = json!({"status": "success", "data": {"resultType": "vector",
        "result": [{"metric": {"job": "p"}, "value": [1.5, "1"]}, {"metric": {}, "value": [1.5, "0"]}]}});
    let mut outputs = scalars();
    outputs.extend([
        json!([]),
        json!([1]),
        json!([1, 2]),
        json!([1, 3]),
        json!(["a"]),
        json!([1, "a"]),
        json!([0, [1, 2], -1]),
        json!([1, [5], 2]),
        json!([[1], [2]]),
        json!({}),
        json!({"a": 1}),
        json!({"value": "1.5", "stdout": "ok\n"}),
        json!({"value": [1, "a"]}),
        json!({"status": 200, "headers": {}, "body": "{\"a\": 1}"}),
        json!({"status": 500, "headers": {}, "body": "oops"}),
        json!({"status": 204, "headers": {}, "body": ""}),
        json!({"status": 0, "stdout": "ok\n", "stderr": ""}),
        json!({"status": 1, "stdout": "", "stderr": "1_000"}),
        json!({"status": "200"}),
        json!({"status": ABOVE_2_53}),
        json!({"status": 9_007_199_254_740_992.0}),
        json!({"status": null, "body": "up"}),
        answer.clone(),
        Value::String(answer.to_string()),
        json!({"status": 200, "body": answer.to_string()}),
        json!({"data": answer["data"]}),
        json!(format!("{ABOVE_2_53}")),
        json!("[1, 2.0, \"1\"]"),
        json!("{not json"),
    ]);
    outputs
}

/// Placeholders the tolerances use, as configuration.
pub(super) fn names() -> Value {
    json!({"want": 3, "pat": "^up", "path": "$.status", "text": "up", "big": ABOVE_2_53})
}

/// Every kind of tolerance.
pub(super) fn tolerances() -> Vec<Value> {
    let mut all = vec![json!(true), json!(false), Value::Null];
    // Integers, floats (which chaoslib has no rule for).
    all.extend(
        [json!(0), json!(1), json!(-1), json!(200), json!(ABOVE_2_53)]
            .into_iter()
            .chain([json!(i64::MAX), json!(i64::MIN), json!(u64::MAX)])
            .chain([json!(1.0), json!(0.5), json!(9_007_199_254_740_992.0)]),
    );
    // Strings, with placeholders.
    all.extend(
        [
            "",
            "up",
            "1",
            "200",
            "${want}",
            "${text}",
            "${big}",
            "v=${want}",
            "${missing}",
        ]
        .into_iter()
        .map(Value::from),
    );
    all.extend(lists());
    all.extend(ranges());
    all.extend(regexes());
    all.extend(jsonpaths());
    all.extend([
        json!({}),
        json!({"type": "median"}),
        json!({"type": 1}),
        json!({"type": null}),
        json!({"type": ["range"]}),
    ]);
    all
}

fn lists() -> Vec<Value> {
    let big = ABOVE_2_53;
    vec![
        json!([]),
        json!([1]),
        json!([1, 5]),
        json!([0.5, 1.5]),
        json!(["a", "c"]),
        json!([200, 299]),
        json!([0, 3, 4]),
        json!(["a", "b", "c"]),
        json!([5, "a"]),
        json!(["a", 5]),
        json!([null, null]),
        json!([[1], [2]]),
        json!([[1, 2], [1, 3]]),
        json!([{}, {}]),
        json!([true, 2]),
        json!([false, 0]),
        json!([big - 1, big + 1]),
        json!([9_007_199_254_740_992.0, big]),
        json!([big, big]),
        json!([1, 2, 3]),
        json!(["", "b"]),
    ]
}

/// Range bounds: numbers, and what is not one (text Python's `Decimal`
/// reads or not, `null`, booleans, lists, mappings).
fn bounds() -> Vec<(Value, Value)> {
    let big = ABOVE_2_53;
    let mut pairs = vec![
        (json!(0), json!(1)),
        (json!(0.5), json!(1.5)),
        (json!(0.1), json!(0.2)),
        (json!(-1), json!(1e300)),
        (json!(0), json!(0)),
        (json!(1), json!(0)),
        (json!(200), json!(299)),
        (json!(big - 1), json!(big)),
        (json!(big), json!(big + 1)),
        (
            json!(9_007_199_254_740_992.0),
            json!(9_007_199_254_740_992.0),
        ),
        (json!(i64::MIN), json!(u64::MAX)),
        (json!(false), json!(true)),
        (json!(true), json!(2)),
    ];
    let odd = [
        json!("nan"),
        json!("1_000"),
        json!("0"),
        json!("abc"),
        json!("-inf"),
        json!("inf"),
        Value::Null,
        json!(true),
        json!([1]),
        json!([0, [1], 0]),
        json!({}),
    ];
    for bound in odd {
        pairs.push((bound.clone(), json!(10)));
        pairs.push((json!(0), bound.clone()));
        pairs.push((json!(5), bound));
    }
    pairs
}

fn ranges() -> Vec<Value> {
    let mut all = Vec::new();
    for (low, high) in bounds() {
        all.push(json!({"type": "range", "range": [low, high]}));
        all.push(json!({"type": "range", "range": [low, high], "target": "status"}));
    }
    for target in [
        json!("value"),
        json!(""),
        json!("missing"),
        json!(1),
        json!(["a"]),
        json!(true),
    ] {
        all.push(json!({"type": "range", "range": [0, 2], "target": target}));
    }
    all.extend([
        json!({"type": "range"}),
        json!({"type": "range", "range": null}),
        json!({"type": "range", "range": 1}),
        json!({"type": "range", "range": []}),
        json!({"type": "range", "range": [1]}),
        json!({"type": "range", "range": [0, 1, 2]}),
        json!({"type": "range", "range": "12"}),
        json!({"type": "range", "range": "1"}),
        json!({"type": "range", "range": {"0": 1}}),
    ]);
    all
}

fn regexes() -> Vec<Value> {
    let patterns = [
        json!(""),
        json!("^$"),
        json!("up"),
        json!("^ok"),
        json!("ok$"),
        json!("^ok$"),
        json!("wor"),
        json!("\\d+"),
        json!("^[0-9_]+$"),
        json!("a|b"),
        json!("x*"),
        json!("^\\s*$"),
        json!("${pat}"),
        json!("${want}"),
        json!("("),
        json!("["),
        json!("*a"),
        Value::Null,
        json!(1),
    ];
    let mut all = Vec::new();
    for pattern in patterns {
        all.push(json!({"type": "regex", "pattern": pattern}));
        for target in ["stdout", "body", ""] {
            all.push(json!({"type": "regex", "pattern": pattern, "target": target}));
        }
    }
    all.push(json!({"type": "regex"}));
    all
}

fn jsonpaths() -> Vec<Value> {
    let paths = [
        json!("$"),
        json!("$.status"),
        json!("$.data.result[*].value[1]"),
        json!("$.a"),
        json!("$[0]"),
        json!("$..value"),
        json!("$.missing"),
        json!("${path}"),
        json!(""),
        json!("  "),
        json!("$["),
        Value::Null,
    ];
    let expects = [
        None,
        Some(json!("1")),
        Some(json!(["1", "0"])),
        Some(json!(1)),
        Some(json!(200)),
        Some(Value::Null),
        Some(json!([])),
        Some(json!(ABOVE_2_53)),
        Some(json!("${want}")),
    ];
    let counts = [
        None,
        Some(json!(0)),
        Some(json!(1)),
        Some(json!(2.0)),
        Some(json!(true)),
        Some(json!("1")),
    ];
    let mut all = Vec::new();
    for path in paths {
        for expect in &expects {
            let mut tolerance = json!({"type": "jsonpath", "path": path});
            if let Some(expect) = expect {
                tolerance["expect"] = expect.clone();
            }
            all.push(tolerance);
        }
        for count in counts.iter().flatten() {
            all.push(json!({"type": "jsonpath", "path": path, "count": count}));
        }
        for target in [json!("body"), json!("data"), json!(1)] {
            all.push(json!({"type": "jsonpath", "path": path, "target": target}));
        }
    }
    all.push(json!({"type": "jsonpath"}));
    all.push(json!({"type": "jsonpath", "path": "$.status", "count": 1, "expect": 200}));
    all
}
