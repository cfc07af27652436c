//! Reading Prometheus's answers: the JSON envelope (whose `"status":"error"`
//! is an error whatever the HTTP status), and the numbers inside results.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::{BadResponseKind, ProbeError};

mod lossy;

pub use lossy::lossy_text;

/// How much of a body goes into an error message.
const EXCERPT_BYTES: usize = 1024;

/// The status and body the transport received.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
}

/// What every Prometheus API answer holds.
#[derive(Deserialize)]
struct Envelope {
    status: serde_json::Value,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Checks an answer and returns its body as text, unchanged.
///
/// `label` names the request in upstream's words, e.g.
/// `Prometheus query {'query': 'up'}`, for the messages.
pub fn check_envelope(response: HttpResponse, label: &str) -> Result<String, ProbeError> {
    let success = (200..300).contains(&response.status);
    let body = match String::from_utf8(response.body) {
        Ok(body) => body,
        Err(not_utf8) => {
            let body = not_utf8.into_bytes();
            if success {
                return Err(ProbeError::bad_response(
                    BadResponseKind::NotUtf8,
                    format!("{label} failed: the answer is not valid UTF-8 text"),
                ));
            }
            return Err(http_status(response.status, &lossy_text(&body), label));
        }
    };
    let envelope = serde_json::from_str::<Envelope>(&body).ok();
    match envelope {
        Some(envelope) if envelope.status == "error" => Err(ProbeError::Prometheus {
            status: response.status,
            error_type: envelope.error_type.unwrap_or_default(),
            error: envelope.error.unwrap_or_default(),
            message: format!("{label} failed: {}", excerpt(&body)),
        }),
        Some(envelope) if envelope.status == "success" && success => Ok(body),
        _ if !success => Err(http_status(response.status, &body, label)),
        Some(_) => Err(ProbeError::bad_response(
            BadResponseKind::UnexpectedShape,
            format!(
                "{label} failed: the answer is JSON but not a Prometheus API answer (no \"status\": \"success\"): {}",
                excerpt(&body)
            ),
        )),
        None if serde_json::from_str::<IgnoredAny>(&body).is_ok() => Err(ProbeError::bad_response(
            BadResponseKind::UnexpectedShape,
            format!(
                "{label} failed: the answer is JSON but not a Prometheus API answer: {}",
                excerpt(&body)
            ),
        )),
        None => Err(ProbeError::bad_response(
            BadResponseKind::NotJson,
            format!(
                "{label} failed: the answer is not JSON; is the base URL a Prometheus API? It began: {}",
                excerpt(&body)
            ),
        )),
    }
}

fn http_status(status: u16, body: &str, label: &str) -> ProbeError {
    let body = excerpt(body).to_string();
    let message = if body.trim().is_empty() {
        format!("{label} failed: HTTP {status} with an empty body")
    } else {
        format!("{label} failed: {body}")
    };
    ProbeError::HttpStatus {
        status,
        body,
        message,
    }
}

/// The start of `text`, cut on a character boundary.
fn excerpt(text: &str) -> &str {
    if text.len() <= EXCERPT_BYTES {
        return text;
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The `data` of an answer.
#[derive(Deserialize)]
pub(crate) struct Answer<T> {
    pub(crate) data: T,
}

/// An instant query's `data`, by its `resultType`.
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum InstantData<S = InstantSample> {
    Vector(Vec<S>),
    Scalar(Sample),
    String(IgnoredAny),
    Matrix(IgnoredAny),
}

#[derive(Deserialize)]
struct InstantSample {
    /// None for a native histogram (its sample is under `histogram`).
    #[serde(default)]
    value: Option<Sample>,
}

/// An instant sample with its labels, for the judgements.
#[derive(Deserialize)]
struct LabelledSample {
    #[serde(default)]
    metric: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    value: Option<Sample>,
}

/// A sample `[time, "value"]`: the time must be a number, the value is text.
type Sample = (f64, String);

/// A range query's `data`.
#[derive(Deserialize)]
struct RangeData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<RangeSeries>,
}

#[derive(Deserialize)]
struct RangeSeries {
    /// Sorted, so the message that quotes it reads the same whatever order
    /// the answer (or serde_json's `preserve_order`) keeps.
    #[serde(default)]
    metric: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    values: Vec<Sample>,
}

/// The one number of an instant query's result: a scalar, or a vector with
/// exactly one series. An empty vector gives `default`, or an error.
pub fn single_value(body: &str, query: &str, default: Option<f64>) -> Result<f64, ProbeError> {
    let answer: Answer<InstantData> = serde_json::from_str(body).map_err(|e| unexpected(&e))?;
    match answer.data {
        InstantData::Scalar((_, value)) => parse_sample(&value),
        InstantData::Vector(samples) => match samples.as_slice() {
            [] => default.ok_or_else(|| {
                ProbeError::ResultShape(format!(
                    "the query {query} returned no series, so there is no value; give a default to read this as a number, or check that the metric exists"
                ))
            }),
            [sample] => match &sample.value {
                Some((_, value)) => parse_sample(value),
                None => Err(ProbeError::ResultShape(format!(
                    "the query {query} returned a native histogram, not a number; use histogram_quantile(), histogram_sum() or histogram_count()"
                ))),
            },
            several => Err(ProbeError::ResultShape(format!(
                "the query {query} returned {} series, but one number was asked for; aggregate them, for example sum({query}) or max({query})",
                several.len()
            ))),
        },
        InstantData::String(_) => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a string, not a number"
        ))),
        InstantData::Matrix(_) => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a range vector; an instant query for one number needs an instant vector or a scalar"
        ))),
    }
}

/// The sample values of the one series a range query returned.
pub fn single_series_values(body: &str, query: &str) -> Result<Vec<f64>, ProbeError> {
    let answer: Answer<RangeData> = serde_json::from_str(body).map_err(|e| unexpected(&e))?;
    let data = answer.data;
    if data.result_type != "matrix" {
        return Err(ProbeError::ResultShape(format!(
            "the query {query} returned a {} over a range, not a matrix",
            data.result_type
        )));
    }
    match data.result.as_slice() {
        [] => Err(ProbeError::ResultShape(format!(
            "the query {query} returned no series over the window, so there is nothing to average; check that the metric exists and the window covers its data"
        ))),
        [series] if series.values.is_empty() => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a series with no samples over the window"
        ))),
        [series] => series
            .values
            .iter()
            .map(|(_, value)| parse_sample(value))
            .collect(),
        several => Err(ProbeError::ResultShape(format!(
            "the query {query} returned {} series (the first: {}); a mean needs one, so aggregate them, for example avg({query})",
            several.len(),
            serde_json::Value::Object(several[0].metric.clone().into_iter().collect())
        ))),
    }
}

/// One series of a range query's answer: its labels and its samples
/// `(unix seconds, value)`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSeries {
    pub labels: BTreeMap<String, String>,
    pub samples: Vec<(f64, f64)>,
}

/// Every series of a range query's answer (a matrix), in the answer's order.
pub fn range_series(body: &str, query: &str) -> Result<Vec<LabelledSeries>, ProbeError> {
    let answer: Answer<RangeData> = serde_json::from_str(body).map_err(|e| unexpected(&e))?;
    if answer.data.result_type != "matrix" {
        return Err(ProbeError::ResultShape(format!(
            "the query {query} returned a {} over a range, not a matrix",
            answer.data.result_type
        )));
    }
    answer
        .data
        .result
        .into_iter()
        .map(|series| {
            let samples = series
                .values
                .iter()
                .map(|(at, value)| Ok((*at, parse_sample(value)?)))
                .collect::<Result<_, ProbeError>>()?;
            Ok(LabelledSeries {
                labels: label_texts(series.metric),
                samples,
            })
        })
        .collect()
}

/// A series of an instant query's answer: its labels and its value.
pub type LabelledValue = (BTreeMap<String, String>, f64);

/// Every series of an instant query's answer with its value; a scalar is
/// one series without labels.
pub fn instant_series(body: &str, query: &str) -> Result<Vec<LabelledValue>, ProbeError> {
    let answer: Answer<InstantData<LabelledSample>> =
        serde_json::from_str(body).map_err(|e| unexpected(&e))?;
    match answer.data {
        InstantData::Scalar((_, value)) => Ok(vec![(BTreeMap::new(), parse_sample(&value)?)]),
        InstantData::Vector(samples) => samples
            .into_iter()
            .map(|sample| match &sample.value {
                Some((_, value)) => Ok((label_texts(sample.metric.clone()), parse_sample(value)?)),
                None => Err(ProbeError::ResultShape(format!(
                    "the query {query} returned a native histogram, not a number; use histogram_quantile(), histogram_sum() or histogram_count()"
                ))),
            })
            .collect(),
        InstantData::String(_) => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a string, not a number"
        ))),
        InstantData::Matrix(_) => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a range vector; use an instant vector or a scalar"
        ))),
    }
}

/// Label values are strings in Prometheus's answers; anything else is kept
/// as its JSON text.
fn label_texts(metric: BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    metric
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect()
}

/// Prometheus writes sample values as text: `1`, `0.25`, `NaN`, `+Inf`.
fn parse_sample(text: &str) -> Result<f64, ProbeError> {
    text.parse::<f64>().map_err(|_| {
        ProbeError::bad_response(
            BadResponseKind::UnexpectedShape,
            format!("the sample value '{text}' is not a number"),
        )
    })
}

/// A sample value as Prometheus writes it, the inverse of [`parse_sample`]:
/// `1`, `0.25`, `NaN`, `+Inf`, `-Inf`.
pub fn format_sample(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        value.to_string()
    }
}

fn unexpected(error: &serde_json::Error) -> ProbeError {
    ProbeError::bad_response(
        BadResponseKind::UnexpectedShape,
        format!("the answer's data is not shaped as Prometheus documents it: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL: &str = "Prometheus query {'query': 'up'}";

    #[test]
    fn samples_are_written_as_prometheus_writes_them() {
        for (value, text) in [
            (1.0, "1"),
            (0.25, "0.25"),
            (-3.5, "-3.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(format_sample(value), text);
            let back = parse_sample(text).unwrap();
            assert!(back == value || (back.is_nan() && value.is_nan()), "{text}");
        }
    }

    fn answer(status: u16, body: &str) -> Result<String, ProbeError> {
        check_envelope(
            HttpResponse {
                status,
                body: body.as_bytes().to_vec(),
                location: None,
            },
            LABEL,
        )
    }

    #[test]
    fn success_body_is_returned_unchanged() {
        let body =
            r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["w"]}"#;
        assert_eq!(answer(200, body).unwrap(), body);
    }

    #[test]
    fn error_status_is_an_error_whatever_the_http_status() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        for status in [200, 400, 422, 503] {
            assert_eq!(
                answer(status, body).unwrap_err(),
                ProbeError::Prometheus {
                    status,
                    error_type: "bad_data".into(),
                    error: "parse error".into(),
                    message: format!("{LABEL} failed: {body}"),
                }
            );
        }
    }

    #[test]
    fn non_json_answers() {
        assert!(matches!(
            answer(502, "<html>Bad Gateway</html>").unwrap_err(),
            ProbeError::HttpStatus { status: 502, ref body, ref message }
                if body == "<html>Bad Gateway</html>" && message == &format!("{LABEL} failed: <html>Bad Gateway</html>")
        ));
        assert!(matches!(
            answer(200, "<html>hello</html>").unwrap_err(),
            ProbeError::BadResponse {
                kind: BadResponseKind::NotJson,
                ..
            }
        ));
        assert!(matches!(
            answer(200, "[1,2]").unwrap_err(),
            ProbeError::BadResponse {
                kind: BadResponseKind::UnexpectedShape,
                ..
            }
        ));
        let not_utf8 = check_envelope(
            HttpResponse {
                status: 200,
                body: vec![b'{', 0xff, 0xfe],
                location: None,
            },
            LABEL,
        );
        assert!(matches!(
            not_utf8.unwrap_err(),
            ProbeError::BadResponse {
                kind: BadResponseKind::NotUtf8,
                ..
            }
        ));
        assert!(matches!(
            answer(404, "").unwrap_err(),
            ProbeError::HttpStatus { status: 404, .. }
        ));
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let body = "é".repeat(2000);
        let ProbeError::HttpStatus { body: excerpt, .. } = answer(500, &body).unwrap_err() else {
            panic!("expected an HTTP status error")
        };
        assert!(excerpt.len() <= 1024 && excerpt.chars().all(|c| c == 'é'));
    }

    #[test]
    fn single_values() {
        let vector = |values: &[&str]| {
            let series: Vec<String> = values
                .iter()
                .map(|v| format!(r#"{{"metric":{{}},"value":[1795336232.249,"{v}"]}}"#))
                .collect();
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
                series.join(",")
            )
        };
        assert_eq!(single_value(&vector(&["0.25"]), "q", None).unwrap(), 0.25);
        assert!(single_value(&vector(&["NaN"]), "q", None).unwrap().is_nan());
        assert_eq!(
            single_value(&vector(&["+Inf"]), "q", None).unwrap(),
            f64::INFINITY
        );
        assert_eq!(
            single_value(&vector(&["-Inf"]), "q", None).unwrap(),
            f64::NEG_INFINITY
        );
        assert_eq!(single_value(&vector(&[]), "q", Some(0.0)).unwrap(), 0.0);
        assert!(
            matches!(single_value(&vector(&[]), "q", None), Err(ProbeError::ResultShape(m)) if m.contains("no series"))
        );
        assert!(
            matches!(single_value(&vector(&["1", "2"]), "q", None), Err(ProbeError::ResultShape(m)) if m.contains("sum(q)"))
        );
        let scalar =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1795336232.253,"2"]}}"#;
        assert_eq!(single_value(scalar, "1+1", None).unwrap(), 2.0);
        let string = r#"{"status":"success","data":{"resultType":"string","result":[1795336232.256,"hello"]}}"#;
        assert!(matches!(
            single_value(string, "q", None),
            Err(ProbeError::ResultShape(_))
        ));
    }

    /// VictoriaMetrics answers a scalar as a one-series vector, stamps an
    /// instant query at now with whole seconds, and (from 1.90 on) adds
    /// `stats`, and `isPartial` in a cluster: the body passes through and
    /// its number is read as from Prometheus.
    #[test]
    fn victoria_metrics_answers_pass_through_and_read_as_prometheus_answers() {
        let instant = r#"{"status":"success","isPartial":false,"data":{"resultType":"vector","result":[{"metric":{},"value":[1795439581,"2"]}]},"stats":{"seriesFetched":"0","executionTimeMsec":0}}"#;
        assert_eq!(answer(200, instant).unwrap(), instant);
        assert_eq!(single_value(instant, "1+1", None).unwrap(), 2.0);
        let range = r#"{"status":"success","isPartial":false,"data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795336200,"1"],[1795336215,"3"]]}]},"stats":{"seriesFetched":"1","executionTimeMsec":2}}"#;
        assert_eq!(answer(200, range).unwrap(), range);
        assert_eq!(single_series_values(range, "q").unwrap(), vec![1.0, 3.0]);
    }

    #[test]
    fn series_values() {
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"p"},"values":[[1,"1"],[2,"3"]]}]}}"#;
        assert_eq!(single_series_values(matrix, "q").unwrap(), vec![1.0, 3.0]);
        let empty = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(
            matches!(single_series_values(empty, "q"), Err(ProbeError::ResultShape(m)) if m.contains("no series"))
        );
        let two = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"]]},{"metric":{"a":"2"},"values":[[1,"1"]]}]}}"#;
        assert!(
            matches!(single_series_values(two, "q"), Err(ProbeError::ResultShape(m)) if m.contains("2 series") && m.contains("avg(q)"))
        );
    }

    /// The several-series message quotes the first series' labels sorted,
    /// the last of a repeated label kept.
    #[test]
    fn the_several_series_message_quotes_the_first_series_sorted() {
        let two = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"b":"1","a":"2","b":"3"},"values":[[1,"1"]]},{"metric":{},"values":[[1,"1"]]}]}}"#;
        assert!(
            matches!(single_series_values(two, "q"), Err(ProbeError::ResultShape(m)) if m.contains(r#"(the first: {"a":"2","b":"3"})"#))
        );
    }

    /// Answers Prometheus would not write: each is read as its fields say,
    /// or is an unexpected-shape error, never a panic.
    #[test]
    fn odd_answers_are_read_by_their_fields_or_refused() {
        let data = |data: &str| format!(r#"{{"status":"success","data":{data}}}"#);
        let read = [
            // The result before its type.
            (r#"{"result":[1,"3"],"resultType":"scalar"}"#, 3.0),
            // Fields in order as an array, as serde reads a record.
            (r#"["scalar",[1,"7"]]"#, 7.0),
            (r#"{"resultType":"vector","result":[[[1,"5"]]]}"#, 5.0),
            (r#"{"resultType":"scalar","result":[-0,"2"]}"#, 2.0),
        ];
        for (text, value) in read {
            assert_eq!(single_value(&data(text), "q", None), Ok(value), "{text}");
        }
        let refused = [
            // A time beyond f64.
            r#"{"resultType":"scalar","result":[1e400,"1"]}"#,
            r#"{"resultType":"vector","result":[{"value":[1,"4"],"value":[1,"4"]}]}"#,
            r#"{"resultType":"vector","result":[{"value":[1,"6",7]}]}"#,
            r#"{"resultType":"vector","resultType":"vector","result":[]}"#,
            r#"{"resultType":"vector"}"#,
            r#"{"resultType":"vectors","result":[]}"#,
            r#"["scalar",[1,"7"],1]"#,
        ];
        for text in refused {
            assert!(
                matches!(
                    single_value(&data(text), "q", None),
                    Err(ProbeError::BadResponse {
                        kind: BadResponseKind::UnexpectedShape,
                        ..
                    })
                ),
                "{text}"
            );
        }
        let histogram = data(r#"{"resultType":"vector","result":[{"value":null}]}"#);
        assert!(
            matches!(single_value(&histogram, "q", None), Err(ProbeError::ResultShape(m)) if m.contains("native histogram"))
        );
    }

    /// A status given twice, or not a string, is not a Prometheus answer;
    /// JSON nested past serde_json's limit is still JSON.
    #[test]
    fn envelopes_that_are_json_but_not_answers() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for text in [
            r#"{"status":"success","status":"success"}"#,
            r#"{"status":"error","errorType":1,"error":"e"}"#,
            // Passed over, a lone surrogate escape is well formed.
            r#"{"status":["\ud800"]}"#,
            deep.as_str(),
        ] {
            assert!(
                matches!(
                    answer(200, text),
                    Err(ProbeError::BadResponse {
                        kind: BadResponseKind::UnexpectedShape,
                        ..
                    })
                ),
                "{text}"
            );
        }
    }
}
