//! A `wasi:http` error code in the words of its WIT definition, for the
//! messages that name it: `TLS-alert-received (alert 42: bad certificate)`.
//! wasip2's `Debug` text (`TlsAlertReceived(TlsAlertReceivedPayload { ... })`)
//! said the same in Rust's syntax, and cost 3.5 KB more of the component.

use wasip2::http::types::{ErrorCode, FieldSizePayload};

/// The code's WIT case name, then what its payload says, if anything.
pub fn describe(code: &ErrorCode) -> String {
    let (name, detail) = name_and_detail(code);
    match detail {
        Some(detail) => format!("{name} ({detail})"),
        None => name.to_string(),
    }
}

fn name_and_detail(code: &ErrorCode) -> (&'static str, Option<String>) {
    use ErrorCode as E;
    let bytes = |size: &Option<u64>| size.map(|s| format!("{s} bytes"));
    let size = |size: &Option<u32>| size.map(|s| format!("{s} bytes"));
    match code {
        E::DnsTimeout => ("DNS-timeout", None),
        E::DnsError(payload) => (
            "DNS-error",
            joined(
                payload.rcode.clone(),
                payload.info_code.map(|c| format!("info code {c}")),
            ),
        ),
        E::DestinationNotFound => ("destination-not-found", None),
        E::DestinationUnavailable => ("destination-unavailable", None),
        E::DestinationIpProhibited => ("destination-IP-prohibited", None),
        E::DestinationIpUnroutable => ("destination-IP-unroutable", None),
        E::ConnectionRefused => ("connection-refused", None),
        E::ConnectionTerminated => ("connection-terminated", None),
        E::ConnectionTimeout => ("connection-timeout", None),
        E::ConnectionReadTimeout => ("connection-read-timeout", None),
        E::ConnectionWriteTimeout => ("connection-write-timeout", None),
        E::ConnectionLimitReached => ("connection-limit-reached", None),
        E::TlsProtocolError => ("TLS-protocol-error", None),
        E::TlsCertificateError => ("TLS-certificate-error", None),
        E::TlsAlertReceived(payload) => (
            "TLS-alert-received",
            joined(
                payload.alert_id.map(|id| format!("alert {id}")),
                payload.alert_message.clone(),
            ),
        ),
        E::HttpRequestDenied => ("HTTP-request-denied", None),
        E::HttpRequestLengthRequired => ("HTTP-request-length-required", None),
        E::HttpRequestBodySize(s) => ("HTTP-request-body-size", bytes(s)),
        E::HttpRequestMethodInvalid => ("HTTP-request-method-invalid", None),
        E::HttpRequestUriInvalid => ("HTTP-request-URI-invalid", None),
        E::HttpRequestUriTooLong => ("HTTP-request-URI-too-long", None),
        E::HttpRequestHeaderSectionSize(s) => ("HTTP-request-header-section-size", size(s)),
        E::HttpRequestHeaderSize(field) => (
            "HTTP-request-header-size",
            field.as_ref().and_then(field_detail),
        ),
        E::HttpRequestTrailerSectionSize(s) => ("HTTP-request-trailer-section-size", size(s)),
        E::HttpRequestTrailerSize(field) => ("HTTP-request-trailer-size", field_detail(field)),
        E::HttpResponseIncomplete => ("HTTP-response-incomplete", None),
        E::HttpResponseHeaderSectionSize(s) => ("HTTP-response-header-section-size", size(s)),
        E::HttpResponseHeaderSize(field) => ("HTTP-response-header-size", field_detail(field)),
        E::HttpResponseBodySize(s) => ("HTTP-response-body-size", bytes(s)),
        E::HttpResponseTrailerSectionSize(s) => ("HTTP-response-trailer-section-size", size(s)),
        E::HttpResponseTrailerSize(field) => ("HTTP-response-trailer-size", field_detail(field)),
        E::HttpResponseTransferCoding(coding) => ("HTTP-response-transfer-coding", coding.clone()),
        E::HttpResponseContentCoding(coding) => ("HTTP-response-content-coding", coding.clone()),
        E::HttpResponseTimeout => ("HTTP-response-timeout", None),
        E::HttpUpgradeFailed => ("HTTP-upgrade-failed", None),
        E::HttpProtocolError => ("HTTP-protocol-error", None),
        E::LoopDetected => ("loop-detected", None),
        E::ConfigurationError => ("configuration-error", None),
        E::InternalError(message) => ("internal-error", message.clone()),
    }
}

fn field_detail(field: &FieldSizePayload) -> Option<String> {
    joined(
        field.field_name.clone(),
        field.field_size.map(|s| format!("{s} bytes")),
    )
}

/// `a: b`, or whichever of the two is there.
fn joined(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}: {b}")),
        (a, b) => a.or(b),
    }
}
