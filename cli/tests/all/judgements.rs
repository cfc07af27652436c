//! `chaosprom compare-to-baseline`, `slo-burn-rate`, `threshold-over-window`
//! and `wait-until` against a real Prometheus backfilled with the harness's
//! history (`harness::history`): the report on stdout, the verdict as the
//! exit status, the explanation on stderr, wrong arguments as usage errors.

use harness::history::{backfilled_prometheus, series};
use harness::servers::Prometheus;
use serde_json::Value;

use crate::cli::{chaosprom, Run};

fn report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {} / {}", run.stdout, run.stderr))
}

#[test]
fn compare_to_baseline_exits_1_and_explains_the_degraded_series() {
    let (prometheus, history) = backfilled_prometheus();
    let cache = tempfile::tempdir().unwrap();
    let (b0, b1) = history.baseline();
    let (w0, w1) = history.degraded();
    let [b0, b1, w0, w1] = [b0, b1, w0, w1].map(|t| t.to_string());
    let judge = |query: &str, extra: &[&str]| {
        let mut args = vec![
            "compare-to-baseline",
            query,
            "--baseline-start",
            &b0,
            "--baseline-end",
            &b1,
            "--start",
            &w0,
            "--end",
            &w1,
            "--step",
            "15s",
            "--prometheus-url",
            &prometheus.url,
        ];
        args.extend_from_slice(extra);
        chaosprom(cache.path(), &args)
    };
    let run = judge("chaos_latency_seconds", &["--max-change", "0.5"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let report = report(&run);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(series(&report, "a")["verdict"], "pass");
    assert_eq!(series(&report, "b")["verdict"], "fail");
    assert!(
        (series(&report, "b")["change"].as_f64().unwrap() - 1.0).abs() < 1e-9,
        "{report}"
    );
    assert!(
        run.stderr.starts_with(r#"verdict[fail]: fail: 1 of 2 series of chaos_latency_seconds; for chaos_latency_seconds{instance="b"}, the mean rose 100%"#),
        "{}",
        run.stderr
    );
    // Then the series, the windows and a link to the Prometheus UI.
    assert!(
        run.stderr.contains(&format!(
            "\n  see:    {}/graph?g0.expr=chaos_latency_seconds&",
            prometheus.url
        )) && run
            .stderr
            .contains("\n  series: chaos_latency_seconds{instance=\"b\"} "),
        "{}",
        run.stderr
    );
    // a alone passes: exit 0, nothing on stderr.
    let pass = judge("chaos_latency_seconds{instance=\"a\"}", &[]);
    assert_eq!(pass.status, 0, "{}", pass.stderr);
    assert_eq!(report_verdict(&pass), "pass");
    assert_eq!(pass.stderr, "");
    // With no series, --no-data decides.
    let none = judge("absent_metric_xyz", &["--no-data", "inconclusive"]);
    assert_eq!(none.status, 1, "{}", none.stderr);
    assert_eq!(report_verdict(&none), "inconclusive");
    assert!(
        none.stderr.starts_with("verdict[inconclusive]: "),
        "{}",
        none.stderr
    );
}

fn report_verdict(run: &Run) -> String {
    report(run)["verdict"].as_str().unwrap().to_string()
}

#[test]
fn slo_burn_rate_reads_window_pairs_and_burns_20_times_the_budget() {
    let (prometheus, history) = backfilled_prometheus();
    let cache = tempfile::tempdir().unwrap();
    let end = history.end.to_string();
    let run = chaosprom(
        cache.path(),
        &[
            "slo-burn-rate",
            "--objective",
            "0.999",
            "--bad-query",
            "sum(rate(chaos_errors_total[$window]))",
            "--total-query",
            "sum(rate(chaos_requests_total[$window]))",
            "--window",
            "1h,5m,14.4",
            "--window",
            "6h,30m,6",
            "--at",
            &end,
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let burned = report(&run);
    let fast = &burned["windows"][0];
    assert_eq!(
        (fast["long"].as_str(), fast["short"].as_str()),
        (Some("1h"), Some("5m"))
    );
    assert_eq!(fast["factor"].as_f64(), Some(14.4), "{fast}");
    for window in ["long", "short"] {
        let burn = fast["series"][0][window]["burn_rate"].as_f64().unwrap();
        assert!((burn - 20.0).abs() < 1e-6, "{window}: {burn}");
    }
    assert_eq!(burned["windows"][1]["verdict"], "pass");
    // Before the errors started it passes.
    let before = (history.errors_start() - 60).to_string();
    let run = chaosprom(
        cache.path(),
        &[
            "slo-burn-rate",
            "--objective",
            "0.999",
            "--error-ratio-query",
            "sum(rate(chaos_errors_total[$window])) / sum(rate(chaos_requests_total[$window]))",
            "--window",
            "1h,5m,14.4",
            "--at",
            &before,
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        report(&run)["windows"][0]["series"][0]["long"]["burn_rate"],
        0.0
    );
}

#[test]
fn threshold_over_window_pools_the_series_with_per_series_false() {
    let (prometheus, history) = backfilled_prometheus();
    let cache = tempfile::tempdir().unwrap();
    let (w0, w1) = history.degraded();
    let (w0, w1) = (w0.to_string(), w1.to_string());
    let judge = |extra: &[&str]| {
        let mut args = vec![
            "threshold-over-window",
            "chaos_latency_seconds",
            "--start",
            &w0,
            "--end",
            &w1,
            "--step",
            "15s",
            "--comparator",
            "<",
            "--value",
            "0.15",
            "--prometheus-url",
            &prometheus.url,
        ];
        args.extend_from_slice(extra);
        chaosprom(cache.path(), &args)
    };
    let always = judge(&[]);
    assert_eq!(always.status, 1, "{}", always.stderr);
    assert_eq!(series(&report(&always), "b")["meeting"], 0);
    assert!(
        always
            .stderr
            .contains(r#"chaos_latency_seconds{instance="b"}: 0 of 41 samples were < 0.15"#),
        "{}",
        always.stderr
    );
    let pooled = judge(&["--per-series", "false", "--fraction", "0.5"]);
    assert_eq!(pooled.status, 0, "{}", pooled.stderr);
    assert_eq!(report(&pooled)["all"]["samples"], 82);
}

#[test]
fn wait_until_times_out_with_the_last_value_and_exits_1() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "wait-until",
            "vector(3)",
            "--comparator",
            "<",
            "--value",
            "1",
            "--timeout",
            "2s",
            "--interval",
            "500ms",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let report = report(&run);
    assert_eq!(report["verdict"], "fail");
    assert!(report["checks"].as_u64().unwrap() >= 2, "{report}");
    assert!(
        run.stderr.contains("did not hold within 2s") && run.stderr.contains("{} is 3"),
        "{}",
        run.stderr
    );
    let held = chaosprom(
        cache.path(),
        &[
            "wait-until",
            "vector(1)",
            "--comparator",
            "==",
            "--value",
            "1",
            "--timeout",
            "30s",
            "--interval",
            "200ms",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(held.status, 0, "{}", held.stderr);
    assert_eq!(report_verdict(&held), "pass");
}

#[test]
fn wrong_judgement_arguments_are_usage_errors_from_the_host_rules() {
    let cache = tempfile::tempdir().unwrap();
    // Refused before any request: no server is needed.
    let run = chaosprom(
        cache.path(),
        &[
            "wait-until",
            "up",
            "--comparator",
            "=>",
            "--value",
            "1",
            "--prometheus-url",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("comparator must be one of"),
        "{}",
        run.stderr
    );
    let run = chaosprom(
        cache.path(),
        &[
            "slo-burn-rate",
            "--objective",
            "0.999",
            "--window",
            "1h,5m",
            "--error-ratio-query",
            "x[$window]",
            "--prometheus-url",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("each window must be"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}
