//! A wasmtime host for the chaosprometheus component: it loads the
//! component once, runs every probe in a fresh sandboxed instance, and lets
//! it reach only the authorities the [`OutboundPolicy`] allows.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use chaosprometheus_host::{Authority, Endpoint, HostConfig, InstantQuery, ProbeHost};
//!
//! let mut config = HostConfig::default();
//! config.policy.allow(Authority::from_url("http://127.0.0.1:9090")?);
//! let host = ProbeHost::new(config)?;
//! let endpoint = Endpoint { base_url: Some("http://127.0.0.1:9090".into()), ..Default::default() };
//! let request = InstantQuery { query: "up".into(), when: None, timeout: None };
//! println!("{}", host.query(&endpoint, &request).await?);
//! # Ok(()) }
//! ```

pub mod bindings;
pub mod cache;
mod error;
mod host;
mod limits;
mod policy;

pub use bindings::{
    BadResponse, BadResponseKind, Endpoint, HttpStatusError, InstantQuery, MeanKind, MeanWindow,
    ProbeError, PrometheusError, RangeQuery, TransportError, TransportFailure,
};
pub use error::CallError;
pub use host::{CallState, ComponentSource, HostConfig, ProbeHost, EMBEDDED_COMPONENT};
pub use limits::{CallLimits, DEFAULT_DEADLINE, DEFAULT_FUEL, DEFAULT_MEMORY_BYTES};
pub use policy::{Authority, OutboundPolicy, PolicyHooks, TimeoutCeilings};

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            base_url: None,
            headers: Vec::new(),
            connect_timeout_ms: None,
            first_byte_timeout_ms: None,
            between_bytes_timeout_ms: None,
            max_response_bytes: None,
        }
    }
}
