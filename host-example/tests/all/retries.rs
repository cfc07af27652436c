//! Reads retried by the host: a refused connection, 503s and a 429 with
//! `Retry-After` are tried again with backoff; a 400 and Prometheus's
//! query errors are tried once; the error after the last try says how many
//! there were. Counted at the fault server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chaosprometheus_host::{
    Authority, CallError, HostConfig, OutboundPolicy, ProbeError, ProbeHost, RetryPolicy,
    TransportFailure,
};
use harness::answers::instant;
use harness::fake::{response, FakeServer, Reply};

const GOOD_ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

fn host(url: &str, retry: RetryPolicy) -> ProbeHost {
    let mut policy = OutboundPolicy::default();
    let authority = Authority::from_url(url).unwrap();
    policy.allow(authority.clone());
    policy.set_retry(authority, retry);
    ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap()
}

fn tries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        first_pause: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

/// Answers `failures` in turn, then a good answer for ever.
fn failing_then_good(failures: Vec<Vec<u8>>) -> FakeServer {
    let served = Arc::new(AtomicUsize::new(0));
    FakeServer::start(move |_| {
        let n = served.fetch_add(1, Ordering::SeqCst);
        Reply::Bytes(
            failures
                .get(n)
                .cloned()
                .unwrap_or_else(|| response(200, "application/json", GOOD_ANSWER.as_bytes())),
        )
    })
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() {
    let port = harness::servers::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let host = host(&url, tries(6));
    // The server starts once the first try has been refused and the host
    // pauses before the next.
    let (_guard, retrying) = crate::events::signal_on("retrying");
    let starter = std::thread::spawn(move || {
        retrying
            .recv_timeout(Duration::from_secs(60))
            .expect("the host retries the refused connection");
        FakeServer::start_on(port, |_| {
            Reply::Bytes(response(200, "application/json", GOOD_ANSWER.as_bytes()))
        })
    });
    let answer = host.query(&harness::endpoint(&url), &instant("up")).await;
    let server = starter.join().unwrap();
    assert_eq!(answer.unwrap(), GOOD_ANSWER);
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn two_503s_then_a_200_is_the_200() {
    let unavailable = response(503, "text/plain", b"Service Unavailable");
    let server = failing_then_good(vec![unavailable.clone(), unavailable]);
    let answer = host(&server.url, tries(3))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    assert_eq!(answer.unwrap(), GOOD_ANSWER);
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn a_429_waits_out_retry_after() {
    let too_many = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
    let server = failing_then_good(vec![too_many]);
    let started = Instant::now();
    let answer = host(&server.url, tries(3))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    assert_eq!(answer.unwrap(), GOOD_ANSWER);
    assert_eq!(server.received().len(), 2);
    // The backoff alone would have waited at most 50 ms.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_503_waits_until_a_retry_after_date() {
    // Two seconds on, whole seconds as an HTTP date has them: the retry may
    // not come before that second begins.
    let until = std::time::SystemTime::now() + Duration::from_secs(2);
    let date = httpdate::fmt_http_date(until);
    let not_before = httpdate::parse_http_date(&date).unwrap();
    let unavailable = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let server = failing_then_good(vec![unavailable.into_bytes()]);
    let answer = host(&server.url, tries(3))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    assert_eq!(answer.unwrap(), GOOD_ANSWER);
    assert_eq!(server.received().len(), 2);
    // The backoff alone would have retried after at most 50 ms.
    assert!(
        std::time::SystemTime::now() >= not_before,
        "retried before the Retry-After date {date}"
    );
}

#[tokio::test]
async fn a_400_is_tried_once() {
    let server = FakeServer::answering(
        400,
        "application/json",
        r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
    );
    let error = host(&server.url, tries(5))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::Prometheus(p))) if p.error_type == "bad_data" && !p.message.contains("attempts")),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_prometheus_execution_error_behind_a_503_is_tried_once() {
    let server = FakeServer::answering(
        503,
        "application/json",
        r#"{"status":"error","errorType":"execution","error":"boom"}"#,
    );
    let error = host(&server.url, tries(5))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::Prometheus(p))) if p.error_type == "execution" && p.status == 503),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn the_error_after_the_last_try_says_how_many_were_made() {
    let server = FakeServer::answering(503, "text/plain", "Service Unavailable");
    let error = host(&server.url, tries(3))
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await;
    match error {
        Err(CallError::Probe(ProbeError::HttpStatus(h))) => {
            assert_eq!(h.status, 503);
            assert!(
                h.message.contains("gave up after 3 attempts"),
                "{}",
                h.message
            );
        }
        other => panic!("expected http-status/503, got {other:?}"),
    }
    assert_eq!(server.received().len(), 3);

    let port = harness::servers::free_port();
    let url = format!("http://127.0.0.1:{port}");
    match host(&url, tries(2))
        .query(&harness::endpoint(&url), &instant("up"))
        .await
    {
        Err(CallError::Probe(ProbeError::Transport(t))) => {
            assert_eq!(t.kind, TransportFailure::ConnectionRefused);
            assert!(
                t.message.contains("gave up after 2 attempts"),
                "{}",
                t.message
            );
        }
        other => panic!("expected connection-refused, got {other:?}"),
    }
}

#[tokio::test]
async fn writes_are_never_retried_by_the_host() {
    // The control's push (PUT) meets a 503: the host sends it once per
    // push try of the component's own (3), never more.
    let gateway = FakeServer::answering(503, "text/plain", "down");
    let mut policy = OutboundPolicy::default();
    policy.allow(Authority::from_url(&gateway.url).unwrap());
    policy.retry = tries(5);
    let host = ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap();
    let settings = chaosprometheus_host::ControlSettings {
        pushgateway_url: Some(gateway.url.clone()),
        experiment_ref: Some("retries".into()),
        ..Default::default()
    };
    let mut run = host.start_run(&settings).await.unwrap();
    let _ = run.before_experiment().await;
    let puts = gateway.received();
    assert!(puts.iter().all(|r| r.method != "GET"), "{puts:?}");
    assert_eq!(puts.len(), 3, "the component's own 3 tries, each sent once");
}
