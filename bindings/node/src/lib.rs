//! The native half of the `chaosprometheus` npm package: the host library
//! (`chaosprometheus-host`) behind JavaScript classes. The sandbox is the
//! Rust host's: the outbound policy is built here from the options, the
//! credentials stay in the host, every call gets a fresh instance under the
//! call limits. Nothing of it is re-implemented.
//!
//! Every method returns a Promise: the call runs on napi's tokio runtime,
//! never on the event loop's thread.
//!
//! A failed call rejects with an `Error` whose message is the component's
//! (or the host's) and whose `cause` is an `Error` holding the kind
//! (`transport/timeout`, `prometheus/bad_data`, `deadline`...): napi's
//! rejections carry no code of our own, so `index.js` turns the pair into
//! the `ProbeError` subclass of that kind.

// `cargo clippy --all-targets` checks the library in test mode too, where
// napi-derive registers nothing with Node: the exported items look unused
// there. (The crate has no Rust tests; its tests are JavaScript.)
#![cfg_attr(test, allow(dead_code))]

mod alerts;
mod control;
mod judgements;
mod options;
mod probes;

use napi::{Error, Status};

use chaosprometheus_host::{cache, CallError, Runtime};

/// The engine and compiled component, shared by every instance in the
/// process; compiled once, or loaded from the same on-disk cache as the CLI's.
fn component() -> napi::Result<Runtime> {
    Runtime::embedded(cache::default_dir().as_deref())
        .map_err(|e| failed("host", &format!("cannot load the component: {e:#}")))
}

/// The rejection of a failed call: `message`, with `kind` as its cause.
fn failed(kind: &str, message: &str) -> Error {
    let mut error = Error::new(Status::GenericFailure, message);
    error.set_cause(Error::new(Status::GenericFailure, kind));
    error
}

fn call_failed(error: CallError) -> Error {
    failed(&error.kind(), &error.to_string())
}

fn invalid(message: &str) -> Error {
    failed("invalid-argument", message)
}

/// Loads the component now rather than on the first call. Resolves to where
/// it came from: `precompiled` (the file shipped in the platform package),
/// `cache`, `compiled` or `uncached`.
#[napi_derive::napi(ts_return_type = "Promise<'precompiled' | 'cache' | 'compiled' | 'uncached'>")]
pub async fn load_component() -> napi::Result<String> {
    component().map(|runtime| runtime.origin().as_str().to_owned())
}
