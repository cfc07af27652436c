//! The host library's integration tests, one binary (as wasmtime's
//! `tests/all`): the component through the host, against real Prometheus
//! and Pushgateway processes and a fault server on 127.0.0.1.

mod alerts;
mod ambient;
mod capabilities;
mod control;
mod credentials;
mod events;
mod faults;
mod judgements;
mod load;
mod names;
mod node_cpu;
mod numbers;
mod oversize;
mod precompiled;
mod probes;
mod proxies;
mod recording;
mod redirects;
mod retries;
mod sandbox;
mod time_expressions;
mod tls;
mod traps;
mod victoria;
