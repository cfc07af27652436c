//! Our jsonpath2 against the real one: every path form of jsonpath2's own
//! tests and docs, the forms people write against Prometheus answers, and
//! paths generated from the grammar, each over answers of a real
//! Prometheus and other documents, evaluated by the runner and by
//! jsonpath2 0.4.5 in the virtualenv `scripts/setup.sh` installs (one
//! Python process, JSON in and out). The matched values (in order), parse
//! failures, Python's exceptions, and the verdicts of chaoslib's own
//! `within_tolerance` must all agree.

use chaosprometheus_runner::jsonpath2::JsonPath;
use chaosprometheus_runner::tolerance;
use harness::servers::{http_get, Prometheus};
use serde_json::{json, Map, Value};

/// What Python runs: for each (path, document), jsonpath2's matches or the
/// exception; for each tolerance, chaoslib's verdict or the exception.
const ORACLE: &str = include_str!("oracle.py");

mod forms;

use forms::{JSONPATH2_FORMS, PROMETHEUS_FORMS};

/// One Python process for the whole request.
fn ask_python(request: &Value) -> Value {
    harness::oracle::ask(ORACLE, request, None)
}

/// Answers of a real Prometheus: vector, matrix, scalar, string, empty,
/// several series, an error.
fn prometheus_answers() -> Vec<(String, Value)> {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up");
    prometheus.wait_for_series("prometheus_http_requests_total");
    let get = |query: &str, range: bool| {
        let encoded: String = form_urlencoded(query);
        let path = if range {
            let now = harness::unix_now();
            format!(
                "/api/v1/query_range?query={encoded}&start={}&end={}&step=1",
                now - 5.0,
                now
            )
        } else {
            format!("/api/v1/query?query={encoded}")
        };
        let (_, body) = http_get(prometheus.port, &path).expect("Prometheus answers");
        serde_json::from_str::<Value>(&body).expect("Prometheus answers JSON")
    };
    vec![
        ("vector up".to_string(), get("up", false)),
        ("matrix up[1m]".to_string(), get("up[1m]", false)),
        ("range up".to_string(), get("up", true)),
        ("scalar".to_string(), get("scalar(up)", false)),
        ("string".to_string(), get("\"hello\"", false)),
        ("empty".to_string(), get("no_such_metric", false)),
        (
            "several series".to_string(),
            get("prometheus_http_requests_total", false),
        ),
        (
            "several series summed by code".to_string(),
            get(
                "sum by (code, handler) (prometheus_http_requests_total)",
                false,
            ),
        ),
        ("error".to_string(), get("sum(", false)),
    ]
}

fn form_urlencoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// jsonpath2's test documents.
fn other_documents() -> Vec<(String, Value)> {
    let book = |category: &str, author: &str, title: &str, isbn: Option<&str>, price: f64| {
        let mut entry = json!({"category": category, "author": author, "title": title});
        if let Some(isbn) = isbn {
            entry["isbn"] = json!(isbn);
        }
        entry["price"] = json!(price);
        entry
    };
    vec![
        (
            "bookstore".to_string(),
            json!({"store": {"book": [
                book("reference", "Nigel Rees", "Sayings of the Century", None, 8.95),
                book("fiction", "Evelyn Waugh", "Sword of Honour", None, 12.99),
                book("fiction", "Herman Melville", "Moby Dick", Some("0-553-21311-3"), 8.99),
                book("fiction", "J. R. R. Tolkien", "The Lord of the Rings", Some("0-395-19395-8"), 22.99),
            ], "bicycle": {"color": "red", "price": 19.95}}}),
        ),
        (
            "hello".to_string(),
            json!({"hello": "Hello, world!", "languages": ["en-GB", "en-US"], "preferences": {"coffee": true, "tea": false}}),
        ),
        ("foo fum".to_string(), json!({"foo": "bar", "fum": "baz"})),
        (
            "collection list".to_string(),
            json!({"collection": ["foo", "bar", "fum", "baz"], "index": [1, 3]}),
        ),
        (
            "collection map".to_string(),
            json!({"collection": {"foo": "bar", "fum": "baz"}, "index": "foo"}),
        ),
        (
            "values".to_string(),
            json!({"values": [{"type": 1, "value": 2}, {"type": 2, "value": 3}, {"type": 1, "value": 10}]}),
        ),
        (
            "mixed".to_string(),
            json!({"a": [{"b": 1}, {"c": 2}], "x": [1, 2.0, 3], "y": [3, 2], "s": "héllo", "t": true, "n": null, "a\\\"b": 7}),
        ),
        (
            "list of bars".to_string(),
            json!([{"hello": "Hello, World!", "bar": false}]),
        ),
        ("a string".to_string(), json!("text")),
        ("a number".to_string(), json!(1.5)),
        ("null".to_string(), Value::Null),
    ]
}

/// A small deterministic generator (xorshift) of paths from the grammar.
struct Generator(u64);

impl Generator {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn number(&mut self) -> String {
        (self.below(9) as i64 - 3).to_string()
    }

    fn steps(&mut self, depth: u32) -> String {
        let count = self.below(4);
        (0..count).map(|_| self.step(depth)).collect()
    }

    fn step(&mut self, depth: u32) -> String {
        let keys = [
            "data",
            "result",
            "value",
            "values",
            "metric",
            "job",
            "status",
            "store",
            "book",
            "price",
            "hello",
            "a",
            "b",
            "x",
            "collection",
            "index",
        ];
        let choice = self.below(if depth > 0 { 13 } else { 11 });
        match choice {
            0 | 1 => format!(".{}", self.pick(&keys)),
            2 => format!("[\"{}\"]", self.pick(&keys)),
            3 => self.pick(&[".*", "[*]", "..*"]).to_string(),
            4 => format!("[{}]", self.number()),
            5 => {
                let mut part = || match self.below(3) {
                    0 => String::new(),
                    _ => self.number(),
                };
                let (a, b, c) = (part(), part(), part());
                match c.as_str() {
                    "" => format!("[{a}:{b}]"),
                    _ => format!("[{a}:{b}:{c}]"),
                }
            }
            6 => format!("..{}", self.pick(&keys)),
            7 => format!("[{},{}]", self.number(), self.number()),
            8 => format!("..[{}]", self.number()),
            9 => self
                .pick(&[
                    ".length()",
                    "[keys()]",
                    ".values()",
                    ".entries()",
                    ".charAt(1)",
                    ".substring(1)",
                    ".substring(-2, 3)",
                ])
                .to_string(),
            10 => format!("[\"{}\",{}]", self.pick(&keys), self.number()),
            11 => format!("[?({})]", self.expression(depth - 1)),
            _ => format!("[{}]", self.relative(depth - 1)),
        }
    }

    fn relative(&mut self, depth: u32) -> String {
        let start = self.pick(&["@", "@", "$"]);
        format!("{start}{}", self.steps(depth))
    }

    fn operand(&mut self, depth: u32) -> String {
        match self.below(4) {
            0 | 1 => self.relative(depth),
            _ => self
                .pick(&[
                    "1",
                    "2.0",
                    "-1",
                    "\"1\"",
                    "\"prometheus\"",
                    "true",
                    "false",
                    "null",
                    "[1,2]",
                    "{\"a\":1}",
                    "\"\"",
                    "0",
                ])
                .to_string(),
        }
    }

    fn expression(&mut self, depth: u32) -> String {
        match self.below(8) {
            0 if depth > 0 => format!(
                "{} and {}",
                self.expression(depth - 1),
                self.expression(depth - 1)
            ),
            1 if depth > 0 => format!(
                "{} or {}",
                self.expression(depth - 1),
                self.expression(depth - 1)
            ),
            2 => format!("not {}", self.operand(depth)),
            3 => self.operand(depth),
            _ => {
                let op = self.pick(&["=", "!=", "<", "<=", ">", ">="]);
                format!("{} {op} {}", self.operand(depth), self.operand(depth))
            }
        }
    }
}

fn generated_paths(count: usize) -> Vec<String> {
    let mut generator = Generator(0x9E37_79B9_7F4A_7C15);
    (0..count)
        .map(|_| format!("${}", generator.steps(2)))
        .collect()
}

/// The same outcome shape as the oracle's.
fn ours(path: &str, document: &Value) -> Value {
    match JsonPath::parse(path) {
        Err(e) => json!({"parse_error": e.to_string()}),
        Ok(parsed) => match parsed.query(document) {
            Ok(values) => json!({"values": values}),
            Err(e) => json!({"eval_error": e.to_string()}),
        },
    }
}

/// A value as text: `Value`'s `==` ignores the order of keys, this does not.
fn in_order(value: &Value) -> String {
    value.to_string()
}

/// Same kind of outcome, and the same values in the same order.
fn agree(ours: &Value, theirs: &Value) -> bool {
    match (ours.get("values"), theirs.get("values")) {
        (Some(a), Some(b)) => in_order(a) == in_order(b),
        (None, None) => {
            ours.get("parse_error").is_some() == theirs.get("parse_error").is_some()
                && ours.get("eval_error").is_some() == theirs.get("eval_error").is_some()
        }
        _ => false,
    }
}

/// A few expect/count/target combinations for a path, given what jsonpath2
/// found on the document.
fn tolerances(path: &str, found: Option<&Value>, document: &Value) -> Vec<Value> {
    let mut list = vec![
        json!({"type": "jsonpath", "path": path}),
        json!({"type": "jsonpath", "path": path, "count": 1}),
        json!({"type": "jsonpath", "path": path, "expect": "1"}),
        json!({"type": "jsonpath", "path": path, "expect": [1], "count": 1}),
    ];
    if let Some(Value::Array(values)) = found {
        list.push(json!({"type": "jsonpath", "path": path, "expect": values}));
        list.push(json!({"type": "jsonpath", "path": path, "count": values.len()}));
        if let Some(first) = values.first() {
            list.push(json!({"type": "jsonpath", "path": path, "expect": first}));
        }
    }
    if document.get("data").is_some() {
        list.push(json!({"type": "jsonpath", "path": path, "target": "data"}));
    }
    list
}

#[test]
fn jsonpath_tolerances_match_jsonpath2_and_chaoslib() {
    let mut documents = prometheus_answers();
    documents.extend(other_documents());
    let mut paths: Vec<String> = JSONPATH2_FORMS
        .iter()
        .chain(PROMETHEUS_FORMS)
        .map(|p| p.to_string())
        .collect();
    let curated = paths.len();
    paths.extend(generated_paths(400));

    let docs: Vec<&Value> = documents.iter().map(|(_, d)| d).collect();
    let pairs: Vec<(usize, usize)> = (0..paths.len())
        .flat_map(|p| (0..docs.len()).map(move |d| (p, d)))
        .collect();
    let first = ask_python(&json!({
        "documents": docs,
        "matches": pairs.iter().map(|&(p, d)| json!([paths[p], d])).collect::<Vec<_>>(),
        "validate": paths,
        "tolerances": [],
    }));

    let mut differences = Vec::new();
    for (n, &(p, d)) in pairs.iter().enumerate() {
        let theirs = &first["matches"][n];
        let mine = ours(&paths[p], docs[d]);
        if !agree(&mine, theirs) {
            differences.push(format!(
                "path {} on document '{}': ours {mine}, jsonpath2 {theirs}",
                paths[p], documents[d].0
            ));
        }
    }
    for (n, path) in paths.iter().enumerate() {
        let valid = tolerance::validate(&json!({"type": "jsonpath", "path": path})).is_ok();
        if Value::Bool(valid) != first["valid"][n] {
            differences.push(format!(
                "path {path}: we say valid={valid}, chaos validate says {}",
                first["valid"][n]
            ));
        }
    }

    // Verdicts through chaoslib's own within_tolerance, on the curated paths.
    let mut checks: Vec<(Value, usize)> = Vec::new();
    for (n, &(p, d)) in pairs.iter().enumerate() {
        if p < curated {
            let found = first["matches"][n].get("values");
            for tolerance in tolerances(&paths[p], found, docs[d]) {
                checks.push((tolerance, d));
            }
        }
    }
    let second = ask_python(&json!({
        "documents": docs,
        "matches": [],
        "validate": [],
        "tolerances": checks.iter().map(|(t, d)| json!([t, d])).collect::<Vec<_>>(),
    }));
    let names = Map::new();
    for (n, (check, d)) in checks.iter().enumerate() {
        let theirs = &second["verdicts"][n];
        let mine = tolerance::within(check, docs[*d], &names);
        let same = match (&mine, theirs.get("met")) {
            (Ok(met), Some(their_met)) => Value::Bool(*met) == *their_met,
            (Err(_), None) => true,
            _ => false,
        };
        if !same {
            differences.push(format!(
                "tolerance {check} on document '{}': ours {mine:?}, chaoslib {theirs}",
                documents[*d].0
            ));
        }
    }

    let outcomes = first["matches"].as_array().expect("matches");
    let count = |test: &dyn Fn(&Value) -> bool| outcomes.iter().filter(|o| test(o)).count();
    eprintln!(
        "jsonpath2 found values {} times, nothing {} times, raised {} times, refused the path {} times",
        count(&|o| o["values"].as_array().is_some_and(|v| !v.is_empty())),
        count(&|o| o["values"].as_array().is_some_and(Vec::is_empty)),
        count(&|o| o.get("eval_error").is_some()),
        count(&|o| o.get("parse_error").is_some()),
    );
    eprintln!(
        "{} paths ({curated} curated, {} generated) over {} documents: {} matches, {} validations, {} tolerance verdicts compared",
        paths.len(),
        paths.len() - curated,
        docs.len(),
        pairs.len(),
        paths.len(),
        checks.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences from jsonpath2/chaoslib:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
