//! Reading Prometheus's answers: the JSON envelope (whose `"status":"error"`
//! is an error whatever the HTTP status), and the numbers inside results.

use crate::error::{BadResponseKind, ProbeError};
use crate::json::{self, Reader, Value};

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
struct Envelope {
    status: Value,
    error_type: Option<String>,
    error: Option<String>,
}

impl Envelope {
    fn read(body: &str) -> Result<Envelope, json::Error> {
        let mut reader = Reader::new(body);
        let (mut status, mut error_type, mut error) = (None, None, None);
        reader.record(&["status", "errorType", "error"], &mut |r, field| {
            match field {
                0 => status = Some(r.value()?),
                1 => error_type = optional_string(r)?,
                _ => error = optional_string(r)?,
            }
            Ok(())
        })?;
        let status = reader.required(status, "status")?;
        reader.finish()?;
        Ok(Envelope {
            status,
            error_type,
            error,
        })
    }

    fn status_is(&self, expected: &str) -> bool {
        matches!(&self.status, Value::String(status) if status == expected)
    }
}

fn optional_string(reader: &mut Reader) -> Result<Option<String>, json::Error> {
    if reader.null()? {
        return Ok(None);
    }
    reader.string().map(Some)
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
    let envelope = Envelope::read(&body).ok();
    match envelope {
        Some(envelope) if envelope.status_is("error") => Err(ProbeError::Prometheus {
            status: response.status,
            error_type: envelope.error_type.unwrap_or_default(),
            error: envelope.error.unwrap_or_default(),
            message: format!("{label} failed: {}", excerpt(&body)),
        }),
        Some(envelope) if envelope.status_is("success") && success => Ok(body),
        _ if !success => Err(http_status(response.status, &body, label)),
        Some(_) => Err(ProbeError::bad_response(
            BadResponseKind::UnexpectedShape,
            format!(
                "{label} failed: the answer is JSON but not a Prometheus API answer (no \"status\": \"success\"): {}",
                excerpt(&body)
            ),
        )),
        None if Reader::is_document(&body) => Err(ProbeError::bad_response(
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

/// The `data` of an answer, read by `read`.
pub(crate) fn read_data<'a, T>(
    body: &'a str,
    mut read: impl FnMut(&mut Reader<'a>) -> Result<T, json::Error>,
) -> Result<T, json::Error> {
    let mut reader = Reader::new(body);
    let mut data = None;
    reader.record(&["data"], &mut |r, _| {
        data = Some(read(r)?);
        Ok(())
    })?;
    let data = reader.required(data, "data")?;
    reader.finish()?;
    Ok(data)
}

/// An instant query's `data`, by its `resultType`.
enum InstantData {
    /// Each series' sample value; none for a native histogram.
    Vector(Vec<Option<String>>),
    Scalar(String),
    String,
    Matrix,
}

const RESULT_TYPES: [&str; 4] = ["vector", "scalar", "string", "matrix"];

fn read_instant(reader: &mut Reader) -> Result<InstantData, json::Error> {
    let mut result_type = None;
    let mut data = None;
    let mut result_first = None;
    reader.record(&["resultType", "result"], &mut |r, field| {
        if field == 0 {
            let name = r.string()?;
            let index = RESULT_TYPES.iter().position(|t| *t == name);
            result_type = Some(index.ok_or_else(|| {
                r.error(format!(
                    "unknown variant `{name}`, expected one of `vector`, `scalar`, `string`, `matrix`"
                ))
            })?);
        } else if let Some(result_type) = result_type {
            data = Some(read_instant_result(r, result_type)?);
        } else {
            // Before the type is known, the result is read in full (as
            // serde's adjacently tagged enums buffer it), then as the type.
            result_first = Some(r.position());
            r.check()?;
        }
        Ok(())
    })?;
    let result_type = reader.required(result_type, "resultType")?;
    match (data, result_first) {
        (Some(data), _) => Ok(data),
        (None, Some(at)) => read_instant_result(&mut reader.at(at), result_type),
        (None, None) => Err(reader.error("missing field `result`")),
    }
}

fn read_instant_result(
    reader: &mut Reader,
    result_type: usize,
) -> Result<InstantData, json::Error> {
    Ok(match result_type {
        0 => {
            let mut samples = Vec::new();
            reader.array(&mut |r| {
                let mut value = None;
                r.record(&["value"], &mut |r, _| {
                    value = if r.null()? {
                        None
                    } else {
                        Some(read_sample(r)?)
                    };
                    Ok(())
                })?;
                samples.push(value);
                Ok(())
            })?;
            InstantData::Vector(samples)
        }
        1 => InstantData::Scalar(read_sample(reader)?),
        2 => {
            reader.skip()?;
            InstantData::String
        }
        _ => {
            reader.skip()?;
            InstantData::Matrix
        }
    })
}

/// A sample `[time, "value"]`: the value's text; the time must be a number.
fn read_sample(reader: &mut Reader) -> Result<String, json::Error> {
    let mut items = 0;
    let mut value = None;
    reader.array(&mut |r| {
        match items {
            0 => drop(r.number()?),
            1 => value = Some(r.string()?),
            _ => return Err(r.error("invalid length, expected a [time, value] pair")),
        }
        items += 1;
        Ok(())
    })?;
    value.ok_or_else(|| reader.error("invalid length, expected a [time, value] pair"))
}

/// A range query's `data`.
struct RangeData {
    result_type: String,
    result: Vec<RangeSeries>,
}

struct RangeSeries {
    metric: Vec<(String, Value)>,
    values: Vec<String>,
}

fn read_range(reader: &mut Reader) -> Result<RangeData, json::Error> {
    let (mut result_type, mut result) = (None, None);
    reader.record(&["resultType", "result"], &mut |r, field| {
        if field == 0 {
            result_type = Some(r.string()?);
        } else {
            let mut series = Vec::new();
            r.array(&mut |r| {
                series.push(read_series(r)?);
                Ok(())
            })?;
            result = Some(series);
        }
        Ok(())
    })?;
    Ok(RangeData {
        result_type: reader.required(result_type, "resultType")?,
        result: reader.required(result, "result")?,
    })
}

fn read_series(reader: &mut Reader) -> Result<RangeSeries, json::Error> {
    let (mut metric, mut values) = (Vec::new(), Vec::new());
    reader.record(&["metric", "values"], &mut |r, field| {
        if field == 0 {
            r.object(&mut |r, key| {
                metric.push((key, r.value()?));
                Ok(())
            })
        } else {
            r.array(&mut |r| {
                values.push(read_sample(r)?);
                Ok(())
            })
        }
    })?;
    Ok(RangeSeries { metric, values })
}

/// The one number of an instant query's result: a scalar, or a vector with
/// exactly one series. An empty vector gives `default`, or an error.
pub fn single_value(body: &str, query: &str, default: Option<f64>) -> Result<f64, ProbeError> {
    match read_data(body, read_instant).map_err(|e| unexpected(&e))? {
        InstantData::Scalar(value) => parse_sample(&value),
        InstantData::Vector(samples) => match samples.as_slice() {
            [] => default.ok_or_else(|| {
                ProbeError::ResultShape(format!(
                    "the query {query} returned no series, so there is no value; give a default to read this as a number, or check that the metric exists"
                ))
            }),
            [sample] => match sample {
                Some(value) => parse_sample(value),
                None => Err(ProbeError::ResultShape(format!(
                    "the query {query} returned a native histogram, not a number; use histogram_quantile(), histogram_sum() or histogram_count()"
                ))),
            },
            several => Err(ProbeError::ResultShape(format!(
                "the query {query} returned {} series, but one number was asked for; aggregate them, for example sum({query}) or max({query})",
                several.len()
            ))),
        },
        InstantData::String => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a string, not a number"
        ))),
        InstantData::Matrix => Err(ProbeError::ResultShape(format!(
            "the query {query} returned a range vector; an instant query for one number needs an instant vector or a scalar"
        ))),
    }
}

/// The sample values of the one series a range query returned.
pub fn single_series_values(body: &str, query: &str) -> Result<Vec<f64>, ProbeError> {
    let data = read_data(body, read_range).map_err(|e| unexpected(&e))?;
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
        [series] => series.values.iter().map(|v| parse_sample(v)).collect(),
        several => Err(ProbeError::ResultShape(format!(
            "the query {query} returned {} series (the first: {}); a mean needs one, so aggregate them, for example avg({query})",
            several.len(),
            Value::Object(several[0].metric.clone())
        ))),
    }
}

/// Prometheus writes sample values as text: `1`, `0.25`, `NaN`, `+Inf`.
fn parse_sample(text: &str) -> Result<f64, ProbeError> {
    crate::float::parse_f64(text).ok_or_else(|| {
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

fn unexpected(error: &json::Error) -> ProbeError {
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
}
