//! The chaosprometheus component: Chaos Toolkit's Prometheus probes, run as
//! a sandboxed WebAssembly component.
//!
//! The modules below are plain Rust with native unit tests; only
//! `component` (the WIT bindings) and `http` (the one module that talks
//! `wasi:http`) exist solely in the wasm build.

pub mod alerts;
pub mod control;
pub mod duration;
pub mod error;
pub mod judge;
pub mod mean;
pub mod probes;
#[cfg(test)]
mod properties;
pub mod python;
pub mod request;
pub mod response;
pub mod time_expr;

#[cfg(target_arch = "wasm32")]
mod component;
#[cfg(target_arch = "wasm32")]
mod http;
