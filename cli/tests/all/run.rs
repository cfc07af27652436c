//! `chaosprom run` and `chaosprom validate` on the experiment files under
//! tests/experiments, against a real Prometheus and Pushgateway; and the
//! same files under the real `chaos run`, which must reach the same verdicts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use harness::servers::{wait_until, Prometheus, Pushgateway};
use serde_json::Value;

/// Servers and a work dir for one test.
pub(crate) struct Bench {
    pub(crate) prometheus: Prometheus,
    pub(crate) gateway: Pushgateway,
    pub(crate) dir: tempfile::TempDir,
}

impl Bench {
    pub(crate) fn start() -> Bench {
        let prometheus = Prometheus::start();
        prometheus.wait_for_series("up{job=\"prometheus\"}");
        Bench {
            prometheus,
            gateway: Pushgateway::start(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The experiment file with this bench's addresses filled in.
    pub(crate) fn experiment(&self, name: &str) -> PathBuf {
        self.experiment_for(name, &self.gateway.url, "")
    }

    fn experiment_for(&self, name: &str, gateway: &str, suffix: &str) -> PathBuf {
        let text = std::fs::read_to_string(harness::experiments_dir().join(name)).unwrap();
        let text = text
            .replace("@PROMETHEUS_URL@", &self.prometheus.url)
            .replace("@PUSHGATEWAY_URL@", gateway)
            .replace("@WORKDIR@", self.dir.path().to_str().unwrap());
        let path = self.dir.path().join(format!("{suffix}{name}"));
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(crate) fn run(&self, experiment: &Path, extra: &[&str]) -> (i32, Value, Output) {
        let journal = self.dir.path().join("journal.json");
        let _ = std::fs::remove_file(&journal);
        let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .arg("run")
            .arg(experiment)
            .arg("--journal-path")
            .arg(&journal)
            .args(extra)
            .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
            .env("CHAOSPROM_TEST_PROMETHEUS_URL", &self.prometheus.url)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let journal = std::fs::read_to_string(&journal)
            .map_or(Value::Null, |text| serde_json::from_str(&text).unwrap());
        (output.status.code().unwrap(), journal, output)
    }
}

pub(crate) fn statuses(entries: &Value) -> Vec<(String, String)> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["activity"]["name"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap_or("(none)").to_string(),
            )
        })
        .collect()
}

fn tolerances(state: &Value) -> Vec<bool> {
    state["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tolerance_met"].as_bool().unwrap())
        .collect()
}

#[test]
fn the_upstream_readme_experiment_completes_and_is_pushed() {
    let bench = Bench::start();
    let (code, journal, output) = bench.run(&bench.experiment("prometheus-up.json"), &[]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stdout));
    let keys: Vec<&str> = journal
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "chaoslib-version",
            "platform",
            "node",
            "experiment",
            "start",
            "status",
            "deviated",
            "steady_states",
            "run",
            "rollbacks",
            "end",
            "duration"
        ]
    );
    assert_eq!(
        (journal["status"].as_str(), journal["deviated"].as_bool()),
        (Some("completed"), Some(false))
    );
    assert_eq!(journal["experiment"]["dry"], Value::Null);
    for when in ["before", "after"] {
        let state = &journal["steady_states"][when];
        assert_eq!(state["steady_state_met"], true, "{when}");
        assert_eq!(tolerances(state), [true]);
        assert_eq!(
            state["probes"][0]["output"]["data"]["result"][0]["value"][1],
            "1"
        );
    }
    assert_eq!(journal["steady_states"]["during"], serde_json::json!([]));
    let run = &journal["run"][0];
    assert_eq!(
        statuses(&journal["run"]),
        [(
            "prometheus-up-over-last-minute".to_string(),
            "succeeded".to_string()
        )]
    );
    assert_eq!(run["output"]["data"]["resultType"], "matrix");
    assert!(
        run["start"].as_str().unwrap().ends_with("+00:00")
            && run["duration"].as_f64().unwrap() >= 0.0
    );
    assert!(!run.as_object().unwrap().contains_key("tolerance_met"));
    // The control pushed the run: completed, not in progress.
    let groups = bench.gateway.groups();
    assert_eq!(groups.len(), 1);
    let status = groups[0]["chaostoolkit_experiment_status"]["metrics"]
        .as_array()
        .unwrap();
    let completed = status
        .iter()
        .find(|m| m["labels"]["chaostoolkit_experiment_status"] == "completed")
        .unwrap();
    assert_eq!(completed["value"], "1");
    assert_eq!(
        groups[0]["chaostoolkit_inprogress_experiment"]["metrics"][0]["value"],
        "0"
    );
}

#[test]
fn a_deviating_run_exits_one_with_the_after_state_recorded() {
    let bench = Bench::start();
    let (code, journal, _) = bench.run(&bench.experiment("deviating.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        (journal["status"].as_str(), journal["deviated"].as_bool()),
        (Some("completed"), Some(true))
    );
    assert_eq!(
        tolerances(&journal["steady_states"]["before"]),
        [true, true]
    );
    assert_eq!(
        tolerances(&journal["steady_states"]["after"]),
        [true, false]
    );
    assert_eq!(
        journal["steady_states"]["after"]["probes"][1]["output"]["status"],
        0
    );
}

#[test]
fn a_failing_probe_fails_its_activity_but_not_the_run() {
    let bench = Bench::start();
    let (code, journal, _) = bench.run(&bench.experiment("failing-probe.json"), &[]);
    assert_eq!(code, 0);
    assert_eq!(journal["status"], "completed");
    assert_eq!(
        statuses(&journal["run"]),
        [
            ("bad-promql".into(), "failed".into()),
            ("good-promql".into(), "succeeded".into())
        ]
    );
    let failed = &journal["run"][0];
    assert_eq!(failed["output"], Value::Null);
    let exception = failed["exception"][0].as_str().unwrap();
    assert!(
        exception.starts_with(
            "chaoslib.exceptions.ActivityFailed: Prometheus query {'query': 'up{'} failed: "
        ),
        "{exception}"
    );
}

#[test]
fn a_process_action_between_the_checks_with_pauses() {
    let bench = Bench::start();
    let (code, journal, _) = bench.run(&bench.experiment("process-between.json"), &[]);
    assert_eq!(code, 0);
    let action = &journal["run"][0];
    assert_eq!(
        action["output"],
        serde_json::json!({"status": 0, "stdout": "injecting\n", "stderr": ""})
    );
    assert!(
        action["duration"].as_f64().unwrap() < 0.2,
        "pauses are not part of the duration"
    );
    assert!(
        journal["duration"].as_f64().unwrap() >= 0.4,
        "but they are part of the run"
    );
    assert_eq!(tolerances(&journal["steady_states"]["after"]), [true]);
}

#[test]
fn configuration_comes_from_the_environment() {
    let bench = Bench::start();
    let experiment = bench.experiment("env-config.json");
    let (code, journal, _) = bench.run(&experiment, &[]);
    assert_eq!(code, 0);
    assert_eq!(tolerances(&journal["steady_states"]["before"]), [true]);
    let missing = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(["validate", experiment.to_str().unwrap()])
        .env_remove("CHAOSPROM_TEST_PROMETHEUS_URL")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("CHAOSPROM_TEST_PROMETHEUS_URL is not set"));
}

#[test]
fn every_tolerance_kind_is_checked() {
    let bench = Bench::start();
    let (code, journal, output) = bench.run(&bench.experiment("tolerances.json"), &[]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stdout));
    let before = &journal["steady_states"]["before"];
    assert_eq!(
        tolerances(before),
        [true; 9],
        "{}",
        serde_json::to_string_pretty(before).unwrap()
    );
    let (_, journal, _) = bench.run(&bench.experiment("new-probes.json"), &[]);
    assert_eq!(tolerances(&journal["steady_states"]["before"]), [true; 5]);
}

/// Each probe of tolerances.json alone, with its tolerance changed so the
/// same output is out of it: every kind must say "not met", so a checker
/// that always says "met" fails here.
#[test]
fn every_tolerance_kind_can_be_missed() {
    let bench = Bench::start();
    let path = bench.experiment("tolerances.json");
    let experiment: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let missed: [(&str, Value); 9] = [
        ("int-status", serde_json::json!(1)),
        ("int-placeholder", serde_json::json!(5)),
        ("list-membership", serde_json::json!([0, 4])),
        (
            "range-on-status",
            serde_json::json!({"type": "range", "range": [3, 5], "target": "status"}),
        ),
        (
            "regex-on-stdout",
            serde_json::json!({"type": "regex", "pattern": "^absent$", "target": "stdout"}),
        ),
        (
            "jsonpath-count",
            serde_json::json!({"type": "jsonpath", "path": "$.data.result[*]", "count": 2}),
        ),
        (
            "jsonpath-expect",
            serde_json::json!({"type": "jsonpath", "path": "$.status", "expect": "error"}),
        ),
        ("http-status", serde_json::json!(201)),
        (
            "probe-tolerance",
            // A tolerance probe is met when it returns something truthy; one
            // that fails (nothing listens on port 1) is not met.
            serde_json::json!({"type": "probe", "name": "check", "provider": {"type": "http", "url": "http://127.0.0.1:1/", "arguments": {}}}),
        ),
    ];
    let probes = experiment["steady-state-hypothesis"]["probes"]
        .as_array()
        .unwrap();
    assert_eq!(
        probes.len(),
        missed.len(),
        "one case for each probe of tolerances.json"
    );
    for (name, tolerance) in missed {
        let mut probe = probes
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("tolerances.json has no probe {name}"))
            .clone();
        probe["tolerance"] = tolerance;
        let mut alone = experiment.clone();
        alone["steady-state-hypothesis"]["probes"] = serde_json::json!([probe]);
        let file = bench.dir.path().join(format!("missed-{name}.json"));
        std::fs::write(&file, alone.to_string()).unwrap();
        let (code, journal, output) = bench.run(&file, &[]);
        let before = &journal["steady_states"]["before"];
        assert_eq!(
            tolerances(before),
            [false],
            "{name}: {}\n{}",
            serde_json::to_string_pretty(before).unwrap(),
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(before["steady_state_met"], false, "{name}");
        assert_eq!(
            code, 0,
            "{name}: a steady state missed before the method still completes"
        );
    }
}

#[test]
fn rollbacks_follow_the_strategy() {
    let bench = Bench::start();
    let experiment = bench.experiment("rollbacks.json");
    let fault = bench.dir.path().join("fault");
    let (_, journal, _) = bench.run(&experiment, &[]);
    assert_eq!(
        statuses(&journal["rollbacks"]),
        [
            ("remove-file".into(), "succeeded".into()),
            ("check-after-rollback".into(), "succeeded".into())
        ]
    );
    assert!(!fault.exists());
    let (_, journal, _) = bench.run(&experiment, &["--rollback-strategy", "never"]);
    assert_eq!(journal["rollbacks"], serde_json::json!([]));
    assert!(fault.exists());
}

#[test]
fn refs_resolve_and_background_activities_are_joined() {
    let bench = Bench::start();
    let (code, journal, _) = bench.run(&bench.experiment("ref-and-background.json"), &[]);
    assert_eq!(code, 0);
    let run = journal["run"].as_array().unwrap();
    assert_eq!(
        statuses(&journal["run"]),
        [
            ("slow-fault".into(), "succeeded".into()),
            ("answers".into(), "succeeded".into()),
            ("while-the-fault-runs".into(), "succeeded".into())
        ]
    );
    assert!(run[0]["duration"].as_f64().unwrap() >= 1.0);
    assert_eq!(
        run[1]["activity"]["provider"]["func"], "query",
        "the ref is resolved to its definition"
    );
    assert!(
        run[2]["start"].as_str() < run[0]["end"].as_str(),
        "the foreground went on while the background action ran"
    );
}

#[test]
fn dry_runs_skip_activities() {
    let bench = Bench::start();
    let experiment = bench.experiment("rollbacks.json");
    let (_, journal, _) = bench.run(&experiment, &["--dry"]);
    assert_eq!(journal["experiment"]["dry"], "activities");
    assert_eq!(journal["run"][0]["output"], Value::Null);
    assert!(
        !bench.dir.path().join("fault").exists(),
        "the action did not run"
    );
}

#[test]
fn invalid_experiments_run_nothing_and_name_the_activity() {
    let bench = Bench::start();
    let probe = |provider: Value| serde_json::json!({"title": "t", "description": "d", "method": [{"type": "probe", "name": "the-probe", "provider": provider}]});
    let cases = [
        (
            probe(serde_json::json!({"type": "python", "module": "chaosk8s.probes", "func": "x"})),
            "activity 'the-probe': the Python module 'chaosk8s.probes' cannot run here",
        ),
        (
            probe(
                serde_json::json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {}}),
            ),
            "activity 'the-probe': query() is missing the required argument 'query'",
        ),
        (
            probe(
                serde_json::json!({"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up", "wen": "now"}}),
            ),
            "activity 'the-probe': query() has no argument 'wen'",
        ),
        (
            serde_json::json!({"title": "t", "description": "d", "method": [], "steady-state-hypothesis": {"title": "h", "probes": [{"type": "probe", "name": "the-probe", "tolerance": {"type": "regex", "pattern": "("}, "provider": {"type": "process", "path": "true"}}]}}),
            "hypothesis probe 'the-probe': the tolerance pattern ( is invalid",
        ),
    ];
    for (experiment, message) in cases {
        let path = bench.dir.path().join("invalid.json");
        std::fs::write(&path, experiment.to_string()).unwrap();
        let (code, journal, output) = bench.run(&path, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(journal, Value::Null, "nothing ran");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("error[invalid-experiment]: {message}")),
            "{stderr}"
        );
        let validate = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .args(["validate", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(validate.status.code(), Some(1));
    }
}

#[test]
fn ctrl_c_interrupts_plays_no_rollbacks_and_still_pushes() {
    let bench = Bench::start();
    let experiment = serde_json::json!({
        "title": "interrupted", "description": "a long pause, then Ctrl-C",
        "configuration": {"prometheus_base_url": bench.prometheus.url},
        "controls": [{"name": "prometheus", "provider": {"type": "python", "module": "chaosprometheus.metrics", "arguments": {"pushgateway_url": bench.gateway.url}}}],
        "method": [{"type": "action", "name": "long-fault", "pauses": {"after": 30}, "provider": {"type": "process", "path": "true"}}],
        "rollbacks": [{"type": "action", "name": "undo", "provider": {"type": "process", "path": "true"}}]
    });
    let path = bench.dir.path().join("interrupted.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    let journal = bench.dir.path().join("journal.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("run")
        .arg(&path)
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pushed = wait_until(Duration::from_secs(20), || {
        let groups = bench.gateway.groups();
        (!groups.is_empty()).then_some(())
    });
    assert!(pushed.is_some(), "the before push arrived");
    // Ctrl-C during the pause, once the run says it began.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("pausing") {
        line.clear();
        let read = stdout.read_line(&mut line).unwrap();
        assert_ne!(read, 0, "the run ended before its pause");
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let journal: Value = serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    assert_eq!(journal["status"], "interrupted");
    assert_eq!(journal["rollbacks"], serde_json::json!([]));
    let groups = bench.gateway.groups();
    let status = groups[0]["chaostoolkit_experiment_status"]["metrics"]
        .as_array()
        .unwrap();
    let interrupted = status
        .iter()
        .find(|m| m["labels"]["chaostoolkit_experiment_status"] == "interrupted")
        .unwrap();
    assert_eq!(interrupted["value"], "1");
}

#[test]
fn yaml_experiments_run_like_json_ones() {
    let bench = Bench::start();
    let yaml = format!(
        "title: From YAML\ndescription: the same probe, in YAML\nconfiguration:\n  prometheus_base_url: {}\nsteady-state-hypothesis:\n  title: up\n  probes:\n    - type: probe\n      name: prometheus-up\n      tolerance:\n        type: jsonpath\n        path: $.data.result[*].value[1]\n        expect: \"1\"\n      provider:\n        type: python\n        module: chaosprometheus.probes\n        func: query\n        arguments:\n          query: up{{job=\"prometheus\"}}\nmethod: []\n",
        bench.prometheus.url
    );
    let path = bench.dir.path().join("experiment.yaml");
    std::fs::write(&path, yaml).unwrap();
    let (code, journal, output) = bench.run(&path, &[]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(journal["experiment"]["title"], "From YAML");
    assert_eq!(tolerances(&journal["steady_states"]["before"]), [true]);
}

#[test]
fn secrets_reach_only_the_activities_that_declare_their_scope() {
    let bench = Bench::start();
    let echo = |name: &str, scopes: Value| serde_json::json!({"type": "probe", "name": name, "provider": {"type": "process", "path": "echo", "arguments": ["token=${token}"], "secrets": scopes}});
    let experiment = serde_json::json!({
        "title": "secrets", "description": "scoped secrets",
        "configuration": {"prometheus_base_url": bench.prometheus.url},
        "secrets": {"auth": {"token": {"type": "env", "key": "CHAOSPROM_TEST_TOKEN"}}},
        "method": [echo("declares", serde_json::json!(["auth"])), echo("does-not", serde_json::json!([]))]
    });
    let path = bench.dir.path().join("secrets.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    let journal_path = bench.dir.path().join("journal.json");
    let status = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("run")
        .arg(&path)
        .arg("--journal-path")
        .arg(&journal_path)
        .env("CHAOSPROM_TEST_TOKEN", "s3cret-value")
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let journal: Value =
        serde_json::from_str(&std::fs::read_to_string(&journal_path).unwrap()).unwrap();
    assert_eq!(
        journal["run"][0]["output"]["stdout"],
        "token=s3cret-value\n"
    );
    assert_eq!(journal["run"][1]["output"]["stdout"], "token=${token}\n");
}

#[test]
fn a_long_pause_counts_down_on_a_terminal() {
    let bench = Bench::start();
    let experiment = serde_json::json!({
        "title": "pause", "description": "a pause long enough to count down",
        "configuration": {"prometheus_base_url": bench.prometheus.url},
        "method": [{"type": "action", "name": "wait-a-bit", "pauses": {"after": 2.5}, "provider": {"type": "process", "path": "true"}}]
    });
    let path = bench.dir.path().join("pause.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    // `script` runs the command on a pseudo-terminal, as a person would.
    let line = format!(
        "{} run {} --journal-path {}",
        env!("CARGO_BIN_EXE_chaosprom"),
        path.display(),
        bench.dir.path().join("journal.json").display()
    );
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .output()
        .expect("script (util-linux) runs");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(screen.contains("s left"), "no countdown in: {screen}");
    let piped = bench.run(&path, &[]).2;
    assert!(
        !String::from_utf8_lossy(&piped.stderr).contains("s left"),
        "no countdown when not on a terminal"
    );
}
