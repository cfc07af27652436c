//! An answer far over the size cap, with the defaults (64 MiB cap, 256 MiB
//! memory per call): refused, and the host's peak memory measured while it
//! is read (`cargo test --release -p chaosprometheus-host --test all --
//! oversize --nocapture`). Run in a process of its own (`load::alone`) so
//! the peak is this test's, not that of the tests beside it in this binary.

use chaosprometheus_host::{BadResponseKind, CallError, InstantQuery, ProbeError};
use harness::fake::{FakeServer, Reply};

use super::load::{alone, proc_status_kib};

/// This process's peak resident memory so far, in MiB.
fn peak_rss_mib() -> f64 {
    let kib = proc_status_kib("VmHWM")
        .unwrap_or_else(|e| panic!("the memory check reads VmHWM from /proc/self/status: {e}"));
    kib as f64 / 1024.0
}

#[tokio::test]
async fn a_300_mib_answer_is_refused_with_the_hosts_memory_bounded() {
    if !alone("oversize::a_300_mib_answer_is_refused_with_the_hosts_memory_bounded") {
        return;
    }
    // 300 MiB of JSON whitespace, chunked so nothing can refuse it up front,
    // streamed so the server holds 1 MiB at a time.
    let server = FakeServer::start(|_| Reply::Chunked {
        chunk: vec![b' '; 1 << 20],
        count: 300,
    });
    let host = harness::host(&[&server.url]);
    let request = InstantQuery {
        query: "up".into(),
        when: None,
        timeout: None,
    };
    let before = peak_rss_mib();
    let error = host.query(&harness::endpoint(&server.url), &request).await;
    let after = peak_rss_mib();
    assert!(
        matches!(&error, Err(CallError::Probe(ProbeError::BadResponse(b))) if b.kind == BadResponseKind::TooLarge),
        "{error:?}"
    );
    println!("oversize: peak resident memory {before:.0} MiB before, {after:.0} MiB after reading past the 64 MiB cap");
    // The component's memory is capped at 256 MiB per call (the default);
    // the host's own buffers add little on top.
    assert!(
        after - before < 256.0 + 32.0,
        "the peak grew by {:.0} MiB",
        after - before
    );
}
