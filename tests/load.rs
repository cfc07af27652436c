//! Load and soak against a real Prometheus through the host library:
//! 10,000 sequential calls and 256 concurrent ones, no errors, and open
//! file descriptors and resident memory flat from the first thousand calls
//! to the last. The figures are printed (`cargo test --release --test load
//! -- --nocapture`) for the README's reliability section.

mod harness;

use std::time::Instant;

use chaosprometheus_host::InstantQuery;
use harness::servers::Prometheus;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "current_thread")]
async fn ten_thousand_sequential_and_256_concurrent_calls_hold_steady() {
    let prometheus = Prometheus::start();
    let host = harness::host(&[&prometheus.url]);
    let endpoint = harness::endpoint(&prometheus.url);
    let request = InstantQuery {
        query: "vector(1)".into(),
        when: None,
        timeout: None,
    };

    let started = Instant::now();
    let mut after_first_thousand = (0, 0);
    for call in 1..=10_000 {
        host.query(&endpoint, &request)
            .await
            .unwrap_or_else(|e| panic!("call {call}: {e}"));
        if call == 1_000 {
            after_first_thousand = (open_fds(), rss_kib());
        }
    }
    let sequential = started.elapsed();
    let after_all = (open_fds(), rss_kib());

    let started = Instant::now();
    let calls = (0..256).map(|_| host.query(&endpoint, &request));
    let results = futures::future::join_all(calls).await;
    let concurrent = started.elapsed();
    let errors = results.iter().filter(|r| r.is_err()).count();

    println!(
        "load: 10,000 sequential calls in {:.2} s ({:.3} ms each); 256 concurrent in {:.0} ms; \
         fds {} -> {}; RSS {} MiB -> {} MiB (after 1,000 -> after 10,000 calls)",
        sequential.as_secs_f64(),
        sequential.as_secs_f64() * 1000.0 / 10_000.0,
        concurrent.as_secs_f64() * 1000.0,
        after_first_thousand.0,
        after_all.0,
        after_first_thousand.1 / 1024,
        after_all.1 / 1024
    );
    assert_eq!(errors, 0, "{:?}", results.iter().find(|r| r.is_err()));
    assert!(
        after_all.0 <= after_first_thousand.0 + 4,
        "file descriptors grew: {after_first_thousand:?} -> {after_all:?}"
    );
    assert!(
        after_all.1 <= after_first_thousand.1 + 16 * 1024,
        "resident memory grew by more than 16 MiB: {after_first_thousand:?} -> {after_all:?}"
    );
}
