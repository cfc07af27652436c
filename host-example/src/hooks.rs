//! The `wasi:http` hooks of a store: the outbound policy applied to each
//! request the component sends (allow-list, credentials, lookup, TLS,
//! retries), and the error codes the guest reads back.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::policy::{Authority, Injection, OutboundPolicy};
use crate::recording::Recording;
use crate::send::{self, Destination, SendReport};

/// The `wasi:http` hooks of one store: the policy, applied to each request.
pub struct PolicyHooks {
    pub policy: Arc<OutboundPolicy>,
    /// Requests are recorded into it, or answered from it.
    pub(crate) recording: Option<Recording>,
    /// What the store's requests met that an error code cannot say.
    pub(crate) report: Arc<Mutex<SendReport>>,
}

impl PolicyHooks {
    pub fn new(policy: Arc<OutboundPolicy>) -> PolicyHooks {
        PolicyHooks {
            policy,
            recording: None,
            report: Arc::default(),
        }
    }
}

type SendFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                ),
                HttpError,
            >,
        > + Send,
>;

/// Adds the host's credential and headers; the component never sees them.
fn inject(request: &mut http::Request<WasiBody>, injection: &Injection) -> Result<(), HttpError> {
    let headers = request.headers_mut();
    if let Some(credential) = &injection.credential {
        let mut value = http::HeaderValue::from_str(&credential.header_value()).map_err(|_| {
            HttpError::InternalError(Some("the credential is not a valid header value".into()))
        })?;
        value.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, value);
    }
    for (name, value) in &injection.headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            HttpError::InternalError(Some(format!("'{name}' is not a header name")))
        })?;
        let mut value = http::HeaderValue::from_str(value).map_err(|_| {
            HttpError::InternalError(Some(format!("the value of '{name}' is not a header value")))
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(())
}

impl WasiHttpHooks for PolicyHooks {
    /// The component may not set `Authorization`: credentials are the host's.
    fn forbidden_header_filter(&mut self) -> wasmtime_wasi_http::ForbiddenHeaderFilter {
        Arc::new(|name| {
            *name == http::header::AUTHORIZATION
                || wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS.contains(name)
        })
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> SendFuture {
        let policy = Arc::clone(&self.policy);
        let report = Arc::clone(&self.report);
        let recording = self.recording.clone();
        Box::new(async move {
            let mut request = request;
            let destination = Authority::from_url(&request.uri().to_string());
            let authority = match destination {
                Ok(authority) if policy.allows(&authority) => authority,
                Ok(authority) => {
                    tracing::debug!(%authority, "denied: not on the allow-list");
                    return Err(HttpError::HttpRequestDenied);
                }
                Err(_) => return Err(HttpError::HttpRequestUriInvalid),
            };
            if let Some(injection) = policy.injection_for(&authority) {
                inject(&mut request, injection)?;
            }
            tracing::debug!(method = %request.method(), uri = %request.uri(), "sending");
            // What the last request met is what explains the call's error.
            *report.lock().expect("not poisoned") = SendReport::default();
            match recording {
                Some(tape) if tape.is_replay() => {
                    tape.replay_exchange(request, &policy.secrets(), &report)
                        .await
                }
                Some(tape) => {
                    let send = |request| deliver(request, authority, &policy, options, &report);
                    tape.record_exchange(request, &policy.secrets(), &report, send)
                        .await
                }
                None => deliver(request, authority, &policy, options, &report).await,
            }
        })
    }

    /// A failed connection, by its kind alone: a name that does not
    /// resolve never gets here, [`resolve`] reports it first.
    fn p2_error_from_connect(&mut self, error: &io::Error) -> ErrorCode {
        match error.kind() {
            io::ErrorKind::TimedOut => ErrorCode::ConnectionTimeout,
            io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                ErrorCode::DestinationIpUnroutable
            }
            _ => ErrorCode::ConnectionRefused,
        }
    }
}

/// Sends an allowed request the way the policy says: the lookup, TLS,
/// retries.
async fn deliver(
    request: http::Request<WasiBody>,
    authority: Authority,
    policy: &OutboundPolicy,
    options: Option<RequestOptions>,
    report: &Mutex<SendReport>,
) -> Result<send::Sent, HttpError> {
    let mut options = policy.clamp(options);
    // The lookup happens only now, after the allow-list check, and
    // counts against the connect timeout.
    let connect_timeout = options.connect_timeout.unwrap_or(policy.ceilings.connect);
    let proxy = policy
        .proxies
        .for_request(&authority, request.uri())
        .map_err(|error| {
            report.lock().expect("not poisoned").proxy_failure = Some(error.to_string());
            HttpError::InternalError(Some(error.to_string()))
        })?;
    if let Some(proxy) = &proxy {
        tracing::debug!(%proxy, "through the proxy");
        report.lock().expect("not poisoned").proxy = Some(proxy.to_string());
    }
    // Through a proxy, the proxy resolves the target's name.
    let connect_to = proxy.as_ref().map_or(&authority, |p| &p.authority);
    let (addresses, left) = resolve(connect_to, connect_timeout).await?;
    options.connect_timeout = Some(left);
    let tls = (authority.scheme == "https").then(|| policy.tls_client_for(&authority).config);
    let retry = policy.retry_for(&authority);
    let destination = Destination {
        authority,
        addresses,
        tls,
        proxy,
    };
    let (response, io) = send::send(request, &destination, options, retry, report)
        .await
        .inspect_err(|error| tracing::debug!(%error, "not answered"))?;
    tracing::debug!(status = %response.status(), "answered");
    Ok((response, io))
}

/// Looks up a host name before connecting, so that a name that does not
/// resolve is told from a refused connection by where it failed rather than
/// by the wording of an `io::Error`. An IP literal needs no lookup. Returns
/// the addresses (the sender connects to them, not to the name: one
/// lookup) and what is left of `connect_timeout` for the connection itself.
pub(crate) async fn resolve(
    authority: &Authority,
    connect_timeout: Duration,
) -> Result<(Vec<SocketAddr>, Duration), HttpError> {
    let host = authority.host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((vec![SocketAddr::new(ip, authority.port)], connect_timeout));
    }
    let started = Instant::now();
    let lookup = tokio::net::lookup_host((host, authority.port));
    match tokio::time::timeout(connect_timeout, lookup).await {
        Err(_elapsed) => Err(HttpError::DnsTimeout),
        Ok(Err(error)) => Err(HttpError::DnsError {
            rcode: Some(error.to_string()),
            info_code: None,
        }),
        Ok(Ok(addresses)) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() {
                return Err(HttpError::DnsError {
                    rcode: Some("no addresses".to_string()),
                    info_code: None,
                });
            }
            Ok((addresses, connect_timeout.saturating_sub(started.elapsed())))
        }
    }
}

/// What `wasi:http/types.http-error-code` answers for an `io-error`.
///
/// wasmtime-wasi-http 48 answers only when the error is an [`ErrorCode`]. A
/// response body's stream, though, fails with the crate's own [`HttpError`]
/// (its bodies are `UnsyncBoxBody<Bytes, HttpError>`, and the stream hands
/// the guest `wasmtime::Error::from(that error)`), and a `wasmtime::Error`
/// downcasts only to the type it was made from: no body error ever had a
/// code, so a guest could tell a between-bytes timeout from a broken
/// connection only by the error's text. The host links this in place of
/// that function; it reads those values too.
pub(crate) fn http_error_code(error: &wasmtime::Error) -> Option<ErrorCode> {
    if let Some(code) = error.downcast_ref::<ErrorCode>() {
        return Some(code.clone());
    }
    let code = match error.downcast_ref::<HttpError>()? {
        // The sender's between-bytes timer.
        HttpError::ConnectionReadTimeout => ErrorCode::ConnectionReadTimeout,
        HttpError::HttpResponseTimeout => ErrorCode::HttpResponseTimeout,
        HttpError::ConnectionTerminated => ErrorCode::ConnectionTerminated,
        HttpError::HttpResponseIncomplete => ErrorCode::HttpResponseIncomplete,
        HttpError::HttpResponseBodySize(size) => ErrorCode::HttpResponseBodySize(*size),
        HttpError::HttpProtocolError => ErrorCode::HttpProtocolError,
        // hyper reading the body off the connection.
        HttpError::Hyper(error) if error.is_timeout() => ErrorCode::HttpResponseTimeout,
        HttpError::Hyper(error) if error.is_parse() => ErrorCode::HttpProtocolError,
        HttpError::Hyper(error) if error.is_incomplete_message() => {
            ErrorCode::HttpResponseIncomplete
        }
        HttpError::Hyper(error) => match io_error_kind(error) {
            // A length or chunk it cannot read.
            Some(io::ErrorKind::InvalidData) => ErrorCode::HttpProtocolError,
            // Fewer bytes than declared.
            Some(io::ErrorKind::UnexpectedEof) => ErrorCode::HttpResponseIncomplete,
            _ => ErrorCode::ConnectionTerminated,
        },
        _ => return None,
    };
    Some(code)
}

/// The kind of the first `io::Error` among `error`'s causes.
fn io_error_kind(error: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut cause = error.source();
    while let Some(error) = cause {
        if let Some(io_error) = error.downcast_ref::<io::Error>() {
            return Some(io_error.kind());
        }
        cause = error.source();
    }
    None
}
