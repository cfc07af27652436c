//! `chaosprom compute-mean` and `chaosprom nodes-cpu-usage-mean` against a
//! real Prometheus (and a real node exporter), each mean checked against
//! the samples `chaosprom query-range` reads over the same window.

use std::path::Path;
use std::time::Duration;

use harness::answers::first_series_samples;
use harness::means::{mean, MeanKind, KINDS};
use harness::node_exporter::NodeExporter;
use harness::servers::{wait_until, Prometheus, PrometheusOptions};

use crate::cli::chaosprom;

/// A series whose samples are known without storing anything: 1 to 7 by
/// the second (`time() % 7 + 1`), so a window's mean depends on the kind.
const SAWTOOTH: &str = "vector(time() % 7 + 1)";

/// The sample values `chaosprom query-range` prints for the one series of
/// `query` over `end - window_s ..= end` (Unix seconds), one per second.
fn range_values(cache: &Path, url: &str, query: &str, end: i64, window_s: i64) -> Vec<f64> {
    let (start, end) = ((end - window_s).to_string(), end.to_string());
    let run = chaosprom(
        cache,
        &[
            "query-range",
            query,
            "--start",
            &start,
            "--end",
            &end,
            "--step",
            "1",
            "--prometheus-url",
            url,
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    first_series_samples(&serde_json::from_str(&run.stdout).unwrap())
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: chaosprom printed {got}, the samples' mean is {want}"
    );
}

/// What `chaosprom ARGS` printed, as a number (it must exit 0).
fn number(cache: &Path, args: &[&str]) -> f64 {
    let run = chaosprom(cache, args);
    assert_eq!(run.status, 0, "{args:?}: {}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    run.stdout.trim().parse().expect("a number")
}

#[test]
fn compute_mean_prints_each_kind_of_mean_of_the_range_samples() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let end = 1_795_336_260_i64;
    let samples = range_values(cache.path(), url, SAWTOOTH, end, 60);
    assert_eq!(samples.len(), 61, "{samples:?}");
    let end = end.to_string();
    for (kind, name) in KINDS {
        let got = number(
            cache.path(),
            &[
                "compute-mean",
                SAWTOOTH,
                "--window",
                "1m",
                "--kind",
                name,
                "--end",
                &end,
                "--step",
                "1",
                "--prometheus-url",
                url,
            ],
        );
        assert_close(got, mean(kind, &samples), name);
    }
    // The kinds differ on these samples, so each was the one asked for.
    assert!(mean(MeanKind::Arithmetic, &samples) > mean(MeanKind::Geometric, &samples));
    assert!(mean(MeanKind::Geometric, &samples) > mean(MeanKind::Harmonic, &samples));
}

#[test]
fn compute_mean_defaults_to_the_arithmetic_mean_over_a_day_up_to_now() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let got = number(
        cache.path(),
        &[
            "compute-mean",
            "vector(3)",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(got, 3.0);
}

#[test]
fn compute_mean_refuses_several_series_and_no_series_with_exit_one() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let two = r#"vector(1) or label_replace(vector(2), "copy", "b", "", "")"#;
    let several = chaosprom(
        cache.path(),
        &[
            "compute-mean",
            two,
            "--window",
            "1m",
            "--prometheus-url",
            url,
        ],
    );
    assert_eq!(several.status, 1, "{}", several.stderr);
    assert_eq!(several.stdout, "");
    assert!(
        several.stderr.starts_with("error[result-shape]: ")
            && several.stderr.contains("returned 2 series"),
        "{}",
        several.stderr
    );
    assert_eq!(several.stderr.lines().count(), 1, "{}", several.stderr);

    let none = chaosprom(
        cache.path(),
        &["compute-mean", "absent_metric", "--prometheus-url", url],
    );
    assert_eq!(none.status, 1, "{}", none.stderr);
    assert!(
        none.stderr
            .starts_with("error[result-shape]: the query absent_metric returned no series"),
        "{}",
        none.stderr
    );
}

#[test]
fn an_unknown_kind_of_mean_is_a_usage_error_naming_the_kinds() {
    let cache = tempfile::tempdir().unwrap();
    for args in [
        vec!["compute-mean", "up", "--kind", "median"],
        vec!["nodes-cpu-usage-mean", "--kind", "median"],
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("arithmetic, geometric, harmonic"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn nodes_cpu_usage_mean_on_a_real_node_exporter_is_the_mean_of_the_usage_range() {
    const USAGE: &str = "100 * (1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))";
    let exporter = NodeExporter::start();
    let prometheus = Prometheus::start_with(PrometheusOptions {
        targets: vec![("node".into(), exporter.target.clone())],
        ..PrometheusOptions::default()
    });
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    // rate() over 1m needs two scrapes before each point: wait until every
    // point of a 10 s window that ended 2 s ago (all its scrapes stored)
    // has a value.
    let (end, samples) = wait_until(Duration::from_secs(60), || {
        let end = harness::unix_now() as i64 - 2;
        let samples = range_values(cache.path(), url, USAGE, end, 10);
        (samples.len() == 11).then_some((end, samples))
    })
    .expect("11 points of node CPU usage within 60 s of scraping");
    assert!(
        samples.iter().all(|usage| (0.0..=100.0).contains(usage)),
        "CPU usage outside 0-100 %: {samples:?}"
    );
    let end = end.to_string();
    let mut args = vec![
        "nodes-cpu-usage-mean",
        "--window",
        "10s",
        "--end",
        &end,
        "--step",
        "1",
        "--prometheus-url",
        url,
    ];
    let got = number(cache.path(), &args);
    assert_close(got, mean(MeanKind::Arithmetic, &samples), "arithmetic");
    // The kind reaches the probe too; a sample of 0 % (an idle machine)
    // makes the harmonic mean 0.
    args.extend(["--kind", "harmonic"]);
    let harmonic = number(cache.path(), &args);
    let want = if samples.contains(&0.0) {
        0.0
    } else {
        mean(MeanKind::Harmonic, &samples)
    };
    assert_close(harmonic, want, "harmonic");
}
