//! The component a package ships compiled ahead of time: it loads without
//! compiling and answers a real Prometheus; a file wasmtime refuses, or one
//! that others may write, is compiled instead, never loaded.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use chaosprometheus_host::cache::Origin;
use chaosprometheus_host::{precompiled, CallLimits, OutboundPolicy, Runtime};
use harness::answers::instant;
use harness::endpoint;
use harness::servers::Prometheus;

#[tokio::test(flavor = "multi_thread")]
async fn the_precompiled_component_loads_without_compiling_and_answers_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let path = precompiled::write(dir.path()).unwrap();
    assert_eq!(path, dir.path().join(precompiled::file_name()));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );

    let runtime = Runtime::precompiled(dir.path(), None).unwrap();
    assert_eq!(runtime.origin(), Origin::Precompiled);
    let prometheus = Prometheus::start();
    let mut policy = OutboundPolicy::default();
    policy
        .allow_endpoint(&prometheus.url, (None, Vec::new()))
        .unwrap();
    let host = runtime.host(policy, CallLimits::default());
    let text = host
        .query(&endpoint(&prometheus.url), &instant("vector(42)"))
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["status"], "success", "{answer}");
    assert_eq!(answer["data"]["result"][0]["value"][1], "42", "{answer}");
}

#[test]
fn a_file_wasmtime_refuses_is_compiled_instead() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(precompiled::file_name());
    fs::write(&path, b"\x7fELF not what wasmtime wrote").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let runtime = Runtime::precompiled(dir.path(), None).unwrap();
    assert_eq!(runtime.origin(), Origin::Uncached);
}

#[test]
fn a_file_others_may_write_is_never_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = precompiled::write(dir.path()).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    let runtime = Runtime::precompiled(dir.path(), None).unwrap();
    assert_eq!(runtime.origin(), Origin::Uncached);
    // The same bytes, once only their owner may write them, are loaded.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let runtime = Runtime::precompiled(dir.path(), None).unwrap();
    assert_eq!(runtime.origin(), Origin::Precompiled);
}

#[test]
fn a_directory_without_the_file_compiles_as_before() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("chaosprometheus-0123.cwasm"),
        b"another build's",
    )
    .unwrap();
    let runtime = Runtime::precompiled(dir.path(), None).unwrap();
    assert_eq!(runtime.origin(), Origin::Uncached);
}
