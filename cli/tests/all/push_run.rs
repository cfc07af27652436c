//! `chaosprom push-run`: one experiment run recorded in a real Pushgateway,
//! as the control records it, with its experiment reference, credentials
//! and failures.

use crate::cli::{chaosprom, SENTINEL};
use harness::fake::FakeServer;

#[test]
fn push_run_records_a_run_in_a_real_pushgateway() {
    let gateway = harness::servers::Pushgateway::start();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("experiment.json");
    // The upstream README-style experiment; `chaos run` adds "dry": null
    // before hashing, and so does push-run.
    let vectors: serde_json::Value =
        serde_json::from_str(harness::fixtures::EXPERIMENT_REF).unwrap();
    let case = &vectors["cases"][1];
    std::fs::write(&experiment, case["experiment"].to_string()).unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "push-run",
            "--status",
            "completed",
            "--duration",
            "1.5",
            "--deviated",
            "--experiment",
            experiment.to_str().unwrap(),
            "--pushgateway-url",
            &gateway.url,
            "--trace-id",
            "trace-1",
            "--grouping-key",
            "team=a/b",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("run trace-1 of experiment acdec76e2e9fed8f36b3a1dc"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("before: pushed") && run.stdout.contains("after: pushed"),
        "{}",
        run.stdout
    );
    let groups = gateway.groups();
    let labels: Vec<&serde_json::Value> = groups.iter().map(|g| &g["labels"]).collect();
    assert_eq!(groups.len(), 1, "{labels:?}");
    assert_eq!(groups[0]["labels"]["team"], "a/b");
    let status = &groups[0]["chaostoolkit_experiment_status"]["metrics"];
    let completed = status
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["labels"]["chaostoolkit_experiment_status"] == "completed")
        .unwrap();
    assert_eq!(completed["value"], "1");
    assert_eq!(
        groups[0]["chaostoolkit_deviated_experiment_total"]["metrics"][0]["value"],
        "1"
    );
}

#[test]
fn a_failed_push_is_a_warning_unless_strict() {
    let cache = tempfile::tempdir().unwrap();
    let down = format!("http://127.0.0.1:{}", harness::servers::free_port());
    let args = [
        "push-run",
        "--status",
        "failed",
        "--duration",
        "2",
        "--experiment-ref",
        "x",
        "--pushgateway-url",
        down.as_str(),
    ];
    let lenient = chaosprom(cache.path(), &args);
    assert_eq!(lenient.status, 0);
    assert!(
        lenient
            .stderr
            .starts_with("warning[transport/connection-refused]: before push: "),
        "{}",
        lenient.stderr
    );
    assert!(lenient.stderr.contains("failed after 3 tries"));
    let mut strict_args = args.to_vec();
    strict_args.push("--strict");
    let strict = chaosprom(cache.path(), &strict_args);
    assert_eq!(strict.status, 1);
    assert!(
        strict
            .stderr
            .starts_with("error[transport/connection-refused]: "),
        "{}",
        strict.stderr
    );
}

#[test]
fn push_run_needs_an_experiment_or_a_reference() {
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &["push-run", "--status", "completed", "--duration", "1"],
    );
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--experiment"), "{}", run.stderr);
}

#[test]
fn push_run_sends_pushgateway_credentials() {
    let gateway = FakeServer::answering(200, "text/plain", "");
    let cache = tempfile::tempdir().unwrap();
    let auth = cache.path().join("basic");
    std::fs::write(&auth, format!("pusher:{SENTINEL}")).unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "push-run",
            "--status",
            "completed",
            "--duration",
            "1",
            "--experiment-ref",
            "r",
            "--pushgateway-url",
            &gateway.url,
            "--pushgateway-basic-auth-file",
            auth.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let sent = gateway.received();
    assert_eq!(sent.len(), 2);
    assert!(sent
        .iter()
        .all(|r| r.headers.contains("authorization: Basic ")));
    assert!(!run.stdout.contains(SENTINEL) && !run.stderr.contains(SENTINEL));
}

#[test]
fn push_run_reads_a_yaml_experiment_as_its_json_twin() {
    let gateway = harness::servers::Pushgateway::start();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("experiment.json");
    let yaml = dir.path().join("experiment.yaml");
    std::fs::write(
        &json,
        r#"{"title": "t", "description": "d", "tags": ["a", "b"], "method": []}"#,
    )
    .unwrap();
    std::fs::write(
        &yaml,
        "title: t\ndescription: d\ntags:\n  - a\n  - b\nmethod: []\n",
    )
    .unwrap();
    let reference = |experiment: &std::path::Path| {
        let run = chaosprom(
            cache.path(),
            &[
                "push-run",
                "--status",
                "completed",
                "--duration",
                "1",
                "--experiment",
                experiment.to_str().unwrap(),
                "--pushgateway-url",
                &gateway.url,
            ],
        );
        assert_eq!(run.status, 0, "{}", run.stderr);
        let line = run.stdout.lines().next().unwrap().to_string();
        line.split(" of experiment ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no experiment reference in {line}"))
            .to_string()
    };
    let from_json = reference(&json);
    assert_eq!(from_json.len(), 24, "{from_json}");
    assert_eq!(reference(&yaml), from_json);
}
