//! The probes, in plain Rust: arguments checked and turned into a request,
//! the request sent through a [`Transport`], the answer checked and read.
//! The component gives them `wasi:http`; the tests give them a fake.

use jiff::SignedDuration;

use crate::duration::{auto_step, mean_step, PromDuration};
use crate::error::{ProbeError, TransportFailure};
use crate::mean::{mean, MeanKind};
use crate::request::{python_dict, Endpoint, HttpRequest, Target, MAX_REDIRECTS};
use crate::response::{check_envelope, single_series_values, single_value, HttpResponse};
use crate::time_expr::{format_rfc3339, parse_time_expr, Timestamp};

/// The query `nodes-cpu-usage-mean` averages, as upstream defines it.
pub const NODES_CPU_USAGE_QUERY: &str =
    "100 * (1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))";
/// The window `compute-mean` covers when none is given.
pub const DEFAULT_MEAN_WINDOW: &str = "1d";

/// Sends one request and returns the answer, or a transport error.
pub trait Transport {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError>;
}

/// Sends a request and follows its redirects, at most [`MAX_REDIRECTS`];
/// each hop passes the host's policy like the first.
pub fn send_following(
    transport: &mut impl Transport,
    request: &HttpRequest,
) -> Result<HttpResponse, ProbeError> {
    let mut current = request.clone();
    for _ in 0..=MAX_REDIRECTS {
        let response = transport.send(&current)?;
        let next = response
            .location
            .as_deref()
            .and_then(|location| current.redirected(response.status, location));
        match next {
            None => return Ok(response),
            Some(next) => current = next?,
        }
    }
    Err(ProbeError::transport(
        TransportFailure::Protocol,
        format!("{} redirected more than {MAX_REDIRECTS} times; point the base URL at the final address", request.url()),
    ))
}

/// WIT `instant-query`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstantQuery {
    pub query: String,
    pub when: Option<String>,
    pub timeout: Option<String>,
}

/// WIT `range-query`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RangeQuery {
    pub query: String,
    pub start: String,
    pub end: String,
    pub step: Option<String>,
    pub timeout: Option<String>,
}

/// WIT `mean-window`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanWindow {
    pub window: Option<String>,
    pub kind: MeanKind,
    pub end: Option<String>,
    pub step: Option<String>,
    pub timeout: Option<String>,
}

/// `GET /api/v1/query`; the answer's JSON, unchanged.
pub fn query(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &InstantQuery,
    now: Timestamp,
) -> Result<String, ProbeError> {
    let endpoint = Target::from_endpoint(config)?;
    let timeout = parse_timeout(request.timeout.as_deref())?;
    let when = request
        .when
        .as_deref()
        .map(|when| parse_time_expr(when, now).map(format_rfc3339))
        .transpose()?;
    let mut params = vec![("query", request.query.as_str())];
    if let Some(timeout) = &timeout {
        params.push(("timeout", timeout.text.as_str()));
    }
    if let Some(when) = &when {
        params.push(("time", when.as_str()));
    }
    let label = format!("Prometheus query {}", python_dict(&params));
    let http = endpoint.api_request("query", &params, timeout.as_ref().map(|t| t.seconds));
    check_envelope(send_following(transport, &http)?, &label)
}

/// `GET /api/v1/query_range`; the answer's JSON, unchanged.
pub fn query_interval(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &RangeQuery,
    now: Timestamp,
) -> Result<String, ProbeError> {
    let endpoint = Target::from_endpoint(config)?;
    let timeout = parse_timeout(request.timeout.as_deref())?;
    let step = request
        .step
        .as_deref()
        .map(|step| PromDuration::parse("step", step))
        .transpose()?;
    let (start, end) = resolve_range(&request.start, &request.end, now)?;
    let step = step.unwrap_or_else(|| auto_step(seconds_between(start, end)));
    range(
        transport,
        &endpoint,
        &request.query,
        timeout.as_ref(),
        &step,
        start,
        end,
    )
}

/// One number from an instant query; see WIT `query-value`.
pub fn query_value(
    transport: &mut impl Transport,
    config: &Endpoint,
    request: &InstantQuery,
    default: Option<f64>,
    now: Timestamp,
) -> Result<f64, ProbeError> {
    let body = query(transport, config, request, now)?;
    single_value(&body, &request.query, default)
}

/// The mean of the one series `query` returns over the window.
pub fn compute_mean(
    transport: &mut impl Transport,
    config: &Endpoint,
    query: &str,
    window: &MeanWindow,
    now: Timestamp,
) -> Result<f64, ProbeError> {
    let endpoint = Target::from_endpoint(config)?;
    let timeout = parse_timeout(window.timeout.as_deref())?;
    let (start, end, length) = mean_range(window.window.as_deref(), window.end.as_deref(), now)?;
    let step = match window.step.as_deref() {
        Some(step) => PromDuration::parse("step", step)?,
        None => mean_step(length.seconds),
    };
    let body = range(
        transport,
        &endpoint,
        query,
        timeout.as_ref(),
        &step,
        start,
        end,
    )?;
    let samples = single_series_values(&body, query)?;
    mean(window.kind, &samples)
}

/// `compute_mean` of [`NODES_CPU_USAGE_QUERY`].
pub fn nodes_cpu_usage_mean(
    transport: &mut impl Transport,
    config: &Endpoint,
    window: &MeanWindow,
    now: Timestamp,
) -> Result<f64, ProbeError> {
    compute_mean(transport, config, NODES_CPU_USAGE_QUERY, window, now)
}

pub(crate) fn range(
    transport: &mut impl Transport,
    endpoint: &Target,
    query: &str,
    timeout: Option<&PromDuration>,
    step: &PromDuration,
    start: Timestamp,
    end: Timestamp,
) -> Result<String, ProbeError> {
    let start = format_rfc3339(start);
    let end = format_rfc3339(end);
    let mut params = vec![("query", query)];
    if let Some(timeout) = timeout {
        params.push(("timeout", timeout.text.as_str()));
    }
    params.push(("step", step.text.as_str()));
    params.push(("start", start.as_str()));
    params.push(("end", end.as_str()));
    let label = format!("Prometheus query range {}", python_dict(&params));
    let http = endpoint.api_request("query_range", &params, timeout.map(|t| t.seconds));
    check_envelope(send_following(transport, &http)?, &label)
}

/// The range `compute_mean` averages, read at `now`: `window` long
/// ([`DEFAULT_MEAN_WINDOW`] without one), ending at `end` (now without one).
pub fn mean_range(
    window: Option<&str>,
    end: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp, PromDuration), ProbeError> {
    let length = PromDuration::parse("window", window.unwrap_or(DEFAULT_MEAN_WINDOW))?;
    let end = match end {
        Some(end) => parse_time_expr(end, now)?,
        None => now,
    };
    let start = SignedDuration::try_from_secs_f64(length.seconds)
        .and_then(|length| end.checked_sub(length))
        .map_err(|_| ProbeError::invalid(format!("invalid window '{}': too long", length.text)))?;
    Ok((start, end, length))
}

/// A range's start and end, read at `now`; an end before the start is an
/// error.
pub fn resolve_range(
    start_text: &str,
    end_text: &str,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ProbeError> {
    // Upstream parses the start first; so do we, so the same input fails
    // with the same message.
    let start = parse_time_expr(start_text, now)?;
    let end = parse_time_expr(end_text, now)?;
    // Prometheus refuses an end before the start, but VictoriaMetrics answers
    // for another range; refusing it here fails the same way on both.
    if end < start {
        return Err(ProbeError::invalid(format!(
            "the end '{end_text}' ({}) is before the start '{start_text}' ({}); swap them",
            format_rfc3339(end),
            format_rfc3339(start)
        )));
    }
    Ok((start, end))
}

pub(crate) fn parse_timeout(timeout: Option<&str>) -> Result<Option<PromDuration>, ProbeError> {
    timeout
        .map(|timeout| PromDuration::parse("timeout", timeout))
        .transpose()
}

pub(crate) fn seconds_between(start: Timestamp, end: Timestamp) -> f64 {
    end.duration_since(start).as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method;

    /// Records what would be sent and answers with a canned response.
    struct Recorder {
        sent: Vec<HttpRequest>,
        answer: Result<HttpResponse, ProbeError>,
    }

    impl Recorder {
        fn answering(status: u16, body: &str) -> Recorder {
            Recorder {
                sent: Vec::new(),
                answer: Ok(HttpResponse {
                    status,
                    body: body.as_bytes().to_vec(),
                    location: None,
                }),
            }
        }
    }

    impl Transport for Recorder {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
            self.sent.push(request.clone());
            self.answer.clone()
        }
    }

    const OK: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

    /// 2026-11-22T08:30:00Z
    fn now() -> Timestamp {
        Timestamp::new(1_795_336_200, 0).unwrap()
    }

    fn local() -> Endpoint {
        Endpoint {
            base_url: Some("http://127.0.0.1:19090".into()),
            ..Default::default()
        }
    }

    #[test]
    fn query_sends_upstream_parameters() {
        let mut t = Recorder::answering(200, OK);
        let request = InstantQuery {
            query: "up{job=\"prometheus\"}".into(),
            when: Some("1 minute ago".into()),
            timeout: Some("5".into()),
        };
        assert_eq!(query(&mut t, &local(), &request, now()).unwrap(), OK);
        assert_eq!(
            t.sent[0].url(),
            "http://127.0.0.1:19090/api/v1/query?query=up%7Bjob%3D%22prometheus%22%7D&timeout=5&time=2026-11-22T08%3A29%3A00.000Z"
        );
    }

    #[test]
    fn bad_time_fails_before_any_request() {
        let mut t = Recorder::answering(200, OK);
        let request = InstantQuery {
            query: "up".into(),
            when: Some("2 mns ago".into()),
            timeout: None,
        };
        assert_eq!(
            query(&mut t, &local(), &request, now()).unwrap_err(),
            ProbeError::invalid("failed to parse '2 mns ago'")
        );
        let range_request = RangeQuery {
            query: "up".into(),
            start: "right now".into(),
            end: "later".into(),
            ..Default::default()
        };
        assert_eq!(
            query_interval(&mut t, &local(), &range_request, now()).unwrap_err(),
            ProbeError::invalid("failed to parse 'right now'")
        );
        assert!(t.sent.is_empty());
    }

    #[test]
    fn http_400_is_a_prometheus_query_error() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: unexpected end of input inside braces"}"#;
        let mut t = Recorder::answering(400, body);
        let request = InstantQuery {
            query: "up{".into(),
            ..Default::default()
        };
        let error = query(&mut t, &local(), &request, now()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Prometheus query {{'query': 'up{{'}} failed: {body}")
        );
    }

    #[test]
    fn range_parameters_order_and_auto_step() {
        let mut t = Recorder::answering(200, OK);
        let request = RangeQuery {
            query: "up".into(),
            start: "1 day ago".into(),
            end: "now".into(),
            ..Default::default()
        };
        query_interval(&mut t, &local(), &request, now()).unwrap();
        assert_eq!(
            t.sent[0].path_and_query,
            "/api/v1/query_range?query=up&step=8&start=2026-11-21T08%3A30%3A00.000Z&end=2026-11-22T08%3A30%3A00.000Z"
        );
        let with_step = RangeQuery {
            step: Some("15s".into()),
            timeout: Some("2.5".into()),
            ..request
        };
        query_interval(&mut t, &local(), &with_step, now()).unwrap();
        assert!(t.sent[1]
            .path_and_query
            .starts_with("/api/v1/query_range?query=up&timeout=2.5&step=15s&start="));
    }

    #[test]
    fn an_end_before_the_start_fails_before_any_request() {
        let mut t = Recorder::answering(200, OK);
        let request = RangeQuery {
            query: "up".into(),
            start: "2026-11-22T08:30:35Z".into(),
            end: "5 minutes ago".into(),
            ..Default::default()
        };
        assert_eq!(
            query_interval(&mut t, &local(), &request, now()).unwrap_err(),
            ProbeError::invalid(
                "the end '5 minutes ago' (2026-11-22T08:25:00.000Z) is before the start '2026-11-22T08:30:35Z' (2026-11-22T08:30:35.000Z); swap them"
            )
        );
        assert!(t.sent.is_empty());
        let one_instant = RangeQuery {
            end: "2026-11-22T08:30:35Z".into(),
            ..request
        };
        assert!(query_interval(&mut t, &local(), &one_instant, now()).is_ok());
    }

    #[test]
    fn zero_step_is_rejected_not_dropped() {
        let mut t = Recorder::answering(200, OK);
        let request = RangeQuery {
            query: "up".into(),
            start: "1h ago".into(),
            end: "now".into(),
            step: Some("0".into()),
            ..Default::default()
        };
        assert!(
            matches!(query_interval(&mut t, &local(), &request, now()), Err(ProbeError::InvalidArgument(m)) if m.contains("step"))
        );
        assert!(t.sent.is_empty());
    }

    #[test]
    fn transport_errors_pass_through() {
        let refused = ProbeError::transport(TransportFailure::ConnectionRefused, "refused");
        let mut t = Recorder {
            sent: Vec::new(),
            answer: Err(refused.clone()),
        };
        let request = InstantQuery {
            query: "up".into(),
            ..Default::default()
        };
        assert_eq!(
            query(&mut t, &local(), &request, now()).unwrap_err(),
            refused
        );
    }

    #[test]
    fn compute_mean_covers_the_window_up_to_end() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"],[3,"4"]]}]}}"#;
        let mut t = Recorder::answering(200, body);
        let window = MeanWindow {
            window: Some("1h".into()),
            kind: MeanKind::Geometric,
            end: None,
            step: None,
            timeout: None,
        };
        let value = compute_mean(&mut t, &local(), "m", &window, now()).unwrap();
        assert!((value - 2.0).abs() < 1e-12);
        assert_eq!(
            t.sent[0].path_and_query,
            "/api/v1/query_range?query=m&step=12&start=2026-11-22T07%3A30%3A00.000Z&end=2026-11-22T08%3A30%3A00.000Z"
        );
        assert_eq!(t.sent[0].method, Method::Get);
    }

    #[test]
    fn nodes_cpu_usage_mean_uses_upstream_query_and_default_window() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"25"]]}]}}"#;
        let mut t = Recorder::answering(200, body);
        let window = MeanWindow {
            window: None,
            kind: MeanKind::Arithmetic,
            end: None,
            step: None,
            timeout: None,
        };
        assert_eq!(
            nodes_cpu_usage_mean(&mut t, &local(), &window, now()).unwrap(),
            25.0
        );
        let sent = &t.sent[0].path_and_query;
        assert!(
            sent.contains("node_cpu_seconds_total")
                && sent.contains("step=288&start=2026-11-21T08%3A30%3A00.000Z"),
            "{sent}"
        );
    }
}
