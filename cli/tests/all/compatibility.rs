//! The same experiment files under `chaosprom run` and under the real
//! `chaos run` (chaostoolkit 1.19, chaostoolkit-lib 1.44,
//! chaostoolkit-prometheus 0.6.0, installed by scripts/setup.sh): the
//! verdicts, each activity's status, each probe's tolerance_met, and the
//! Pushgateway families must agree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness::servers::{Prometheus, Pushgateway};
use serde_json::Value;

/// Every file whose functions the Python extension has (it has no
/// query_value, and its means raise TypeError).
/// Each with the verdict both must reach: (status, deviated).
const SHARED: [(&str, &str, bool); 9] = [
    ("prometheus-up.json", "completed", false),
    ("deviating.json", "completed", true),
    ("failing-probe.json", "completed", false),
    ("process-between.json", "completed", false),
    ("env-config.json", "completed", false),
    ("tolerances.json", "completed", false),
    ("rollbacks.json", "completed", false),
    ("ref-and-background.json", "completed", false),
    ("grouping-key.json", "completed", false),
];

pub(crate) fn chaos() -> PathBuf {
    let path = harness::chaostoolkit_venv().join("bin/chaos");
    assert!(
        path.is_file(),
        "the reference `chaos` is not installed at {}. Run `scripts/setup.sh` (it installs chaostoolkit and chaostoolkit-prometheus from PyPI into that virtualenv), then run the tests again.",
        path.display()
    );
    path
}

/// One runner's copy of an experiment, in its own work dir.
fn prepare(name: &str, prometheus: &str, gateway: &str, dir: &Path) -> PathBuf {
    prepare_with(
        name,
        &[
            ("@PROMETHEUS_URL@", prometheus),
            ("@PUSHGATEWAY_URL@", gateway),
        ],
        dir,
    )
}

/// A copy of an experiment in `dir`, its `@PLACEHOLDERS@` (and `@WORKDIR@`)
/// replaced.
pub(crate) fn prepare_with(name: &str, values: &[(&str, &str)], dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(harness::experiments_dir().join(name)).unwrap();
    for (placeholder, value) in values {
        text = text.replace(placeholder, value);
    }
    let text = text.replace("@WORKDIR@", dir.to_str().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub(crate) fn journal_of(mut command: Command, dir: &Path, prometheus: &str) -> Value {
    let journal = dir.join("journal.json");
    let _ = std::fs::remove_file(&journal);
    let output = command
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_TEST_PROMETHEUS_URL", prometheus)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .current_dir(dir)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&journal).unwrap_or_else(|_| {
        panic!(
            "no journal from {command:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// What both runners must agree on.
pub(crate) fn verdict(journal: &Value) -> Value {
    let entries = |list: &Value| -> Vec<Value> {
        list.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        serde_json::json!([
                            e["activity"]["name"],
                            e["status"],
                            e.get("tolerance_met")
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let state = |state: &Value| {
        if state.is_null() {
            Value::Null
        } else {
            serde_json::json!({"met": state["steady_state_met"], "probes": entries(&state["probes"])})
        }
    };
    serde_json::json!({
        "status": journal["status"],
        "deviated": journal["deviated"],
        "before": state(&journal["steady_states"]["before"]),
        "after": state(&journal["steady_states"]["after"]),
        "run": entries(&journal["run"]),
        "rollbacks": entries(&journal["rollbacks"]),
    })
}

/// The labels of each group in a Pushgateway (its job and grouping key),
/// the experiment reference's value left out: each runner's copy of the
/// experiment names its own Pushgateway, so the hashes differ.
pub(crate) fn group_labels(gateway: &Pushgateway) -> Vec<Value> {
    let mut found: Vec<Value> = gateway
        .groups()
        .into_iter()
        .map(|group| {
            let mut labels = group["labels"].clone();
            if let Some(reference) = labels.get_mut("chaostoolkit_experiment_ref") {
                *reference = Value::from("(the experiment's hash)");
            }
            labels
        })
        .collect();
    found.sort_by_key(Value::to_string);
    found
}

/// The families in a Pushgateway: name, type, and the label names of each series.
fn families(gateway: &Pushgateway) -> BTreeSet<(String, String, Vec<String>)> {
    let mut found = BTreeSet::new();
    for group in gateway.groups() {
        for (name, family) in group.as_object().unwrap() {
            // Besides families a group holds its labels and push bookkeeping.
            let Some(metrics) = family.get("metrics").and_then(Value::as_array) else {
                continue;
            };
            if name.starts_with("push_") {
                continue;
            }
            for metric in metrics {
                let mut labels: Vec<String> = metric["labels"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect();
                labels.sort();
                found.insert((
                    name.clone(),
                    family["type"].as_str().unwrap().to_string(),
                    labels,
                ));
            }
        }
    }
    found
}

#[test]
fn chaos_run_and_chaosprom_run_reach_the_same_verdicts() {
    let chaos = chaos();
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let settings = tempfile::NamedTempFile::new().unwrap();
    for (name, status, deviated) in SHARED {
        let (ours_gateway, theirs_gateway) = (Pushgateway::start(), Pushgateway::start());
        let (ours_dir, theirs_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

        let mut ours = Command::new(env!("CARGO_BIN_EXE_chaosprom"));
        ours.arg("run").arg(prepare(
            name,
            &prometheus.url,
            &ours_gateway.url,
            ours_dir.path(),
        ));
        let ours = journal_of(ours, ours_dir.path(), &prometheus.url);

        let mut theirs = Command::new(&chaos);
        theirs
            .args(["--no-version-check", "--no-log-file", "--settings"])
            .arg(settings.path())
            .arg("run")
            .arg(prepare(
                name,
                &prometheus.url,
                &theirs_gateway.url,
                theirs_dir.path(),
            ));
        let theirs = journal_of(theirs, theirs_dir.path(), &prometheus.url);

        assert_eq!(
            verdict(&ours),
            verdict(&theirs),
            "{name}: chaosprom run (left) and chaos run (right) disagree"
        );
        assert_eq!(
            (ours["status"].as_str(), ours["deviated"].as_bool()),
            (Some(status), Some(deviated)),
            "{name}"
        );
        let activities =
            ours["run"].as_array().unwrap().len() + ours["rollbacks"].as_array().unwrap().len();
        let probes = ours["steady_states"]["before"]["probes"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(activities + probes > 0, "{name}: something ran");
        assert_eq!(
            families(&ours_gateway),
            families(&theirs_gateway),
            "{name}: the pushed families differ"
        );
        assert_eq!(
            group_labels(&ours_gateway),
            group_labels(&theirs_gateway),
            "{name}: the pushed groups differ"
        );
        if name == "grouping-key.json" {
            let labels = &group_labels(&ours_gateway)[0];
            assert_eq!(
                [
                    &labels["attempt"],
                    &labels["canary"],
                    &labels["ratio"],
                    &labels["team"]
                ],
                ["3", "True", "0.5", "sre/platform"],
                "the values as Python's str() writes them"
            );
        }
        if name == "prometheus-up.json" {
            let names: BTreeSet<String> = families(&ours_gateway)
                .into_iter()
                .map(|(name, _, _)| name)
                .collect();
            let expected = [
                "chaostoolkit_experiment_duration",
                "chaostoolkit_experiment_duration_dist",
                "chaostoolkit_experiment_duration_dist_created",
                "chaostoolkit_experiment_status",
                "chaostoolkit_inprogress_experiment",
            ];
            assert_eq!(
                names,
                expected.iter().map(|n| n.to_string()).collect(),
                "both runners pushed the run"
            );
        }
    }
}
