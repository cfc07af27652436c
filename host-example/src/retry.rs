//! Retries of the component's reads: a probe's GET that met a refused or
//! broken connection, a timeout, a 502/503/504 or a 429 is sent again after
//! a pause that doubles each time (with jitter), bounded by a number of
//! tries and a total time. Writes (the Pushgateway's PUT, POST, DELETE) are
//! never retried here; the control retries its pushes itself.

use std::time::{Duration, SystemTime};

use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

use crate::send::Sent;

/// How often, and for how long, a read is tried. The defaults (3 tries,
/// 60 s) keep a probe within the host's 120 s call deadline even when each
/// try waits out the default 30 s first-byte timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; 1 turns retries off.
    pub attempts: u32,
    /// No try starts later than this after the first began (a pause that
    /// would end past it ends the retries instead).
    pub budget: Duration,
    /// The pause before the second try; each later one doubles it, up to
    /// `max_pause`. Each pause is drawn between half of it and all of it.
    pub first_pause: Duration,
    pub max_pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            budget: Duration::from_secs(60),
            first_pause: Duration::from_millis(200),
            max_pause: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn once() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The pause before try `attempt` (2 for the first retry), or `None`
    /// when the tries or the budget are spent. A server's `Retry-After` is
    /// waited out in full when the budget allows it.
    pub(crate) fn pause_before(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt > self.attempts {
            return None;
        }
        let doublings = attempt.saturating_sub(2).min(30);
        let backoff = self
            .first_pause
            .saturating_mul(1 << doublings)
            .min(self.max_pause);
        let pause = jitter(backoff).max(retry_after.unwrap_or_default());
        (elapsed.saturating_add(pause) < self.budget).then_some(pause)
    }
}

/// Between half of `pause` and all of it, so clients that failed together
/// do not come back together.
fn jitter(pause: Duration) -> Duration {
    let fraction = getrandom::u32().map_or(0.5, |r| f64::from(r) / f64::from(u32::MAX));
    pause.mul_f64(0.5 + fraction / 2.0)
}

/// What to do after one try.
pub(crate) enum Verdict {
    /// Hand this outcome to the component.
    Done,
    /// Try again, not before `retry_after` if the server said so.
    Retry { retry_after: Option<Duration> },
}

pub(crate) fn verdict(outcome: &Result<Sent, HttpError>) -> Verdict {
    match outcome {
        Ok((response, _)) => match response.status().as_u16() {
            429 | 502 | 503 | 504 => Verdict::Retry {
                retry_after: retry_after(response.headers()),
            },
            _ => Verdict::Done,
        },
        Err(error) if transient(error) => Verdict::Retry { retry_after: None },
        Err(_) => Verdict::Done,
    }
}

/// A failure another try may not meet: the connection, not the request.
/// A name that does not resolve, a TLS failure or an answer that is not
/// HTTP will fail the same way again.
fn transient(error: &HttpError) -> bool {
    match error {
        HttpError::Connect(_)
        | HttpError::ConnectionRefused
        | HttpError::ConnectionTimeout
        | HttpError::ConnectionReadTimeout
        | HttpError::ConnectionTerminated
        | HttpError::HttpResponseTimeout => true,
        HttpError::Hyper(error) => {
            error.is_incomplete_message() || error.is_closed() || error.is_canceled()
        }
        _ => false,
    }
}

/// `Retry-After` in either of RFC 9110's forms: seconds (what Prometheus's
/// proxies send) or an HTTP date, waited until (a date already past is no
/// wait). Anything else is ignored and the backoff used.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now())
}

fn retry_after_at(headers: &http::HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// The most of a retryable answer's body read to see whether it is a
/// Prometheus error that no retry changes.
const PEEK_BYTES: usize = 64 * 1024;

/// A 5xx or 429 whose body is Prometheus's `bad_data` or `execution`
/// error: the query is at fault, so it goes to the component as it is
/// (rebuilt from the bytes read). `None` when a retry may help.
pub(crate) async fn final_error_body(
    response: http::Response<WasiBody>,
    options: RequestOptions,
) -> Option<http::Response<WasiBody>> {
    let (parts, body) = response.into_parts();
    let wait = options
        .between_bytes_timeout
        .unwrap_or(Duration::from_secs(30));
    let read = http_body_util::Limited::new(body, PEEK_BYTES).collect();
    let bytes = tokio::time::timeout(wait, read)
        .await
        .ok()?
        .ok()?
        .to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let error_type = answer.get("errorType").and_then(serde_json::Value::as_str);
    let is_query_error = answer.get("status").and_then(serde_json::Value::as_str) == Some("error")
        && matches!(error_type, Some("bad_data" | "execution"));
    is_query_error.then(|| {
        let body = http_body_util::Full::new(bytes)
            .map_err(|never| match never {})
            .boxed_unsync();
        http::Response::from_parts(parts, body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_within_jitter_and_stop_at_the_tries() {
        let policy = RetryPolicy {
            attempts: 4,
            budget: Duration::from_secs(60),
            first_pause: Duration::from_millis(100),
            max_pause: Duration::from_secs(5),
        };
        let zero = Duration::ZERO;
        let second = policy.pause_before(2, zero, None).unwrap();
        assert!((50..=100).contains(&second.as_millis()), "{second:?}");
        let fourth = policy.pause_before(4, zero, None).unwrap();
        assert!((200..=400).contains(&fourth.as_millis()), "{fourth:?}");
        assert_eq!(policy.pause_before(5, zero, None), None);
    }

    #[test]
    fn retry_after_is_honoured_within_the_budget() {
        let policy = RetryPolicy::default();
        let wait = Duration::from_secs(2);
        assert_eq!(
            policy.pause_before(2, Duration::ZERO, Some(wait)),
            Some(wait)
        );
        assert_eq!(
            policy.pause_before(2, Duration::from_secs(59), Some(wait)),
            None
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let at = |text: &str, now| {
            let mut headers = http::HeaderMap::new();
            headers.insert(http::header::RETRY_AFTER, text.parse().unwrap());
            retry_after_at(&headers, now)
        };
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(at("3", now), Some(Duration::from_secs(3)));
        // All three of RFC 9110's date formats.
        for later in [
            "Wed, 21 Oct 2015 07:28:05 GMT",
            "Wednesday, 21-Oct-15 07:28:05 GMT",
            "Wed Oct 21 07:28:05 2015",
        ] {
            assert_eq!(at(later, now), Some(Duration::from_secs(5)), "{later}");
        }
        assert_eq!(
            at("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(at("soon", now), None);
        assert_eq!(at("-1", now), None);
    }
}
