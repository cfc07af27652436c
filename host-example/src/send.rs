//! How the host sends one of the component's requests, once the policy has
//! allowed it: wasmtime-wasi-http's `default_send_request`, with the TLS
//! configuration of the authority's policy instead of a fixed one, the
//! addresses the policy's lookup found, TLS failures explained, and reads
//! retried.

use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody};

use hyper_util::client::legacy::connect::proxy::Tunnel;

use crate::policy::Authority;
use crate::proxy::ProxyUrl;
use crate::retry::{self, RetryPolicy, Verdict};
use crate::tls;

/// What the host saw of a call's requests that the guest's error code
/// cannot carry; the host adds it to the call's error.
#[derive(Debug, Default, Clone)]
pub(crate) struct SendReport {
    /// The last TLS failure: the URL and why, with what fixes it.
    pub(crate) tls_failure: Option<(String, String)>,
    /// Tries of the last request, when it ended in a failure a retry could
    /// have cured: (tries, time spent).
    pub(crate) gave_up: Option<(u32, Duration)>,
    /// On replay: the request (`GET <url>`) the recording does not hold.
    pub(crate) not_recorded: Option<String>,
    /// The proxy the last request went through.
    pub(crate) proxy: Option<String>,
    /// Why the proxy would not carry it (a CONNECT refused, a bad proxy
    /// setting).
    pub(crate) proxy_failure: Option<String>,
}

pub(crate) type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;
pub(crate) type Sent = (http::Response<WasiBody>, IoFuture);

/// Where to send: the allowed authority, the addresses to connect to (its
/// own, or its proxy's), its TLS client.
pub(crate) struct Destination {
    pub(crate) authority: Authority,
    pub(crate) addresses: Vec<SocketAddr>,
    /// `Some` for https.
    pub(crate) tls: Option<Arc<ClientConfig>>,
    /// The HTTP proxy in between: an http request goes to it whole (its
    /// absolute URL on the request line), an https one through a CONNECT
    /// tunnel, TLS end to end with the target.
    pub(crate) proxy: Option<ProxyUrl>,
}

/// Sends `request`, retrying it under `retry` when it is a read (GET or
/// HEAD): a request that changes something (the Pushgateway's PUT, POST,
/// DELETE) goes once, whatever the policy says.
pub(crate) async fn send(
    request: http::Request<WasiBody>,
    destination: &Destination,
    options: RequestOptions,
    retry: RetryPolicy,
    report: &Mutex<SendReport>,
) -> Result<Sent, HttpError> {
    let url = request.uri().to_string();
    let is_read = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
    if !is_read || retry.attempts <= 1 {
        return send_once(request, destination, options, &url, report).await;
    }
    // A read's body is empty (the guest finishes it right after handing the
    // request over): keep it to send again.
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let again = || {
        let mut builder = http::Request::builder()
            .method(parts.method.clone())
            .uri(parts.uri.clone())
            .version(parts.version);
        if let Some(headers) = builder.headers_mut() {
            *headers = parts.headers.clone();
        }
        let body = http_body_util::Full::new(body.clone())
            .map_err(|never| match never {})
            .boxed_unsync();
        builder
            .body(body)
            .map_err(|e| HttpError::InternalError(Some(e.to_string())))
    };
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let outcome = send_once(again()?, destination, options, &url, report).await;
        let verdict = retry::verdict(&outcome);
        let pause = match verdict {
            Verdict::Done => return outcome,
            Verdict::Retry { retry_after } => {
                retry.pause_before(attempt + 1, started.elapsed(), retry_after)
            }
        };
        let Some(pause) = pause else {
            report.lock().expect("not poisoned").gave_up = Some((attempt, started.elapsed()));
            return outcome;
        };
        let outcome = match outcome {
            // A Prometheus error behind a 5xx that no retry changes.
            Ok((response, io)) => match retry::final_error_body(response, options).await {
                Some(response) => return Ok((response, io)),
                None => None,
            },
            Err(error) => Some(error),
        };
        tracing::debug!(
            %url,
            attempt,
            why = %outcome.map_or_else(|| "a retryable status".to_string(), |e| e.to_string()),
            pause_ms = pause.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(pause).await;
        attempt += 1;
    }
}

/// One request on a fresh connection, as `default_send_request` sends it.
async fn send_once(
    mut request: http::Request<WasiBody>,
    destination: &Destination,
    options: RequestOptions,
    url: &str,
    report: &Mutex<SendReport>,
) -> Result<Sent, HttpError> {
    let far = Duration::from_secs(600);
    let connect_timeout = options.connect_timeout.unwrap_or(far);
    let first_byte_timeout = options.first_byte_timeout.unwrap_or(far);
    // Tokio panics on a zero interval.
    let between_bytes_timeout = options
        .between_bytes_timeout
        .unwrap_or(far)
        .max(Duration::from_nanos(1));

    let started = Instant::now();
    let connect = TcpStream::connect(destination.addresses.as_slice());
    let stream = match tokio::time::timeout(connect_timeout, connect).await {
        Ok(stream) => stream.map_err(HttpError::Connect)?,
        Err(_) => return Err(HttpError::ConnectionTimeout),
    };
    let stream = match (&destination.proxy, &destination.tls) {
        (Some(proxy), Some(_)) => {
            let left = connect_timeout.saturating_sub(started.elapsed());
            tunnel(stream, &destination.authority, proxy, left, report).await?
        }
        _ => stream,
    };
    let tls_failed = |(code, why): (HttpError, String)| {
        tracing::debug!(%url, %why, "TLS failed");
        report.lock().expect("not poisoned").tls_failure = Some((url.to_string(), why));
        code
    };
    let stream: Box<dyn Stream> = match &destination.tls {
        None => Box::new(stream),
        Some(config) => {
            let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
            let name = server_name(&destination.authority)?;
            // The handshake is part of connecting: same budget.
            let left = connect_timeout.saturating_sub(started.elapsed());
            match tokio::time::timeout(left, connector.connect(name, stream)).await {
                Err(_) => return Err(HttpError::ConnectionTimeout),
                Ok(Ok(stream)) => Box::new(stream),
                Ok(Err(error)) => {
                    return Err(match tls::rustls_error(&error) {
                        Some(rustls_error) => tls_failed(tls::explain(rustls_error)),
                        None => HttpError::Tls(error),
                    })
                }
            }
        }
    };
    let left = connect_timeout.saturating_sub(started.elapsed());
    let (mut sender, conn) = tokio::time::timeout(
        left,
        hyper::client::conn::http1::Builder::new().handshake(TokioIo::new(stream)),
    )
    .await
    .map_err(|_| HttpError::ConnectionTimeout)??;

    match (&destination.proxy, &destination.tls) {
        // A plain request to a proxy names the whole URL.
        (Some(proxy), None) => {
            if let Some(value) = proxy.authorization() {
                let mut value = http::HeaderValue::from_str(&value).map_err(|_| {
                    HttpError::InternalError(Some(
                        "the proxy's credentials are not a header".into(),
                    ))
                })?;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, value);
            }
        }
        // Else only the path goes on the request line.
        _ => {
            let path = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            *request.uri_mut() = http::Uri::builder()
                .path_and_query(path)
                .build()
                .map_err(|e| HttpError::InternalError(Some(e.to_string())))?;
        }
    }

    // A server that wants a client certificate says so after a TLS 1.3
    // handshake, when the request is read: its alert shows up here.
    let from_hyper = |error: hyper::Error| match tls::rustls_error(&error) {
        Some(rustls_error) => tls_failed(tls::explain(rustls_error)),
        None if error.is_timeout() => HttpError::HttpResponseTimeout,
        None => HttpError::from(error),
    };
    let send = async {
        let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
            .await
            .map_err(|_| HttpError::ConnectionReadTimeout)?
            .map_err(from_hyper)?;
        let mut timeout = tokio::time::interval(between_bytes_timeout);
        timeout.reset();
        Ok::<_, HttpError>(response.map(|incoming| BetweenBytes { incoming, timeout }))
    };
    let mut send = pin!(send);
    let mut conn = Some(conn);
    // Wait for the answer while driving the connection.
    let response = poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(result),
        Poll::Pending => {
            let Some(fut) = conn.as_mut() else {
                return Poll::Pending;
            };
            let result = ready!(Pin::new(fut).poll(cx));
            conn = None;
            match result {
                Ok(()) => send.as_mut().poll(cx),
                Err(error) => Poll::Ready(Err(from_hyper(error))),
            }
        }
    })
    .await?;
    let io = async move {
        let Some(conn) = conn.take() else {
            return Ok(());
        };
        match conn.await {
            Ok(()) => Ok(()),
            Err(error) if error.is_timeout() => Err(HttpError::HttpResponseTimeout),
            Err(error) => Err(error.into()),
        }
    };
    Ok((
        response.map(BodyExt::boxed_unsync),
        Box::new(io) as IoFuture,
    ))
}

/// Asks `proxy`, on the connection `stream` made to it, for a tunnel to
/// `target` (CONNECT, with the proxy's credentials); the stream then leads
/// to the target.
async fn tunnel(
    stream: TcpStream,
    target: &Authority,
    proxy: &ProxyUrl,
    budget: Duration,
    report: &Mutex<SendReport>,
) -> Result<TcpStream, HttpError> {
    use tower_service::Service as _;
    let internal = |e: &dyn std::fmt::Display| HttpError::InternalError(Some(e.to_string()));
    let proxy_uri: http::Uri = proxy.to_string().parse().map_err(|e| internal(&e))?;
    let mut tunnel = Tunnel::new(proxy_uri, Connected(Some(stream)));
    if let Some(value) = proxy.authorization() {
        let mut value = http::HeaderValue::from_str(&value).map_err(|e| internal(&e))?;
        value.set_sensitive(true);
        tunnel = tunnel.with_auth(value);
    }
    let target_uri: http::Uri = format!("https://{}:{}", target.host, target.port)
        .parse()
        .map_err(|e| internal(&e))?;
    poll_fn(|cx| tunnel.poll_ready(cx))
        .await
        .map_err(|e| internal(&e))?;
    match tokio::time::timeout(budget, tunnel.call(target_uri)).await {
        Err(_) => Err(HttpError::ConnectionTimeout),
        Ok(Ok(io)) => Ok(io.into_inner()),
        Ok(Err(error)) => {
            let text = error.to_string();
            let hint = if text.contains("authorization required") {
                " (407): give its credentials in the proxy URL, http://user:password@host:port"
            } else {
                ""
            };
            let why = format!(
                "the proxy {proxy} would not open a tunnel to {}:{}: {text}{hint}",
                target.host, target.port
            );
            tracing::debug!(%why, "CONNECT failed");
            report.lock().expect("not poisoned").proxy_failure = Some(why);
            Err(HttpError::ConnectionRefused)
        }
    }
}

/// The one connection already made to the proxy, as the tunnel's connector.
struct Connected(Option<TcpStream>);

impl tower_service::Service<http::Uri> for Connected {
    type Response = hyper_util::rt::TokioIo<TcpStream>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let stream = self.0.take().map(hyper_util::rt::TokioIo::new);
        std::future::ready(stream.ok_or_else(|| std::io::Error::other("one connection only")))
    }
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T> Stream for T where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Sync + Unpin + 'static
{
}

/// The name the certificate must be for: the URL's host, an IP literal
/// as an address.
fn server_name(authority: &Authority) -> Result<ServerName<'static>, HttpError> {
    let host = authority.host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string()).map_err(|_| HttpError::HttpRequestUriInvalid)
}

/// A response body that fails with `ConnectionReadTimeout` when the server
/// stops sending for longer than the between-bytes timeout.
struct BetweenBytes {
    incoming: hyper::body::Incoming,
    timeout: tokio::time::Interval,
}

impl http_body::Body for BetweenBytes {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(if error.is_timeout() {
                HttpError::HttpResponseTimeout
            } else {
                HttpError::from(error)
            }))),
            Poll::Ready(Some(Ok(frame))) => {
                self.timeout.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.timeout.poll_tick(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}
