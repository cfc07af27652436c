use super::*;
use crate::response::HttpResponse;

const BEFORE: &str = include_str!("../../tests/fixtures/upstream-push-before.txt");
const AFTER_DEVIATED: &str = include_str!("../../tests/fixtures/upstream-push-after-deviated.txt");

fn upstream_run() -> Run {
    Run::configure(
        ControlSettings {
            pushgateway_url: Some("http://127.0.0.1:19093".into()),
            experiment: Some(r#"{"title": "t", "description": "d", "method": []}"#.into()),
            trace_id: Some("788e439810dce9dcf425c056cabd8e4a".into()),
            lib_version: Some("1.44.0".into()),
            ..ControlSettings::default()
        },
        || unreachable!("a trace id was given"),
    )
    .unwrap()
}

/// The `_created` values are creation times; everything else must match.
fn without_created_values(body: &str) -> String {
    body.lines()
        .map(|line| match line.split_once("_created{") {
            Some((name, rest)) => {
                let labels = rest.rsplit_once("} ").map_or(rest, |(labels, _)| labels);
                format!("{name}_created{{{labels}}} <time>")
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn before_push_is_byte_for_byte_upstreams() {
    let run = upstream_run();
    assert_eq!(run.experiment_ref, "2203498860fa966cd046f1a1");
    assert_eq!(run.before_body(), BEFORE);
    assert_eq!(
        run.push_url(),
        "http://127.0.0.1:19093/metrics/job/chaostoolkit/chaostoolkit_experiment_ref/2203498860fa966cd046f1a1"
    );
}

#[test]
fn after_push_is_upstreams_apart_from_creation_times() {
    let run = upstream_run();
    let body = run.after_body(RunStatus::Completed, true, 1.5, 1795336294.0643928);
    assert_eq!(
        without_created_values(&body),
        without_created_values(AFTER_DEVIATED)
    );
}

#[test]
fn a_run_that_did_not_deviate_has_no_deviated_series() {
    let body = upstream_run().after_body(RunStatus::Failed, false, 0.2, 1.0);
    assert!(!body.contains("chaostoolkit_deviated_experiment_total{"));
    assert!(!body.contains("chaostoolkit_deviated_experiment_created"));
    assert!(body.contains("chaostoolkit_experiment_status=\"failed\",chaostoolkit_lib_version=\"1.44.0\",chaostoolkit_run_trace_id=\"788e439810dce9dcf425c056cabd8e4a\",source=\"chaostoolkit\"} 1.0"));
    assert!(
        body.contains("le=\"0.25\",source=\"chaostoolkit\"} 1.0")
            && body.contains("le=\"0.1\",source=\"chaostoolkit\"} 0.0")
    );
}

#[test]
fn grouping_key_job_and_settings_precedence() {
    let configured =
        |settings: ControlSettings| Run::configure(settings, || "0".repeat(32)).unwrap();
    let base = ControlSettings {
        experiment_ref: Some("ref 1".into()),
        ..ControlSettings::default()
    };
    let run = configured(ControlSettings {
        job: Some("my job".into()),
        grouping_key: Some(vec![
            ("team".into(), "a/b".into()),
            ("env".into(), String::new()),
        ]),
        ..base.clone()
    });
    assert_eq!(
        run.push_url(),
        "http://localhost:9091/metrics/job@base64/bXkgam9i/env@base64/=/team@base64/YS9i"
    );

    let from_configuration = configured(ControlSettings {
        configuration: Some(r#"{"prometheus_pushgateway_url": "gw:9999/prefix/", "prometheus_pushgateway_job": "nightly"}"#.into()),
        ..base.clone()
    });
    assert_eq!(
        from_configuration.push_url(),
        "http://gw:9999/prefix/metrics/job/nightly/chaostoolkit_experiment_ref@base64/cmVmIDE="
    );

    let explicit_wins = configured(ControlSettings {
        pushgateway_url: Some("http://explicit:1".into()),
        configuration: Some(r#"{"prometheus_pushgateway_url": "http://configured:2"}"#.into()),
        ..base.clone()
    });
    assert!(explicit_wins.push_url().starts_with("http://explicit:1/"));

    let kept = configured(ControlSettings {
        keep_runs: true,
        trace_id: Some("t1".into()),
        ..base.clone()
    });
    assert_eq!(
        kept.grouping_key,
        vec![
            (
                "chaostoolkit_experiment_ref".to_string(),
                "ref 1".to_string()
            ),
            ("chaostoolkit_run_trace_id".to_string(), "t1".to_string())
        ]
    );

    assert_eq!(configured(base.clone()).trace_id, "0".repeat(32));
    assert!(Run::configure(
        ControlSettings {
            grouping_key: Some(vec![("bad-name".into(), "v".into())]),
            ..base.clone()
        },
        String::new
    )
    .is_err());
    assert!(
        Run::configure(ControlSettings::default(), String::new).is_err(),
        "no experiment and no reference"
    );
    let env_value = ControlSettings {
        configuration: Some(
            r#"{"prometheus_pushgateway_url": {"type": "env", "key": "X"}}"#.into(),
        ),
        ..base
    };
    assert!(
        matches!(Run::configure(env_value, String::new), Err(ProbeError::InvalidArgument(m)) if m.contains("must be a string"))
    );
}

#[test]
fn activity_families_keep_the_last_run_of_each_activity() {
    let mut run = Run::configure(
        ControlSettings {
            experiment_ref: Some("r".into()),
            trace_id: Some("t".into()),
            activity_metrics: true,
            ..ControlSettings::default()
        },
        String::new,
    )
    .unwrap();
    let outcome = |status, duration| ActivityOutcome {
        name: "probe \"up\"".into(),
        kind: ActivityKind::Probe,
        status,
        duration_seconds: duration,
    };
    run.record_activity(outcome(ActivityStatus::Succeeded, 0.5));
    run.record_activity(outcome(ActivityStatus::Failed, 0.25));
    let body = run.after_body(RunStatus::Completed, false, 1.0, 1.0);
    assert!(body.contains("# TYPE chaostoolkit_activity_duration_seconds gauge\nchaostoolkit_activity_duration_seconds{activity=\"probe \\\"up\\\"\",activity_type=\"probe\","));
    assert_eq!(body.matches("chaostoolkit_activity_status{").count(), 1);
    assert!(body.contains("status=\"failed\"} 1.0"));
    assert!(body.contains("source=\"chaostoolkit\"} 0.25"));
}

/// Answers with a list of canned outcomes and records the pauses.
struct Script {
    answers: Vec<Result<HttpResponse, ProbeError>>,
    sent: usize,
}

impl Transport for Script {
    fn send(&mut self, _request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
        self.sent += 1;
        self.answers.remove(0)
    }
}

#[derive(Default)]
struct FakeClock {
    now: Duration,
    pauses: Vec<Duration>,
}

impl Clock for FakeClock {
    fn elapsed(&self) -> Duration {
        self.now
    }
    fn pause(&mut self, duration: Duration) {
        self.pauses.push(duration);
        self.now += duration;
    }
}

fn status(code: u16) -> Result<HttpResponse, ProbeError> {
    Ok(HttpResponse {
        status: code,
        body: b"nope".to_vec(),
        location: None,
    })
}

fn refused() -> Result<HttpResponse, ProbeError> {
    Err(ProbeError::transport(
        TransportFailure::ConnectionRefused,
        "refused",
    ))
}

#[test]
fn pushes_retry_transient_failures_with_backoff() {
    let run = upstream_run();
    let mut transport = Script {
        answers: vec![refused(), status(500), status(200)],
        sent: 0,
    };
    let mut clock = FakeClock::default();
    let report = run.push(&mut transport, &mut clock, "x".into()).unwrap();
    assert_eq!((report.attempts, report.bytes), (3, 1));
    assert_eq!(clock.pauses, PUSH_BACKOFF.to_vec());
}

#[test]
fn pushes_give_up_after_three_tries_or_at_once_when_retrying_cannot_help() {
    let run = upstream_run();
    let mut transport = Script {
        answers: vec![refused(), refused(), refused(), refused()],
        sent: 0,
    };
    let error = run
        .push(&mut transport, &mut FakeClock::default(), "x".into())
        .unwrap_err();
    assert_eq!(transport.sent, 3);
    assert!(
        matches!(&error, ProbeError::Transport { kind: TransportFailure::ConnectionRefused, message } if message.contains("failed after 3 tries")),
        "{error:?}"
    );

    let mut transport = Script {
        answers: vec![status(400)],
        sent: 0,
    };
    let error = run
        .push(&mut transport, &mut FakeClock::default(), "x".into())
        .unwrap_err();
    assert_eq!(transport.sent, 1);
    assert!(
        matches!(&error, ProbeError::HttpStatus { status: 400, message, .. } if message.contains("failed after 1 try: HTTP 400: nope")),
        "{error:?}"
    );

    let denied = Err(ProbeError::transport(TransportFailure::Denied, "denied"));
    let mut transport = Script {
        answers: vec![denied],
        sent: 0,
    };
    assert!(run
        .push(&mut transport, &mut FakeClock::default(), "x".into())
        .is_err());
    assert_eq!(transport.sent, 1);
}

#[test]
fn pushes_stop_retrying_when_the_budget_is_spent() {
    let run = upstream_run();
    let mut transport = Script {
        answers: vec![refused(), refused()],
        sent: 0,
    };
    let mut clock = FakeClock {
        now: PUSH_BUDGET - Duration::from_millis(500),
        pauses: Vec::new(),
    };
    assert!(run.push(&mut transport, &mut clock, "x".into()).is_err());
    assert_eq!(transport.sent, 1);
}
