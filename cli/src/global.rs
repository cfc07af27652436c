//! The options every subcommand takes, and how they become the host: which
//! component, which cache, what TLS and client timeouts, what else the
//! sandbox allows. The Prometheus options of the commands that query it
//! are in `prometheus.rs`.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chaosprometheus_host::{
    cache, Authority, CallLimits, ClientIdentity, ComponentSource, Credential, HostAuth,
    OutboundPolicy, ProbeHost, ProxyUrl, Runtime, TlsOptions,
};
use clap::Args;

use crate::bad_value::BadValue;
use crate::output::Failure;

#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOptions {
    /// Time allowed to connect, e.g. 5s or 500ms [default: 5s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// Time allowed for the first byte of the answer and between its bytes,
    /// e.g. 30s [default: 30s; push-run: 10s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,

    /// Run this component file instead of the one built into chaosprom
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,

    /// Also let the component reach HOST[:PORT] (both http and https; the
    /// default ports without :PORT). Repeatable. Not for `run`, which
    /// allows only what the experiment names
    #[arg(long = "allow-host", global = true, value_name = "HOST[:PORT]")]
    pub allow_hosts: Vec<String>,

    /// Compile the component every time instead of using the compiled copy
    /// kept in the user cache directory ($CHAOSPROM_CACHE_DIR overrides it)
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Log what is sent and how long it took, to stderr (never secrets)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Trust the CA certificates in this PEM file for https, besides the
    /// system's trust store (a private CA). For every authority the
    /// command reaches; in `run`, the experiment's prometheus_ca_bundle
    /// wins for Prometheus
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Present this client certificate (PEM) to https servers that ask for
    /// one (mTLS); needs --key
    #[arg(long, global = true, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// The private key (PEM) of --cert; a secret the host keeps (never
    /// logged, never shown to the component)
    #[arg(long, global = true, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Do not verify https certificates (upstream's verify_tls=false): the
    /// connection is encrypted but the server is not authenticated. -v
    /// says so for each authority
    #[arg(long, global = true)]
    pub insecure: bool,

    /// Send every request through this HTTP proxy
    /// (http://[user:password@]host:port; https goes through it with
    /// CONNECT). Without it, HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY
    /// are honoured as Python's requests honours them. The allow-list
    /// applies to the target, not to the proxy
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,

    /// The runtime, once loaded: every host of the process runs on it.
    #[arg(skip)]
    runtime: OnceCell<Runtime>,
}

impl GlobalOptions {
    /// The engine and compiled component every host of this process runs
    /// on, loaded on first use: the embedded component's runtime, shared by
    /// the whole process ([`Runtime::embedded`]), or `--component`'s.
    pub fn runtime(&self) -> Result<Runtime, Failure> {
        if let Some(runtime) = self.runtime.get() {
            return Ok(runtime.clone());
        }
        let started = std::time::Instant::now();
        let cache_dir = if self.no_cache {
            None
        } else {
            cache::default_dir()
        };
        let runtime = match &self.component {
            None => Runtime::embedded(cache_dir.as_deref()),
            Some(path) => Runtime::new(&ComponentSource::File(path.clone()), cache_dir.as_deref()),
        }
        .map_err(|e| Failure::Host(format!("cannot load the component: {e:#}")))?;
        tracing::debug!(elapsed = ?started.elapsed(), "component ready");
        Ok(self.runtime.get_or_init(|| runtime).clone())
    }

    /// A host on this process's runtime, under `policy` and the default
    /// call limits.
    pub fn host(&self, policy: OutboundPolicy) -> Result<ProbeHost, Failure> {
        Ok(self.runtime()?.host(policy, CallLimits::default()))
    }

    /// A policy that allows `url` (named by `flag` in errors), with `auth`
    /// injected for it, and each `--allow-host`.
    pub fn policy(&self, flag: &str, url: &str, auth: HostAuth) -> Result<OutboundPolicy, Failure> {
        let mut policy = self.transport_policy()?;
        policy
            .allow_endpoint(url, auth)
            .map_err(|e| Failure::Usage(format!("invalid {flag}: {e}")))?;
        for extra in &self.allow_hosts {
            let authorities = Authority::from_allow_host(extra)
                .map_err(|e| Failure::Usage(format!("invalid --allow-host: {e}")))?;
            for authority in authorities {
                policy.allow(authority);
            }
        }
        Ok(policy)
    }

    /// A policy that allows nothing yet, with the TLS (`--cacert`,
    /// `--cert`/`--key`, `--insecure`) of every authority it will allow.
    pub fn transport_policy(&self) -> Result<OutboundPolicy, Failure> {
        let mut policy = OutboundPolicy::from_environment();
        if let Some(proxy) = &self.proxy {
            let proxy =
                ProxyUrl::parse(proxy).map_err(|e| Failure::Usage(format!("--proxy: {e}")))?;
            policy.proxies.every = Some(proxy);
        }
        if let Some(tls) = self.tls_options()? {
            tracing::debug!(tls = %tls.describe(), "TLS for every authority");
            policy
                .set_default_tls(tls)
                .map_err(|e| Failure::Usage(format!("TLS options: {e}")))?;
        }
        Ok(policy)
    }

    /// The TLS options the flags set, or `None` when none is given.
    pub fn tls_options(&self) -> Result<Option<TlsOptions>, Failure> {
        if self.cacert.is_none() && self.cert.is_none() && !self.insecure {
            return Ok(None);
        }
        // Contents are never quoted in errors: a key is a secret.
        let read = |flag: &str, path: &Path| {
            std::fs::read(path).map_err(|e| {
                Failure::Usage(format!(
                    "{flag}: cannot read {}: {}",
                    path.display(),
                    e.kind()
                ))
            })
        };
        let client_identity = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(ClientIdentity {
                cert_chain: read("--cert", cert)?,
                private_key: read("--key", key)?,
            }),
            _ => None,
        };
        Ok(Some(TlsOptions {
            ca_bundle: self
                .cacert
                .as_deref()
                .map(|path| read("--cacert", path))
                .transpose()?,
            client_identity,
            verify: !self.insecure,
        }))
    }

    /// `--connect-timeout` in milliseconds, as the component takes it.
    pub fn connect_timeout_ms(&self) -> Option<u32> {
        self.connect_timeout.map(millis)
    }

    /// `--request-timeout` in milliseconds, as the component takes it.
    pub fn request_timeout_ms(&self) -> Option<u32> {
        self.request_timeout.map(millis)
    }
}

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis())
        .unwrap_or(u32::MAX)
        .max(1)
}

/// The credential for one endpoint from a file flag or, failing that, the
/// environment (`<PREFIX>_BEARER_TOKEN`, `<PREFIX>_BASIC_AUTH`).
pub fn credential(
    bearer_file: Option<&Path>,
    basic_file: Option<&Path>,
    prefix: &str,
) -> Result<Option<Credential>, Failure> {
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
    };
    if let Some(path) = bearer_file {
        return Ok(Some(Credential::Bearer(read(path)?)));
    }
    if let Some(path) = basic_file {
        return Credential::basic_from(&read(path)?)
            .map(Some)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())));
    }
    let env = |name: &str| std::env::var(format!("{prefix}_{name}")).ok();
    Credential::from_token_or_basic(env("BEARER_TOKEN"), env("BASIC_AUTH").as_deref())
        .map_err(|e| Failure::Usage(format!("{prefix}_BASIC_AUTH: {e}")))
}

pub fn parse_header(text: &str) -> Result<(String, String), BadValue> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| BadValue::MissingColon(text.to_string()))?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

pub fn parse_duration(text: &str) -> Result<Duration, BadValue> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds > 0.0 && seconds.is_finite() {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| BadValue::Duration(text.to_string()))
}

/// Logs at debug level with `-v`, warnings otherwise, to stderr.
pub fn init_logging(verbose: bool) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let ours = if verbose {
        LevelFilter::DEBUG
    } else {
        LevelFilter::WARN
    };
    let filter = Targets::new()
        .with_target("chaosprometheus_host", ours)
        .with_target("chaosprometheus_runner", ours)
        .with_target("chaosprom", ours)
        .with_default(LevelFilter::ERROR);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .with(filter)
        .init();
}

#[cfg(test)]
mod tests {
    use chaosprometheus_host::{Authority, OutboundPolicy, ProbeHost, EMBEDDED_COMPONENT};
    use clap::Parser;

    use super::GlobalOptions;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        global: GlobalOptions,
    }

    fn host(global: &GlobalOptions, url: &str) -> ProbeHost {
        let mut policy = OutboundPolicy::default();
        policy.allow(Authority::from_url(url).unwrap());
        global.host(policy).expect("the component loads")
    }

    /// A host lends out the engine its runtime holds, so the hosts of one
    /// runtime give the very same one; a runtime compiled again has its own.
    fn same_engine(a: &ProbeHost, b: &ProbeHost) -> bool {
        std::ptr::eq(a.engine(), b.engine())
    }

    #[test]
    fn every_host_of_the_process_runs_on_one_engine() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.wasm");
        std::fs::write(&copy, EMBEDDED_COMPONENT).unwrap();
        let copy = copy.to_str().unwrap();
        let mut hosts = Vec::new();
        for args in [vec!["--no-cache"], vec!["--no-cache", "--component", copy]] {
            let argv = std::iter::once("chaosprom").chain(args.iter().copied());
            let global = Cli::parse_from(argv).global;
            let prometheus = host(&global, "http://127.0.0.1:9090");
            let gateway = host(&global, "http://127.0.0.1:9091");
            assert!(
                same_engine(&prometheus, &gateway),
                "{args:?}: a second host compiled the component again"
            );
            hosts.push(prometheus);
        }
        // --component's runtime is another: the check tells them apart.
        assert!(!same_engine(&hosts[0], &hosts[1]));
    }
}
