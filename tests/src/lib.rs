//! The test harness: real servers started on 127.0.0.1 with ephemeral ports
//! and temp dirs, stopped on drop; a small in-test HTTP server for what a
//! real server cannot do on demand; test components; the experiment files
//! and captures the tests compare against; a host built for a test; and the
//! queries and oracles the probe tests share.

pub mod answers;
pub mod components;
pub mod fake;
pub mod history;
pub mod means;
pub mod node_exporter;
pub mod oracle;
pub mod proxy;
pub mod pushgateway;
pub mod servers;
pub mod tls;
pub mod victoria;

use std::path::{Path, PathBuf};

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

/// One compiled-component cache for the whole test run, in the target dir
/// beside the test binaries (`target/<profile>/component-cache`).
pub fn test_cache_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    // target/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    profile_dir.join("component-cache")
}

/// The checkout this harness belongs to.
pub fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The experiment files shared by `chaosprom run` and `chaos run` tests.
pub fn experiments_dir() -> PathBuf {
    workspace_root().join("tests/experiments")
}

/// The virtualenv `scripts/setup.sh` installs the Python Chaos Toolkit into.
pub fn chaostoolkit_venv() -> PathBuf {
    workspace_root().join("target/chaostoolkit-venv")
}

/// Captures of the Python extension and the real Pushgateway, and the
/// servers' configuration.
pub mod fixtures {
    use std::path::PathBuf;

    /// The Prometheus configuration, with `@RULE_FILES@` and
    /// `@SCRAPE_CONFIGS@` to fill.
    pub const PROMETHEUS_CONFIG: &str = include_str!("../fixtures/prometheus.yml");

    /// `tests/fixtures/rules/NAME`, a Prometheus rule file.
    pub fn rules(name: &str) -> PathBuf {
        super::workspace_root()
            .join("tests/fixtures/rules")
            .join(name)
    }

    /// Chaos Toolkit's experiment hashes: `[{"experiment", "ref"}]`.
    pub const EXPERIMENT_REF: &str = include_str!("../fixtures/experiment_ref.json");
    /// The Pushgateway's `/metrics` after a completed run of upstream's control.
    pub const PUSHGATEWAY_AFTER_COMPLETED: &str =
        include_str!("../fixtures/pushgateway-after-completed-run.txt");
    /// The same after a deviated run.
    pub const PUSHGATEWAY_AFTER_DEVIATED: &str =
        include_str!("../fixtures/pushgateway-after-deviated-run.txt");
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
