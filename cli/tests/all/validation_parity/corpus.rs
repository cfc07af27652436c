//! The corpus: the hand-written files of `tests/experiments/validation/`,
//! and mutations of one valid experiment (each key deleted, each value set
//! to null, a number, a string, a list, a mapping...), written as JSON and
//! some as YAML, with tolerances of every kind and path dialect.

use serde_json::{json, Value};

/// One experiment file to judge.
pub struct Case {
    /// The file's name, its extension telling JSON from YAML.
    pub file: String,
    pub text: String,
    /// The activity a rejection must name: the one the mutation is in,
    /// when it still has a name to give.
    pub activity: Option<String>,
}

fn python_probe(name: &str) -> Value {
    json!({
        "type": "probe",
        "name": name,
        "provider": {
            "type": "python",
            "module": "chaosprometheus.probes",
            "func": "query",
            "arguments": {"query": "up", "timeout": 1}
        }
    })
}

/// A valid experiment using every part validation looks at: tags, the
/// configuration, a hypothesis probe with a tolerance, method activities of
/// each provider type, a ref, pauses, background, rollbacks.
pub fn base() -> Value {
    let mut hypothesis_probe = python_probe("prometheus-answers");
    hypothesis_probe["tolerance"] = json!({
        "type": "jsonpath",
        "path": "$.data.result[*].value[1]",
        "expect": ["1"]
    });
    let mut later = python_probe("prometheus-answers-later");
    later["pauses"] = json!({"before": 0, "after": "${pause}"});
    later["background"] = json!(false);
    json!({
        "version": "1.0.0",
        "title": "validation base",
        "description": "every part validation checks",
        "tags": ["validation"],
        "configuration": {
            "prometheus_base_url": "http://127.0.0.1:9",
            "pause": 0
        },
        "steady-state-hypothesis": {
            "title": "Prometheus answers",
            "probes": [hypothesis_probe]
        },
        "method": [
            {
                "type": "action",
                "name": "do-nothing",
                "timeout": 5,
                "provider": {"type": "process", "path": "true", "arguments": ""}
            },
            later,
            {"ref": "prometheus-answers"}
        ],
        "rollbacks": [
            {
                "type": "action",
                "name": "call-home",
                "provider": {
                    "type": "http",
                    "url": "http://127.0.0.1:9/",
                    "method": "GET",
                    "headers": {"accept": "text/plain"},
                    "timeout": 1
                }
            }
        ]
    })
}

/// What every value is replaced with in turn.
fn replacements() -> Vec<(&'static str, Value)> {
    vec![
        ("null", Value::Null),
        ("zero", json!(0)),
        ("one", json!(1)),
        ("float", json!(1.5)),
        ("true", json!(true)),
        ("false", json!(false)),
        ("empty-string", json!("")),
        ("string", json!("x")),
        ("empty-list", json!([])),
        ("list", json!([1])),
        ("empty-dict", json!({})),
        ("dict", json!({"a": 1})),
    ]
}

/// Every JSON pointer into `value`, the root left out.
fn pointers(value: &Value, at: String, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                found.push(pointer.clone());
                pointers(child, pointer, found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let pointer = format!("{at}/{index}");
                found.push(pointer.clone());
                pointers(child, pointer, found);
            }
        }
        _ => {}
    }
}

/// Removes what `pointer` points at.
fn delete(value: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').expect("not the root");
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent).expect("the parent exists") {
        Value::Object(map) => {
            map.remove(&last);
        }
        Value::Array(items) => {
            items.remove(last.parse::<usize>().expect("an index"));
        }
        _ => unreachable!("a pointer's parent is a container"),
    }
}

/// The activity `pointer` is in, and the pointer to it.
fn activity_at(pointer: &str) -> Option<String> {
    let parts: Vec<&str> = pointer.split('/').collect();
    let depth = match parts.get(1).copied()? {
        "method" | "rollbacks" => 3,
        "steady-state-hypothesis" if parts.get(2) == Some(&"probes") => 4,
        _ => return None,
    };
    (parts.len() > depth).then(|| parts[..depth].join("/"))
}

/// The name a rejection must give: the mutated activity's, if it still has
/// a non-empty text one and is not a ref (a ref names what it points at).
fn name_of(experiment: &Value, pointer: &str) -> Option<String> {
    let activity = experiment.pointer(&activity_at(pointer)?)?;
    activity
        .get("ref")
        .or_else(|| activity.get("name"))
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
}

fn slug(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn case(file: String, experiment: &Value, activity: Option<String>, yaml: bool) -> Case {
    // JSON is YAML too; written as such, the YAML loaders read it.
    let text = if yaml {
        serde_json::to_string_pretty(experiment).unwrap()
    } else {
        serde_json::to_string(experiment).unwrap()
    };
    Case {
        file,
        text,
        activity,
    }
}

/// Each key deleted and each value replaced, one at a time.
fn mutations() -> Vec<Case> {
    let base = base();
    let mut found = Vec::new();
    pointers(&base, String::new(), &mut found);
    let mut cases = Vec::new();
    for (index, pointer) in found.iter().enumerate() {
        let mut deleted = base.clone();
        delete(&mut deleted, pointer);
        let yaml = index % 4 == 0;
        let file = format!(
            "delete-{}.{}",
            slug(pointer),
            if yaml { "yaml" } else { "json" }
        );
        cases.push(case(file, &deleted, name_of(&deleted, pointer), yaml));
        for (label, replacement) in replacements() {
            let mut replaced = base.clone();
            *replaced.pointer_mut(pointer).unwrap() = replacement;
            let yaml = (index + label.len()) % 5 == 0;
            let file = format!(
                "set-{}-{label}.{}",
                slug(pointer),
                if yaml { "yaml" } else { "json" }
            );
            cases.push(case(file, &replaced, name_of(&replaced, pointer), yaml));
        }
    }
    cases
}

/// The base with its hypothesis probe's tolerance replaced by each kind,
/// valid and not, and each JSON path dialect people write.
fn tolerances() -> Vec<Case> {
    let paths = [
        "$.data.result[*].value[1]",
        "$.data.result[0].value[1]",
        "$..value",
        "$.data.result[?(@.metric.job = \"prometheus\")]",
        "$.data.result[?(@.metric.job == \"prometheus\")]",
        "$.a[?b=='c']",
        "$.a[?(@.b=='c')]",
        "$.a[?(@.b = 'c')]",
        "$.data.result[-1:]",
        "$['data']['result']",
        "$.data.result.length",
        "data.result",
        "$.",
        "$[",
        "",
        "   ",
        " $.data ",
        "$.data.result[*].metric[\"job\"]",
        "$.*",
        "$..*",
        "$[*]",
        "$.data.result[(@.length-1)]",
        "$.data.result[0,1]",
        "${path}",
    ];
    let patterns = [
        "^1$",
        "[0-9]+",
        "(",
        "[",
        "${pattern}",
        "\\d",
        "(?P<x>1)",
        "(?<x>1)",
    ];
    let mut tolerances: Vec<Value> = vec![
        json!(true),
        json!(false),
        json!(0),
        json!(200),
        json!(-1),
        json!(1.5),
        json!(0.0),
        json!("1"),
        json!(""),
        json!("${expected}"),
        json!(null),
        json!([]),
        json!([1]),
        json!([0, 1]),
        json!([0, 1, 2]),
        json!(["a", "b"]),
        json!([0.5, 1.5]),
        json!({}),
        json!({"type": "nope"}),
        json!({"type": null}),
        json!({"type": 1}),
        json!({"range": [0, 1]}),
        json!({"type": "range"}),
        json!({"type": "range", "range": [0, 1]}),
        json!({"type": "range", "range": [0, 1], "target": "status"}),
        json!({"type": "range", "range": [0.5, 1e3]}),
        json!({"type": "range", "range": [1, 0]}),
        json!({"type": "range", "range": [true, 1]}),
        json!({"type": "range", "range": ["0", 1]}),
        json!({"type": "range", "range": [0, null]}),
        json!({"type": "range", "range": [0]}),
        json!({"type": "range", "range": [0, 1, 2]}),
        json!({"type": "range", "range": {"low": 0}}),
        json!({"type": "range", "range": "0-1"}),
        json!({"type": "range", "range": null}),
        json!({"type": "regex"}),
        json!({"type": "regex", "pattern": null}),
        json!({"type": "regex", "pattern": 1}),
        json!({"type": "regex", "pattern": ["a"]}),
        json!({"type": "jsonpath"}),
        json!({"type": "jsonpath", "path": null}),
        json!({"type": "jsonpath", "path": 1}),
        json!({"type": "jsonpath", "path": ["$"]}),
        json!({"type": "jsonpath", "path": "$.data", "expect": 1, "count": 2}),
        json!({"type": "jsonpath", "path": "$.data", "count": 1}),
        json!({"type": "jsonpath", "path": "$.data", "count": "one"}),
        json!({"type": "probe", "name": "tolerance-probe", "provider": {"type": "process", "path": "true"}}),
        json!({"type": "probe", "name": "tolerance-probe", "provider": {"type": "process", "path": "no-such-program-anywhere"}}),
        json!({"type": "probe", "name": "tolerance-probe"}),
        json!({"type": "probe", "provider": {"type": "process", "path": "true"}}),
        json!({"type": "probe", "name": "tolerance-probe", "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}}}),
        json!({"type": "probe", "name": "tolerance-probe", "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query"}}),
    ];
    for path in paths {
        tolerances.push(json!({"type": "jsonpath", "path": path}));
        tolerances.push(json!({"type": "jsonpath", "path": path, "expect": "1"}));
    }
    for pattern in patterns {
        tolerances.push(json!({"type": "regex", "pattern": pattern}));
        tolerances.push(json!({"type": "regex", "pattern": pattern, "target": "status"}));
    }
    let mut cases = Vec::new();
    for (index, tolerance) in tolerances.into_iter().enumerate() {
        let mut experiment = base();
        experiment["configuration"]["path"] = json!("$.data");
        experiment["configuration"]["pattern"] = json!("^1$");
        experiment["configuration"]["expected"] = json!("1");
        experiment["steady-state-hypothesis"]["probes"][0]["tolerance"] = tolerance;
        let yaml = index % 3 == 0;
        let file = format!(
            "tolerance-{index:03}.{}",
            if yaml { "yaml" } else { "json" }
        );
        cases.push(case(
            file,
            &experiment,
            Some("prometheus-answers".into()),
            yaml,
        ));
    }
    cases
}

/// The base with one method activity's provider or arguments replaced.
fn providers() -> Vec<Case> {
    let providers: Vec<Value> = vec![
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query"}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up", "nope": 1}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up", "when": "now", "verify_tls": false}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query_interval", "arguments": {"query": "up", "start": "1 minute ago", "end": "now"}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query_interval", "arguments": {"query": "up", "start": "1 minute ago"}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "compute_mean", "arguments": {"query": "up"}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "nodes_cpu_usage_mean"}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "nodes_cpu_usage_mean", "arguments": {}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "no_such_probe", "arguments": {}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "arguments": {"query": "up"}}),
        json!({"type": "python", "func": "query", "arguments": {"query": "up"}}),
        json!({"type": "python", "module": "", "func": "query", "arguments": {"query": "up"}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "", "arguments": {"query": "up"}}),
        json!({"type": "python", "module": "no.such.module", "func": "query", "arguments": {"query": "up"}}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": null}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": ["up"]}),
        json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": "up"}),
        json!({"type": "python"}),
        json!({"type": "process"}),
        json!({"type": "process", "path": ""}),
        json!({"type": "process", "path": "no-such-program-anywhere"}),
        json!({"type": "process", "path": "true", "arguments": ["-x"]}),
        json!({"type": "process", "path": "true", "arguments": {"x": "y"}}),
        json!({"type": "http"}),
        json!({"type": "http", "url": ""}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "headers": []}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "headers": ["a"]}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "headers": "a: b"}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "headers": null}),
        json!({"type": "http", "url": "http://127.0.0.1:9/", "method": "POST", "arguments": {"a": 1}}),
        json!({"type": "kubernetes"}),
        json!({"type": ""}),
        json!({"type": null}),
        json!({"type": "Python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}}),
        json!({"module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}}),
        json!(null),
        json!({}),
        json!([]),
        json!("python"),
    ];
    let mut cases = Vec::new();
    for (index, provider) in providers.into_iter().enumerate() {
        let mut experiment = base();
        experiment["method"][1]["provider"] = provider;
        let yaml = index % 3 == 1;
        let file = format!("provider-{index:03}.{}", if yaml { "yaml" } else { "json" });
        cases.push(case(
            file,
            &experiment,
            Some("prometheus-answers-later".into()),
            yaml,
        ));
    }
    cases
}

/// The base with one method activity replaced whole.
fn activities() -> Vec<Case> {
    let provider = json!({"type": "process", "path": "true"});
    let activities: Vec<Value> = vec![
        json!({"type": "probe", "provider": provider}),
        json!({"name": "x", "provider": provider}),
        json!({"type": "probe", "name": "x"}),
        json!({"type": "probe", "name": "x", "provider": null}),
        json!({"type": "check", "name": "x", "provider": provider}),
        json!({"type": "Probe", "name": "x", "provider": provider}),
        json!({"type": "probe", "name": "", "provider": provider}),
        json!({"type": "probe", "name": 7, "provider": provider}),
        json!({"type": "probe", "name": "x", "provider": provider, "timeout": "5"}),
        json!({"type": "probe", "name": "x", "provider": provider, "timeout": null}),
        json!({"type": "probe", "name": "x", "provider": provider, "background": "yes"}),
        json!({"type": "probe", "name": "x", "provider": provider, "background": null}),
        json!({"type": "probe", "name": "x", "provider": provider, "background": true}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {"before": "soon"}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {"after": "${p"}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {"after": [1]}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {"before": null}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {"during": 3}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": {}}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": null}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": []}),
        json!({"type": "probe", "name": "x", "provider": provider, "pauses": 3}),
        json!({"ref": "nowhere"}),
        json!({"ref": ""}),
        json!({"ref": null}),
        json!({"ref": 3}),
        json!({"ref": "do-nothing"}),
        json!({"ref": "call-home"}),
        json!({}),
        json!(null),
        json!([]),
        json!("probe"),
        json!(3),
    ];
    let mut cases = Vec::new();
    for (index, activity) in activities.into_iter().enumerate() {
        let mut experiment = base();
        let named = activity
            .get("ref")
            .or_else(|| activity.get("name"))
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .map(str::to_string);
        experiment["method"][1] = activity;
        let yaml = index % 3 == 2;
        let file = format!("activity-{index:03}.{}", if yaml { "yaml" } else { "json" });
        cases.push(case(file, &experiment, named, yaml));
    }
    cases
}

/// The whole corpus, the hand-written files first.
pub fn all() -> Vec<Case> {
    let dir = harness::experiments_dir().join("validation");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            Case {
                file: format!("fixture-{}", path.file_name().unwrap().to_str().unwrap()),
                text: std::fs::read_to_string(&path).unwrap(),
                activity: None,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.file.cmp(&b.file));
    cases.extend(mutations());
    cases.extend(tolerances());
    cases.extend(providers());
    cases.extend(activities());
    cases
}
