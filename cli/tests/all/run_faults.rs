//! `chaosprom run` where secrets and faults meet it: credentials from an
//! experiment's secrets reach the server and never the journal, and every
//! fault fails the probe and the run while rollbacks and the push go on.

use std::process::Command;

use harness::servers::Pushgateway;
use serde_json::Value;

use crate::run::statuses;

#[test]
fn experiment_secrets_authenticate_the_probes_and_never_reach_the_journal() {
    let sentinel = "sentinel-7f3a9c2e-do-not-print";
    let server = harness::fake::FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let experiment = serde_json::json!({
        "title": "secured", "description": "a Prometheus behind a bearer token",
        "configuration": {"prometheus_base_url": server.url},
        "secrets": {"prometheus": {"prometheus_bearer_token": {"type": "env", "key": "CHAOSPROM_TEST_TOKEN"}}},
        "method": [
            {"type": "probe", "name": "q", "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}, "secrets": ["prometheus"]}},
            {"type": "probe", "name": "bad", "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up", "when": "2 mns ago"}, "secrets": ["prometheus"]}}
        ]
    });
    let path = dir.path().join("secured.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    let journal = dir.path().join("journal.json");
    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(["-v", "run"])
        .arg(&path)
        .arg("--journal-path")
        .arg(&journal)
        .env("CHAOSPROM_TEST_TOKEN", sentinel)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(server.received()[0]
        .headers
        .contains(&format!("authorization: Bearer {sentinel}")));
    let journal = std::fs::read_to_string(&journal).unwrap();
    for text in [
        journal,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ] {
        assert!(!text.contains(sentinel), "leaked: {text}");
    }
}

#[test]
fn every_fault_fails_the_probe_and_the_run_while_rollbacks_and_the_push_still_happen() {
    use harness::fake::{response, FakeServer, Reply};
    let gateway = Pushgateway::start();
    let faults = [
        (
            "non-JSON 200",
            FakeServer::answering(200, "text/html", "<html>hi</html>"),
        ),
        (
            "status error 503",
            FakeServer::answering(
                503,
                "application/json",
                r#"{"status":"error","errorType":"unavailable","error":"x"}"#,
            ),
        ),
        (
            "status error 200",
            FakeServer::answering(
                200,
                "application/json",
                r#"{"status":"error","errorType":"execution","error":"x"}"#,
            ),
        ),
        (
            "HTML 502",
            FakeServer::answering(502, "text/html", "<h1>Bad Gateway</h1>"),
        ),
        (
            "invalid UTF-8",
            FakeServer::answering(200, "application/json", vec![b'{', 0xff]),
        ),
        (
            "truncated",
            FakeServer::start(|_| {
                Reply::Bytes(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nConnection: close\r\n\r\n{".to_vec(),
                )
            }),
        ),
        (
            "garbage",
            FakeServer::start(|_| Reply::Bytes(b"NOT HTTP AT ALL\r\n\r\n".to_vec())),
        ),
        (
            "empty 404",
            FakeServer::start(|_| Reply::Bytes(response(404, "text/plain", b""))),
        ),
    ];
    for (fault, server) in &faults {
        let dir = tempfile::tempdir().unwrap();
        let undone = dir.path().join("undone");
        let experiment = serde_json::json!({
            "title": format!("fault: {fault}"), "description": "a Prometheus that misbehaves",
            "configuration": {"prometheus_base_url": server.url},
            "controls": [{"name": "prometheus", "provider": {"type": "python", "module": "chaosprometheus.metrics", "arguments": {"pushgateway_url": gateway.url, "experiment_ref": fault}}}],
            "steady-state-hypothesis": {"title": "prometheus answers", "probes": [
                {"type": "probe", "name": "up", "tolerance": true, "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}}}
            ]},
            "method": [],
            "rollbacks": [{"type": "action", "name": "undo", "provider": {"type": "process", "path": "touch", "arguments": [undone.to_str().unwrap()]}}]
        });
        let path = dir.path().join("fault.json");
        std::fs::write(&path, experiment.to_string()).unwrap();
        let journal = dir.path().join("journal.json");
        let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .arg("run")
            .arg(&path)
            .args(["--rollback-strategy", "always", "--journal-path"])
            .arg(&journal)
            .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{fault}");
        let journal: Value =
            serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
        assert_eq!(journal["status"], "failed", "{fault}");
        let probe = &journal["steady_states"]["before"]["probes"][0];
        assert_eq!(
            (probe["status"].as_str(), probe["tolerance_met"].as_bool()),
            (Some("failed"), Some(false)),
            "{fault}"
        );
        assert!(
            probe["exception"][0]
                .as_str()
                .unwrap()
                .starts_with("chaoslib.exceptions.ActivityFailed: "),
            "{fault}"
        );
        assert_eq!(
            statuses(&journal["rollbacks"]),
            [("undo".to_string(), "succeeded".to_string())],
            "{fault}"
        );
        assert!(undone.exists(), "{fault}: the rollback ran");
        let group = gateway
            .groups()
            .into_iter()
            .find(|g| g["labels"]["chaostoolkit_experiment_ref"] == *fault)
            .unwrap_or_else(|| panic!("{fault}: no push"));
        let failed = group["chaostoolkit_experiment_status"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["labels"]["chaostoolkit_experiment_status"] == "failed")
            .cloned()
            .unwrap();
        assert_eq!(
            failed["value"], "1",
            "{fault}: the after push recorded the failure"
        );
    }
}
