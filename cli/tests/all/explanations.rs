//! A failed probe explains itself in `chaosprom run`: the resolved query,
//! the window, the series that broke it and a link to the Prometheus UI,
//! printed and kept in the journal; against a real Prometheus backfilled
//! with the harness's history, so the windows and series are known.

use std::process::Command;

use harness::history::backfilled_prometheus;
use harness::servers::{http_get_following, Prometheus};
use serde_json::{json, Value};

fn probe(name: &str, func: &str, arguments: Value, tolerance: Value) -> Value {
    json!({"type": "probe", "name": name, "tolerance": tolerance,
        "provider": {"type": "python", "module": "chaosprometheus.probes", "func": func, "arguments": arguments}})
}

/// Runs the experiment; its exit status, stdout and journal.
fn run(
    prometheus: &Prometheus,
    hypothesis: Vec<Value>,
    method: Vec<Value>,
) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let experiment = json!({
        "title": "explained", "description": "failures that explain themselves",
        "configuration": {"prometheus_base_url": prometheus.url},
        "steady-state-hypothesis": {"title": "latency is fine", "probes": hypothesis},
        "method": method,
    });
    let path = dir.path().join("experiment.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    let journal = dir.path().join("journal.json");
    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("run")
        .arg(&path)
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .output()
        .unwrap();
    let journal = serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        journal,
    )
}

fn params(link: &str) -> std::collections::BTreeMap<String, String> {
    let (_, query) = link.split_once('?').unwrap();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn utc(unix: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(unix).unwrap()
}

#[test]
fn a_tolerance_not_met_prints_the_query_the_series_and_a_link_the_prometheus_ui_serves() {
    let (prometheus, history) = backfilled_prometheus();
    let when = history.end - 5 * 60;
    let latency = probe(
        "latency-is-low",
        "query",
        json!({"query": "chaos_latency_seconds", "when": utc(when).to_string()}),
        json!({"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "0"}),
    );
    let (_, stdout, journal) = run(&prometheus, vec![latency], vec![]);
    let entry = &journal["steady_states"]["before"]["probes"][0];
    assert_eq!(entry["tolerance_met"], false, "{entry}");
    let facts = &entry["explanation"];
    assert_eq!(facts["probe"], "latency-is-low");
    assert_eq!(facts["query"], "chaos_latency_seconds");
    assert_eq!(facts["window"]["at"], utc(when).to_string());
    let series: Vec<&str> = facts["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let value = |instance: &str| {
        chaosprometheus_host::rules::response::format_sample(history.latency(instance, when))
    };
    assert_eq!(
        series,
        [
            format!(r#"chaos_latency_seconds{{instance="a"}} = {}"#, value("a")),
            format!(r#"chaos_latency_seconds{{instance="b"}} = {}"#, value("b")),
        ],
        "{facts}"
    );
    let link = facts["link"].as_str().unwrap();
    assert!(stdout.contains(&format!("see:    {link}")), "{stdout}");
    assert!(stdout.contains("query:  chaos_latency_seconds"), "{stdout}");
    let params = params(link);
    assert_eq!(params["g0.expr"], "chaos_latency_seconds");
    assert_eq!(
        params["g0.end_input"],
        utc(when).strftime("%Y-%m-%d %H:%M:%S").to_string()
    );
    let path = link.strip_prefix(&prometheus.url).unwrap();
    // The UI serves it (Debian's build redirects /graph to its classic
    // UI, keeping the query).
    let (status, served) =
        http_get_following(prometheus.port, path).expect("Prometheus answers the link");
    assert_eq!(status, 200, "{link} ended at {served}");
    assert!(
        served.ends_with(link.split_once('?').unwrap().1),
        "{served}"
    );
}

#[test]
fn a_failed_judgement_in_the_method_names_the_series_that_broke_it() {
    let (prometheus, history) = backfilled_prometheus();
    let (w0, w1) = history.degraded();
    let up = probe(
        "latency-exists",
        "query",
        json!({"query": "count(chaos_latency_seconds)", "when": utc(w1).to_string()}),
        json!({"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "2"}),
    );
    let judged = probe(
        "latency-under-150ms",
        "threshold_over_window",
        json!({"query": "chaos_latency_seconds", "start": w0, "end": w1, "step": "15s", "comparator": "<", "value": 0.15}),
        Value::Null,
    );
    let mut judged = judged;
    judged.as_object_mut().unwrap().remove("tolerance");
    let (_, stdout, journal) = run(&prometheus, vec![up], vec![judged]);
    let entry = &journal["run"][0];
    assert_eq!(entry["output"]["verdict"], "fail", "{entry}");
    let facts = &entry["explanation"];
    assert_eq!(facts["window"]["start"], utc(w0).to_string(), "{facts}");
    assert_eq!(facts["window"]["end"], utc(w1).to_string());
    let series = facts["series"].as_array().unwrap();
    // Only b breaks it: its latency doubled before the window began.
    assert_eq!(series.len(), 1, "{facts}");
    let line = series[0].as_str().unwrap();
    assert!(
        line.starts_with(
            r#"chaos_latency_seconds{instance="b"} met it in 0 of 41 samples, first missed at "#
        ),
        "{line}"
    );
    assert!(
        facts["explain"]
            .as_str()
            .unwrap()
            .contains("0 of 41 samples were < 0.15"),
        "{facts}"
    );
    assert_eq!(
        params(facts["link"].as_str().unwrap())["g0.range_input"],
        "10m"
    );
    assert!(stdout.contains(&format!("series: {line}")), "{stdout}");
    // A probe that passed says nothing more.
    assert!(journal["steady_states"]["before"]["probes"][0]
        .get("explanation")
        .is_none());
}
