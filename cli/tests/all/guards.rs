//! Safeguards (`chaosaddons.controls.safeguards`), hypothesis strategies,
//! `--fail-fast` and interruptions: the same files under `chaosprom run`
//! and the real `chaos run` (chaostoolkit 1.19, chaostoolkit-addons 0.11),
//! against a real Prometheus scraping a real Pushgateway that stands in for
//! the system under test. The test sets `chaos_health 1` there before each
//! run; the experiments' `hurt-the-service` action deletes it mid-run.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::servers::{wait_until, Prometheus, PrometheusOptions, Pushgateway};
use serde_json::{json, Value};

use crate::compatibility::{chaos, journal_of, prepare_with, verdict};

/// A Prometheus scraping the exporter every second.
struct Stage {
    prometheus: Prometheus,
    exporter: Pushgateway,
}

impl Stage {
    fn start() -> Stage {
        let exporter = Pushgateway::start();
        let prometheus = Prometheus::start_with(PrometheusOptions {
            targets: vec![("health".into(), format!("127.0.0.1:{}", exporter.port))],
            ..PrometheusOptions::default()
        });
        Stage {
            prometheus,
            exporter,
        }
    }

    /// Sets `chaos_health 1` and waits until Prometheus has scraped it.
    fn healthy(&self) {
        let status = send(
            self.exporter.port,
            "PUT",
            "/metrics/job/health",
            "chaos_health 1\n",
        );
        assert!(
            (200..300).contains(&status),
            "the exporter took the value ({status})"
        );
        let path = "/api/v1/query?query=chaos_health%3D%3D1";
        let seen = wait_until(Duration::from_secs(20), || {
            let (_, body) = harness::servers::http_get(self.prometheus.port, path)?;
            body.contains("\"value\"").then_some(())
        });
        assert!(seen.is_some(), "Prometheus scraped chaos_health 1");
    }

    /// The experiment's journal under `chaosprom run` (`ours`) or `chaos run`.
    fn journal(&self, name: &str, args: &[&str], ours: bool) -> Value {
        self.healthy();
        let dir = tempfile::tempdir().unwrap();
        let file = prepare_with(
            name,
            &[
                ("@PROMETHEUS_URL@", &self.prometheus.url),
                ("@EXPORTER_URL@", &self.exporter.url),
            ],
            dir.path(),
        );
        let command = if ours {
            let mut command = Command::new(env!("CARGO_BIN_EXE_chaosprom"));
            command.arg("run").args(args).arg(&file);
            command
        } else {
            let settings = dir.path().join("settings.yaml");
            std::fs::write(&settings, "{}\n").unwrap();
            let mut command = Command::new(chaos());
            command
                .args(["--no-version-check", "--no-log-file", "--settings"])
                .arg(&settings)
                .arg("run")
                .args(args)
                .arg(&file);
            command
        };
        journal_of(command, dir.path(), &self.prometheus.url)
    }

    /// Both journals, after checking they reach the same verdict.
    fn both(&self, name: &str, args: &[&str]) -> (Value, Value) {
        let ours = self.journal(name, args, true);
        let theirs = self.journal(name, args, false);
        assert_eq!(
            verdict(&ours),
            verdict(&theirs),
            "{name} {args:?}: chaosprom run (left) and chaos run (right) disagree"
        );
        (ours, theirs)
    }
}

/// One HTTP/1.1 request on loopback; the status.
fn send(port: u16, method: &str, path: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// The names and statuses of the method's entries.
fn run_statuses(journal: &Value) -> Vec<(String, Value)> {
    journal["run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["activity"]["name"].as_str().unwrap().to_string(),
                e.get("status").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// A journal time (`+00:00` or naive UTC) as an instant.
fn instant(text: &Value) -> jiff::Timestamp {
    let text = text.as_str().unwrap();
    let text = if text.ends_with("+00:00") {
        text.to_string()
    } else {
        format!("{text}+00:00")
    };
    text.parse().unwrap()
}

#[test]
fn a_healthy_safeguard_lets_the_run_complete_as_under_chaos_run() {
    let stage = Stage::start();
    let (ours, _) = stage.both("guard-healthy.json", &[]);
    assert_eq!(ours["status"], "completed");
    assert_eq!(ours["deviated"], false);
    assert!(ours.get("safeguards").is_none(), "{ours:#}");
    assert!(ours.get("interruption").is_none());
    assert_eq!(run_statuses(&ours), [("work".into(), json!("succeeded"))]);
}

#[test]
fn a_safeguard_that_trips_mid_method_interrupts_the_run_at_once_as_under_chaos_run() {
    let stage = Stage::start();
    let (ours, _) = stage.both("guard-trips.json", &[]);
    assert_eq!(ours["status"], "interrupted");
    assert_eq!(ours["deviated"], false);
    // The sleep was cut short: its entry has no status, as in chaos run,
    // and the activity after it never ran.
    assert_eq!(
        run_statuses(&ours),
        [
            ("hurt-the-service".into(), json!("succeeded")),
            ("long-work".into(), Value::Null)
        ]
    );
    assert_eq!(ours["rollbacks"], json!([]), "default strategy: none");
    assert_eq!(ours["safeguards"]["triggered_by"], "health-watch");
    assert_eq!(ours["safeguards"]["run"]["status"], "succeeded");
    assert_eq!(
        ours["interruption"],
        json!({"kind": "safeguard", "name": "health-watch",
               "reason": "safeguard 'health-watch' triggered the end of the experiment"})
    );
    // The guard's failing run ended, and the sleep was stopped, within a second.
    let tripped = instant(&ours["safeguards"]["run"]["end"]);
    let cut = instant(&ours["run"][1]["end"]);
    let late = cut.duration_since(tripped).as_secs_f64();
    assert!(
        (0.0..1.0).contains(&late),
        "stopped {late} s after the trip"
    );
    assert!(ours["run"][1]["duration"].as_f64().unwrap() < 10.0);

    // With rollbacks asked for always, they are played after the interruption.
    let (ours, _) = stage.both("guard-trips.json", &["--rollback-strategy", "always"]);
    assert_eq!(ours["status"], "interrupted");
    assert_eq!(ours["rollbacks"][0]["status"], "succeeded");
}

#[test]
fn a_safeguard_whose_probe_fails_interrupts_the_run_as_under_chaos_run() {
    let stage = Stage::start();
    let (ours, _) = stage.both("guard-errors.json", &[]);
    assert_eq!(ours["status"], "interrupted");
    assert_eq!(run_statuses(&ours), [("long-work".into(), Value::Null)]);
    assert_eq!(ours["safeguards"]["triggered_by"], "broken-watch");
    assert_eq!(ours["safeguards"]["run"]["status"], "failed");
    let exception = ours["safeguards"]["run"]["exception"][0].as_str().unwrap();
    assert!(exception.contains("parse error"), "{exception}");
}

#[test]
fn a_failing_pre_check_stops_the_run_before_anything_runs_as_under_chaos_run() {
    let stage = Stage::start();
    let ours = stage.journal("guard-precheck-fails.json", &[], true);
    let theirs = stage.journal("guard-precheck-fails.json", &[], false);
    // chaosaddons' pre-check releases the experiment (its barrier) before it
    // checks the tolerance and signals the interruption from another thread,
    // so a busy machine may let chaos run start the hypothesis first. Every
    // other part of the verdict must agree, and chaos run's hypothesis is
    // either not run, or run and met, never anything else.
    let without_before = |journal: &Value| {
        let mut verdict = verdict(journal);
        let before = verdict["before"].take();
        (verdict, before)
    };
    let (ours_verdict, _) = without_before(&ours);
    let (theirs_verdict, theirs_before) = without_before(&theirs);
    assert_eq!(
        ours_verdict, theirs_verdict,
        "chaosprom run (left) and chaos run (right) disagree"
    );
    assert!(
        theirs_before.is_null() || theirs_before["met"] == true,
        "chaos run's hypothesis: {theirs_before}"
    );
    assert_eq!(ours["status"], "interrupted");
    assert_eq!(ours["steady_states"]["before"], Value::Null);
    assert_eq!(ours["run"], json!([]));
    assert_eq!(ours["rollbacks"], json!([]));
    assert_eq!(ours["safeguards"]["triggered_by"], "health-precheck");
}

/// Whether any run of the hypothesis during the method was not met, and
/// whether the first was.
fn during(journal: &Value) -> (bool, Value) {
    let states = journal["steady_states"]["during"].as_array().unwrap();
    let any_not_met = states.iter().any(|s| s["steady_state_met"] == false);
    let first = states
        .first()
        .map_or(Value::Null, |s| s["steady_state_met"].clone());
    (any_not_met, first)
}

#[test]
fn hypothesis_strategies_and_fail_fast_match_chaos_run() {
    let stage = Stage::start();
    // (arguments, status, deviated, activities that ran, after-hypothesis ran)
    let cases: [(&[&str], &str, bool, usize, bool); 4] = [
        (
            &["--hypothesis-strategy", "during-method-only"],
            "completed",
            false,
            4,
            false,
        ),
        (
            &["--hypothesis-strategy", "during-method-only", "--fail-fast"],
            "failed",
            false,
            3,
            false,
        ),
        // The hypothesis after the method still runs and settles the status.
        (
            &["--hypothesis-strategy", "continuously", "--fail-fast"],
            "completed",
            true,
            3,
            true,
        ),
        (
            &["--hypothesis-strategy", "before-method-only"],
            "completed",
            false,
            4,
            false,
        ),
    ];
    for (args, status, deviated, ran, after) in cases {
        let (ours, theirs) = stage.both("hypothesis-during.json", args);
        assert_eq!(during(&ours), during(&theirs), "{args:?}");
        assert_eq!(ours["status"], status, "{args:?}");
        assert_eq!(ours["deviated"], deviated, "{args:?}");
        assert_eq!(ours["run"].as_array().unwrap().len(), ran, "{args:?}");
        assert_eq!(!ours["steady_states"]["after"].is_null(), after, "{args:?}");
        let runs_during = ours["steady_states"]["during"].as_array().unwrap().len();
        if args.contains(&"before-method-only") {
            assert_eq!(runs_during, 0);
        } else {
            assert!(runs_during >= 2, "{args:?}: {runs_during} runs during");
            assert_eq!(during(&ours), (true, json!(true)), "{args:?}");
        }
    }
}

#[test]
fn the_experiment_runtime_block_sets_the_strategies() {
    let stage = Stage::start();
    let dir = tempfile::tempdir().unwrap();
    let source = harness::experiments_dir().join("hypothesis-during.json");
    let mut experiment: Value =
        serde_json::from_str(&std::fs::read_to_string(source).unwrap()).unwrap();
    experiment["runtime"] = json!({
        "hypothesis": {"strategy": "after-method-only"},
        "rollbacks": {"strategy": "never"}
    });
    let name = "runtime-strategies.json";
    stage.healthy();
    let file = prepare_runtime(&stage, dir.path(), name, &experiment);
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosprom"));
    command.arg("run").arg(&file);
    let journal = journal_of(command, dir.path(), &stage.prometheus.url);
    assert_eq!(journal["steady_states"]["before"], Value::Null);
    assert_eq!(journal["steady_states"]["after"]["steady_state_met"], false);
    assert_eq!(journal["deviated"], true);
    assert_eq!(journal["rollbacks"], json!([]), "never");
}

fn prepare_runtime(
    stage: &Stage,
    dir: &Path,
    name: &str,
    experiment: &Value,
) -> std::path::PathBuf {
    let text = experiment
        .to_string()
        .replace("@PROMETHEUS_URL@", &stage.prometheus.url)
        .replace("@EXPORTER_URL@", &stage.exporter.url);
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn sigint_interrupts_the_current_activity_at_once_and_is_recorded() {
    let stage = Stage::start();
    stage.healthy();
    let dir = tempfile::tempdir().unwrap();
    let file = prepare_with(
        "interrupted-by-signal.json",
        &[("@PROMETHEUS_URL@", &stage.prometheus.url)],
        dir.path(),
    );
    let journal = dir.path().join("journal.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("run")
        .arg(&file)
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the long sleep runs.
    let sleeping = wait_until(Duration::from_secs(20), || {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", child.id())).ok()?;
        let children: String = tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .collect();
        (!children.trim().is_empty()).then_some(())
    });
    assert!(sleeping.is_some(), "the method's sleep started");
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(1));
    assert!(took < Duration::from_secs(5), "ended {took:?} after SIGINT");
    let journal: Value = serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(
        journal["interruption"],
        json!({"kind": "signal", "name": "SIGINT", "reason": "received SIGINT"})
    );
    assert_eq!(run_statuses(&journal), [("long-work".into(), Value::Null)]);
    assert!(journal["run"][0]["duration"].as_f64().unwrap() < 20.0);
}
