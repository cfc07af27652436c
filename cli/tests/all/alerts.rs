//! `chaosprom alerts` and the `alerts` probe in `chaosprom run`, against a
//! real Prometheus whose rules keep `AlwaysCritical` firing (no `for`) and
//! `SlowBurn` pending (`for: 1h`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use harness::fake::FakeServer;
use harness::servers::{http_get, wait_until, Prometheus, PrometheusOptions};
use serde_json::Value;

use crate::cli::chaosprom;
use crate::compatibility::{journal_of, prepare_with};

/// Prometheus with the rules, once both alerts are active.
fn prometheus() -> Prometheus {
    let prometheus = Prometheus::start_with(PrometheusOptions {
        rule_files: vec![harness::fixtures::rules("static-alerts.yml")],
        ..PrometheusOptions::default()
    });
    let active = wait_until(Duration::from_secs(30), || {
        let (_, body) = http_get(prometheus.port, "/api/v1/alerts")?;
        (body.contains("\"firing\"") && body.contains("\"pending\"")).then_some(())
    });
    assert!(active.is_some(), "the rules' alerts became active");
    prometheus
}

fn alerts(cache: &Path, url: &str, args: &[&str]) -> (i32, Vec<Value>, String) {
    let mut all = vec!["alerts", "--prometheus-url", url];
    all.extend_from_slice(args);
    let run = chaosprom(cache, &all);
    let list = if run.status == 0 {
        serde_json::from_str(&run.stdout).expect("a JSON array on stdout")
    } else {
        assert_eq!(run.stdout, "", "nothing on stdout when it fails");
        Vec::new()
    };
    (run.status, list, run.stderr)
}

fn names(alerts: &[Value]) -> Vec<&str> {
    alerts
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap())
        .collect()
}

#[test]
fn alerts_prints_the_matching_alerts_as_json_and_exits_zero() {
    let prometheus = prometheus();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let (status, found, stderr) = alerts(
        cache.path(),
        url,
        &[
            "--name",
            "AlwaysCritical",
            "--state",
            "firing",
            "--label",
            "severity=critical",
        ],
    );
    assert_eq!((status, stderr.as_str()), (0, ""));
    assert_eq!(names(&found), ["AlwaysCritical"]);
    let alert = &found[0];
    assert_eq!(alert["state"], "firing");
    assert_eq!(alert["annotations"]["summary"], "always on");
    assert!(alert["activeAt"].is_string() && alert["value"].is_string());

    let (_, pending, _) = alerts(cache.path(), url, &["--state", "pending"]);
    assert_eq!(names(&pending), ["SlowBurn"]);
    let (_, regex, _) = alerts(
        cache.path(),
        url,
        &["--label", "severity=~crit.*|warn.*", "--label", "team!=db"],
    );
    assert_eq!(names(&regex), ["SlowBurn"]);
    // Nothing matches: an empty list, and still success.
    let run = chaosprom(
        cache.path(),
        &[
            "alerts",
            "--prometheus-url",
            url,
            "--label",
            "severity=page",
        ],
    );
    assert_eq!((run.status, run.stdout.trim()), (0, "[]"));
}

#[test]
fn alerts_usage_errors_exit_two() {
    let cache = tempfile::tempdir().unwrap();
    for args in [
        &["alerts", "--label", "severity"][..],
        &["alerts", "--state", "inactive"][..],
    ] {
        let run = chaosprom(cache.path(), args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
    }
    let help = chaosprom(cache.path(), &["alerts", "--help"]);
    assert_eq!(help.status, 0);
    for needed in [
        "--name HighLatency --state firing --label severity=critical",
        "NAME=~REGEX",
        "[] when none does",
    ] {
        assert!(help.stdout.contains(needed), "{needed}: {}", help.stdout);
    }
}

#[test]
fn alerts_from_a_server_that_is_not_prometheus_fail_with_a_typed_error() {
    let html = FakeServer::answering(200, "text/html", "<html>Grafana</html>");
    let cache = tempfile::tempdir().unwrap();
    let (status, _, stderr) = alerts(cache.path(), &html.url, &[]);
    assert_eq!(status, 1);
    assert!(
        stderr.starts_with("error[bad-response/not-json]: "),
        "{stderr}"
    );
    let (status, _, stderr) = alerts(cache.path(), &html.url, &["--label", "a=~("]);
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error[invalid-argument]: "), "{stderr}");
}

/// `chaosprom run` on an experiment; its exit status and journal.
fn run(name: &str, prometheus: &Prometheus) -> (Value, std::process::ExitStatus) {
    let dir = tempfile::tempdir().unwrap();
    let file = prepare_with(name, &[("@PROMETHEUS_URL@", &prometheus.url)], dir.path());
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosprom"));
    command.arg("run").arg(&file);
    let journal = journal_of(command, dir.path(), &prometheus.url);
    let status = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("validate")
        .arg(&file)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .output()
        .unwrap()
        .status;
    (journal, status)
}

fn tolerances(journal: &Value) -> Vec<(String, Value)> {
    journal["steady_states"]["before"]["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["activity"]["name"].as_str().unwrap().to_string(),
                p["tolerance_met"].clone(),
            )
        })
        .collect()
}

#[test]
fn run_checks_alerts_against_tolerances() {
    let prometheus = prometheus();
    let (journal, validated) = run("alerts-no-critical.json", &prometheus);
    assert!(validated.success(), "validate accepts the alerts probe");
    assert_eq!(journal["status"], "completed", "{journal:#}");
    assert_eq!(journal["deviated"], false);
    assert_eq!(
        tolerances(&journal),
        [
            ("no-page-alert-firing".to_string(), Value::Bool(true)),
            ("no-critical-alert-pending".to_string(), Value::Bool(true)),
            ("the-slow-burn-is-pending".to_string(), Value::Bool(true)),
        ]
    );
    // The method's probe output is the list of alerts itself.
    let output = &journal["run"][0]["output"];
    assert_eq!(names(output.as_array().unwrap()), ["AlwaysCritical"]);

    let (journal, _) = run("alerts-critical-firing.json", &prometheus);
    assert_eq!(
        journal["steady_states"]["before"]["steady_state_met"],
        false
    );
    assert_eq!(
        tolerances(&journal),
        [("no-critical-alert-firing".to_string(), Value::Bool(false))]
    );
}
