//! One request of the component and what it got, as a recording's
//! `answers/NNNNN.json` holds it; recorded where the host sends the
//! request, replayed in its place. Credentials never reach the file: the
//! headers the host injected are left out and any secret text is replaced
//! by `<redacted>`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use wasmtime_wasi_http::{Error as HttpError, WasiBody};

use super::failure::Failure;
use super::Recording;
use crate::send::{IoFuture, SendReport, Sent};

/// The most of a response body a recording keeps; past it the component
/// is told the body is too large, as its own cap would.
const MOST_BODY_BYTES: usize = 256 * 1024 * 1024;

const REDACTED: &str = "<redacted>";

/// One exchange, in the order it happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Exchange {
    pub(crate) request: RecordedRequest,
    /// The answer; absent when the request got none (`failure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failure: Option<Failure>,
    /// What the host saw that the error code cannot carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tls_failure: Option<TlsFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) gave_up: Option<GaveUp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) url: String,
    /// The component's own headers (never what the host injected).
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(flatten)]
    pub(crate) body: RecordedBody,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordedResponse {
    pub(crate) status: u16,
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(flatten)]
    pub(crate) body: RecordedBody,
    /// The body broke off after what `body` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_failure: Option<Failure>,
}

/// A body as text when it is UTF-8 (`body`), else base64 (`body_base64`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RecordedBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TlsFailure {
    pub(crate) url: String,
    pub(crate) why: String,
}

/// A retried read that ended in a failure: its tries and time spent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GaveUp {
    pub(crate) attempts: u32,
    pub(crate) seconds: f64,
}

/// Replaces each secret in `text`.
fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |text, secret| {
        text.replace(secret.as_str(), REDACTED)
    })
}

impl RecordedBody {
    fn new(bytes: &[u8], secrets: &[String]) -> RecordedBody {
        if bytes.is_empty() {
            return RecordedBody::default();
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => RecordedBody {
                body: Some(redact(text, secrets)),
                body_base64: None,
            },
            Err(_) => RecordedBody {
                body: None,
                body_base64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            },
        }
    }

    fn bytes(&self) -> Bytes {
        match (&self.body, &self.body_base64) {
            (Some(text), _) => Bytes::from(text.clone()),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map(Bytes::from)
                .unwrap_or_default(),
            (None, None) => Bytes::new(),
        }
    }
}

fn kept_headers(headers: &http::HeaderMap, secrets: &[String]) -> BTreeMap<String, String> {
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        // The host marks what it injects sensitive; cookies are state.
        let secret = value.is_sensitive()
            || *name == http::header::AUTHORIZATION
            || *name == http::header::SET_COOKIE
            || *name == http::header::COOKIE;
        if secret {
            continue;
        }
        let value = redact(&String::from_utf8_lossy(value.as_bytes()), secrets);
        kept.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    kept
}

/// The request's body, read whole (the component finishes it right after
/// handing the request over), and the request again with it.
async fn read_request(
    request: http::Request<WasiBody>,
) -> Result<(http::Request<WasiBody>, Bytes), HttpError> {
    let (parts, body) = request.into_parts();
    let bytes = body.collect().await?.to_bytes();
    let body = http_body_util::Full::new(bytes.clone())
        .map_err(|never| match never {})
        .boxed_unsync();
    Ok((http::Request::from_parts(parts, body), bytes))
}

impl Recording {
    /// The URL of a request as the recording names it.
    fn url_of(request: &http::Request<WasiBody>, secrets: &[String]) -> String {
        redact(&request.uri().to_string(), secrets)
    }

    /// Sends `request` with `send`, keeps the exchange, and gives the
    /// component what came back.
    pub(crate) async fn record_exchange<F>(
        &self,
        request: http::Request<WasiBody>,
        secrets: &[String],
        report: &Mutex<SendReport>,
        send: impl FnOnce(http::Request<WasiBody>) -> F,
    ) -> Result<Sent, HttpError>
    where
        F: Future<Output = Result<Sent, HttpError>>,
    {
        let (request, body) = read_request(request).await?;
        let recorded = RecordedRequest {
            method: request.method().to_string(),
            url: Recording::url_of(&request, secrets),
            headers: kept_headers(request.headers(), secrets),
            body: RecordedBody::new(&body, secrets),
        };
        let outcome = send(request).await;
        let (exchange, outcome) = match outcome {
            Err(error) => {
                let failure = Failure::of(&error);
                (failure_exchange(recorded, failure, report), Err(error))
            }
            Ok((response, io)) => {
                // The connection must be driven while the body is read.
                tokio::spawn(Pin::from(io));
                let (parts, mut body) = response.into_parts();
                let mut bytes = Vec::new();
                let mut body_failure = None;
                while let Some(frame) = body.frame().await {
                    match frame {
                        Ok(frame) => {
                            if let Ok(data) = frame.into_data() {
                                bytes.extend_from_slice(&data);
                            }
                        }
                        Err(error) => {
                            body_failure = Some(Failure::of_body(error));
                            break;
                        }
                    }
                    if bytes.len() > MOST_BODY_BYTES {
                        body_failure = Some(Failure::of(&HttpError::HttpResponseBodySize(None)));
                        break;
                    }
                }
                let answer = RecordedResponse {
                    status: parts.status.as_u16(),
                    headers: kept_headers(&parts.headers, secrets),
                    body: RecordedBody::new(&bytes, secrets),
                    body_failure,
                };
                let response = replayed_response(&answer)?;
                let exchange = Exchange {
                    request: recorded,
                    response: Some(answer),
                    failure: None,
                    tls_failure: None,
                    gave_up: None,
                };
                (with_report(exchange, report), Ok(response))
            }
        };
        if let Err(error) = self.keep(exchange) {
            tracing::warn!(%error, "the exchange was not recorded");
            return Err(HttpError::InternalError(Some(error.to_string())));
        }
        outcome
    }

    /// Answers `request` from the recording, opening no connection. A
    /// request the recording does not hold fails, and the report names it.
    pub(crate) async fn replay_exchange(
        &self,
        request: http::Request<WasiBody>,
        secrets: &[String],
        report: &Mutex<SendReport>,
    ) -> Result<Sent, HttpError> {
        let method = request.method().to_string();
        let url = Recording::url_of(&request, secrets);
        // Read what the component writes, so it can finish its request.
        let _ = read_request(request).await?;
        let Some(exchange) = self.take(&method, &url) else {
            tracing::debug!(%method, %url, "not in the recording");
            report.lock().expect("not poisoned").not_recorded = Some(format!("{method} {url}"));
            return Err(HttpError::InternalError(Some(format!(
                "{method} {url} is not in the recording"
            ))));
        };
        {
            let mut report = report.lock().expect("not poisoned");
            report.tls_failure = exchange
                .tls_failure
                .as_ref()
                .map(|t| (t.url.clone(), t.why.clone()));
            report.gave_up = exchange
                .gave_up
                .as_ref()
                .map(|g| (g.attempts, Duration::from_secs_f64(g.seconds.max(0.0))));
        }
        match (&exchange.response, &exchange.failure) {
            (Some(response), _) => replayed_response(response),
            (None, Some(failure)) => Err(failure.to_error()),
            (None, None) => Err(HttpError::InternalError(Some(format!(
                "the recording of {method} {url} has neither a response nor a failure; record the run again"
            )))),
        }
    }
}

fn failure_exchange(
    request: RecordedRequest,
    failure: Failure,
    report: &Mutex<SendReport>,
) -> Exchange {
    with_report(
        Exchange {
            request,
            response: None,
            failure: Some(failure),
            tls_failure: None,
            gave_up: None,
        },
        report,
    )
}

fn with_report(mut exchange: Exchange, report: &Mutex<SendReport>) -> Exchange {
    let report = report.lock().expect("not poisoned").clone();
    exchange.tls_failure = report.tls_failure.map(|(url, why)| TlsFailure { url, why });
    exchange.gave_up = report.gave_up.map(|(attempts, spent)| GaveUp {
        attempts,
        seconds: spent.as_secs_f64(),
    });
    exchange
}

fn replayed_response(answer: &RecordedResponse) -> Result<Sent, HttpError> {
    let internal = |e: &dyn std::fmt::Display| HttpError::InternalError(Some(e.to_string()));
    let mut builder = http::Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = ReplayedBody {
        data: Some(answer.body.bytes()).filter(|b| !b.is_empty()),
        failure: answer.body_failure.as_ref().map(Failure::to_error),
    };
    let response = builder
        .body(BodyExt::boxed_unsync(body))
        .map_err(|e| internal(&e))?;
    Ok((response, Box::new(async { Ok(()) }) as IoFuture))
}

/// A recorded body: its bytes, then the failure it broke off with.
struct ReplayedBody {
    data: Option<Bytes>,
    failure: Option<HttpError>,
}

impl http_body::Body for ReplayedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(data))));
        }
        Poll::Ready(self.failure.take().map(Err))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.failure.is_none()
    }
}
