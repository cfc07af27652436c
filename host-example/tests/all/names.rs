//! Host names: the host looks a name up itself, after the allow-list check
//! and before connecting, so a name that does not resolve is a DNS error
//! because of where it failed. Only `localhost` is resolved here (from the
//! hosts file; nothing leaves the machine); the CLI's test of a name that
//! does not resolve runs in a network namespace of its own.

use chaosprometheus_host::InstantQuery;
use harness::fake::FakeServer;

const ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

#[tokio::test]
async fn an_allowed_host_name_is_resolved_and_reached() {
    let server = FakeServer::answering(200, "application/json", ANSWER);
    let url = format!("http://localhost:{}", server.port);
    let host = harness::host(&[&url]);
    let request = InstantQuery {
        query: "1+1".into(),
        when: None,
        timeout: None,
    };
    assert_eq!(
        host.query(&harness::endpoint(&url), &request)
            .await
            .unwrap(),
        ANSWER
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    let host_header = format!("host: localhost:{}", server.port);
    assert!(
        received[0]
            .headers
            .to_ascii_lowercase()
            .contains(&host_header),
        "{}",
        received[0].headers
    );
}
