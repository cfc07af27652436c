//! Small components written in the WebAssembly text format, run through the
//! host's own linker to prove what the sandbox gives a guest.

use chaosprometheus_host::ProbeHost;
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

/// Imports `wasi:io/error` and names its resource `$error`; stands for the
/// `;; wasi:io/error as $error` line.
const IO_ERROR: &str = r#"
  (import "wasi:io/error@0.2.12" (instance $error-instance
    (export "error" (type (sub resource)))
  ))
  (alias export $error-instance "error" (type $error))
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

/// Calls `wasi:cli/environment.get-environment` and returns how many
/// variables came back.
pub const ENVIRONMENT_COUNTER: &str = r#"
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
pub const PREOPEN_COUNTER: &str = r#"
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
pub const STDIN_READER: &str = r#"
(component
  ;; wasi:io/error as $error
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

/// What [`PANICKING`] writes to stderr before it traps, as a Rust guest
/// prints its panic message before it aborts.
pub const PANIC_LINE: &str = "panicked at 'boom'";

/// Exports `panic`, which writes [`PANIC_LINE`] and a line break to stderr
/// (`wasi:cli/stderr.get-stderr`, then
/// `output-stream.blocking-write-and-flush`) and executes `unreachable`;
/// `trap`, which executes `unreachable` having written nothing; and
/// `answer`, which returns 42.
pub const PANICKING: &str = r#"
(component
  ;; wasi:io/error as $error
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer 1 $error (type $e))
    (export "error" (type $error-export (eq $e)))
    (export "output-stream" (type $output (sub resource)))
    (type $stream-error (variant (case "last-operation-failed" (own $error-export)) (case "closed")))
    (export "stream-error" (type $stream-error-export (eq $stream-error)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $output)) (param "contents" (list u8)) (result (result (error $stream-error-export)))))
  ))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stderr@0.2.12" (instance $stderr
    (alias outer 1 $output-stream (type $os))
    (export "output-stream" (type $os-export (eq $os)))
    (export "get-stderr" (func (result (own $os-export))))
  ))
  ;; allocator
  (alias export $stderr "get-stderr" (func $get-stderr))
  (alias export $streams "[method]output-stream.blocking-write-and-flush" (func $write))
  (core func $get-stderr-lowered (canon lower (func $get-stderr)))
  (core func $write-lowered (canon lower (func $write) (memory $mem)))
  (core module $main
    (import "host" "get-stderr" (func $get-stderr (result i32)))
    ;; stream, bytes, length, where the result goes
    (import "host" "write" (func $write (param i32 i32 i32 i32)))
    (import "host" "memory" (memory 1))
    (data (i32.const 256) "panicked at 'boom'\n")
    (func (export "panic") (result i32)
      (call $write (call $get-stderr) (i32.const 256) (i32.const 19) (i32.const 16))
      unreachable)
    (func (export "trap") (result i32)
      unreachable)
    (func (export "answer") (result i32)
      (i32.const 42))
  )
  (core instance $i (instantiate $main
    (with "host" (instance
      (export "get-stderr" (func $get-stderr-lowered))
      (export "write" (func $write-lowered))
      (export "memory" (memory $mem))
    ))
  ))
  (func (export "panic") (result u32) (canon lift (core func $i "panic")))
  (func (export "trap") (result u32) (canon lift (core func $i "trap")))
  (func (export "answer") (result u32) (canon lift (core func $i "answer")))
)
"#;

/// Compiles a test component written in the text format for `host`; the
/// lines `;; allocator`, `;; count the list $get returns` and
/// `;; wasi:io/error as $error` stand for the pieces above.
pub fn component(host: &ProbeHost, text: &str) -> Component {
    let text = text
        .replace(";; allocator", ALLOCATOR)
        .replace(";; count the list $get returns", LIST_COUNTER)
        .replace("  ;; wasi:io/error as $error\n", IO_ERROR);
    let binary = wat::parse_str(text).expect("the test component is valid text");
    Component::new(host.engine(), binary).expect("the test component compiles")
}
