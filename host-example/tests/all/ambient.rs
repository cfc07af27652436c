//! The guest gets no ambient authority: a test component, run exactly as
//! the probes are, asks the host for its environment and finds nothing,
//! though this process has variables.

use harness::components::{component, ENVIRONMENT_COUNTER, PREOPEN_COUNTER, STDIN_READER};

#[tokio::test]
async fn the_guest_reads_nothing_from_stdin() {
    let host = harness::host(&[]);
    let component = component(&host, STDIN_READER);
    let read = host.call_sandboxed_u32(&component, "read").await.unwrap();
    assert!(
        read == 0 || read == 1001,
        "stdin gave {read} (bytes read, or 1000 + error case)"
    );
}

#[tokio::test]
async fn the_guest_has_no_directories() {
    let host = harness::host(&[]);
    let component = component(&host, PREOPEN_COUNTER);
    assert_eq!(
        host.call_sandboxed_u32(&component, "count").await.unwrap(),
        0
    );
}

#[tokio::test]
async fn the_guest_sees_no_environment_variables() {
    // cargo runs every test with its CARGO_* variables (and the shell's).
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    assert!(std::env::vars().count() > 1);
    let host = harness::host(&[]);
    let component = component(&host, ENVIRONMENT_COUNTER);
    assert_eq!(
        host.call_sandboxed_u32(&component, "count").await.unwrap(),
        0
    );
}
