//! The probes through the host against a real VictoriaMetrics (Debian's
//! single-node `victoria-metrics`), a Prometheus-compatible store whose
//! answers differ from Prometheus's in ways users hit (README, "VictoriaMetrics
//! and other Prometheus-compatible stores"). `query` and `query-interval`
//! pass its answers through unchanged; `query-value` and the means read the
//! number a user means on both.

use chaosprometheus_host::{MeanKind, ProbeError};
use harness::fake::FakeServer;
use harness::servers::{http_get, Prometheus};
use harness::victoria::{VictoriaMetrics, VictoriaOptions};
use harness::{endpoint, host, unix_now};

use crate::probes::{arithmetic_mean, at, instant, json, probe_error, range, window};

/// The body VictoriaMetrics gives a plain GET of `/api/v1/<api>` with
/// `params`, read without the code under test. (The component sends times
/// as RFC 3339; the same instants as Unix seconds give the same answer.)
fn direct(server: &VictoriaMetrics, api: &str, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let (status, body) =
        http_get(server.port, &format!("/api/v1/{api}?{query}")).expect("VictoriaMetrics answers");
    assert_eq!(status, 200, "{body}");
    body
}

/// One sample a second of `name` from `first` to `last` (Unix seconds),
/// `value(t)` each, in the Prometheus text format with millisecond stamps.
fn samples(name: &str, first: i64, last: i64, value: impl Fn(i64) -> f64) -> String {
    (first..=last)
        .map(|t| format!("{name}{{job=\"import\"}} {} {}\n", value(t), t * 1000))
        .collect()
}

#[tokio::test]
async fn victoria_metrics_answers_pass_through_unchanged() {
    let vm = VictoriaMetrics::start();
    let last = unix_now() as i64 - 300;
    let first = last - 60;
    vm.import(
        &samples("vm_passthrough", first, last, |t| (t - first) as f64),
        "vm_passthrough",
    );
    let host = host(&[&vm.url]);
    let e = endpoint(&vm.url);
    let when = last.to_string();
    // A vector, a scalar (answered as a one-series vector), a string
    // literal (answered as an empty vector), and no series.
    for query in [
        "vm_passthrough",
        "1+1",
        "\"hello\"",
        "nonexistent_metric_xyz",
    ] {
        let body = host.query(&e, &at(query, &when)).await.unwrap();
        assert_eq!(
            body,
            direct(&vm, "query", &[("query", query), ("time", &when)]),
            "{query}"
        );
        assert_eq!(json(&body)["data"]["resultType"], "vector", "{query}");
    }
    let start = first.to_string();
    let body = host
        .query_interval(
            &e,
            &range("vm_passthrough", &first.to_string(), &when, Some("10")),
        )
        .await
        .unwrap();
    assert_eq!(
        body,
        direct(
            &vm,
            "query_range",
            &[
                ("query", "vm_passthrough"),
                ("step", "10"),
                ("start", &start),
                ("end", &when)
            ]
        )
    );
    let matrix = json(&body);
    let values = matrix["data"]["result"][0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 7);
    // Whole-second timestamps come back as JSON integers, as sent.
    assert!(values.iter().all(|pair| pair[0].is_i64()), "{body}");

    // At now, VictoriaMetrics stamps an instant answer with whole seconds.
    let now = json(&host.query(&e, &instant("1+1")).await.unwrap());
    assert!(now["data"]["result"][0]["value"][0].is_i64(), "{now}");
}

#[tokio::test]
async fn query_value_reads_the_number_a_user_means_on_both() {
    let vm = VictoriaMetrics::start();
    let prometheus = Prometheus::start();
    let host = host(&[&vm.url, &prometheus.url]);
    for server in [&vm.url, &prometheus.url] {
        let e = endpoint(server);
        // A scalar on Prometheus, a one-series vector on VictoriaMetrics.
        for (query, want) in [
            ("1+1", 2.0),
            ("vector(42)", 42.0),
            ("scalar(vector(3))", 3.0),
            ("1/0", f64::INFINITY),
            ("-1/0", f64::NEG_INFINITY),
        ] {
            let got = host.query_value(&e, &instant(query), None).await.unwrap();
            assert_eq!(got, want, "{query} on {server}");
        }
        // Milliseconds of an explicit evaluation time are kept on both.
        let time = host
            .query_value(&e, &at("time()", "2026-11-22T08:30:00.123Z"), None)
            .await
            .unwrap();
        assert_eq!(time, 1_795_336_200.123, "time() on {server}");
        assert_eq!(
            host.query_value(&e, &instant("nonexistent_metric_xyz"), Some(0.0))
                .await
                .unwrap(),
            0.0
        );
    }
    // VictoriaMetrics drops NaN samples, so 0/0 is no series there (and
    // the default, when one is given), where Prometheus answers NaN.
    let e = endpoint(&vm.url);
    let nan = probe_error(host.query_value(&e, &instant("0/0"), None).await);
    assert!(
        matches!(&nan, ProbeError::ResultShape(m) if m.contains("no series")),
        "{nan:?}"
    );
    assert!(host
        .query_value(&endpoint(&prometheus.url), &instant("0/0"), None)
        .await
        .unwrap()
        .is_nan());
}

#[tokio::test]
async fn compute_mean_on_victoria_metrics_matches_the_imported_samples() {
    let vm = VictoriaMetrics::start();
    let last = unix_now() as i64 - 600;
    let first = last - 120;
    // 1, 2, ..., 121: every mean differs and the geometric one is defined.
    vm.import(
        &samples("vm_mean", first, last, |t| (t - first + 1) as f64),
        "vm_mean",
    );
    let host = host(&[&vm.url]);
    let e = endpoint(&vm.url);
    let end = last.to_string();
    let raw: Vec<f64> = (1..=121).map(f64::from).collect();
    let n = raw.len() as f64;
    for (kind, want) in [
        (MeanKind::Arithmetic, arithmetic_mean(&raw)),
        (
            MeanKind::Geometric,
            (raw.iter().map(|x| x.ln()).sum::<f64>() / n).exp(),
        ),
        (
            MeanKind::Harmonic,
            n / raw.iter().map(|x| 1.0 / x).sum::<f64>(),
        ),
    ] {
        let got = host
            .compute_mean(&e, "vm_mean", &window("2m", kind, &end, "1"))
            .await
            .unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{kind:?}: {got} != {want}"
        );
    }
    let empty = probe_error(
        host.compute_mean(
            &e,
            "nonexistent_metric_xyz",
            &window("2m", MeanKind::Arithmetic, &end, "1"),
        )
        .await,
    );
    assert!(
        matches!(&empty, ProbeError::ResultShape(m) if m.contains("no series")),
        "{empty:?}"
    );
}

#[tokio::test]
async fn bad_promql_on_victoria_metrics_is_a_typed_error_with_its_422() {
    let vm = VictoriaMetrics::start();
    let host = host(&[&vm.url]);
    let e = endpoint(&vm.url);
    let ProbeError::Prometheus(error) = probe_error(host.query(&e, &instant("up{")).await) else {
        panic!("expected a Prometheus error")
    };
    // VictoriaMetrics's errorType is the HTTP status, where Prometheus
    // says bad_data.
    assert_eq!((error.status, error.error_type.as_str()), (422, "422"));
    assert!(error.error.contains("up{"), "{}", error.error);
    assert!(
        error
            .message
            .starts_with("Prometheus query {'query': 'up{'} failed: {\"status\":\"error\""),
        "{}",
        error.message
    );
    let ProbeError::Prometheus(error) = probe_error(
        host.query_interval(
            &e,
            &range(
                "up{",
                "2026-11-22T08:25:35Z",
                "2026-11-22T08:30:35Z",
                Some("1"),
            ),
        )
        .await,
    ) else {
        panic!("expected a Prometheus error")
    };
    assert_eq!((error.status, error.error_type.as_str()), (422, "422"));
    assert!(
        error
            .message
            .starts_with("Prometheus query range {'query': 'up{', 'step': 1, "),
        "{}",
        error.message
    );
    // VictoriaMetrics answers an end before the start for another range;
    // the component refuses it, as Prometheus does.
    let backwards = probe_error(
        host.query_interval(
            &e,
            &range(
                "up",
                "2026-11-22T08:30:35Z",
                "2026-11-22T08:25:35Z",
                Some("1"),
            ),
        )
        .await,
    );
    assert!(
        matches!(&backwards, ProbeError::InvalidArgument(m) if m.contains("is before the start")),
        "{backwards:?}"
    );
}

#[tokio::test]
async fn the_latency_offset_hides_the_newest_samples_until_the_window_ends_before_it() {
    // The samples run an hour past the import, so whenever the probes
    // below get to run (on a loaded machine that can be a minute later)
    // there are samples up to their "now": what they see depends on the
    // offset alone, not on how fast the machine got there. Each value is
    // its own timestamp, so a value read back tells how old it is.
    let imported = unix_now() as i64;
    let fresh = samples("vm_fresh", imported - 90, imported + 3600, |t| t as f64);
    let with_default = VictoriaMetrics::start();
    with_default.import(&fresh, "vm_fresh");
    let without = VictoriaMetrics::start_with(VictoriaOptions {
        latency_offset: Some("0s".into()),
    });
    without.import(&fresh, "vm_fresh");
    let host = host(&[&with_default.url, &without.url]);

    // The server evaluates at some instant between `sent` and `answered`:
    // the default 30 s offset shows nothing newer than 30 s before the
    // answer came; with no offset a sample of when the question was sent
    // is seen.
    let (_, hidden, answered) =
        timed(host.query_value(&endpoint(&with_default.url), &instant("vm_fresh"), None)).await;
    let hidden = hidden.unwrap();
    assert!(
        answered - hidden >= 29.0,
        "the newest visible sample is {} s older than the answer",
        answered - hidden
    );
    let (sent, seen, _) =
        timed(host.query_value(&endpoint(&without.url), &instant("vm_fresh"), None)).await;
    let seen = seen.unwrap();
    assert!(
        sent - seen <= 5.0,
        "with no offset the newest sample is {} s older than the question",
        sent - seen
    );

    // Over a window ending now, the default offset repeats the sample of
    // 30 s before the server's now where the newer ones are, so the mean
    // leans to the old value. The window is longer than the offset: the
    // server repeats an earlier point of the window, and with none (a
    // 30 s window whose start is after the server's own now - 30 s, which
    // happens when its clock is a moment behind ours) it answers no series.
    let forty_seconds = window("40s", MeanKind::Arithmetic, "now", "1");
    let (_, stale, answered) =
        timed(host.compute_mean(&endpoint(&with_default.url), "vm_fresh", &forty_seconds)).await;
    let stale_age = answered - stale.unwrap();
    let (sent, current, _) =
        timed(host.compute_mean(&endpoint(&without.url), "vm_fresh", &forty_seconds)).await;
    let current_age = sent - current.unwrap();
    // About 31 s with the offset (ten samples 30 to 40 s old, the rest
    // 30 s old), 20 s without.
    assert!(
        stale_age >= 29.0 && current_age <= 22.0,
        "mean age at least {stale_age} s with the default offset, at most {current_age} s without"
    );

    // A window ending 40 s before the import is past the offset: its
    // mean is the samples'.
    let end = (imported - 40).to_string();
    let want = arithmetic_mean(
        &(imported - 70..=imported - 40)
            .map(|t| t as f64)
            .collect::<Vec<_>>(),
    );
    for server in [&with_default.url, &without.url] {
        let got = host
            .compute_mean(
                &endpoint(server),
                "vm_fresh",
                &window("30s", MeanKind::Arithmetic, &end, "1"),
            )
            .await
            .unwrap();
        assert!((got - want).abs() < 1e-6, "{server}: {got} != {want}");
    }
}

/// `probe`'s answer between the Unix times just before and just after it
/// ran, which bound the instant the server evaluated it at.
async fn timed<T>(probe: impl std::future::Future<Output = T>) -> (f64, T, f64) {
    let before = unix_now();
    let answer = probe.await;
    (before, answer, unix_now())
}

#[tokio::test]
async fn stats_and_is_partial_of_newer_victoria_metrics_pass_through() {
    // Debian's 1.79 sends neither; 1.90 and later add `stats`, a cluster's
    // vmselect `isPartial`. Their shape, from a fake server.
    let body = r#"{"status":"success","isPartial":false,"data":{"resultType":"vector","result":[{"metric":{},"value":[1795439581,"2"]}]},"stats":{"seriesFetched":"0","executionTimeMsec":0}}"#;
    let server = FakeServer::answering(200, "application/json", body);
    let host = host(&[&server.url]);
    let e = endpoint(&server.url);
    assert_eq!(host.query(&e, &instant("1+1")).await.unwrap(), body);
    assert_eq!(
        host.query_value(&e, &instant("1+1"), None).await.unwrap(),
        2.0
    );
}
