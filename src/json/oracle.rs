//! The answer readers as they were, on serde's derive and serde_json, to
//! hold the new ones to the same verdicts and values.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::alerts::{alerts, AlertFilter, AlertState, LabelMatcher};
use crate::error::{BadResponseKind, ProbeError};
use crate::probes::Transport;
use crate::request::{Endpoint, HttpRequest};
use crate::response::{check_envelope, single_series_values, single_value, HttpResponse};

#[derive(Deserialize)]
struct Envelope {
    status: serde_json::Value,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Answer<T> {
    data: T,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum InstantData {
    Vector(Vec<InstantSample>),
    Scalar((f64, String)),
    String(IgnoredAny),
    Matrix(IgnoredAny),
}

#[derive(Deserialize)]
struct InstantSample {
    #[serde(default)]
    value: Option<(f64, String)>,
}

#[derive(Deserialize)]
struct RangeData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<RangeSeries>,
}

#[derive(Deserialize)]
struct RangeSeries {
    #[serde(default)]
    #[allow(dead_code)]
    metric: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

#[derive(Deserialize)]
struct AlertsData {
    #[allow(dead_code)]
    alerts: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct AlertView {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    state: String,
}

fn is_unexpected_shape(result: &Result<impl std::fmt::Debug, ProbeError>) -> bool {
    matches!(
        result,
        Err(ProbeError::BadResponse {
            kind: BadResponseKind::UnexpectedShape,
            ..
        })
    )
}

pub fn assert_answer_as_before(text: &str, status: u16) {
    assert_envelope_as_before(text, status);
    assert_values_as_before(text);
    assert_alerts_as_before(text);
}

fn assert_envelope_as_before(text: &str, status: u16) {
    let response = HttpResponse {
        status,
        body: text.as_bytes().to_vec(),
        location: None,
    };
    let ours = check_envelope(response, "L");
    let success = status == 200;
    let envelope = serde_json::from_str::<Envelope>(text).ok();
    let is_json = serde_json::from_str::<IgnoredAny>(text).is_ok();
    match envelope {
        Some(e) if e.status == "error" => assert!(
            matches!(&ours, Err(ProbeError::Prometheus { error_type, error, .. })
                if *error_type == e.error_type.unwrap_or_default() && *error == e.error.unwrap_or_default()),
            "{text:?}: {ours:?}"
        ),
        Some(e) if e.status == "success" && success => assert_eq!(ours.as_deref(), Ok(text)),
        _ if !success => assert!(
            matches!(ours, Err(ProbeError::HttpStatus { .. })),
            "{text:?}: {ours:?}"
        ),
        Some(_) => assert!(
            matches!(&ours, Err(ProbeError::BadResponse { kind: BadResponseKind::UnexpectedShape, message }) if message.contains("no \"status\"")),
            "{text:?}: {ours:?}"
        ),
        None if is_json => assert!(
            matches!(&ours, Err(ProbeError::BadResponse { kind: BadResponseKind::UnexpectedShape, message }) if !message.contains("no \"status\"")),
            "{text:?}: {ours:?}"
        ),
        None => assert!(
            matches!(
                ours,
                Err(ProbeError::BadResponse {
                    kind: BadResponseKind::NotJson,
                    ..
                })
            ),
            "{text:?}: {ours:?}"
        ),
    }
}

/// The values read, or what went wrong: the same outcome, and the same
/// message unless it quotes the reader's own error.
fn assert_values_as_before(text: &str) {
    let ours = single_value(text, "q", Some(-1.0));
    match serde_json::from_str::<Answer<InstantData>>(text) {
        Err(_) => assert!(is_unexpected_shape(&ours), "{text:?}: {ours:?}"),
        Ok(answer) => {
            let value = match answer.data {
                InstantData::Scalar((_, value)) => Some(value),
                InstantData::Vector(samples) if samples.len() == 1 => samples
                    .into_iter()
                    .next()
                    .and_then(|s| s.value)
                    .map(|v| v.1),
                _ => None,
            };
            match value {
                Some(value) => assert_same_number(&ours, &value, text),
                None => assert!(
                    ours == Ok(-1.0) || matches!(ours, Err(ProbeError::ResultShape(_))),
                    "{text:?}: {ours:?}"
                ),
            }
        }
    }
    let ours = single_series_values(text, "q");
    match serde_json::from_str::<Answer<RangeData>>(text) {
        Err(_) => assert!(is_unexpected_shape(&ours), "{text:?}: {ours:?}"),
        Ok(answer) if answer.data.result_type == "matrix" && answer.data.result.len() == 1 => {
            let series = &answer.data.result[0];
            let theirs: Result<Vec<f64>, ()> = series
                .values
                .iter()
                .map(|(_, v)| v.parse::<f64>().map_err(drop))
                .collect();
            match theirs {
                Ok(theirs) if !theirs.is_empty() => {
                    let ours = ours.unwrap();
                    let same = |a: &f64, b: &f64| a == b || (a.is_nan() && b.is_nan());
                    assert!(
                        ours.iter().zip(&theirs).all(|(a, b)| same(a, b)),
                        "{text:?}"
                    );
                    assert_eq!(ours.len(), theirs.len());
                }
                Ok(_) => assert!(matches!(ours, Err(ProbeError::ResultShape(_)))),
                Err(()) => assert!(is_unexpected_shape(&ours), "{text:?}: {ours:?}"),
            }
        }
        Ok(_) => assert!(
            matches!(ours, Err(ProbeError::ResultShape(_))),
            "{text:?}: {ours:?}"
        ),
    }
}

fn assert_same_number(ours: &Result<f64, ProbeError>, text: &str, document: &str) {
    match text.parse::<f64>() {
        Ok(value) => assert!(
            matches!(ours, Ok(v) if *v == value || (v.is_nan() && value.is_nan())),
            "{document:?}: {ours:?}"
        ),
        Err(_) => assert!(is_unexpected_shape(ours), "{document:?}: {ours:?}"),
    }
}

struct Canned(String);

impl Transport for Canned {
    fn send(&mut self, _: &HttpRequest) -> Result<HttpResponse, ProbeError> {
        Ok(HttpResponse {
            status: 200,
            body: self.0.clone().into_bytes(),
            location: None,
        })
    }
}

/// The firing alerts whose `job` is not `x`, as before: the same verdict,
/// and the same alerts kept (each as the answer wrote it).
fn assert_alerts_as_before(text: &str) {
    let endpoint = Endpoint {
        base_url: Some("http://127.0.0.1:9090".into()),
        ..Endpoint::default()
    };
    let filter = AlertFilter {
        labels: vec![LabelMatcher::parse("job!=x").unwrap()],
        state: Some(AlertState::Firing),
        ..AlertFilter::default()
    };
    let ours = alerts(&mut Canned(text.to_string()), &endpoint, &filter);
    if check_envelope(
        HttpResponse {
            status: 200,
            body: text.as_bytes().to_vec(),
            location: None,
        },
        "L",
    )
    .is_err()
    {
        return;
    }
    if serde_json::from_str::<Answer<AlertsData>>(text).is_err() {
        assert!(is_unexpected_shape(&ours), "{text:?}: {ours:?}");
        return;
    }
    // Each alert's text, as the old reader's raw values held it.
    let raws = crate::response::read_data(text, |r| {
        let mut raws = None;
        r.record(&["alerts"], &mut |r, _| {
            let mut list = Vec::new();
            r.array(&mut |r| {
                list.push(r.raw()?);
                Ok(())
            })?;
            raws = Some(list);
            Ok(())
        })?;
        r.required(raws, "alerts")
    })
    .unwrap();
    let mut kept = Vec::new();
    for raw in raws {
        match serde_json::from_str::<AlertView>(raw) {
            Err(_) => {
                assert!(is_unexpected_shape(&ours), "{text:?}: {ours:?}");
                return;
            }
            Ok(view) => {
                let job = view.labels.get("job").map_or("", String::as_str);
                if view.state == "firing" && job != "x" {
                    kept.push(raw);
                }
            }
        }
    }
    assert_eq!(ours, Ok(format!("[{}]", kept.join(","))), "{text:?}");
}
