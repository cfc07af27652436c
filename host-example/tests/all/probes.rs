//! The probes through the host, against a real Prometheus (and, for faults
//! a real server cannot produce, the in-test fake server).

use std::time::{Duration, Instant};

use chaosprometheus_host::{
    BadResponseKind, CallError, CallLimits, Endpoint, InstantQuery, MeanKind, MeanWindow,
    ProbeError, RangeQuery, TransportFailure,
};
use harness::answers::first_series_samples;
pub(crate) use harness::answers::instant;
use harness::fake::{FakeServer, Reply};
use harness::means::mean;
use harness::servers::{Prometheus, PrometheusOptions};
use harness::{endpoint, host, host_with, unix_now};
use serde_json::Value;

pub(crate) fn at(query: &str, when: &str) -> InstantQuery {
    InstantQuery {
        query: query.into(),
        when: Some(when.into()),
        timeout: None,
    }
}

pub(crate) fn range(query: &str, start: &str, end: &str, step: Option<&str>) -> RangeQuery {
    RangeQuery {
        query: query.into(),
        start: start.into(),
        end: end.into(),
        step: step.map(Into::into),
        timeout: None,
    }
}

pub(crate) fn window(length: &str, kind: MeanKind, end: &str, step: &str) -> MeanWindow {
    MeanWindow {
        window: Some(length.into()),
        kind,
        end: Some(end.into()),
        step: Some(step.into()),
        timeout: None,
    }
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the probe returns JSON")
}

pub(crate) fn probe_error(result: Result<impl std::fmt::Debug, CallError>) -> ProbeError {
    match result {
        Err(CallError::Probe(error)) => error,
        other => panic!("expected a probe error, got {other:?}"),
    }
}

/// The sample values of the first series of a range answer, which must
/// have one.
pub(crate) fn sample_values(body: &str) -> Vec<f64> {
    let samples = first_series_samples(&json(body));
    assert!(!samples.is_empty(), "no series in {body}");
    samples
}

pub(crate) fn arithmetic_mean(samples: &[f64]) -> f64 {
    mean(MeanKind::Arithmetic, samples)
}

pub(crate) fn scalar_value(body: &str) -> f64 {
    let answer = json(body);
    assert_eq!(answer["data"]["resultType"], "scalar", "{body}");
    answer["data"]["result"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_result_shape_comes_back_unchanged() {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);

    let vector = json(
        &host
            .query(&e, &instant("up{job=\"prometheus\"}"))
            .await
            .unwrap(),
    );
    assert_eq!(vector["status"], "success");
    assert_eq!(vector["data"]["resultType"], "vector");
    assert_eq!(vector["data"]["result"][0]["metric"]["job"], "prometheus");
    assert_eq!(vector["data"]["result"][0]["value"][1], "1");

    let scalar = host.query(&e, &instant("1+1")).await.unwrap();
    assert_eq!(scalar_value(&scalar), 2.0);

    let string = json(&host.query(&e, &instant("\"hello\"")).await.unwrap());
    assert_eq!(string["data"]["resultType"], "string");
    assert_eq!(string["data"]["result"][1], "hello");

    let empty = json(
        &host
            .query(&e, &instant("nonexistent_metric_xyz"))
            .await
            .unwrap(),
    );
    assert_eq!(
        empty["data"],
        serde_json::json!({"resultType": "vector", "result": []})
    );

    let matrix = json(
        &host
            .query_interval(&e, &range("vector(1)", "30s ago", "now", Some("10")))
            .await
            .unwrap(),
    );
    assert_eq!(matrix["data"]["resultType"], "matrix");
    assert_eq!(
        matrix["data"]["result"][0]["values"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn when_sets_the_evaluation_time_exactly() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    for (when, expected) in [
        ("2026-11-22T08:30:00Z", 1_795_336_200.0),
        ("2026-11-22T08:30:00+02:00", 1_795_329_000.0),
        ("2026-11-22 08:30:00", 1_795_336_200.0),
        // dateparser reads an epoch's whole seconds only, as upstream did.
        ("1795336200.5", 1_795_336_200.0),
        ("2026-11-22T08:30:00.123Z", 1_795_336_200.123),
    ] {
        let body = host.query(&e, &at("time()", when)).await.unwrap();
        assert_eq!(scalar_value(&body), expected, "when = {when}");
    }
    for (when, offset) in [
        ("1 hour ago", -3600.0),
        ("5 min ago", -300.0),
        ("-30s", -30.0),
        ("yesterday", -86_400.0),
        ("in 2 minutes", 120.0),
        ("now", 0.0),
    ] {
        let before = unix_now();
        let body = host.query(&e, &at("time()", when)).await.unwrap();
        let after = unix_now();
        let value = scalar_value(&body);
        assert!(
            value >= before + offset - 0.002 && value <= after + offset + 0.002,
            "when = {when}: {value} not within [{}, {}]",
            before + offset,
            after + offset
        );
    }
}

#[tokio::test]
async fn query_range_honours_start_end_and_step() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    let timestamps = |body: &str| -> Vec<f64> {
        json(body)["data"]["result"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| pair[0].as_f64().unwrap())
            .collect()
    };
    let start = 1_795_336_200.0;
    let body = host
        .query_interval(
            &e,
            &range(
                "vector(1)",
                "2026-11-22T08:30:00Z",
                "2026-11-22T08:35:00Z",
                Some("15"),
            ),
        )
        .await
        .unwrap();
    let expected: Vec<f64> = (0..=20).map(|i| start + 15.0 * f64::from(i)).collect();
    assert_eq!(timestamps(&body), expected);

    let body = host
        .query_interval(
            &e,
            &range(
                "vector(1)",
                "2026-11-22T08:30:00Z",
                "2026-11-22T08:35:00Z",
                Some("1m"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        timestamps(&body),
        (0..=5)
            .map(|i| start + 60.0 * f64::from(i))
            .collect::<Vec<_>>()
    );

    // No step over a day: 8 s, the smallest that stays within 11,000 points
    // (upstream's 1 s default overflowed).
    let body = host
        .query_interval(
            &e,
            &range(
                "vector(1)",
                "2026-11-21T08:30:00Z",
                "2026-11-22T08:30:00Z",
                None,
            ),
        )
        .await
        .unwrap();
    let day = timestamps(&body);
    assert_eq!(day.len(), 10_801);
    assert!(day.windows(2).all(|w| w[1] - w[0] == 8.0));
}

#[tokio::test]
async fn unparsable_times_fail_with_upstream_message_before_any_request() {
    let server = FakeServer::answering(200, "application/json", "{}");
    let host = host(&[&server.url]);
    let e = endpoint(&server.url);
    for bad in ["2 mns ago", "right now"] {
        let error = probe_error(host.query(&e, &at("up", bad)).await);
        assert_eq!(
            error,
            ProbeError::InvalidArgument(format!("failed to parse '{bad}'"))
        );
        let error = probe_error(
            host.query_interval(&e, &range("up", bad, "now", None))
                .await,
        );
        assert_eq!(
            error,
            ProbeError::InvalidArgument(format!("failed to parse '{bad}'"))
        );
        let error = probe_error(
            host.query_interval(&e, &range("up", "now", bad, None))
                .await,
        );
        assert_eq!(
            error,
            ProbeError::InvalidArgument(format!("failed to parse '{bad}'"))
        );
    }
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn bad_promql_is_a_prometheus_error_with_its_error_type() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    let ProbeError::Prometheus(error) = probe_error(host.query(&e, &instant("up{")).await) else {
        panic!("expected a Prometheus error")
    };
    assert_eq!(error.status, 400);
    assert_eq!(error.error_type, "bad_data");
    assert!(error.error.contains("parse error"), "{}", error.error);
    assert!(
        error
            .message
            .starts_with("Prometheus query {'query': 'up{'} failed: {\"status\":\"error\""),
        "{}",
        error.message
    );

    let bad_range = range(
        "up{",
        "2026-11-22T08:25:35Z",
        "2026-11-22T08:30:35Z",
        Some("1"),
    );
    let ProbeError::Prometheus(error) = probe_error(host.query_interval(&e, &bad_range).await)
    else {
        panic!("expected a Prometheus error")
    };
    assert_eq!((error.status, error.error_type.as_str()), (400, "bad_data"));
    assert!(error.message.starts_with("Prometheus query range {'query': 'up{', 'step': 1, 'start': '2026-11-22T08:25:35.000Z', 'end': '2026-11-22T08:30:35.000Z'} failed: "), "{}", error.message);

    // An end before the start fails in the component, the same way on
    // Prometheus and VictoriaMetrics (which would answer for another range).
    let backwards = range(
        "up",
        "2026-11-22T08:30:35Z",
        "2026-11-22T08:25:35Z",
        Some("1"),
    );
    let ProbeError::InvalidArgument(message) =
        probe_error(host.query_interval(&e, &backwards).await)
    else {
        panic!("expected an invalid argument")
    };
    assert!(message.contains("is before the start"), "{message}");
}

#[tokio::test]
async fn a_server_not_on_the_allow_list_is_refused_without_a_connection() {
    let allowed = Prometheus::start();
    let other = Prometheus::start_with(PrometheusOptions::default());
    let host = host(&[&allowed.url]);
    let accepted = "net_conntrack_listener_conn_accepted_total{listener_name=\"http\"}";
    let before = other.own_metric(accepted);
    let error = probe_error(host.query(&endpoint(&other.url), &instant("up")).await);
    let after = other.own_metric(accepted);
    let ProbeError::Transport(transport) = error else {
        panic!("expected a transport error")
    };
    assert_eq!(transport.kind, TransportFailure::Denied);
    assert!(
        transport.message.contains(&other.url),
        "{}",
        transport.message
    );
    // The only connection between the two readings is the second reading.
    assert_eq!(after - before, 1.0, "the denied probe reached the server");
    // The allowed one still answers through the same host.
    assert!(host
        .query(&endpoint(&allowed.url), &instant("1"))
        .await
        .is_ok());
}

#[tokio::test]
async fn a_server_that_never_answers_fails_within_the_first_byte_timeout() {
    let silent = FakeServer::start(|_| Reply::Silence);
    let host = host(&[&silent.url]);
    let e = Endpoint {
        first_byte_timeout_ms: Some(500),
        ..endpoint(&silent.url)
    };
    let started = Instant::now();
    let error = probe_error(host.query(&e, &instant("up")).await);
    let ProbeError::Transport(transport) = error else {
        panic!("expected a transport error")
    };
    assert_eq!(transport.kind, TransportFailure::Timeout);
    assert!(
        transport.message.contains("first-byte timeout (500 ms)"),
        "{}",
        transport.message
    );
    // Bounded by the configured timeout, not the 30 s default or forever.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_stalled_body_fails_within_the_between_bytes_timeout() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"status\":".to_vec();
    let stalled = FakeServer::start(move |_| Reply::BytesThenStall(head.clone()));
    let host = host(&[&stalled.url]);
    let e = Endpoint {
        between_bytes_timeout_ms: Some(500),
        ..endpoint(&stalled.url)
    };
    let ProbeError::Transport(transport) = probe_error(host.query(&e, &instant("up")).await) else {
        panic!("expected a transport error")
    };
    assert_eq!(
        transport.kind,
        TransportFailure::Timeout,
        "{}",
        transport.message
    );
    assert!(
        transport.message.contains("between-bytes timeout (500 ms)"),
        "{}",
        transport.message
    );
}

#[tokio::test]
async fn a_non_json_answer_is_a_bad_response() {
    let server = FakeServer::answering(200, "text/html", "<html>not prometheus</html>");
    let host = host(&[&server.url]);
    let ProbeError::BadResponse(bad) =
        probe_error(host.query(&endpoint(&server.url), &instant("up")).await)
    else {
        panic!("expected a bad response")
    };
    assert_eq!(bad.kind, BadResponseKind::NotJson);
    assert!(bad.message.contains("<html>not prometheus</html>"));
}

#[tokio::test]
async fn status_error_is_an_error_even_with_http_200() {
    for status in [200, 503] {
        let body = r#"{"status":"error","errorType":"unavailable","error":"too busy"}"#;
        let server = FakeServer::answering(status, "application/json", body);
        let host = host(&[&server.url]);
        let ProbeError::Prometheus(error) =
            probe_error(host.query(&endpoint(&server.url), &instant("up")).await)
        else {
            panic!("expected a Prometheus error")
        };
        assert_eq!(
            (
                error.status,
                error.error_type.as_str(),
                error.error.as_str()
            ),
            (status, "unavailable", "too busy")
        );
    }
}

#[tokio::test]
async fn a_long_query_goes_as_a_post_and_gets_the_right_answer() {
    let long_value = "x".repeat(9_000);
    let query = format!("label_replace(vector(1), \"long\", \"{long_value}\", \"\", \"\")");

    let prometheus = Prometheus::start();
    let host_for_prometheus = host(&[&prometheus.url]);
    let answer = json(
        &host_for_prometheus
            .query(&endpoint(&prometheus.url), &instant(&query))
            .await
            .unwrap(),
    );
    assert_eq!(
        answer["data"]["result"][0]["metric"]["long"],
        long_value.as_str()
    );
    assert_eq!(answer["data"]["result"][0]["value"][1], "1");

    let recorder = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let host_for_recorder = host(&[&recorder.url]);
    host_for_recorder
        .query(
            &endpoint(&recorder.url),
            &at(&query, "2026-11-22T08:30:00Z"),
        )
        .await
        .unwrap();
    let sent = &recorder.received()[0];
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        ("POST", "/api/v1/query")
    );
    assert!(sent
        .headers
        .to_ascii_lowercase()
        .contains("content-type: application/x-www-form-urlencoded"));
    let form: Vec<(String, String)> = form_urlencoded::parse(&sent.body).into_owned().collect();
    assert_eq!(
        form,
        vec![
            ("query".into(), query.clone()),
            ("time".into(), "2026-11-22T08:30:00.000Z".into())
        ]
    );
}

#[tokio::test]
async fn promql_with_quotes_and_unicode_round_trips() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let value = "é \\\"quoted\\\" 日本 / 🚀 & ? # %";
    let query = format!("label_replace(vector(1), \"x\", \"{value}\", \"\", \"\")");
    let answer = json(
        &host
            .query(&endpoint(&prometheus.url), &instant(&query))
            .await
            .unwrap(),
    );
    assert_eq!(
        answer["data"]["result"][0]["metric"]["x"],
        "é \"quoted\" 日本 / 🚀 & ? # %"
    );
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_works() {
    let prometheus = Prometheus::start_with(PrometheusOptions {
        scrape_self: true,
        route_prefix: Some("/prom".into()),
        ..PrometheusOptions::default()
    });
    let host = host(&[&prometheus.url]);
    for base in [prometheus.url.clone(), format!("{}/", prometheus.url)] {
        let body = host.query(&endpoint(&base), &instant("1+1")).await.unwrap();
        assert_eq!(scalar_value(&body), 2.0, "base {base}");
    }
}

#[tokio::test]
async fn a_trap_or_deadline_does_not_affect_the_next_call() {
    let prometheus = Prometheus::start();
    let silent = FakeServer::start(|_| Reply::Silence);
    let big = FakeServer::answering(
        200,
        "application/json",
        format!(
            r#"{{"status":"success","data":{{"resultType":"string","result":[1,"{}"]}}}}"#,
            "x".repeat(32 << 20)
        ),
    );
    let limits = CallLimits {
        memory_bytes: 16 << 20,
        deadline: Duration::from_millis(800),
        ..CallLimits::default()
    };
    let host = host_with(&[&prometheus.url, &silent.url, &big.url], limits);
    let good = endpoint(&prometheus.url);

    let deadline = host.query(&endpoint(&silent.url), &instant("up")).await;
    assert!(
        matches!(deadline, Err(CallError::Deadline(_))),
        "{deadline:?}"
    );
    assert_eq!(
        scalar_value(&host.query(&good, &instant("1+1")).await.unwrap()),
        2.0
    );

    let memory = host.query(&endpoint(&big.url), &instant("up")).await;
    assert!(
        matches!(memory, Err(CallError::MemoryCap { limit, .. }) if limit == 16 << 20),
        "{memory:?}"
    );
    assert_eq!(
        scalar_value(&host.query(&good, &instant("1+1")).await.unwrap()),
        2.0
    );

    // Reading a 32 MiB answer takes far more than 5 million instructions.
    let starved = host_with(
        &[&prometheus.url, &big.url],
        CallLimits {
            fuel: 5_000_000,
            ..CallLimits::default()
        },
    );
    let cpu = starved.query(&endpoint(&big.url), &instant("up")).await;
    assert!(
        matches!(cpu, Err(CallError::CpuCap { fuel: 5_000_000 })),
        "{cpu:?}"
    );
    assert_eq!(
        scalar_value(&starved.query(&good, &instant("1+1")).await.unwrap()),
        2.0
    );
}
