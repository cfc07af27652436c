//! `chaosprom run --record DIR` and `--replay DIR`: a run recorded against
//! a real Prometheus and Pushgateway, judged again from the recording once
//! the servers are gone, with no connection made.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use harness::servers::{wait_until, Prometheus, Pushgateway};
use serde_json::{json, Value};

use crate::run::statuses;

/// If this ever shows up in a recording, a credential leaked.
const SENTINEL: &str = "sentinel-5d21c0ab-do-not-record";

/// A steady state on `up`, a relative window, a number and two judgements
/// (one over a window, one polling until a condition holds) in the method,
/// the control pushing with the run's random trace id in its URL
/// (`keep_runs`), every probe with a bearer token from the secrets.
fn replayable(prometheus: &str, gateway: &str) -> Value {
    let probe = |name: &str, func: &str, arguments: Value| json!({"type": "probe", "name": name, "provider": {"type": "python", "module": "chaosprometheus.probes", "func": func, "arguments": arguments, "secrets": ["prometheus"]}});
    let mut up = probe(
        "prometheus-up",
        "query",
        json!({"query": "up{job=\"prometheus\"}"}),
    );
    up["tolerance"] =
        json!({"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "1"});
    json!({
        "title": "replayable",
        "description": "a run to record and judge again",
        "configuration": {"prometheus_base_url": prometheus},
        "secrets": {"prometheus": {"prometheus_bearer_token": {"type": "env", "key": "CHAOSPROM_TEST_TOKEN"}}},
        "controls": [{"name": "prometheus", "provider": {"type": "python", "module": "chaosprometheus.metrics",
            "arguments": {"pushgateway_url": gateway, "keep_runs": true, "activity_metrics": true}}}],
        "steady-state-hypothesis": {"title": "prometheus is up", "probes": [up]},
        "method": [
            probe("up-over-the-last-minute", "query_interval",
                json!({"query": "up{job=\"prometheus\"}", "start": "1 minute ago", "end": "now", "step": 5})),
            probe("targets", "query_value", json!({"query": "count(up)"})),
            probe("up-all-along", "threshold_over_window",
                json!({"query": "up{job=\"prometheus\"}", "start": "1 minute ago", "end": "now", "step": 5,
                    "comparator": ">=", "value": 1})),
            probe("up-again", "wait_until",
                json!({"query": "up{job=\"prometheus\"}", "comparator": "==", "value": 1, "timeout": "30s", "interval": "1s"})),
        ]
    })
}

/// A run recorded against real servers, which are stopped once it is.
struct Recorded {
    dir: tempfile::TempDir,
    experiment: PathBuf,
    recording: PathBuf,
    journal: Value,
    /// Where the servers were.
    ports: Vec<u16>,
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

fn chaosprom(dir: &Path, args: &[&str]) -> (i32, Value, Output) {
    let journal = dir.join("journal.json");
    let _ = std::fs::remove_file(&journal);
    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .arg("run")
        .args(args)
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_TEST_TOKEN", SENTINEL)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .current_dir(dir)
        .output()
        .unwrap();
    let journal = std::fs::read_to_string(&journal)
        .map_or(Value::Null, |text| serde_json::from_str(&text).unwrap());
    (output.status.code().unwrap(), journal, output)
}

fn record() -> Recorded {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let gateway = Pushgateway::start();
    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("experiment.json");
    let document = replayable(&prometheus.url, &gateway.url);
    std::fs::write(&experiment, document.to_string()).unwrap();
    let recording = dir.path().join("recording");
    let (code, journal, output) = chaosprom(
        dir.path(),
        &[
            experiment.to_str().unwrap(),
            "--record",
            recording.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        !gateway.groups().is_empty(),
        "the recorded run pushed to the real Pushgateway"
    );
    let ports = vec![port_of(&prometheus.url), port_of(&gateway.url)];
    drop((prometheus, gateway));
    Recorded {
        dir,
        experiment,
        recording,
        journal,
        ports,
    }
}

/// Each probe's name, status and output, hypothesis first.
fn outcomes(journal: &Value) -> Vec<(Value, Value, Value, Value)> {
    let before = journal["steady_states"]["before"]["probes"]
        .as_array()
        .unwrap();
    let after = journal["steady_states"]["after"]["probes"]
        .as_array()
        .unwrap();
    let run = journal["run"].as_array().unwrap();
    before
        .iter()
        .chain(run)
        .chain(after)
        .map(|e| {
            (
                e["activity"]["name"].clone(),
                e["status"].clone(),
                e["output"].clone(),
                e["tolerance_met"].clone(),
            )
        })
        .collect()
}

fn replay(recorded: &Recorded, experiment: Option<&Path>) -> (i32, Value, Output) {
    let mut args = vec![
        "--replay".to_string(),
        recorded.recording.display().to_string(),
    ];
    if let Some(path) = experiment {
        args.insert(0, path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    chaosprom(recorded.dir.path(), &args)
}

#[test]
fn a_recorded_run_replays_with_the_servers_gone_and_no_connection_made() {
    let recorded = record();
    // Listen where the servers were: a replay that connected would show.
    let listeners: Vec<TcpListener> = recorded
        .ports
        .iter()
        .map(|port| {
            let listener = TcpListener::bind(("127.0.0.1", *port)).unwrap();
            listener.set_nonblocking(true).unwrap();
            listener
        })
        .collect();
    let (code, journal, output) = replay(&recorded, Some(&recorded.experiment));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        code,
        0,
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(outcomes(&journal), outcomes(&recorded.journal));
    assert_eq!(
        statuses(&journal["run"]),
        statuses(&recorded.journal["run"])
    );
    assert_eq!(
        (journal["status"].clone(), journal["deviated"].clone()),
        (json!("completed"), json!(false))
    );
    assert_eq!(
        journal["replayed"]["from"],
        json!(recorded.recording.display().to_string())
    );
    assert!(recorded.journal.get("replayed").is_none());
    assert!(
        stdout.contains("Replaying the answers recorded at"),
        "{stdout}"
    );
    assert!(
        output.stderr.is_empty(),
        "the control's pushes replayed without a warning: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for listener in listeners {
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the replay connected: {accepted:?}"
        );
    }
}

#[test]
fn secrets_never_reach_the_recording() {
    use base64::Engine as _;
    let recorded = record();
    let encoded = base64::engine::general_purpose::STANDARD.encode(SENTINEL);
    let mut files = 0;
    for entry in walk(&recorded.recording) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(
            !text.contains(SENTINEL) && !text.contains(&encoded),
            "{} holds the token",
            entry.display()
        );
        assert!(!text.to_ascii_lowercase().contains("authorization"));
        files += 1;
    }
    // manifest.json, sandbox.json and an answer per request: the
    // hypothesis twice, four method probes (the wait holds at its first
    // check), two pushes.
    assert_eq!(files, 2 + 8, "{:?}", walk(&recorded.recording));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn a_replay_of_a_probe_that_was_not_recorded_fails_naming_the_request() {
    let recorded = record();
    let mut changed = recorded.journal["experiment"].clone();
    changed["method"][1]["provider"]["arguments"]["query"] = json!("count(up) > 0");
    let path = recorded.dir.path().join("changed.json");
    std::fs::write(&path, changed.to_string()).unwrap();
    let (code, journal, output) = replay(&recorded, Some(&path));
    assert_eq!(code, 1, "{}", String::from_utf8_lossy(&output.stdout));
    let entry = &journal["run"][1];
    assert_eq!(entry["status"], "failed");
    let exception = entry["exception"][0].as_str().unwrap();
    for part in [
        "GET http://127.0.0.1:",
        "/api/v1/query?query=count%28up%29+%3E+0",
        "is not in the recording",
        "record the run again",
    ] {
        assert!(exception.contains(part), "{part} not in {exception}");
    }
    // What was recorded still replays; the command fails, naming it.
    assert_eq!(statuses(&journal["run"])[0].1, "succeeded");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .starts_with("error[recording]: the replay is not the recorded run: 1 of its requests")
            && stderr.contains("count%28up%29+%3E+0"),
        "{stderr}"
    );
}

#[test]
fn a_relative_time_window_replays_to_the_same_requests_from_the_recorded_experiment() {
    let recorded = record();
    // "1 minute ago" must mean something else now than when recorded.
    let recorded_at = SystemTime::now();
    wait_until(Duration::from_secs(10), || {
        (recorded_at.elapsed().ok()? >= Duration::from_secs(2)).then_some(())
    })
    .unwrap();
    let (code, journal, output) = replay(&recorded, None);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stdout));
    let window = |journal: &Value| journal["run"][0]["output"].clone();
    assert_eq!(journal["run"][0]["status"], "succeeded");
    assert_eq!(window(&journal), window(&recorded.journal));
    assert_eq!(journal["experiment"], recorded.journal["experiment"]);
    let answers = walk(&recorded.recording.join("answers"));
    let range: Vec<String> = answers
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .filter(|text| text.contains("query_range"))
        .collect();
    // query_interval's and threshold_over_window's windows.
    assert_eq!(range.len(), 2, "{range:?}");
    assert!(range[0].contains("start=") && range[0].contains("end="));
}
