//! The judgements through the host against a real Prometheus backfilled
//! with the harness's history (`harness::history`): exact windows, known
//! statistics, and `wait_until` polling a real server.

use chaosprometheus_host::probe_args::plan;
use chaosprometheus_host::{CallError, ProbeAnswer, ProbeError};
use harness::history::{backfilled_prometheus, series};
use harness::servers::Prometheus;
use harness::{endpoint, host};
use serde_json::{json, Value};

async fn judge(prometheus: &Prometheus, func: &str, args: Value) -> Result<Value, CallError> {
    let call = plan(func, args.as_object().expect("an object")).expect("valid arguments");
    let host = host(&[&prometheus.url]);
    match host.run_probe(&endpoint(&prometheus.url), &call).await? {
        ProbeAnswer::Json(text) => Ok(serde_json::from_str(&text).expect("a JSON report")),
        other => panic!("a judgement answers JSON, not {other:?}"),
    }
}

fn mean(samples: &[f64]) -> f64 {
    samples.iter().sum::<f64>() / samples.len() as f64
}

#[tokio::test]
async fn compare_to_baseline_fails_the_degraded_series_with_its_figures() {
    let (prometheus, history) = backfilled_prometheus();
    let (b0, b1) = history.baseline();
    let (w0, w1) = history.degraded();
    let report = judge(
        &prometheus,
        "compare_to_baseline",
        json!({"query": "chaos_latency_seconds", "baseline_start": b0, "baseline_end": b1,
               "start": w0, "end": w1, "step": "15s", "max_change": 0.5}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "fail", "{report}");
    assert_eq!(report["step"], "15s");
    let a = series(&report, "a");
    let b = series(&report, "b");
    assert_eq!(a["verdict"], "pass");
    assert_eq!(b["verdict"], "fail");
    for (s, instance) in [(a, "a"), (b, "b")] {
        let before = history.latencies(instance, (b0, b1));
        let during = history.latencies(instance, (w0, w1));
        assert_eq!(s["baseline"]["samples"], before.len());
        assert_eq!(s["window"]["samples"], during.len());
        let expected = (mean(&during) - mean(&before)) / mean(&before);
        let change = s["change"].as_f64().unwrap();
        assert!((change - expected).abs() < 1e-9, "{change} vs {expected}");
    }
    assert!(b["p_value"].as_f64().unwrap() < 1e-6, "{b}");
    let explain = report["explain"].as_str().unwrap();
    assert!(
        explain.starts_with(r#"fail: 1 of 2 series of chaos_latency_seconds; for chaos_latency_seconds{instance="b"}, the mean rose 100%"#),
        "{explain}"
    );
}

#[tokio::test]
async fn compare_to_baseline_passes_an_unchanged_window_and_a_median_within_limits() {
    let (prometheus, history) = backfilled_prometheus();
    let (b0, b1) = history.baseline();
    let (w0, w1) = history.degraded();
    let report = judge(
        &prometheus,
        "compare_to_baseline",
        json!({"query": "chaos_latency_seconds{instance=\"a\"}", "baseline_start": b0,
               "baseline_end": b1, "start": w0, "end": w1, "statistic": "median", "direction": "either"}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(report["statistic"], "median");
}

#[tokio::test]
async fn compare_to_baseline_without_data_follows_no_data() {
    let (prometheus, history) = backfilled_prometheus();
    let (b0, b1) = history.baseline();
    let (w0, w1) = history.degraded();
    let args = |no_data: &str| {
        json!({"query": "absent_metric_xyz", "baseline_start": b0, "baseline_end": b1,
               "start": w0, "end": w1, "no_data": no_data})
    };
    for (no_data, verdict) in [
        ("fail", "fail"),
        ("pass", "pass"),
        ("inconclusive", "inconclusive"),
    ] {
        let report = judge(&prometheus, "compare_to_baseline", args(no_data))
            .await
            .unwrap();
        assert_eq!(report["verdict"], verdict, "{report}");
        assert!(
            report["explain"].as_str().unwrap().contains("no series"),
            "{report}"
        );
    }
}

#[tokio::test]
async fn compare_to_baseline_with_too_few_samples_is_inconclusive() {
    let (prometheus, history) = backfilled_prometheus();
    let (b0, _) = history.baseline();
    let (w0, _) = history.degraded();
    // Two samples in each window, five needed.
    let report = judge(
        &prometheus,
        "compare_to_baseline",
        json!({"query": "chaos_latency_seconds{instance=\"b\"}", "baseline_start": b0,
               "baseline_end": b0 + 15, "start": w0, "end": w0 + 15, "step": "15s"}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "inconclusive", "{report}");
    assert!(report["explain"]
        .as_str()
        .unwrap()
        .contains("too few numeric samples"));
}

#[tokio::test]
async fn slo_burn_rate_fires_the_fast_pair_and_reports_each_rate() {
    let (prometheus, history) = backfilled_prometheus();
    let report = judge(
        &prometheus,
        "slo_burn_rate",
        json!({"bad_query": "sum(rate(chaos_errors_total[$window]))",
               "total_query": "sum(rate(chaos_requests_total[$window]))",
               "objective": 0.999, "at": history.end}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "fail", "{report}");
    let fast = &report["windows"][0];
    let slow = &report["windows"][1];
    assert_eq!(
        (fast["long"].as_str(), fast["short"].as_str()),
        (Some("1h"), Some("5m"))
    );
    assert_eq!(fast["verdict"], "fail");
    // 0.2 errors in 10 requests a second over the last hour: 2%, 20 times
    // the 0.1% budget.
    for window in ["long", "short"] {
        let burn = fast["series"][0][window]["burn_rate"].as_f64().unwrap();
        assert!((burn - 20.0).abs() < 1e-6, "{window}: {burn}");
    }
    // Over six hours only the last one had errors: about a sixth of that.
    let six_hours = slow["series"][0]["long"]["burn_rate"].as_f64().unwrap();
    assert!((six_hours - 20.0 / 6.0).abs() < 0.05, "{six_hours}");
    assert_eq!(slow["verdict"], "pass");
    assert_eq!(
        report["queries"]["1h"][0],
        "sum(rate(chaos_errors_total[1h]))"
    );
}

#[tokio::test]
async fn slo_burn_rate_passes_before_the_errors_started() {
    let (prometheus, history) = backfilled_prometheus();
    let report = judge(
        &prometheus,
        "slo_burn_rate",
        json!({"error_ratio_query": "sum(rate(chaos_errors_total[$window])) / sum(rate(chaos_requests_total[$window]))",
               "objective": 0.999, "at": history.errors_start() - 60,
               "windows": [["1h", "5m", 14.4]]}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(report["windows"][0]["series"][0]["long"]["burn_rate"], 0.0);
}

#[tokio::test]
async fn threshold_over_window_judges_each_mode() {
    let (prometheus, history) = backfilled_prometheus();
    let (w0, w1) = history.degraded();
    let run = |query: &str, comparator: &str, value: f64, extra: Value| {
        let mut args = json!({"query": query, "start": w0, "end": w1, "step": "15s",
                              "comparator": comparator, "value": value});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let prometheus = &prometheus;
        async move {
            judge(prometheus, "threshold_over_window", args)
                .await
                .unwrap()
        }
    };
    let always = run("chaos_latency_seconds", "<", 0.15, json!({})).await;
    assert_eq!(always["verdict"], "fail", "{always}");
    assert_eq!(series(&always, "a")["verdict"], "pass");
    assert_eq!(series(&always, "b")["meeting"], 0);
    let explain = always["explain"].as_str().unwrap();
    assert!(
        explain.contains(r#"chaos_latency_seconds{instance="b"}: 0 of 41 samples were < 0.15"#),
        "{explain}"
    );

    let once = run(
        "chaos_latency_seconds{instance=\"b\"}",
        "<",
        0.21,
        json!({"mode": "at_least_once"}),
    )
    .await;
    assert_eq!(once["verdict"], "pass", "{once}");

    // b is 0.20 or 0.22 in 2 of every 5 samples.
    let during = history.latencies("b", (w0, w1));
    let share = during.iter().filter(|v| **v < 0.23).count() as f64 / during.len() as f64;
    let fraction = run(
        "chaos_latency_seconds{instance=\"b\"}",
        "lt",
        0.23,
        json!({"fraction": share}),
    )
    .await;
    assert_eq!(fraction["verdict"], "pass", "{fraction}");
    let stricter = run(
        "chaos_latency_seconds{instance=\"b\"}",
        "lt",
        0.23,
        json!({"fraction": share + 0.01}),
    )
    .await;
    assert_eq!(stricter["verdict"], "fail", "{stricter}");

    let pooled = run(
        "chaos_latency_seconds",
        "<",
        0.15,
        json!({"per_series": false, "fraction": 0.5}),
    )
    .await;
    assert_eq!(pooled["verdict"], "pass", "{pooled}");
    assert_eq!(pooled["all"]["samples"], 82);
}

#[tokio::test]
async fn wait_until_returns_once_the_condition_holds() {
    // A Prometheus that scrapes itself: `up` has no series until the first
    // scrape, then is 1.
    let prometheus = Prometheus::start();
    let report = judge(
        &prometheus,
        "wait_until",
        json!({"query": "up{job=\"prometheus\"}", "comparator": "==", "value": 1,
               "timeout": "60s", "interval": "200ms"}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(report["judgement"], "wait_until");
    assert!(report["checks"].as_u64().unwrap() >= 1);
    assert_eq!(report["series"][0]["value"], "1");
}

#[tokio::test]
async fn wait_until_fails_at_the_timeout_with_the_last_value() {
    let prometheus = Prometheus::start();
    let report = judge(
        &prometheus,
        "wait_until",
        json!({"query": "vector(3)", "comparator": "<", "value": 1, "timeout": "2s", "interval": "500ms"}),
    )
    .await
    .unwrap();
    assert_eq!(report["verdict"], "fail", "{report}");
    assert!(report["checks"].as_u64().unwrap() >= 2, "{report}");
    let explain = report["explain"].as_str().unwrap();
    assert!(
        explain.contains("did not hold within 2s") && explain.contains("{} is 3"),
        "{explain}"
    );
}

#[tokio::test]
async fn a_judgement_that_prometheus_refuses_is_an_error_not_a_verdict() {
    let (prometheus, history) = backfilled_prometheus();
    let (w0, w1) = history.degraded();
    let error = judge(
        &prometheus,
        "threshold_over_window",
        json!({"query": "rate(", "start": w0, "end": w1, "comparator": "<", "value": 1}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, CallError::Probe(ProbeError::Prometheus(p)) if p.error_type == "bad_data"),
        "{error:?}"
    );
}
