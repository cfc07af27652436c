//! The Pushgateway control through the host, against a real Pushgateway:
//! what upstream left there, the grouping keys, the new settings, retries.

use std::time::Duration;

use chaosprometheus_host::{
    ActivityKind, ActivityOutcome, ActivityStatus, CallError, ControlSettings, ProbeError,
    RunStatus, TransportFailure,
};
use harness::fake::{response, FakeServer, Reply};
use harness::servers::{free_port, Pushgateway};
use serde_json::Value;

const VECTORS: &str = harness::fixtures::EXPERIMENT_REF;
const AFTER_COMPLETED: &str = harness::fixtures::PUSHGATEWAY_AFTER_COMPLETED;
const AFTER_DEVIATED: &str = harness::fixtures::PUSHGATEWAY_AFTER_DEVIATED;

fn settings(gateway: &str) -> ControlSettings {
    ControlSettings {
        pushgateway_url: Some(gateway.to_string()),
        experiment_ref: Some("ref-1".into()),
        lib_version: Some("1.44.0".into()),
        ..ControlSettings::default()
    }
}

fn vector(name: &str) -> String {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    case["experiment"].to_string()
}

/// Our families' lines of a Pushgateway `/metrics` page, with the values
/// that are creation or push times replaced.
fn chaostoolkit_lines(page: &str) -> Vec<String> {
    let mut lines: Vec<String> = page
        .lines()
        .filter(|line| line.contains("chaostoolkit") || line.starts_with("push_"))
        .filter(|line| !line.starts_with("# "))
        .map(|line| {
            let timed = line.contains("_created{") || line.starts_with("push_time_seconds");
            match line.rsplit_once(' ') {
                Some((series, _)) if timed => format!("{series} <time>"),
                _ => line.to_string(),
            }
        })
        .collect();
    lines.sort();
    lines
}

fn headers(page: &str) -> Vec<String> {
    let mut lines: Vec<String> = page
        .lines()
        .filter(|line| line.starts_with("# ") && line.contains("chaostoolkit"))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn a_completed_run_leaves_what_the_python_control_left() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let mut run = host
        .start_run(&ControlSettings {
            experiment_ref: None,
            experiment: Some(vector(
                "upstream-readme-style-as-chaos-run-hashes-it (CLI adds dry: null)",
            )),
            trace_id: Some("a1b16995fd65c9853c900b4ea494593b".into()),
            ..settings(&gateway.url)
        })
        .await
        .unwrap();
    assert_eq!(run.identity().experiment_ref, "acdec76e2e9fed8f36b3a1dc");
    run.before_experiment().await.unwrap();
    run.after_experiment(RunStatus::Completed, false, 0.27318811416625977)
        .await
        .unwrap();
    let page = gateway.metrics();
    let expected = chaostoolkit_lines(AFTER_COMPLETED);
    assert_eq!(
        expected.len(),
        26,
        "status x4, in progress, duration, 15 buckets, count, sum, created, push times"
    );
    assert_eq!(chaostoolkit_lines(&page), expected);
    assert_eq!(headers(&page), headers(AFTER_COMPLETED));

    // The JSON API agrees on the families' types and help texts.
    let groups = gateway.groups();
    assert_eq!(groups.len(), 1);
    let group = &groups[0];
    assert_eq!(
        group["labels"]["chaostoolkit_experiment_ref"],
        "acdec76e2e9fed8f36b3a1dc"
    );
    for (family, kind, help) in [
        (
            "chaostoolkit_experiment_status",
            "GAUGE",
            "Chaos Toolkit experiment runs status",
        ),
        (
            "chaostoolkit_inprogress_experiment",
            "GAUGE",
            "Chaos Toolkit experiments in progress",
        ),
        (
            "chaostoolkit_experiment_duration",
            "GAUGE",
            "Chaos Toolkit experiment duration",
        ),
        (
            "chaostoolkit_experiment_duration_dist",
            "HISTOGRAM",
            "Chaos Toolkit experiment duration distribution",
        ),
    ] {
        assert_eq!(
            (
                group[family]["type"].as_str(),
                group[family]["help"].as_str()
            ),
            (Some(kind), Some(help)),
            "{family}"
        );
    }
}

#[tokio::test]
async fn a_deviated_run_leaves_what_the_python_control_left() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let mut run = host
        .start_run(&ControlSettings {
            experiment_ref: Some("deviate-demo".into()),
            trace_id: Some("my-trace-001".into()),
            ..settings(&gateway.url)
        })
        .await
        .unwrap();
    run.before_experiment().await.unwrap();
    run.after_experiment(RunStatus::Completed, true, 3.0560290813446045)
        .await
        .unwrap();
    let ours: Vec<String> = chaostoolkit_lines(&gateway.metrics())
        .into_iter()
        .filter(|line| !line.contains("_bucket{"))
        .collect();
    let expected = chaostoolkit_lines(AFTER_DEVIATED);
    assert_eq!(expected.len(), 13);
    assert_eq!(ours, expected);
}

#[tokio::test]
async fn the_before_push_alone_shows_the_run_in_progress() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let mut run = host.start_run(&settings(&gateway.url)).await.unwrap();
    let report = run.before_experiment().await.unwrap();
    assert_eq!(report.attempts, 1);
    assert_eq!(
        report.url,
        format!(
            "{}/metrics/job/chaostoolkit/chaostoolkit_experiment_ref/ref-1",
            gateway.url
        )
    );
    let trace = &run.identity().trace_id;
    let expected = format!(
        "chaostoolkit_inprogress_experiment{{chaostoolkit_experiment_ref=\"ref-1\",chaostoolkit_lib_version=\"1.44.0\",chaostoolkit_run_trace_id=\"{trace}\",instance=\"\",job=\"chaostoolkit\",source=\"chaostoolkit\"}} 1"
    );
    let page = gateway.metrics();
    assert!(page.lines().any(|line| line == expected), "{page}");
    assert!(!page.contains("chaostoolkit_experiment_status{"));
}

#[tokio::test]
async fn awkward_grouping_keys_and_label_values_round_trip() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let awkward_ref = "quote \" backslash \\ newline \n end";
    let mut run = host
        .start_run(&ControlSettings {
            job: Some("my job/nightly".into()),
            experiment_ref: Some(awkward_ref.into()),
            trace_id: Some("é 日本 🚀".into()),
            grouping_key: Some(vec![
                ("path".into(), "a/b".into()),
                ("spaced".into(), "x y".into()),
                ("unicode".into(), "é日本🚀?#%".into()),
                ("empty".into(), String::new()),
            ]),
            ..settings(&gateway.url)
        })
        .await
        .unwrap();
    run.before_experiment().await.unwrap();
    run.after_experiment(RunStatus::Failed, false, 1.0)
        .await
        .unwrap();
    let groups = gateway.groups();
    assert_eq!(groups.len(), 1);
    let labels = &groups[0]["labels"];
    assert_eq!(labels["job"], "my job/nightly");
    assert_eq!(labels["path"], "a/b");
    assert_eq!(labels["spaced"], "x y");
    assert_eq!(labels["unicode"], "é日本🚀?#%");
    assert!(labels.get("empty").is_none_or(|v| v == ""), "{labels}");
    let series = &groups[0]["chaostoolkit_experiment_duration"]["metrics"][0]["labels"];
    assert_eq!(series["chaostoolkit_experiment_ref"], awkward_ref);
    assert_eq!(series["chaostoolkit_run_trace_id"], "é 日本 🚀");
}

#[tokio::test]
async fn the_experiment_reference_is_chaos_toolkits_hash_for_every_vector() {
    let host = harness::host(&[]);
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    for case in vectors["cases"].as_array().unwrap() {
        let run = host
            .start_run(&ControlSettings {
                experiment: Some(case["experiment"].to_string()),
                ..ControlSettings::default()
            })
            .await
            .unwrap();
        assert_eq!(
            run.identity().experiment_ref,
            case["experiment_hash"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}

#[tokio::test]
async fn every_run_gets_a_new_random_trace_id() {
    let host = harness::host(&[]);
    let first = host
        .start_run(&settings("http://127.0.0.1:9"))
        .await
        .unwrap();
    let second = host
        .start_run(&settings("http://127.0.0.1:9"))
        .await
        .unwrap();
    for trace in [&first.identity().trace_id, &second.identity().trace_id] {
        assert_eq!(trace.len(), 32);
        assert!(
            trace
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{trace}"
        );
    }
    assert_ne!(first.identity().trace_id, second.identity().trace_id);
}

#[tokio::test]
async fn keep_runs_gives_every_run_its_own_group() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    for keep_runs in [false, false] {
        let mut run = host
            .start_run(&ControlSettings {
                keep_runs,
                ..settings(&gateway.url)
            })
            .await
            .unwrap();
        run.after_experiment(RunStatus::Completed, true, 1.0)
            .await
            .unwrap();
    }
    assert_eq!(
        gateway.groups().len(),
        1,
        "upstream's default: the second run replaced the first"
    );
    let mut traces = Vec::new();
    for _ in 0..2 {
        let mut run = host
            .start_run(&ControlSettings {
                keep_runs: true,
                ..settings(&gateway.url)
            })
            .await
            .unwrap();
        traces.push(run.identity().trace_id.clone());
        run.after_experiment(RunStatus::Completed, true, 1.0)
            .await
            .unwrap();
    }
    let groups = gateway.groups();
    let kept: Vec<&Value> = groups
        .iter()
        .filter(|g| g["labels"]["chaostoolkit_run_trace_id"].is_string())
        .collect();
    assert_eq!(kept.len(), 2);
    for trace in traces {
        assert!(kept
            .iter()
            .any(|g| g["labels"]["chaostoolkit_run_trace_id"] == trace.as_str()));
    }
    // Summed across groups, the deviated counter now counts both runs.
    let deviated: f64 = kept
        .iter()
        .map(|g| {
            g["chaostoolkit_deviated_experiment_total"]["metrics"][0]["value"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert_eq!(deviated, 2.0);
}

#[tokio::test]
async fn activity_families_are_pushed_when_asked() {
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let mut run = host
        .start_run(&ControlSettings {
            activity_metrics: true,
            ..settings(&gateway.url)
        })
        .await
        .unwrap();
    for (name, kind, status, duration) in [
        (
            "prometheus-up",
            ActivityKind::Probe,
            ActivityStatus::Succeeded,
            0.01,
        ),
        (
            "kill-pod",
            ActivityKind::Action,
            ActivityStatus::Failed,
            2.5,
        ),
    ] {
        run.after_activity(&ActivityOutcome {
            name: name.into(),
            kind,
            status,
            duration_seconds: duration,
        })
        .await
        .unwrap();
    }
    run.after_experiment(RunStatus::Failed, false, 3.0)
        .await
        .unwrap();
    let page = gateway.metrics();
    let line = |name: &str, extra: &str, value: &str| {
        page.lines()
            .any(|l| l.starts_with(name) && l.contains(extra) && l.ends_with(&format!(" {value}")))
    };
    assert!(
        line(
            "chaostoolkit_activity_duration_seconds{",
            "activity=\"kill-pod\",activity_type=\"action\"",
            "2.5"
        ),
        "{page}"
    );
    assert!(line(
        "chaostoolkit_activity_duration_seconds{",
        "activity=\"prometheus-up\",activity_type=\"probe\"",
        "0.01"
    ));
    assert!(
        line(
            "chaostoolkit_activity_status{",
            "activity=\"kill-pod\",activity_type=\"action\"",
            "1"
        ) && page.contains("status=\"failed\"")
    );
    assert!(
        line(
            "chaostoolkit_activity_status{",
            "activity=\"prometheus-up\",activity_type=\"probe\"",
            "1"
        ) && page.contains("status=\"succeeded\"")
    );

    let without = Pushgateway::start();
    let host = harness::host(&[&without.url]);
    let mut plain = host.start_run(&settings(&without.url)).await.unwrap();
    plain
        .after_experiment(RunStatus::Completed, false, 1.0)
        .await
        .unwrap();
    assert!(!without.metrics().contains("chaostoolkit_activity"));
}

#[tokio::test]
async fn a_pushgateway_that_is_down_then_comes_up_gets_the_push() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let host = harness::host(&[&url]);
    let mut run = host.start_run(&settings(&url)).await.unwrap();
    // The Pushgateway starts once the first try has been refused (the
    // component pauses 1 s, then 2 s before the next: time for it to start).
    let (_guard, retrying) = crate::events::signal_on("not answered");
    let starter = std::thread::spawn(move || {
        retrying
            .recv_timeout(Duration::from_secs(60))
            .expect("the host retries the refused push");
        Pushgateway::start_on(port).expect("the Pushgateway starts on the chosen port")
    });
    let report = run.before_experiment().await.unwrap();
    let gateway = starter.join().unwrap();
    assert!(
        report.attempts >= 2,
        "the first try found nothing listening"
    );
    assert_eq!(gateway.groups().len(), 1);
}

#[tokio::test]
async fn a_failing_pushgateway_is_retried_then_reported() {
    let answers = std::sync::atomic::AtomicUsize::new(0);
    let flaky = FakeServer::start(move |_| {
        let n = answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let status = if n < 2 { 500 } else { 200 };
        Reply::Bytes(response(status, "text/plain", b"busy"))
    });
    let host = harness::host(&[&flaky.url]);
    let mut run = host.start_run(&settings(&flaky.url)).await.unwrap();
    assert_eq!(run.before_experiment().await.unwrap().attempts, 3);
    let sent = flaky.received();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r.method == "PUT"
        && r.headers
            .contains("text/plain; version=0.0.4; charset=utf-8")));

    let broken = FakeServer::answering(500, "text/plain", "broken");
    let host = harness::host(&[&broken.url]);
    let mut run = host.start_run(&settings(&broken.url)).await.unwrap();
    let error = run.after_experiment(RunStatus::Completed, false, 1.0).await;
    let Err(CallError::Probe(ProbeError::HttpStatus(status))) = error else {
        panic!("{error:?}")
    };
    assert_eq!(status.status, 500);
    assert!(
        status.message.contains("failed after 3 tries"),
        "{}",
        status.message
    );
    assert_eq!(broken.received().len(), 3);
}

#[tokio::test]
async fn a_pushgateway_not_on_the_allow_list_is_refused_by_the_host() {
    let gateway = Pushgateway::start();
    let host = harness::host(&["http://127.0.0.1:9090"]);
    let mut run = host.start_run(&settings(&gateway.url)).await.unwrap();
    let error = run.before_experiment().await;
    let Err(CallError::Probe(ProbeError::Transport(transport))) = error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind, TransportFailure::Denied);
    assert!(
        transport.message.contains("failed after 1 try"),
        "denied is not retried: {}",
        transport.message
    );
    assert!(gateway.groups().is_empty());
}

/// Whatever a label value holds, Prometheus's own parser (in the
/// Pushgateway) reads back exactly that value from what we push.
#[test]
fn any_label_value_survives_the_exposition_format() {
    use proptest::strategy::Strategy;
    let gateway = Pushgateway::start();
    let host = harness::host(&[&gateway.url]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let values = proptest::prop_oneof!["\\PC{1,24}", "[\"\\\\\n a/é{}=,]{1,12}"].boxed();
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(48));
    let checked = std::cell::Cell::new(0);
    runner
        .run(&values, |value| {
            let reported = runtime.block_on(async {
                let mut run = host
                    .start_run(&ControlSettings {
                        trace_id: Some(value.clone()),
                        ..settings(&gateway.url)
                    })
                    .await
                    .unwrap();
                run.before_experiment().await.unwrap();
                gateway.groups()[0]["chaostoolkit_inprogress_experiment"]["metrics"][0]["labels"]
                    ["chaostoolkit_run_trace_id"]
                    .clone()
            });
            checked.set(checked.get() + 1);
            proptest::prop_assert_eq!(reported.as_str(), Some(value.as_str()));
            Ok(())
        })
        .unwrap();
    assert_eq!(checked.get(), 48);
}
