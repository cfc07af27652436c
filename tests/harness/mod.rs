//! The test harness: real servers started on 127.0.0.1 with ephemeral ports
//! and temp dirs, stopped on drop; a small in-test HTTP server for what a
//! real server cannot do on demand; and a host built for a test.

#![allow(dead_code)]

pub mod fake;
pub mod servers;

use std::path::PathBuf;

use chaosprometheus_host::{
    Authority, CallLimits, Endpoint, HostConfig, OutboundPolicy, ProbeHost,
};

/// A host whose policy allows exactly `urls`, with default limits.
pub fn host(urls: &[&str]) -> ProbeHost {
    host_with(urls, CallLimits::default())
}

/// A host whose policy allows exactly `urls`, with the given limits.
pub fn host_with(urls: &[&str], limits: CallLimits) -> ProbeHost {
    let mut policy = OutboundPolicy::default();
    for url in urls {
        policy.allow(Authority::from_url(url).expect("test URLs are valid"));
    }
    ProbeHost::new(HostConfig {
        cache_dir: Some(test_cache_dir()),
        policy,
        limits,
        ..HostConfig::default()
    })
    .expect("the component loads")
}

/// One compiled-component cache for the whole test run.
pub fn test_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

pub fn endpoint(base_url: &str) -> Endpoint {
    Endpoint {
        base_url: Some(base_url.to_string()),
        ..Endpoint::default()
    }
}

/// Seconds since the Unix epoch, as Prometheus counts them.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is past 1970")
        .as_secs_f64()
}
