//! The probes that answer one number, through the host against a real
//! Prometheus: `query-value`, and the means checked against the raw range
//! samples (synthetic series, and node CPU data backfilled with promtool).

use chaosprometheus_host::{MeanKind, MeanWindow, ProbeError};
use harness::servers::{Prometheus, PrometheusOptions};
use harness::{endpoint, host, unix_now};

use harness::means::{mean, KINDS};

use crate::probes::{arithmetic_mean, instant, json, probe_error, range, sample_values, window};

#[tokio::test]
async fn query_value_reads_one_number() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    assert_eq!(
        host.query_value(&e, &instant("vector(42)"), None)
            .await
            .unwrap(),
        42.0
    );
    assert_eq!(
        host.query_value(&e, &instant("1+1"), None).await.unwrap(),
        2.0
    );
    assert!(host
        .query_value(&e, &instant("0/0"), None)
        .await
        .unwrap()
        .is_nan());
    assert_eq!(
        host.query_value(&e, &instant("1/0"), None).await.unwrap(),
        f64::INFINITY
    );
    assert_eq!(
        host.query_value(&e, &instant("-1/0"), None).await.unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(
        host.query_value(&e, &instant("nonexistent_metric_xyz"), Some(0.0))
            .await
            .unwrap(),
        0.0
    );
    let empty = probe_error(
        host.query_value(&e, &instant("nonexistent_metric_xyz"), None)
            .await,
    );
    assert!(
        matches!(&empty, ProbeError::ResultShape(m) if m.contains("no series")),
        "{empty:?}"
    );
    let two = "vector(1) or label_replace(vector(2), \"a\", \"b\", \"\", \"\")";
    let several = probe_error(host.query_value(&e, &instant(two), None).await);
    assert!(
        matches!(&several, ProbeError::ResultShape(m) if m.contains("2 series") && m.contains("aggregate")),
        "{several:?}"
    );
}

#[tokio::test]
async fn compute_mean_matches_the_raw_range_samples_for_every_kind() {
    let prometheus = Prometheus::start();
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    // Varies with the evaluation time, so every mean is different.
    let query = "time() % 7 + 1";
    let end = "2026-11-22T08:30:00Z";
    let samples = sample_values(
        &host
            .query_interval(&e, &range(query, "2026-11-22T08:25:00Z", end, Some("10")))
            .await
            .unwrap(),
    );
    assert_eq!(samples.len(), 31);
    let expected = KINDS.map(|(kind, _)| (kind, mean(kind, &samples)));
    for (kind, want) in expected {
        let got = host
            .compute_mean(&e, query, &window("5m", kind, end, "10"))
            .await
            .unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{kind:?}: {got} != {want}"
        );
    }
    let arithmetic = expected[0].1;
    let geometric = expected[1].1;
    let harmonic = expected[2].1;
    assert!(
        arithmetic > geometric && geometric > harmonic,
        "the three kinds differ"
    );

    let empty = probe_error(
        host.compute_mean(
            &e,
            "nonexistent_metric_xyz",
            &window("5m", MeanKind::Arithmetic, end, "10"),
        )
        .await,
    );
    assert!(
        matches!(&empty, ProbeError::ResultShape(m) if m.contains("no series")),
        "{empty:?}"
    );
    let two = "vector(1) or label_replace(vector(2), \"a\", \"b\", \"\", \"\")";
    let several = probe_error(
        host.compute_mean(&e, two, &window("5m", MeanKind::Arithmetic, end, "10"))
            .await,
    );
    assert!(
        matches!(&several, ProbeError::ResultShape(m) if m.contains("2 series")),
        "{several:?}"
    );
}

/// Ten minutes of node CPU counters every 15 s, in OpenMetrics for
/// `promtool tsdb create-blocks-from openmetrics`: cpu 0 idles 75% of the
/// time and cpu 1 half of it, so the nodes' CPU usage is exactly
/// 100 * (1 - (0.75 + 0.5) / 2) = 37.5 %.
fn node_cpu_history(first: i64, last: i64) -> String {
    let mut text = String::from("# TYPE node_cpu_seconds counter\n");
    for (cpu, mode, rate) in [
        ("0", "idle", 0.75),
        ("0", "user", 0.25),
        ("1", "idle", 0.5),
        ("1", "user", 0.5),
    ] {
        for t in (first..=last).step_by(15) {
            let value = 1000.0 + rate * (t - first) as f64;
            text.push_str(&format!(
                "node_cpu_seconds_total{{cpu=\"{cpu}\",mode=\"{mode}\"}} {value} {t}\n"
            ));
        }
    }
    text.push_str("# EOF\n");
    text
}

#[tokio::test]
async fn nodes_cpu_usage_mean_averages_backfilled_node_data() {
    let last = (unix_now() as i64 / 15) * 15 - 60;
    let first = last - 600;
    let prometheus = Prometheus::start_with(PrometheusOptions {
        backfill: Some(node_cpu_history(first, last)),
        ..PrometheusOptions::default()
    });
    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    let end = last.to_string();
    let kinds = [
        MeanKind::Arithmetic,
        MeanKind::Geometric,
        MeanKind::Harmonic,
    ];
    for kind in kinds {
        let mean = host
            .nodes_cpu_usage_mean(&e, &window("5m", kind, &end, "15"))
            .await
            .unwrap();
        assert!(
            (mean - 37.5).abs() < 1e-9,
            "{kind:?}: CPU usage {mean} is not 37.5 %"
        );
    }
    // The same samples, read raw: 21 steps over the five minutes.
    let query = "100 * (1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))";
    let raw = json(
        &host
            .query_interval(
                &e,
                &range(query, &(last - 300).to_string(), &end, Some("15")),
            )
            .await
            .unwrap(),
    );
    assert_eq!(
        raw["data"]["result"][0]["values"].as_array().unwrap().len(),
        21
    );
    // No window and no step: one day in steps of 288 s (300 samples).
    let default_window = MeanWindow {
        window: None,
        kind: MeanKind::Arithmetic,
        end: Some(end.clone()),
        step: None,
        timeout: None,
    };
    let mean = host
        .nodes_cpu_usage_mean(&e, &default_window)
        .await
        .unwrap();
    let day = sample_values(
        &host
            .query_interval(
                &e,
                &range(query, &(last - 86_400).to_string(), &end, Some("288")),
            )
            .await
            .unwrap(),
    );
    let want = arithmetic_mean(&day);
    assert!(
        (mean - want).abs() <= 1e-9 * want,
        "default window: {mean} != {want}"
    );
}
