//! What the component can reach, proven against servers: one authority,
//! exactly as written, and redirects only within what is allowed.

use chaosprometheus_host::{CallError, ProbeError, TransportFailure};
use harness::answers::instant;
use harness::fake::{response, FakeServer, Reply};
use harness::servers::{Prometheus, PrometheusOptions};

fn denied(result: Result<String, CallError>) -> bool {
    matches!(result, Err(CallError::Probe(ProbeError::Transport(t))) if t.kind == TransportFailure::Denied)
}

const ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

#[tokio::test]
async fn other_spellings_of_the_same_server_are_refused_without_a_connection() {
    let prometheus = Prometheus::start_with(PrometheusOptions::default());
    let host = harness::host(&[&prometheus.url]);
    let accepted = "net_conntrack_listener_conn_accepted_total{listener_name=\"http\"}";
    let before = prometheus.own_metric(accepted);
    let port = prometheus.port;
    for spelling in [
        format!("http://localhost:{port}"),
        format!("http://[::1]:{port}"),
        format!("http://127.0.0.2:{port}"),
        format!("https://127.0.0.1:{port}"),
    ] {
        assert!(
            denied(
                host.query(&harness::endpoint(&spelling), &instant("1+1"))
                    .await
            ),
            "{spelling}"
        );
    }
    let after = prometheus.own_metric(accepted);
    assert_eq!(after - before, 1.0, "only the second reading connected");
    assert!(host
        .query(&harness::endpoint(&prometheus.url), &instant("1+1"))
        .await
        .is_ok());
}

/// Redirects `/api/...` through `hops` more paths before answering.
fn redirecting(hops: usize) -> FakeServer {
    FakeServer::start(move |request| {
        let hop: usize = request
            .target
            .strip_prefix("/hop")
            .and_then(|t| t.split('/').next()?.parse().ok())
            .unwrap_or(0);
        if hop < hops {
            let location = format!("/hop{}/api/v1/query?query=1%2B1", hop + 1);
            Reply::Bytes(format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes())
        } else {
            Reply::Bytes(response(200, "application/json", ANSWER.as_bytes()))
        }
    })
}

#[tokio::test]
async fn redirects_within_the_allowed_authority_are_followed_up_to_five_hops() {
    let five = redirecting(5);
    let host = harness::host(&[&five.url]);
    assert_eq!(
        host.query(&harness::endpoint(&five.url), &instant("1+1"))
            .await
            .unwrap(),
        ANSWER
    );
    assert_eq!(five.received().len(), 6);

    let six = redirecting(6);
    let host = harness::host(&[&six.url]);
    let error = host
        .query(&harness::endpoint(&six.url), &instant("1+1"))
        .await;
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::Transport(t))) if t.message.contains("redirected more than 5 times")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_redirect_to_an_authority_not_allowed_is_refused_without_a_connection() {
    let elsewhere = FakeServer::answering(200, "application/json", ANSWER);
    let target = format!("{}/api/v1/query?query=1%2B1", elsewhere.url);
    let redirector = FakeServer::start(move |_| {
        Reply::Bytes(format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n").into_bytes())
    });
    let host = harness::host(&[&redirector.url]);
    assert!(denied(
        host.query(&harness::endpoint(&redirector.url), &instant("1+1"))
            .await
    ));
    assert_eq!(elsewhere.connections(), 0);
}
