//! `chaosprom run` reads a probe's arguments by the host library's rules,
//! the ones the Python package uses: an explicit `step` is sent as given,
//! `step: false` is an error, no step lets the component pick one.

use std::process::Command;

use harness::servers::Prometheus;
use serde_json::{json, Value};

use crate::run::statuses;

/// Runs a method of `query_interval` probes over the last day, one per
/// `step` given (`None`: no step argument), and returns the journal.
fn run_day_long_ranges(prometheus: &Prometheus, steps: &[(&str, Option<Value>)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let method: Vec<Value> = steps
        .iter()
        .map(|(name, step)| {
            let mut arguments = json!({"query": "vector(1)", "start": "1 day ago", "end": "now"});
            if let Some(step) = step {
                arguments["step"] = step.clone();
            }
            json!({"type": "probe", "name": name, "provider": {"type": "python",
                "module": "chaosprometheus.probes", "func": "query_interval", "arguments": arguments}})
        })
        .collect();
    let experiment = json!({"title": "t", "description": "d", "method": method,
        "configuration": {"prometheus_base_url": prometheus.url}});
    let path = dir.path().join("steps.json");
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
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(journal).unwrap()).unwrap()
}

fn exception(entry: &Value) -> String {
    entry["exception"][0]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_explicit_step_of_one_is_sent_so_prometheus_refuses_a_day_and_no_step_is_answered() {
    let prometheus = Prometheus::start();
    let journal = run_day_long_ranges(
        &prometheus,
        &[
            ("step-one", Some(json!(1))),
            ("no-step", None),
            ("step-zero", Some(json!(0))),
        ],
    );
    assert_eq!(
        statuses(&journal["run"]),
        [
            ("step-one".into(), "failed".into()),
            ("no-step".into(), "succeeded".into()),
            ("step-zero".into(), "succeeded".into())
        ]
    );
    assert!(
        exception(&journal["run"][0]).contains("11,000 points"),
        "{}",
        journal["run"][0]
    );
    let values = journal["run"][1]["output"]["data"]["result"][0]["values"]
        .as_array()
        .unwrap()
        .len();
    assert!((2..=11_000).contains(&values), "{values} points");
}

#[test]
fn a_boolean_step_fails_its_probe_before_any_request() {
    let prometheus = Prometheus::start();
    let journal = run_day_long_ranges(&prometheus, &[("step-false", Some(json!(false)))]);
    assert_eq!(
        statuses(&journal["run"]),
        [("step-false".into(), "failed".into())]
    );
    let exception = exception(&journal["run"][0]);
    assert!(
        exception.contains("step must be a number of seconds or a Prometheus duration"),
        "{exception}"
    );
}
