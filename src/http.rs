//! The one module that talks `wasi:http`: it sends an [`HttpRequest`] with
//! the three client timeouts set, reads the body under the size cap, and
//! maps every failure onto [`ProbeError`]. Nothing here panics.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, HeaderError, IncomingBody, Method as WasiMethod, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme as WasiScheme,
};
use wasip2::io::streams::StreamError;

use crate::error::{BadResponseKind, ProbeError, TransportFailure};
use crate::probes::Transport;
use crate::request::{HttpRequest, Method, Scheme};
use crate::response::HttpResponse;

mod error_code;

/// Bytes asked for per read; also the most one write may carry.
const READ_CHUNK: u64 = 64 * 1024;
const WRITE_CHUNK: usize = 4 * 1024;

/// The transport the component uses: the host's `wasi:http`.
pub struct WasiHttp;

impl Transport for WasiHttp {
    fn send(&mut self, request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
        send(request)
    }
}

/// Which part of the exchange was under way, to name the timeout that fired.
#[derive(Clone, Copy)]
enum Phase {
    Connecting,
    Sending,
    Receiving,
}

fn send(request: &HttpRequest) -> Result<HttpResponse, ProbeError> {
    let url = request.url();
    let headers = Fields::new();
    for (name, value) in &request.headers {
        headers
            .append(name, value.as_bytes())
            .map_err(|error| header_refused(name, error))?;
    }
    if let Some(body) = &request.body {
        headers
            .append("Content-Length", body.len().to_string().as_bytes())
            .map_err(|error| header_refused("Content-Length", error))?;
    }
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method {
        Method::Get => WasiMethod::Get,
        Method::Post => WasiMethod::Post,
        Method::Put => WasiMethod::Put,
    };
    let scheme = match request.scheme {
        Scheme::Http => WasiScheme::Http,
        Scheme::Https => WasiScheme::Https,
    };
    let rejected =
        |what: &str| ProbeError::invalid(format!("the host rejected the {what} of {url}"));
    outgoing
        .set_method(&method)
        .map_err(|()| rejected("method"))?;
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| rejected("scheme"))?;
    outgoing
        .set_authority(Some(&request.authority))
        .map_err(|()| rejected("authority"))?;
    outgoing
        .set_path_with_query(Some(&request.path_and_query))
        .map_err(|()| rejected("path"))?;

    // A host that cannot honour a timeout says so; it then applies its own,
    // which is all a guest can do.
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(millis_to_nanos(request.timeouts.connect_ms)));
    let _ = options.set_first_byte_timeout(Some(millis_to_nanos(request.timeouts.first_byte_ms)));
    let _ =
        options.set_between_bytes_timeout(Some(millis_to_nanos(request.timeouts.between_bytes_ms)));

    let body = outgoing
        .body()
        .map_err(|()| ProbeError::Other(format!("the host gave no request body for {url}")))?;
    let pending = outgoing_handler::handle(outgoing, Some(options))
        .map_err(|code| from_error_code(&code, request, Phase::Connecting))?;
    write_body(body, request.body.as_deref(), request)?;

    let response = loop {
        if let Some(ready) = pending.get() {
            break ready
                .map_err(|()| ProbeError::Other(format!("the response to {url} was taken twice")))?
                .map_err(|code| from_error_code(&code, request, Phase::Connecting))?;
        }
        pending.subscribe().block();
    };
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .first()
        .and_then(|value| String::from_utf8(value.clone()).ok());
    let declared_length = response
        .headers()
        .get("content-length")
        .first()
        .and_then(|value| std::str::from_utf8(value).ok()?.trim().parse::<u64>().ok());
    let incoming = response
        .consume()
        .map_err(|()| ProbeError::Other(format!("the body of {url} was taken twice")))?;
    let body = read_body(&incoming, declared_length, request)?;
    drop(IncomingBody::finish(incoming));
    Ok(HttpResponse {
        status,
        body,
        location,
    })
}

fn write_body(
    body: OutgoingBody,
    bytes: Option<&[u8]>,
    request: &HttpRequest,
) -> Result<(), ProbeError> {
    if let Some(bytes) = bytes {
        let stream = body
            .write()
            .map_err(|()| ProbeError::Other("the request body stream was taken twice".into()))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|error| from_stream_error(error, request, Phase::Sending))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|code| from_error_code(&code, request, Phase::Sending))
}

fn read_body(
    incoming: &IncomingBody,
    declared_length: Option<u64>,
    request: &HttpRequest,
) -> Result<Vec<u8>, ProbeError> {
    let cap = request.max_response_bytes;
    let too_large = || {
        ProbeError::bad_response(
            BadResponseKind::TooLarge,
            format!(
                "the answer from {} is larger than the {cap}-byte cap (max-response-bytes); narrow the query or raise the cap",
                request.url()
            ),
        )
    };
    if declared_length.is_some_and(|length| length > cap) {
        return Err(too_large());
    }
    let stream = incoming
        .stream()
        .map_err(|()| ProbeError::Other("the response body stream was taken twice".into()))?;
    let reserve = declared_length.unwrap_or(0).min(cap);
    let mut body = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                if body.len() as u64 + chunk.len() as u64 > cap {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(error) => return Err(from_stream_error(error, request, Phase::Receiving)),
        }
    }
    if declared_length.is_some_and(|length| length != body.len() as u64) {
        return Err(ProbeError::transport(
            TransportFailure::ConnectionLost,
            format!(
                "the answer from {} was cut short: {} of {} declared bytes arrived",
                request.url(),
                body.len(),
                declared_length.unwrap_or(0)
            ),
        ));
    }
    Ok(body)
}

fn millis_to_nanos(millis: u32) -> u64 {
    u64::from(millis) * 1_000_000
}

fn header_refused(name: &str, error: HeaderError) -> ProbeError {
    let why = match error {
        HeaderError::Forbidden => "the host forbids it",
        HeaderError::InvalidSyntax => "its name or value is not valid",
        HeaderError::Immutable => "the headers were already sent",
    };
    ProbeError::invalid(format!("header '{name}' cannot be sent: {why}"))
}

fn from_stream_error(error: StreamError, request: &HttpRequest, phase: Phase) -> ProbeError {
    match error {
        StreamError::Closed => ProbeError::transport(
            TransportFailure::ConnectionLost,
            format!("the connection to {} closed early", request.url()),
        ),
        StreamError::LastOperationFailed(io_error) => {
            if let Some(code) = wasip2::http::types::http_error_code(&io_error) {
                return from_error_code(&code, request, phase);
            }
            // A host that gives no code for a stream error (wasmtime-wasi-http
            // 48 on its own gives none for a body; our host fills them in)
            // leaves only a broken connection to report; its text is shown,
            // never read.
            ProbeError::transport(
                TransportFailure::ConnectionLost,
                format!(
                    "the connection to {} failed: {}",
                    request.url(),
                    io_error.to_debug_string()
                ),
            )
        }
    }
}

fn from_error_code(code: &ErrorCode, request: &HttpRequest, phase: Phase) -> ProbeError {
    use TransportFailure as Kind;
    let url = request.url();
    let timeouts = request.timeouts;
    let read_timeout = || match phase {
        Phase::Receiving => format!(
            "{url} stopped sending for longer than the between-bytes timeout ({} ms)",
            timeouts.between_bytes_ms
        ),
        _ => format!(
            "{url} did not answer within the first-byte timeout ({} ms)",
            timeouts.first_byte_ms
        ),
    };
    let (kind, message) = match code {
        ErrorCode::HttpRequestDenied | ErrorCode::DestinationIpProhibited => (
            Kind::Denied,
            format!("the host's sandbox policy does not allow {url}; allow its authority in the host (chaosprom --allow-host) or fix the base URL"),
        ),
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => (
            Kind::Dns,
            format!("the host name of {url} did not resolve{}", dns_detail(code)),
        ),
        ErrorCode::ConnectionRefused
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpUnroutable => (
            Kind::ConnectionRefused,
            format!("connection refused by {url}: is the server running and listening there?"),
        ),
        ErrorCode::ConnectionTimeout => (
            Kind::Timeout,
            format!("could not connect to {url} within the connect timeout ({} ms)", timeouts.connect_ms),
        ),
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => {
            (Kind::Timeout, read_timeout())
        }
        ErrorCode::ConnectionWriteTimeout => (Kind::Timeout, format!("sending the request to {url} timed out")),
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => (
            Kind::Tls,
            format!("TLS with {url} failed ({}); check the certificate and the scheme", error_code::describe(code)),
        ),
        ErrorCode::ConnectionTerminated | ErrorCode::HttpResponseIncomplete => (
            Kind::ConnectionLost,
            format!("the connection to {url} broke before the whole answer arrived"),
        ),
        ErrorCode::HttpResponseBodySize(_) => {
            return ProbeError::bad_response(
                BadResponseKind::TooLarge,
                format!("the answer from {url} is larger than the host accepts"),
            )
        }
        ErrorCode::HttpProtocolError
        | ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_)
        | ErrorCode::HttpResponseTransferCoding(_)
        | ErrorCode::HttpResponseContentCoding(_)
        | ErrorCode::HttpResponseTrailerSectionSize(_)
        | ErrorCode::HttpResponseTrailerSize(_)
        | ErrorCode::HttpUpgradeFailed => (
            Kind::Protocol,
            format!("{url} did not answer with valid HTTP ({}); is it an HTTP server?", error_code::describe(code)),
        ),
        other => (Kind::Other, format!("the request to {url} failed: {}", error_code::describe(other))),
    };
    ProbeError::transport(kind, message)
}

fn dns_detail(code: &ErrorCode) -> String {
    match code {
        ErrorCode::DnsError(payload) => payload
            .rcode
            .as_deref()
            .map(|rcode| format!(" ({rcode})"))
            .unwrap_or_default(),
        ErrorCode::DnsTimeout => " (timed out)".to_string(),
        _ => String::new(),
    }
}
