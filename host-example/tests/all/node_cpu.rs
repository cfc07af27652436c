//! `nodes-cpu-usage-mean` on real CPU counters: a real
//! `prometheus-node-exporter` scraped every second by a real Prometheus,
//! the probe's mean checked against the raw range answer of the same query.

use std::time::Duration;

use chaosprometheus_host::MeanKind;
use harness::answers::first_series_samples;
use harness::node_exporter::NodeExporter;
use harness::servers::{http_get, wait_until, Prometheus, PrometheusOptions};
use harness::{endpoint, host, unix_now};

use crate::probes::{arithmetic_mean, json, window};

/// The query the probe averages (`src/probes.rs`, as upstream defines it).
const NODES_CPU_USAGE: &str = "100 * (1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))";

/// The sample values of `query` from `start` to `end` (Unix seconds) in
/// steps of 1 s, read over plain HTTP without the code under test.
fn raw_range(prometheus: &Prometheus, query: &str, start: i64, end: i64) -> Vec<f64> {
    let params: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("query", query),
            ("start", &start.to_string()),
            ("end", &end.to_string()),
            ("step", "1"),
        ])
        .finish();
    let (status, body) = http_get(prometheus.port, &format!("/api/v1/query_range?{params}"))
        .expect("Prometheus answers");
    assert_eq!(status, 200, "{body}");
    first_series_samples(&json(&body))
}

#[tokio::test]
async fn nodes_cpu_usage_mean_on_a_real_node_exporter_matches_the_raw_range() {
    let exporter = NodeExporter::start();
    let prometheus = Prometheus::start_with(PrometheusOptions {
        targets: vec![("node".into(), exporter.target.clone())],
        ..PrometheusOptions::default()
    });
    // rate() over 1m needs two scrapes before each point: wait until every
    // point of a 10 s window that ended 2 s ago (all its scrapes stored) has
    // a value.
    let end = wait_until(Duration::from_secs(60), || {
        let end = unix_now() as i64 - 2;
        (raw_range(&prometheus, NODES_CPU_USAGE, end - 10, end).len() == 11).then_some(end)
    })
    .expect("11 points of node CPU usage within 60 s of scraping");

    let host = host(&[&prometheus.url]);
    let e = endpoint(&prometheus.url);
    let raw = raw_range(&prometheus, NODES_CPU_USAGE, end - 10, end);
    assert_eq!(raw.len(), 11);
    assert!(
        raw.iter().all(|usage| (0.0..=100.0).contains(usage)),
        "CPU usage outside 0-100 %: {raw:?}"
    );
    let want = arithmetic_mean(&raw);
    let got = host
        .nodes_cpu_usage_mean(
            &e,
            &window("10s", MeanKind::Arithmetic, &end.to_string(), "1"),
        )
        .await
        .unwrap();
    assert!(
        (got - want).abs() <= 1e-9 * want.max(1.0),
        "the probe's mean {got} is not the raw samples' {want} ({raw:?})"
    );
}
