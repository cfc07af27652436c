//! A trap ends one call with the component's own words (what it wrote to
//! stderr, where a Rust guest prints its panic) and leaves the next call on
//! the same host as if it had never happened.

use chaosprometheus_host::{CallError, InstantQuery};
use harness::components::{component, PANICKING, PANIC_LINE};
use harness::fake::FakeServer;

const ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

fn trap_text(result: Result<u32, CallError>) -> String {
    match result {
        Err(CallError::Trap(text)) => text,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[tokio::test]
async fn a_trap_shows_what_the_guest_wrote_to_stderr() {
    let host = harness::host(&[]);
    let panicking = component(&host, PANICKING);
    let error = host
        .call_sandboxed_u32(&panicking, "panic")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "trap");
    assert!(error.to_string().contains(PANIC_LINE), "{error}");
    assert_eq!(
        host.call_sandboxed_u32(&panicking, "answer").await.unwrap(),
        42
    );
}

#[tokio::test]
async fn a_trap_never_affects_the_next_call() {
    let server = FakeServer::answering(200, "application/json", ANSWER);
    let host = harness::host(&[&server.url]);
    let panicking = component(&host, PANICKING);
    let first = trap_text(host.call_sandboxed_u32(&panicking, "panic").await);
    assert!(first.contains(PANIC_LINE), "{first}");

    // The next call has a stderr of its own: its trap shows nothing of the
    // first call's.
    let second = trap_text(host.call_sandboxed_u32(&panicking, "trap").await);
    assert!(!second.contains(PANIC_LINE), "{second}");

    // And the probes on the same host answer as before.
    let request = InstantQuery {
        query: "1+1".into(),
        when: None,
        timeout: None,
    };
    assert_eq!(
        host.query(&harness::endpoint(&server.url), &request)
            .await
            .unwrap(),
        ANSWER
    );
    assert_eq!(
        host.call_sandboxed_u32(&panicking, "answer").await.unwrap(),
        42
    );
}
