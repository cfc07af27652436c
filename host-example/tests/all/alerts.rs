//! The alerts probe through the host, against a real Prometheus evaluating a
//! rules file every second on a value the test sets: a real Pushgateway
//! holds `chaos_value`, Prometheus scrapes it every second. `ChaosHigh`
//! (`chaos_value > 5` for 4 s) goes pending, then firing; `ChaosAny`
//! (`chaos_value > 0`, no `for`) fires at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use chaosprometheus_host::{
    AlertFilter, AlertState, BadResponseKind, Endpoint, LabelMatcher, MatchOp, ProbeError,
    ProbeHost, TransportFailure,
};
use harness::fake::FakeServer;
use harness::servers::{wait_until, Prometheus, PrometheusOptions, Pushgateway};
use harness::{endpoint, host};
use serde_json::Value;

use crate::probes::probe_error;

/// Prometheus with the rules, scraping a Pushgateway the test writes to.
struct Stage {
    prometheus: Prometheus,
    exporter: Pushgateway,
    host: ProbeHost,
}

impl Stage {
    fn start() -> Stage {
        let exporter = Pushgateway::start();
        let prometheus = Prometheus::start_with(PrometheusOptions {
            targets: vec![("chaos".into(), format!("127.0.0.1:{}", exporter.port))],
            rule_files: vec![harness::fixtures::rules("chaos-value.yml")],
            ..PrometheusOptions::default()
        });
        let host = host(&[&prometheus.url]);
        Stage {
            prometheus,
            exporter,
            host,
        }
    }

    fn endpoint(&self) -> Endpoint {
        endpoint(&self.prometheus.url)
    }

    /// Sets `chaos_value` in the Pushgateway.
    fn set(&self, value: f64) {
        let body = format!("chaos_value {value}\n");
        let mut stream = TcpStream::connect(("127.0.0.1", self.exporter.port)).unwrap();
        write!(
            stream,
            "PUT /metrics/job/chaos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 2"),
            "the Pushgateway took the value: {answer}"
        );
    }

    /// The alerts that pass `filter`, as the probe returns them.
    async fn alerts(&self, filter: &AlertFilter) -> Vec<Value> {
        let text = self
            .host
            .alerts(&self.endpoint(), filter)
            .await
            .expect("the alerts probe succeeds");
        serde_json::from_str::<Vec<Value>>(&text).expect("a JSON array of alerts")
    }

    /// Polls until the alerts that pass `filter` are not empty.
    async fn wait_for(&self, filter: &AlertFilter) -> Vec<Value> {
        self.wait_until(filter, |found| !found.is_empty()).await
    }

    /// Polls every 100 ms until the alerts that pass `filter` satisfy `done`.
    async fn wait_until(
        &self,
        filter: &AlertFilter,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        for _ in 0..300 {
            let found = self.alerts(filter).await;
            if done(&found) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the alerts that pass {filter:?} did not change as expected within 30 s");
    }

    /// Sets `chaos_value 7` and waits until `ChaosHigh` fires.
    async fn firing(&self) {
        self.set(7.0);
        self.wait_for(&named("ChaosHigh", Some(AlertState::Firing)))
            .await;
    }
}

fn named(name: &str, state: Option<AlertState>) -> AlertFilter {
    AlertFilter {
        alertname: Some(name.into()),
        labels: Vec::new(),
        state,
    }
}

fn labelled(matchers: &[(&str, MatchOp, &str)]) -> AlertFilter {
    AlertFilter {
        labels: matchers
            .iter()
            .map(|(name, op, value)| LabelMatcher {
                name: (*name).into(),
                op: *op,
                value: (*value).into(),
            })
            .collect(),
        ..AlertFilter::default()
    }
}

fn names(alerts: &[Value]) -> Vec<&str> {
    let mut names: Vec<&str> = alerts
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn no_active_alert_is_an_empty_list() {
    let stage = Stage::start();
    stage.set(0.0);
    let port = stage.prometheus.port;
    let scraped = wait_until(Duration::from_secs(20), || {
        let (_, body) = harness::servers::http_get(port, "/api/v1/query?query=chaos_value")?;
        let answer: Value = serde_json::from_str(&body).ok()?;
        answer["data"]["result"][0]["value"][0].as_f64()
    });
    let seen_at = scraped.expect("Prometheus scraped chaos_value");
    // The rules have seen the value once every group was evaluated after
    // a query saw it (Prometheus's own metrics say when each last was).
    let evaluated = wait_until(Duration::from_secs(30), || {
        let (_, metrics) = harness::servers::http_get(port, "/metrics")?;
        let last: Vec<f64> = metrics
            .lines()
            .filter(|line| {
                line.starts_with("prometheus_rule_group_last_evaluation_timestamp_seconds{")
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
            .collect();
        (!last.is_empty() && last.iter().all(|&at| at > seen_at)).then_some(())
    });
    assert!(
        evaluated.is_some(),
        "the alert rules were evaluated after the scrape"
    );
    let text = stage
        .host
        .alerts(&stage.endpoint(), &AlertFilter::default())
        .await
        .unwrap();
    assert_eq!(text, "[]");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_with_for_is_pending_then_firing_and_one_without_fires_at_once() {
    let stage = Stage::start();
    stage.set(7.0);
    let pending = stage
        .wait_for(&named("ChaosHigh", Some(AlertState::Pending)))
        .await;
    assert_eq!(pending.len(), 1);
    let alert = &pending[0];
    assert_eq!(alert["state"], "pending");
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(alert["annotations"]["summary"], "chaos_value is 7");
    assert!(
        alert["activeAt"].is_string() && alert["value"].is_string(),
        "{alert}"
    );
    // While ChaosHigh waits out its `for`, ChaosAny (no `for`) fires.
    let any = stage.alerts(&named("ChaosAny", None)).await;
    assert_eq!(any.len(), 1);
    assert_eq!(any[0]["state"], "firing");
    assert!(stage
        .alerts(&named("ChaosAny", Some(AlertState::Pending)))
        .await
        .is_empty());

    let firing = stage
        .wait_for(&named("ChaosHigh", Some(AlertState::Firing)))
        .await;
    assert_eq!(firing[0]["state"], "firing");
    assert_eq!(firing[0]["activeAt"], alert["activeAt"]);
    assert!(stage
        .alerts(&named("ChaosHigh", Some(AlertState::Pending)))
        .await
        .is_empty());

    // The value taken away: no alert is active any more.
    stage.set(0.0);
    stage
        .wait_until(&AlertFilter::default(), <[Value]>::is_empty)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn name_and_label_filters_keep_only_the_matching_alerts() {
    let stage = Stage::start();
    stage.firing().await;
    let all = stage.alerts(&AlertFilter::default()).await;
    assert_eq!(names(&all), ["ChaosAny", "ChaosHigh"]);
    assert_eq!(
        names(&stage.alerts(&named("ChaosAny", None)).await),
        ["ChaosAny"]
    );
    assert!(stage.alerts(&named("Chaos", None)).await.is_empty());
    let critical = labelled(&[("severity", MatchOp::Equal, "critical")]);
    assert_eq!(names(&stage.alerts(&critical).await), ["ChaosHigh"]);
    let either = labelled(&[("severity", MatchOp::Regex, "crit.*|warning")]);
    assert_eq!(
        names(&stage.alerts(&either).await),
        ["ChaosAny", "ChaosHigh"]
    );
    // A regex matches the whole value.
    let prefix = labelled(&[("severity", MatchOp::Regex, "crit")]);
    assert!(stage.alerts(&prefix).await.is_empty());
    // ChaosAny has no `team` label: it reads as empty.
    let not_db = labelled(&[("team", MatchOp::NotEqual, "db")]);
    assert_eq!(names(&stage.alerts(&not_db).await), ["ChaosAny"]);
    let without_team = labelled(&[("team", MatchOp::NotRegex, ".+")]);
    assert_eq!(names(&stage.alerts(&without_team).await), ["ChaosAny"]);
    // Every condition must hold.
    let both = AlertFilter {
        state: Some(AlertState::Firing),
        ..labelled(&[
            ("severity", MatchOp::Equal, "critical"),
            ("team", MatchOp::Equal, "web"),
        ])
    };
    assert!(stage.alerts(&both).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_is_not_prometheus_alerts_is_a_typed_error() {
    let html = FakeServer::answering(200, "text/html", "<html>Grafana</html>");
    let error = probe_error(
        host(&[&html.url])
            .alerts(&endpoint(&html.url), &AlertFilter::default())
            .await,
    );
    assert!(
        matches!(error, ProbeError::BadResponse(ref b) if b.kind == BadResponseKind::NotJson),
        "{error:?}"
    );
    assert_eq!(html.received()[0].target, "/api/v1/alerts");

    let other_api = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let error = probe_error(
        host(&[&other_api.url])
            .alerts(&endpoint(&other_api.url), &AlertFilter::default())
            .await,
    );
    assert!(
        matches!(error, ProbeError::BadResponse(ref b) if b.kind == BadResponseKind::UnexpectedShape && b.message.contains("data.alerts")),
        "{error:?}"
    );

    let unavailable = FakeServer::answering(
        503,
        "application/json",
        r#"{"status":"error","errorType":"unavailable","error":"rule manager not ready"}"#,
    );
    let error = probe_error(
        host(&[&unavailable.url])
            .alerts(&endpoint(&unavailable.url), &AlertFilter::default())
            .await,
    );
    assert!(
        matches!(error, ProbeError::Prometheus(ref p) if p.status == 503 && p.error_type == "unavailable"),
        "{error:?}"
    );

    let missing = FakeServer::answering(404, "text/plain", "404 page not found");
    let error = probe_error(
        host(&[&missing.url])
            .alerts(&endpoint(&missing.url), &AlertFilter::default())
            .await,
    );
    assert!(
        matches!(error, ProbeError::HttpStatus(ref h) if h.status == 404),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_regex_fails_before_any_request() {
    let server = FakeServer::answering(200, "application/json", "{}");
    let filter = labelled(&[("severity", MatchOp::Regex, "(crit")]);
    let error = probe_error(
        host(&[&server.url])
            .alerts(&endpoint(&server.url), &filter)
            .await,
    );
    assert!(
        matches!(error, ProbeError::InvalidArgument(ref m) if m.contains("invalid regular expression")),
        "{error:?}"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_reach_only_what_the_policy_allows() {
    let server = FakeServer::answering(200, "application/json", "{}");
    let error = probe_error(
        host(&["http://127.0.0.1:1"])
            .alerts(&endpoint(&server.url), &AlertFilter::default())
            .await,
    );
    assert!(
        matches!(error, ProbeError::Transport(ref t) if t.kind == TransportFailure::Denied),
        "{error:?}"
    );
    assert_eq!(server.connections(), 0);
}
