use serde_json::json;

use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn prometheus() -> LinkTarget {
    LinkTarget::from_configuration(
        json!({"prometheus_base_url": "http://127.0.0.1:9090/prom/"})
            .as_object()
            .unwrap(),
    )
}

/// The query string of a link, decoded.
fn params(link: &str) -> std::collections::BTreeMap<String, String> {
    let (_, query) = link.split_once('?').unwrap();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn threshold_report() -> Value {
    json!({
        "verdict": "fail", "explain": "fail: 1 of 2 series ...", "judgement": "threshold_over_window",
        "query": "errors_ratio", "window": {"start": "2026-12-07T10:00:00Z", "end": "2026-12-07T10:10:00Z"},
        "series": [
            {"labels": {"__name__": "errors_ratio", "instance": "a"}, "verdict": "pass", "samples": 41, "meeting": 41},
            {"labels": {"__name__": "errors_ratio", "instance": "b"}, "verdict": "fail", "samples": 41, "meeting": 30,
             "first_miss": {"at": "2026-12-07T10:07:15Z", "value": "0.7"}}
        ]
    })
}

#[test]
fn a_failed_threshold_names_the_series_that_broke_it_and_links_its_window() {
    let report = threshold_report();
    let explanation = explain(
        "errors-low",
        "threshold_over_window",
        &Map::new(),
        &report,
        at("2026-12-07T10:10:01Z"),
        &prometheus(),
    );
    assert_eq!(
        explanation.explain.as_deref(),
        Some("fail: 1 of 2 series ...")
    );
    assert_eq!(
        explanation.series,
        vec![
            r#"errors_ratio{instance="b"} met it in 30 of 41 samples, first missed at 2026-12-07T10:07:15Z with 0.7"#
        ]
    );
    let link = explanation.link.clone().unwrap();
    assert!(
        link.starts_with("http://127.0.0.1:9090/prom/graph?"),
        "{link}"
    );
    let params = params(&link);
    assert_eq!(params["g0.expr"], "errors_ratio");
    assert_eq!(params["g0.range_input"], "10m");
    assert_eq!(params["g0.end_input"], "2026-12-07 10:10:00");
    let lines = explanation.lines();
    assert!(
        lines.contains(&"window: 2026-12-07T10:00:00Z to 2026-12-07T10:10:00Z (10m)".to_string()),
        "{lines:?}"
    );
    assert_eq!(explanation.to_json()["probe"], "errors-low");
    assert_eq!(explanation.to_json()["link"], json!(link));
}

#[test]
fn a_baseline_comparison_links_from_the_baseline_to_the_end_of_the_window() {
    let report = json!({
        "verdict": "fail", "explain": "fail", "judgement": "compare_to_baseline", "query": "latency",
        "baseline": {"start": "2026-12-07T09:00:00Z", "end": "2026-12-07T09:10:00Z"},
        "window": {"start": "2026-12-07T09:30:00Z", "end": "2026-12-07T09:40:00Z"},
        "series": [{"labels": {"instance": "b"}, "verdict": "fail", "reason": "rose",
            "baseline": {"statistic": 0.1}, "window": {"statistic": 0.2}, "change": 1.0, "p_value": 0.001}]
    });
    let explanation = explain(
        "p",
        "compare_to_baseline",
        &Map::new(),
        &report,
        at("2026-12-07T09:40:00Z"),
        &prometheus(),
    );
    let params = params(explanation.link.as_deref().unwrap());
    assert_eq!(params["g0.range_input"], "40m");
    assert_eq!(params["g0.end_input"], "2026-12-07 09:40:00");
    assert_eq!(
        explanation.series,
        vec![
            r#"{instance="b"} rose: 0.1 in the baseline, 0.2 in the window (change 1.0, p = 0.001)"#
        ]
    );
}

#[test]
fn a_burn_rate_explains_the_firing_pair_with_its_resolved_query() {
    let report = json!({
        "verdict": "fail", "explain": "fail", "judgement": "slo_burn_rate", "at": "2026-12-07T10:00:00Z",
        "queries": {"1h": ["sum(rate(errors[1h]))"], "5m": ["sum(rate(errors[5m]))"]},
        "windows": [{"long": "1h", "short": "5m", "factor": 14.4, "verdict": "fail",
            "series": [{"labels": {}, "long": {"burn_rate": 20.0}, "short": {"burn_rate": 20.0}, "firing": true}]}]
    });
    let explanation = explain(
        "burn",
        "slo_burn_rate",
        &Map::new(),
        &report,
        at("2026-12-07T10:00:00Z"),
        &prometheus(),
    );
    assert_eq!(explanation.query.as_deref(), Some("sum(rate(errors[1h]))"));
    assert_eq!(
        explanation.series,
        vec!["{} burns 20.0x over 1h, 20.0x over 5m (factor 14.4)"]
    );
    assert_eq!(
        explanation.span,
        Some(Span::Instant(at("2026-12-07T10:00:00Z")))
    );
    // An instant is shown with the five minutes before it.
    assert_eq!(
        params(explanation.link.as_deref().unwrap())["g0.range_input"],
        "5m"
    );
}

#[test]
fn an_instant_query_lists_its_series_and_resolves_when_at_the_time_it_ran() {
    let answer = json!({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "up", "job": "api"}, "value": [1.0, "0"]},
        {"metric": {"__name__": "up", "job": "db"}, "value": [1.0, "1"]}
    ]}});
    let arguments = json!({"query": "up", "when": "5 minutes ago"});
    let explanation = explain(
        "up",
        "query",
        arguments.as_object().unwrap(),
        &answer,
        at("2026-12-07T10:05:00Z"),
        &prometheus(),
    );
    assert_eq!(
        explanation.series,
        vec![r#"up{job="api"} = 0"#, r#"up{job="db"} = 1"#]
    );
    assert_eq!(
        explanation.span,
        Some(Span::Instant(at("2026-12-07T10:00:00Z")))
    );
    assert_eq!(explanation.query.as_deref(), Some("up"));
}

#[test]
fn a_range_query_resolves_its_window_by_the_probes_rules() {
    let answer = json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"job": "api"}, "values": [[1.0, "3"], [2.0, "4"]]}
    ]}});
    let arguments = json!({"query": "x", "start": "10 minutes ago", "end": "now"});
    let explanation = explain(
        "x",
        "query_interval",
        arguments.as_object().unwrap(),
        &answer,
        at("2026-12-07T10:10:00Z"),
        &prometheus(),
    );
    assert_eq!(
        explanation.series,
        vec![r#"{job="api"} = 4 last, 2 samples"#]
    );
    assert_eq!(
        explanation.span,
        Some(Span::Range {
            start: at("2026-12-07T10:00:00Z"),
            end: at("2026-12-07T10:10:00Z")
        })
    );
    let mean = explain(
        "m",
        "compute_mean",
        json!({"query": "x", "window": "1h"}).as_object().unwrap(),
        &json!(0.5),
        at("2026-12-07T10:00:00Z"),
        &prometheus(),
    );
    assert_eq!(mean.series, vec!["= 0.5"]);
    assert_eq!(
        mean.span,
        Some(Span::Range {
            start: at("2026-12-07T09:00:00Z"),
            end: at("2026-12-07T10:00:00Z")
        })
    );
}

#[test]
fn an_empty_answer_says_the_query_matched_nothing_and_long_lists_are_cut() {
    let empty = json!({"status": "success", "data": {"resultType": "vector", "result": []}});
    let explanation = explain(
        "e",
        "query",
        json!({"query": "nothing"}).as_object().unwrap(),
        &empty,
        at("2026-12-07T10:00:00Z"),
        &prometheus(),
    );
    assert_eq!(
        explanation.series,
        vec!["no series: the query matched nothing"]
    );
    let many: Vec<Value> = (0..15)
        .map(|i| json!({"metric": {"i": i.to_string()}, "value": [1.0, "1"]}))
        .collect();
    let answer = json!({"data": {"resultType": "vector", "result": many}});
    let explanation = explain(
        "m",
        "query",
        json!({"query": "q"}).as_object().unwrap(),
        &answer,
        at("2026-12-07T10:00:00Z"),
        &prometheus(),
    );
    assert_eq!(explanation.series.len(), MOST_SERIES);
    assert_eq!(explanation.more_series, 5);
    assert!(explanation
        .lines()
        .contains(&"        and 5 more series".to_string()));
}

#[test]
fn with_grafana_configured_the_link_opens_explore_on_the_window() {
    let links = LinkTarget::from_configuration(
        json!({"prometheus_base_url": "http://p:9090", "grafana_url": "https://grafana.example/", "grafana_datasource": "prom-uid"})
            .as_object()
            .unwrap(),
    );
    let explanation = explain(
        "t",
        "threshold_over_window",
        &Map::new(),
        &threshold_report(),
        at("2026-12-07T10:10:00Z"),
        &links,
    );
    let link = explanation.link.unwrap();
    assert!(
        link.starts_with("https://grafana.example/explore?"),
        "{link}"
    );
    let panes: Value = serde_json::from_str(&params(&link)["panes"]).unwrap();
    assert_eq!(panes["a"]["datasource"], "prom-uid");
    assert_eq!(panes["a"]["queries"][0]["expr"], "errors_ratio");
    assert_eq!(
        panes["a"]["range"]["from"],
        at("2026-12-07T10:00:00Z").as_millisecond().to_string()
    );
    assert_eq!(
        panes["a"]["range"]["to"],
        at("2026-12-07T10:10:00Z").as_millisecond().to_string()
    );
}

#[test]
fn only_a_judgement_that_did_not_pass_counts_as_failed() {
    assert!(judgement_failed(
        &json!({"judgement": "wait_until", "verdict": "fail"})
    ));
    assert!(judgement_failed(
        &json!({"judgement": "x", "verdict": "inconclusive"})
    ));
    assert!(!judgement_failed(
        &json!({"judgement": "x", "verdict": "pass"})
    ));
    assert!(!judgement_failed(
        &json!({"status": "success", "verdict": "fail"})
    ));
    // Without a Prometheus URL there is nothing to link to.
    let explanation = explain(
        "t",
        "threshold_over_window",
        &Map::new(),
        &threshold_report(),
        at("2026-12-07T10:10:00Z"),
        &LinkTarget::default(),
    );
    assert_eq!(explanation.link, None);
}

#[test]
fn an_unmet_tolerance_in_a_journal_entry_is_explained_once() {
    let answer = json!({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "up", "job": "api"}, "value": [1.0, "0"]}
    ]}});
    let mut entry = json!({
        "activity": {"name": "api-up", "provider": {"type": "python", "module": "chaosprometheus.probes",
            "func": "query", "arguments": {"query": "up", "when": "5 minutes ago"}}},
        "output": answer, "status": "succeeded", "start": "2026-12-07T10:05:00.250000", "tolerance_met": false
    });
    let explanation = explain_unmet_tolerance(&entry, &prometheus()).unwrap();
    assert_eq!(explanation.probe, "api-up");
    assert_eq!(explanation.series, vec![r#"up{job="api"} = 0"#]);
    assert_eq!(
        explanation.span,
        Some(Span::Instant(at("2026-12-07T10:00:00.25Z")))
    );
    entry["tolerance_met"] = json!(true);
    assert_eq!(explain_unmet_tolerance(&entry, &prometheus()), None);
    // A judgement explained itself when it answered.
    entry["tolerance_met"] = json!(false);
    entry["output"] = threshold_report();
    assert_eq!(explain_unmet_tolerance(&entry, &prometheus()), None);
    entry["output"] = json!(1);
    entry["activity"]["provider"]["module"] = json!("other.module");
    assert_eq!(explain_unmet_tolerance(&entry, &prometheus()), None);
}
