//! Record and replay through the host: answers recorded from a real
//! Prometheus and Pushgateway replay once they are gone, with the same
//! clock readings and random bytes; a request the recording lacks is a
//! typed error; failures replay as the same failure; credentials the host
//! injects never reach the files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chaosprometheus_host::{
    Authority, CallError, ControlSettings, Credential, HostConfig, OutboundPolicy, ProbeHost,
    RangeQuery, Recording, RetryPolicy,
};
use harness::answers::instant;
use harness::fake::FakeServer;
use harness::servers::{free_port, wait_until, Prometheus, Pushgateway};
use serde_json::json;

/// If this ever shows up in a recording, a credential leaked.
const SENTINEL: &str = "sentinel-0b9e44d1-do-not-record";

fn host_for(policy: OutboundPolicy, recording: &Recording) -> ProbeHost {
    ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap()
    .with_recording(recording.clone())
}

fn allowing(urls: &[&str]) -> OutboundPolicy {
    let mut policy = OutboundPolicy::default();
    for url in urls {
        policy.allow(Authority::from_url(url).unwrap());
    }
    policy
}

fn recording_in(dir: &Path) -> Recording {
    Recording::record(&dir.join("recording"), "tests", json!({"title": "t"})).unwrap()
}

fn replaying(dir: &Path) -> Recording {
    Recording::replay(&dir.join("recording")).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn last_five_minutes() -> RangeQuery {
    RangeQuery {
        query: "up".into(),
        start: "5 minutes ago".into(),
        end: "now".into(),
        step: Some("15".into()),
        timeout: None,
    }
}

#[tokio::test]
async fn answers_replay_after_the_prometheus_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let endpoint = harness::endpoint(&prometheus.url);
    let recording = recording_in(dir.path());
    let host = host_for(allowing(&[&prometheus.url]), &recording);
    let recorded = host.query(&endpoint, &instant("up")).await.unwrap();
    let number = host
        .query_value(&endpoint, &instant("count(up)"), None)
        .await
        .unwrap();
    recording.finish().unwrap();
    drop(prometheus);

    let replay = replaying(dir.path());
    assert_eq!(replay.answers(), 2);
    let host = host_for(allowing(&[endpoint.base_url.as_deref().unwrap()]), &replay);
    assert_eq!(
        host.query(&endpoint, &instant("up")).await.unwrap(),
        recorded
    );
    assert_eq!(
        host.query_value(&endpoint, &instant("count(up)"), None)
            .await
            .unwrap(),
        number
    );
    assert!(replay.missing().is_empty());
}

#[tokio::test]
async fn a_relative_window_replays_to_the_same_url() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
    );
    let endpoint = harness::endpoint(&server.url);
    let recording = recording_in(dir.path());
    let host = host_for(allowing(&[&server.url]), &recording);
    let recorded = host
        .query_interval(&endpoint, &last_five_minutes())
        .await
        .unwrap();
    recording.finish().unwrap();
    let sent = server.received()[0].target.clone();
    drop(server);
    // "5 minutes ago" must mean another instant now than when recorded.
    let recorded_at = SystemTime::now();
    wait_until(Duration::from_secs(10), || {
        (recorded_at.elapsed().ok()? >= Duration::from_secs(2)).then_some(())
    })
    .unwrap();

    let replay = replaying(dir.path());
    let host = host_for(allowing(&[endpoint.base_url.as_deref().unwrap()]), &replay);
    let replayed = host.query_interval(&endpoint, &last_five_minutes()).await;
    assert_eq!(replayed.unwrap(), recorded, "{:?}", replay.missing());
    let kept = std::fs::read_to_string(dir.path().join("recording/answers/00001.json")).unwrap();
    assert!(
        kept.contains(&sent.replace('"', "\\\"")),
        "{sent} in {kept}"
    );
}

#[tokio::test]
async fn a_request_not_in_the_recording_is_a_typed_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let endpoint = harness::endpoint(&server.url);
    let recording = recording_in(dir.path());
    host_for(allowing(&[&server.url]), &recording)
        .query(&endpoint, &instant("up"))
        .await
        .unwrap();
    recording.finish().unwrap();
    drop(server);

    let replay = replaying(dir.path());
    let host = host_for(allowing(&[endpoint.base_url.as_deref().unwrap()]), &replay);
    let error = host.query(&endpoint, &instant("down")).await.unwrap_err();
    let url = format!("{}/api/v1/query?query=down", endpoint.base_url.unwrap());
    match &error {
        CallError::NotRecorded { request, recording } => {
            assert_eq!(request, &format!("GET {url}"));
            assert_eq!(recording, &dir.path().join("recording"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.kind(), "not-recorded");
    assert!(
        error.to_string().contains("record the run again"),
        "{error}"
    );
    assert_eq!(replay.missing(), [format!("GET {url}")]);
}

#[tokio::test]
async fn a_recorded_failure_replays_as_the_same_failure() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    let endpoint = harness::endpoint(&url);
    let mut policy = allowing(&[&url]);
    policy.retry = RetryPolicy {
        attempts: 2,
        first_pause: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let recording = recording_in(dir.path());
    let recorded = host_for(policy.clone(), &recording)
        .query(&endpoint, &instant("up"))
        .await
        .unwrap_err();
    recording.finish().unwrap();
    assert_eq!(recorded.kind(), "transport/connection-refused");
    assert!(
        recorded.to_string().contains("gave up after 2 attempts"),
        "{recorded}"
    );

    let replay = replaying(dir.path());
    let replayed = host_for(policy, &replay)
        .query(&endpoint, &instant("up"))
        .await
        .unwrap_err();
    assert_eq!(
        (replayed.kind(), replayed.to_string()),
        (recorded.kind(), recorded.to_string())
    );
}

#[tokio::test]
async fn injected_credentials_never_reach_the_recording_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let mut policy = OutboundPolicy::default();
    policy.inject(
        Authority::from_url(&server.url).unwrap(),
        Some(Credential::Bearer(SENTINEL.into())),
        vec![("X-Scope-OrgID".into(), format!("tenant-{SENTINEL}"))],
    );
    let recording = recording_in(dir.path());
    host_for(policy, &recording)
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await
        .unwrap();
    recording.finish().unwrap();
    assert!(server.received()[0].headers.contains(SENTINEL));
    let written = files(&dir.path().join("recording"));
    assert_eq!(written.len(), 3, "{written:?}");
    for path in written {
        let text = std::fs::read_to_string(&path).unwrap().to_ascii_lowercase();
        assert!(
            !text.contains(SENTINEL),
            "{} holds the token",
            path.display()
        );
        assert!(!text.contains("authorization") && !text.contains("x-scope-orgid"));
    }
}

#[tokio::test]
async fn a_control_run_replays_its_random_trace_id_and_its_pushes() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Pushgateway::start();
    let settings = ControlSettings {
        pushgateway_url: Some(gateway.url.clone()),
        experiment_ref: Some("ref-1".into()),
        keep_runs: true,
        ..ControlSettings::default()
    };
    let recording = recording_in(dir.path());
    let host = host_for(allowing(&[&gateway.url]), &recording);
    let mut run = host.start_run(&settings).await.unwrap();
    let recorded = run.identity().clone();
    let pushed = run.before_experiment().await.unwrap();
    drop(run);
    recording.finish().unwrap();
    assert!(!gateway.groups().is_empty());
    drop(gateway);

    let replay = replaying(dir.path());
    let host = host_for(
        allowing(&[&settings.pushgateway_url.clone().unwrap()]),
        &replay,
    );
    let mut run = host.start_run(&settings).await.unwrap();
    assert_eq!(run.identity(), &recorded);
    assert!(recorded.push_url.contains(&recorded.trace_id));
    assert_eq!(run.before_experiment().await.unwrap(), pushed);
    assert!(replay.missing().is_empty());
}

#[test]
fn a_recording_goes_only_into_a_new_or_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kept.txt"), "x").unwrap();
    let refused = Recording::record(dir.path(), "tests", json!({}))
        .err()
        .unwrap();
    assert!(refused.to_string().contains("is not empty"), "{refused}");
    let missing = Recording::replay(&dir.path().join("none")).err().unwrap();
    assert!(missing.to_string().contains("manifest.json"), "{missing}");
}
