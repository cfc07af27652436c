//! The network fault matrix: every fault a typed error within the
//! configured bound, no hang, no crash, and the next call unaffected: after
//! each fault, the same host's next call, to a server that answers well,
//! gets its answer.

use chaosprometheus_host::{
    BadResponseKind, CallError, CallLimits, Endpoint, ProbeError, ProbeHost, TransportFailure,
};
use harness::answers::instant;
use harness::fake::{FakeServer, Reply};

/// What a well-behaved Prometheus answers.
const GOOD_ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

/// A server that answers every query well, for the call after a fault.
fn good_server() -> FakeServer {
    FakeServer::answering(200, "application/json", GOOD_ANSWER)
}

/// The call after a fault: through the same host, to `good`, it succeeds.
async fn assert_next_call_works(host: &ProbeHost, good: &FakeServer) {
    let answer = host
        .query(&harness::endpoint(&good.url), &instant("up"))
        .await;
    assert_eq!(
        answer.as_deref().ok(),
        Some(GOOD_ANSWER),
        "the call after the fault: {answer:?}"
    );
}

/// The error of a call to `endpoint` (on `server`), after which the same
/// host's next call must work.
async fn probe(server: &FakeServer, endpoint: Endpoint) -> ProbeError {
    let good = good_server();
    let host = harness::host(&[&server.url, &good.url]);
    let error = match host.query(&endpoint, &instant("up")).await {
        Err(CallError::Probe(error)) => error,
        other => panic!("expected a probe error, got {other:?}"),
    };
    assert_next_call_works(&host, &good).await;
    error
}

#[tokio::test]
async fn a_truncated_body_is_a_lost_connection() {
    let server = FakeServer::start(|_| {
        Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"status\":".to_vec())
    });
    let error = probe(&server, harness::endpoint(&server.url)).await;
    assert!(
        matches!(&error, ProbeError::Transport(t) if t.kind == TransportFailure::ConnectionLost),
        "{error:?}"
    );
}

#[tokio::test]
async fn status_error_with_every_http_status_is_a_prometheus_error() {
    for status in [200, 400, 422, 503] {
        let server = FakeServer::answering(
            status,
            "application/json",
            r#"{"status":"error","errorType":"execution","error":"boom"}"#,
        );
        let error = probe(&server, harness::endpoint(&server.url)).await;
        assert!(
            matches!(&error, ProbeError::Prometheus(p) if p.status == status && p.error_type == "execution"),
            "{status}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_proxys_html_502_is_an_http_status_error() {
    let server = FakeServer::answering(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    );
    let error = probe(&server, harness::endpoint(&server.url)).await;
    assert!(
        matches!(&error, ProbeError::HttpStatus(h) if h.status == 502 && h.body.contains("Bad Gateway")),
        "{error:?}"
    );
}

#[tokio::test]
async fn invalid_utf8_is_a_bad_response() {
    let server = FakeServer::answering(200, "application/json", vec![b'{', 0xff, 0xfe, b'}']);
    let error = probe(&server, harness::endpoint(&server.url)).await;
    assert!(
        matches!(&error, ProbeError::BadResponse(b) if b.kind == BadResponseKind::NotUtf8),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_huge_header_is_refused() {
    let header = format!("X-Huge: {}\r\n", "h".repeat(512 * 1024));
    let server = FakeServer::start(move |_| {
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\n{header}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            )
            .into_bytes(),
        )
    });
    let error = probe(&server, harness::endpoint(&server.url)).await;
    assert!(
        matches!(&error, ProbeError::Transport(t) if t.kind == TransportFailure::Protocol),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_while_memory_stays_bounded() {
    // 80 MiB, chunked (no length to refuse up front), against an 8 MiB cap
    // in a component allowed only 32 MiB: had it buffered the whole body,
    // it would have hit the memory cap instead.
    let server = FakeServer::start(|_| {
        let chunk = vec![b' '; 1 << 20];
        let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for _ in 0..80 {
            bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            bytes.extend_from_slice(&chunk);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        Reply::Bytes(bytes)
    });
    let good = good_server();
    let host = harness::host_with(
        &[&server.url, &good.url],
        CallLimits {
            memory_bytes: 32 << 20,
            ..CallLimits::default()
        },
    );
    let endpoint = Endpoint {
        max_response_bytes: Some(8 << 20),
        ..harness::endpoint(&server.url)
    };
    let error = host.query(&endpoint, &instant("up")).await;
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::BadResponse(b))) if b.kind == BadResponseKind::TooLarge),
        "{error:?}"
    );
    assert_next_call_works(&host, &good).await;

    let declared = FakeServer::start(|_| {
        Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".to_vec())
    });
    let error = probe(
        &declared,
        Endpoint {
            max_response_bytes: Some(8 << 20),
            ..harness::endpoint(&declared.url)
        },
    )
    .await;
    assert!(
        matches!(&error, ProbeError::BadResponse(b) if b.kind == BadResponseKind::TooLarge),
        "a declared length over the cap is refused before reading: {error:?}"
    );
}

#[tokio::test]
async fn refused_connections_are_typed() {
    let port = harness::servers::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let good = good_server();
    let host = harness::host(&[&url, &good.url]);
    let error = host.query(&harness::endpoint(&url), &instant("up")).await;
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::Transport(t))) if t.kind == TransportFailure::ConnectionRefused),
        "{error:?}"
    );
    assert_next_call_works(&host, &good).await;
}
