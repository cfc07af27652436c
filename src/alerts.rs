//! The alerts probe: `GET /api/v1/alerts`, and the alerts of its answer
//! that pass a filter (name, label matchers, state), returned as Prometheus
//! wrote them. Prometheus's API cannot filter alerts itself, so we do.

mod regex;

use std::collections::BTreeMap;

use regex_lite::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{BadResponseKind, ProbeError};
use crate::probes::{send_following, Transport};
use crate::request::{Endpoint, Target};
use crate::response::{check_envelope, Answer};

/// Names the request in error messages.
const LABEL: &str = "Prometheus alerts request (GET /api/v1/alerts)";

/// WIT `alert-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    /// `pending`, `firing`, or `any` (no filter); the message says what is
    /// accepted.
    pub fn parse(text: &str) -> Result<Option<AlertState>, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pending" => Ok(Some(AlertState::Pending)),
            "firing" => Ok(Some(AlertState::Firing)),
            "any" | "" => Ok(None),
            _ => Err(format!("state '{text}' is not pending, firing or any")),
        }
    }

    /// As Prometheus writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// WIT `match-op`: PromQL's label matching operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// WIT `label-matcher`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

impl LabelMatcher {
    /// `name=value`, `name!=value`, `name=~regex` or `name!~regex`, as the
    /// CLI's `--label` and the experiment's list of matchers write it. The
    /// value is everything after the operator, verbatim (no quotes needed;
    /// a value in double quotes has them removed, as PromQL writes it).
    pub fn parse(text: &str) -> Result<LabelMatcher, String> {
        let split = text.find(['=', '!']).ok_or_else(|| {
            format!(
                "label matcher '{text}' is not NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX"
            )
        })?;
        let (name, rest) = text.split_at(split);
        let (op, value) = if let Some(value) = rest.strip_prefix("=~") {
            (MatchOp::Regex, value)
        } else if let Some(value) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, value)
        } else if let Some(value) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, value)
        } else if let Some(value) = rest.strip_prefix('=') {
            (MatchOp::Equal, value)
        } else {
            return Err(format!(
                "label matcher '{text}' has no operator after '{name}' (=, !=, =~, !~)"
            ));
        };
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let matcher = LabelMatcher {
            name: name.trim().to_string(),
            op,
            value: value.to_string(),
        };
        check_name(&matcher.name).map_err(|e| format!("label matcher '{text}': {e}"))?;
        Ok(matcher)
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the label name is empty".into());
    }
    Ok(())
}

/// WIT `alert-filter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    pub alertname: Option<String>,
    pub labels: Vec<LabelMatcher>,
    pub state: Option<AlertState>,
}

/// A label matcher ready to test values.
enum Test {
    Equal(String),
    NotEqual(String),
    Regex(Regex),
    NotRegex(Regex),
}

struct CompiledFilter {
    labels: Vec<(String, Test)>,
    state: Option<AlertState>,
}

/// A matcher's value as PromQL writes it: in double quotes, with `"`, `\`
/// and control characters escaped as Rust's `{:?}` escapes them (`\n`,
/// `\u{1b}`), anything else as it is.
fn quoted(value: &str) -> String {
    let mut text = String::from('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                text.push('\\');
                text.push(c);
            }
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            '\t' => text.push_str("\\t"),
            '\0' => text.push_str("\\0"),
            c if c.is_control() => text.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => text.push(c),
        }
    }
    text.push('"');
    text
}

impl CompiledFilter {
    /// Checks every matcher; a regular expression that does not compile is
    /// an invalid argument.
    fn new(filter: &AlertFilter) -> Result<CompiledFilter, ProbeError> {
        let mut labels = Vec::new();
        if let Some(name) = &filter.alertname {
            labels.push(("alertname".to_string(), Test::Equal(name.clone())));
        }
        for matcher in &filter.labels {
            check_name(&matcher.name).map_err(ProbeError::invalid)?;
            let regex = || {
                regex::compile(&matcher.value).map_err(|e| {
                    ProbeError::invalid(format!(
                        "label matcher {}{}{}: invalid regular expression: {e}",
                        matcher.name,
                        matcher.op.as_str(),
                        quoted(&matcher.value)
                    ))
                })
            };
            let test = match matcher.op {
                MatchOp::Equal => Test::Equal(matcher.value.clone()),
                MatchOp::NotEqual => Test::NotEqual(matcher.value.clone()),
                MatchOp::Regex => Test::Regex(regex()?),
                MatchOp::NotRegex => Test::NotRegex(regex()?),
            };
            labels.push((matcher.name.clone(), test));
        }
        Ok(CompiledFilter {
            labels,
            state: filter.state,
        })
    }

    fn keeps(&self, alert: &AlertView) -> bool {
        let state_ok = self
            .state
            .is_none_or(|wanted| alert.state == wanted.as_str());
        state_ok
            && self.labels.iter().all(|(name, test)| {
                let value = alert.label(name);
                match test {
                    Test::Equal(v) => value == v,
                    Test::NotEqual(v) => value != v,
                    Test::Regex(r) => r.is_match(value),
                    Test::NotRegex(r) => !r.is_match(value),
                }
            })
    }
}

/// `data` of an `/api/v1/alerts` answer: each alert as the answer wrote it.
#[derive(Deserialize)]
struct AlertsData<'a> {
    #[serde(borrow)]
    alerts: Vec<&'a RawValue>,
}

/// What the filter reads of an alert.
#[derive(Deserialize)]
struct AlertView {
    /// A missing label is the empty string; the last of a repeated label
    /// wins, as in a map.
    #[serde(default)]
    labels: BTreeMap<String, String>,
    state: String,
}

impl AlertView {
    fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }
}

/// `GET /api/v1/alerts`; the alerts that pass `filter`, as a JSON array.
pub fn alerts(
    transport: &mut impl Transport,
    config: &Endpoint,
    filter: &AlertFilter,
) -> Result<String, ProbeError> {
    let endpoint = Target::from_endpoint(config)?;
    let compiled = CompiledFilter::new(filter)?;
    let http = endpoint.api_request("alerts", &[], None);
    let body = check_envelope(send_following(transport, &http)?, LABEL)?;
    select(&body, &compiled)
}

/// The alerts of a checked `/api/v1/alerts` answer that pass the filter.
fn select(body: &str, filter: &CompiledFilter) -> Result<String, ProbeError> {
    let answer: Answer<AlertsData> = serde_json::from_str(body).map_err(|e| {
        unexpected(format!(
            "{LABEL} failed: the answer has no list of alerts under data.alerts: {e}"
        ))
    })?;
    let mut kept = Vec::new();
    for alert in answer.data.alerts.iter().map(|raw| raw.get()) {
        let view: AlertView = serde_json::from_str(alert).map_err(|e| {
            unexpected(format!(
                "{LABEL} failed: an alert is not shaped as Prometheus documents it ({e}): {alert}"
            ))
        })?;
        if filter.keeps(&view) {
            kept.push(alert);
        }
    }
    Ok(format!("[{}]", kept.join(",")))
}

fn unexpected(message: String) -> ProbeError {
    ProbeError::bad_response(BadResponseKind::UnexpectedShape, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::HttpRequest;
    use crate::response::HttpResponse;

    const ANSWER: &str = r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"ChaosHigh","severity":"critical","team":"db"},"annotations":{"summary":"high"},"state":"firing","activeAt":"2026-11-22T08:29:00.1Z","value":"7e+00"},{"labels":{"alertname":"ChaosHigh","severity":"warning"},"annotations":{},"state":"pending","activeAt":"2026-11-22T08:29:58Z","value":"6e+00"},{"labels":{"alertname":"Watchdog"},"annotations":{},"state":"firing","activeAt":"2026-11-22T08:00:00Z","value":"1e+00"}]}}"#;

    struct Canned {
        sent: Vec<HttpRequest>,
        status: u16,
        body: String,
    }

    impl Transport for Canned {
        fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
            self.sent.push(request.clone());
            Ok(HttpResponse {
                status: self.status,
                body: self.body.clone().into_bytes(),
                location: None,
            })
        }
    }

    fn run(
        status: u16,
        body: &str,
        filter: &AlertFilter,
    ) -> (Result<String, ProbeError>, Vec<HttpRequest>) {
        let mut t = Canned {
            sent: Vec::new(),
            status,
            body: body.into(),
        };
        let endpoint = Endpoint {
            base_url: Some("http://127.0.0.1:19090/prom/".into()),
            ..Endpoint::default()
        };
        (alerts(&mut t, &endpoint, filter), t.sent)
    }

    fn names(filter: &AlertFilter) -> Vec<(String, String)> {
        let (result, _) = run(200, ANSWER, filter);
        let kept: serde_json::Value = serde_json::from_str(&result.unwrap()).unwrap();
        kept.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["labels"]["alertname"].as_str().unwrap().to_string(),
                    a["state"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn matcher(text: &str) -> LabelMatcher {
        LabelMatcher::parse(text).unwrap()
    }

    #[test]
    fn no_filter_returns_every_alert_unchanged_with_a_get() {
        let (result, sent) = run(200, ANSWER, &AlertFilter::default());
        let whole: serde_json::Value = serde_json::from_str(ANSWER).unwrap();
        let expected = ANSWER
            .strip_prefix(r#"{"status":"success","data":{"alerts":"#)
            .and_then(|rest| rest.strip_suffix("}}"))
            .unwrap();
        assert_eq!(result.unwrap(), expected);
        assert_eq!(whole["data"]["alerts"].as_array().unwrap().len(), 3);
        assert_eq!(sent[0].url(), "http://127.0.0.1:19090/prom/api/v1/alerts");
        assert_eq!(sent[0].method, crate::request::Method::Get);
    }

    #[test]
    fn filters_by_name_state_and_labels() {
        let by_name = AlertFilter {
            alertname: Some("ChaosHigh".into()),
            ..AlertFilter::default()
        };
        assert_eq!(names(&by_name).len(), 2);
        let firing = AlertFilter {
            state: Some(AlertState::Firing),
            ..by_name.clone()
        };
        assert_eq!(names(&firing), [("ChaosHigh".into(), "firing".into())]);
        let pending = AlertFilter {
            state: Some(AlertState::Pending),
            ..AlertFilter::default()
        };
        assert_eq!(names(&pending), [("ChaosHigh".into(), "pending".into())]);
        let critical = AlertFilter {
            labels: vec![matcher("severity=critical")],
            ..AlertFilter::default()
        };
        assert_eq!(names(&critical), [("ChaosHigh".into(), "firing".into())]);
        let regex = AlertFilter {
            labels: vec![matcher("severity=~crit.*|warning")],
            ..AlertFilter::default()
        };
        assert_eq!(names(&regex).len(), 2);
        // Anchored: `crit` alone matches nothing.
        let partial = AlertFilter {
            labels: vec![matcher("severity=~crit")],
            ..AlertFilter::default()
        };
        assert!(names(&partial).is_empty());
        // A missing label is the empty string.
        let not_db = AlertFilter {
            labels: vec![matcher("team!=db")],
            ..AlertFilter::default()
        };
        assert_eq!(names(&not_db).len(), 2);
        let no_team = AlertFilter {
            labels: vec![matcher("team!~.+"), matcher("alertname=Watchdog")],
            ..AlertFilter::default()
        };
        assert_eq!(names(&no_team), [("Watchdog".into(), "firing".into())]);
    }

    #[test]
    fn matchers_parse_promql_operators() {
        assert_eq!(
            matcher("severity=critical"),
            LabelMatcher {
                name: "severity".into(),
                op: MatchOp::Equal,
                value: "critical".into()
            }
        );
        assert_eq!(matcher("a!=b").op, MatchOp::NotEqual);
        assert_eq!(matcher("a=~b|c").value, "b|c");
        assert_eq!(matcher("a!~b").op, MatchOp::NotRegex);
        assert_eq!(matcher("a=\"x=y\"").value, "x=y");
        assert_eq!(matcher("a=").value, "");
        assert!(LabelMatcher::parse("severity").is_err());
        assert!(LabelMatcher::parse("=x").is_err());
        assert!(LabelMatcher::parse("a!b").is_err());
        assert_eq!(AlertState::parse("Firing"), Ok(Some(AlertState::Firing)));
        assert_eq!(AlertState::parse("any"), Ok(None));
        assert!(AlertState::parse("inactive").is_err());
    }

    #[test]
    fn a_bad_regex_fails_before_any_request() {
        let filter = AlertFilter {
            labels: vec![matcher("severity=~(crit")],
            ..AlertFilter::default()
        };
        let (result, sent) = run(200, ANSWER, &filter);
        assert!(
            matches!(result, Err(ProbeError::InvalidArgument(ref m)) if m.contains("severity=~")),
            "{result:?}"
        );
        assert!(sent.is_empty());
    }

    #[test]
    fn answers_that_are_not_alerts_are_typed_errors() {
        let none = AlertFilter::default();
        assert!(matches!(
            run(200, "<html>hi</html>", &none).0,
            Err(ProbeError::BadResponse {
                kind: BadResponseKind::NotJson,
                ..
            })
        ));
        assert!(matches!(
            run(200, r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, &none).0,
            Err(ProbeError::BadResponse { kind: BadResponseKind::UnexpectedShape, ref message }) if message.contains("data.alerts")
        ));
        assert!(matches!(
            run(
                200,
                r#"{"status":"success","data":{"alerts":[{"labels":{}}]}}"#,
                &none
            )
            .0,
            Err(ProbeError::BadResponse {
                kind: BadResponseKind::UnexpectedShape,
                ..
            })
        ));
        let error = r#"{"status":"error","errorType":"unavailable","error":"rules not loaded"}"#;
        assert!(matches!(
            run(503, error, &none).0,
            Err(ProbeError::Prometheus { status: 503, ref error_type, .. }) if error_type == "unavailable"
        ));
        assert!(matches!(
            run(404, "404 page not found", &none).0,
            Err(ProbeError::HttpStatus { status: 404, .. })
        ));
    }

    #[test]
    fn a_repeated_label_is_read_as_its_last_value() {
        let answer = r#"{"status":"success","data":{"alerts":[{"labels":{"team":"db","team":"web"},"state":"firing"}]}}"#;
        let kept = |matcher_text: &str| {
            let filter = AlertFilter {
                labels: vec![matcher(matcher_text)],
                ..AlertFilter::default()
            };
            run(200, answer, &filter).0.unwrap() != "[]"
        };
        assert!(kept("team=web"));
        assert!(!kept("team=db"));
        assert!(kept("team=~w.b"));
        assert!(kept("team!=db"));
    }

    #[test]
    fn no_alerts_is_an_empty_list() {
        let empty = r#"{"status":"success","data":{"alerts":[]}}"#;
        assert_eq!(run(200, empty, &AlertFilter::default()).0.unwrap(), "[]");
    }

    proptest::proptest! {
        #[test]
        fn an_ascii_value_is_quoted_as_debug_quotes_it(value in "[\\x00-\\x7f]{0,40}") {
            proptest::prop_assert_eq!(quoted(&value), format!("{value:?}"));
        }
    }

    #[test]
    fn other_characters_stay_as_they_are() {
        assert_eq!(quoted("é\u{200b}\u{85}"), "\"é\u{200b}\\u{85}\"");
    }
}
