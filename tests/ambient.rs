//! The guest gets no ambient authority: a test component, run exactly as
//! the probes are, asks the host for its environment and finds nothing,
//! though this process has variables (a secret among them).

mod harness;

use wasmtime::component::Component;

/// A bump allocator and its memory, for the lowered imports to write into;
/// stands for the `;; allocator` line of each component below.
const ALLOCATOR: &str = r#"
  (core module $memory
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (local.get $at))
  )
  (core instance $m (instantiate $memory))
  (alias core export $m "memory" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))
"#;

/// Exports `count`: the length of the list that the imported function
/// `$get` returns; stands for the `;; count the list $get returns` line.
const LIST_COUNTER: &str = r#"
  (core func $get-lowered (canon lower (func $get) (memory $mem) (realloc $realloc)))
  (core module $main
    (import "host" "get" (func $get (param i32)))
    (import "host" "memory" (memory 1))
    (func (export "count") (result i32)
      (call $get (i32.const 16))
      (i32.load (i32.const 20)))
  )
  (core instance $i (instantiate $main
    (with "host" (instance
      (export "get" (func $get-lowered))
      (export "memory" (memory $mem))
    ))
  ))
  (func (export "count") (result u32) (canon lift (core func $i "count")))
"#;

/// Compiles one of the test components below for `host`.
fn component(host: &chaosprometheus_host::ProbeHost, text: &str) -> Component {
    let text = text
        .replace(";; allocator", ALLOCATOR)
        .replace(";; count the list $get returns", LIST_COUNTER);
    Component::new(host.engine(), text).expect("the test component compiles")
}

/// Calls `wasi:cli/environment.get-environment` and returns how many
/// variables came back.
const ENVIRONMENT_COUNTER: &str = r#"
(component
  (import "wasi:cli/environment@0.2.12" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
  ))
  ;; allocator
  (alias export $env "get-environment" (func $get))
  ;; count the list $get returns
)
"#;

/// Calls `wasi:filesystem/preopens.get-directories` and returns how many
/// directories came back.
const PREOPEN_COUNTER: &str = r#"
(component
  (import "wasi:filesystem/types@0.2.12" (instance $types
    (export "descriptor" (type (sub resource)))
  ))
  (alias export $types "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.2.12" (instance $preopens
    (alias outer 1 $descriptor (type $d))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))
  ))
  ;; allocator
  (alias export $preopens "get-directories" (func $get))
  ;; count the list $get returns
)
"#;

/// Reads up to 1024 bytes of stdin: returns the number of bytes read, or
/// 1000 + the error case (1000 = last-operation-failed, 1001 = closed).
const STDIN_READER: &str = r#"
(component
  (import "wasi:io/error@0.2.12" (instance $error-instance
    (export "error" (type (sub resource)))
  ))
  (alias export $error-instance "error" (type $error))
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer 1 $error (type $e))
    (export "error" (type $error-export (eq $e)))
    (export "input-stream" (type $input (sub resource)))
    (type $stream-error (variant (case "last-operation-failed" (own $error-export)) (case "closed")))
    (export "stream-error" (type $stream-error-export (eq $stream-error)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" (borrow $input)) (param "len" u64) (result (result (list u8) (error $stream-error-export)))))
  ))
  (alias export $streams "input-stream" (type $input-stream))
  (import "wasi:cli/stdin@0.2.12" (instance $stdin
    (alias outer 1 $input-stream (type $is))
    (export "input-stream" (type $is-export (eq $is)))
    (export "get-stdin" (func (result (own $is-export))))
  ))
  ;; allocator
  (alias export $stdin "get-stdin" (func $get-stdin))
  (alias export $streams "[method]input-stream.blocking-read" (func $read))
  (core func $get-stdin-lowered (canon lower (func $get-stdin)))
  (core func $read-lowered (canon lower (func $read) (memory $mem) (realloc $realloc)))
  (core module $main
    (import "host" "get-stdin" (func $get-stdin (result i32)))
    (import "host" "read" (func $read (param i32 i64 i32)))
    (import "host" "memory" (memory 1))
    (func (export "read") (result i32)
      (call $read (call $get-stdin) (i64.const 1024) (i32.const 16))
      (if (result i32) (i32.load8_u (i32.const 16))
        (then (i32.add (i32.const 1000) (i32.load8_u (i32.const 20))))
        (else (i32.load (i32.const 24)))))
  )
  (core instance $i (instantiate $main
    (with "host" (instance
      (export "get-stdin" (func $get-stdin-lowered))
      (export "read" (func $read-lowered))
      (export "memory" (memory $mem))
    ))
  ))
  (func (export "read") (result u32) (canon lift (core func $i "read")))
)
"#;

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
    // SAFETY (of the test): set before any thread reads the environment.
    unsafe { std::env::set_var("CHAOSPROM_TEST_SECRET", "sentinel-7f3a9c2e-do-not-print") };
    assert!(std::env::vars().count() > 1);
    let host = harness::host(&[]);
    let component = component(&host, ENVIRONMENT_COUNTER);
    assert_eq!(
        host.call_sandboxed_u32(&component, "count").await.unwrap(),
        0
    );
}
