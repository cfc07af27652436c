//! The guest gets no ambient authority: a test component, run exactly as
//! the probes are, asks the host for its environment and finds nothing,
//! though this process has variables (a secret among them).

mod harness;

use wasmtime::component::Component;

/// Calls `wasi:cli/environment.get-environment` and returns how many
/// variables came back.
const ENVIRONMENT_COUNTER: &str = r#"
(component
  (import "wasi:cli/environment@0.2.12" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
  ))
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
  (alias export $env "get-environment" (func $get))
  (alias core export $m "memory" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))
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
  (alias export $preopens "get-directories" (func $get))
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
)
"#;

#[tokio::test]
async fn the_guest_has_no_directories() {
    let host = harness::host(&[]);
    let component = Component::new(host.engine(), PREOPEN_COUNTER).unwrap();
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
    let component = Component::new(host.engine(), ENVIRONMENT_COUNTER).unwrap();
    assert_eq!(
        host.call_sandboxed_u32(&component, "count").await.unwrap(),
        0
    );
}
