//! A request that got no answer, or a body that broke off, as a recording
//! keeps it: the `wasi:http` error code the component was given (its WIT
//! name, kebab-case, with its payload when it has one), so a replay hands
//! the component the same failure.

use std::io;

use serde::{Deserialize, Serialize};
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::Error as HttpError;

/// One failure: `{"code": "connection-refused"}`,
/// `{"code": "dns-error", "detail": "no addresses"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Failure {
    pub(crate) code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
}

impl Failure {
    fn new(code: &str, detail: Option<String>) -> Failure {
        Failure {
            code: code.into(),
            detail,
        }
    }

    /// The error code the component reads for `error` (as the host's hooks
    /// and wasmtime-wasi-http turn it into one).
    pub(crate) fn of(error: &HttpError) -> Failure {
        let code = match error {
            HttpError::Connect(error) => match error.kind() {
                io::ErrorKind::TimedOut => "connection-timeout",
                io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                    "destination-ip-unroutable"
                }
                _ => "connection-refused",
            },
            HttpError::Tls(error) => {
                return Failure::new("tls-protocol-error", Some(error.to_string()))
            }
            HttpError::Hyper(_) | HttpError::HttpProtocolError => "http-protocol-error",
            HttpError::DnsTimeout => "dns-timeout",
            HttpError::DnsError { rcode, .. } => return Failure::new("dns-error", rcode.clone()),
            HttpError::ConnectionRefused => "connection-refused",
            HttpError::ConnectionTerminated => "connection-terminated",
            HttpError::ConnectionTimeout => "connection-timeout",
            HttpError::ConnectionReadTimeout => "connection-read-timeout",
            HttpError::ConnectionWriteTimeout => "connection-write-timeout",
            HttpError::DestinationNotFound => "destination-not-found",
            HttpError::DestinationUnavailable => "destination-unavailable",
            HttpError::DestinationIpUnroutable => "destination-ip-unroutable",
            HttpError::TlsProtocolError => "tls-protocol-error",
            HttpError::TlsCertificateError => "tls-certificate-error",
            HttpError::TlsAlertReceived { alert_message, .. } => {
                return Failure::new("tls-alert-received", alert_message.clone())
            }
            HttpError::HttpRequestDenied => "http-request-denied",
            HttpError::HttpRequestUriInvalid => "http-request-uri-invalid",
            HttpError::HttpResponseIncomplete => "http-response-incomplete",
            HttpError::HttpResponseTimeout => "http-response-timeout",
            HttpError::HttpResponseBodySize(size) => {
                return Failure::new("http-response-body-size", size.map(|s| s.to_string()))
            }
            other => return Failure::new("internal-error", Some(other.to_string())),
        };
        Failure::new(code, None)
    }

    /// A response body that broke off, by the code the component reads for
    /// it ([`crate::hooks::http_error_code`]).
    pub(crate) fn of_body(error: HttpError) -> Failure {
        let text = error.to_string();
        match crate::hooks::http_error_code(&wasmtime::Error::from(error)) {
            Some(code) => Failure::of(&HttpError::from(code)),
            None => Failure::new("internal-error", Some(text)),
        }
    }

    /// The failure as the error the hooks return; a code this version does
    /// not know is an internal error naming it.
    pub(crate) fn to_error(&self) -> HttpError {
        let detail = self.detail.clone();
        let code = match self.code.as_str() {
            "connection-refused" => ErrorCode::ConnectionRefused,
            "connection-timeout" => ErrorCode::ConnectionTimeout,
            "connection-terminated" => ErrorCode::ConnectionTerminated,
            "connection-read-timeout" => ErrorCode::ConnectionReadTimeout,
            "connection-write-timeout" => ErrorCode::ConnectionWriteTimeout,
            "destination-not-found" => ErrorCode::DestinationNotFound,
            "destination-unavailable" => ErrorCode::DestinationUnavailable,
            "destination-ip-unroutable" => ErrorCode::DestinationIpUnroutable,
            "dns-timeout" => ErrorCode::DnsTimeout,
            "dns-error" => {
                return HttpError::DnsError {
                    rcode: detail,
                    info_code: None,
                }
            }
            "tls-protocol-error" => ErrorCode::TlsProtocolError,
            "tls-certificate-error" => ErrorCode::TlsCertificateError,
            "tls-alert-received" => {
                return HttpError::TlsAlertReceived {
                    alert_id: None,
                    alert_message: detail,
                }
            }
            "http-protocol-error" => ErrorCode::HttpProtocolError,
            "http-request-denied" => ErrorCode::HttpRequestDenied,
            "http-request-uri-invalid" => ErrorCode::HttpRequestUriInvalid,
            "http-response-incomplete" => ErrorCode::HttpResponseIncomplete,
            "http-response-timeout" => ErrorCode::HttpResponseTimeout,
            "http-response-body-size" => {
                ErrorCode::HttpResponseBodySize(detail.and_then(|d| d.parse().ok()))
            }
            "internal-error" => ErrorCode::InternalError(detail),
            unknown => ErrorCode::InternalError(Some(format!(
                "the recording holds the failure '{unknown}', which this version does not know"
            ))),
        };
        HttpError::from(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_replays_as_the_code_it_was_recorded_as() {
        let refused = HttpError::Connect(io::Error::from(io::ErrorKind::ConnectionRefused));
        let kept = Failure::of(&refused);
        assert_eq!(kept.code, "connection-refused");
        assert!(matches!(kept.to_error(), HttpError::ConnectionRefused));
        let dns = Failure::of(&HttpError::DnsError {
            rcode: Some("no addresses".into()),
            info_code: None,
        });
        assert!(
            matches!(dns.to_error(), HttpError::DnsError { rcode: Some(r), .. } if r == "no addresses")
        );
        let read = Failure::of(&HttpError::ConnectionReadTimeout);
        assert!(matches!(read.to_error(), HttpError::ConnectionReadTimeout));
    }
}
