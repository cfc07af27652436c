//! Load and soak against a real Prometheus through the host library:
//! 10,000 sequential calls and 256 concurrent ones, no errors, and open
//! file descriptors and resident memory flat from the first thousand calls
//! to the last. The figures are printed (`cargo test --release -p
//! chaosprometheus-host --test all -- load --nocapture`) for the README's
//! reliability section. The test runs in a process of its own
//! ([`alone`]), so the figures are its own and not those of the tests
//! running beside it in this binary.

use std::process::Command;
use std::time::Instant;

use chaosprometheus_host::InstantQuery;
use harness::servers::Prometheus;

/// Set, in the child process [`alone`] starts, to the test it is for.
const ALONE: &str = "CHAOSPROM_TEST_ALONE";

/// Whether this process is the one the test `name` (its path in this
/// binary) runs alone in. If not, runs the test again in a child process
/// of its own, where process-wide figures (open file descriptors, resident
/// memory) are that test's alone; passes on its output and fails if it
/// fails or did not run.
pub(super) fn alone(name: &str) -> bool {
    if std::env::var(ALONE).as_deref() == Ok(name) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary has a path");
    let child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, name)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&child.stderr));
    assert!(
        child.status.success(),
        "{name}, alone in a process: {}",
        child.status
    );
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name} did not run in the child process"
    );
    false
}

/// A `kB` figure (`VmRSS`, `VmHWM`, ...) of /proc/self/status, in KiB.
pub(super) fn proc_status_kib(field: &str) -> Result<u64, String> {
    let path = "/proc/self/status";
    let status = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .ok_or_else(|| format!("{path} has no {field} line"))?;
    let kib = line.trim().strip_suffix("kB").unwrap_or(line).trim();
    kib.parse()
        .map_err(|e| format!("{path}: {field} is not a number of kB ({line:?}): {e}"))
}

/// Open file descriptors of this process.
fn open_fds() -> std::io::Result<usize> {
    std::fs::read_dir("/proc/self/fd")?.try_fold(0, |count, entry| entry.map(|_| count + 1))
}

/// (open file descriptors, resident memory in KiB) of this process.
fn usage() -> (usize, u64) {
    let fds = open_fds().expect("the file descriptor check reads /proc/self/fd");
    let rss = proc_status_kib("VmRSS")
        .unwrap_or_else(|e| panic!("the memory check reads VmRSS from /proc/self/status: {e}"));
    (fds, rss)
}

#[tokio::test(flavor = "current_thread")]
async fn ten_thousand_sequential_and_256_concurrent_calls_hold_steady() {
    if !alone("load::ten_thousand_sequential_and_256_concurrent_calls_hold_steady") {
        return;
    }
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
            after_first_thousand = usage();
        }
    }
    let sequential = started.elapsed();
    let after_all = usage();

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
