//! The options every subcommand shares, and how they become the host's
//! configuration: which component, which cache, what the sandbox allows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chaosprometheus_host::{
    cache, Authority, ClientIdentity, ComponentSource, Credential, Endpoint, HostAuth, HostConfig,
    OutboundPolicy, RetryPolicy, TlsOptions,
};
use clap::Args;

use crate::output::Failure;

#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOptions {
    /// Base URL of the Prometheus HTTP API (a path prefix such as
    /// http://host/prometheus is kept). Its authority is what the sandbox
    /// allows.
    #[arg(
        long,
        global = true,
        env = "CHAOSPROM_PROMETHEUS_URL",
        default_value = chaosprometheus::request::DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub prometheus_url: String,

    /// Time allowed to connect, e.g. 5s or 500ms [default: 5s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// Time allowed for the first byte of the answer and between its bytes,
    /// e.g. 30s [default: 30s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,

    /// Run this component file instead of the one built into chaosprom
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,

    /// Also let the component reach HOST[:PORT] (both http and https; the
    /// default ports without :PORT). Repeatable.
    #[arg(long = "allow-host", global = true, value_name = "HOST[:PORT]")]
    pub allow_hosts: Vec<String>,

    /// Compile the component every time instead of using the compiled copy
    /// kept in the user cache directory ($CHAOSPROM_CACHE_DIR overrides it)
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Log what is sent and how long it took, to stderr (never secrets)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// A file holding a bearer token the host sends to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BEARER_TOKEN holds the token itself). The
    /// component never sees it
    #[arg(long, global = true, value_name = "FILE")]
    pub prometheus_bearer_token_file: Option<PathBuf>,

    /// A file holding user:password for basic auth to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BASIC_AUTH holds user:password itself)
    #[arg(long, global = true, value_name = "FILE")]
    pub prometheus_basic_auth_file: Option<PathBuf>,

    /// A header the host adds to every Prometheus request, e.g.
    /// "X-Scope-OrgID: tenant-1". Repeatable
    #[arg(long = "prometheus-header", global = true, value_name = "NAME: VALUE", value_parser = parse_header)]
    pub prometheus_headers: Vec<(String, String)>,

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

    /// Tries in all for a query that meets a refused or broken connection,
    /// a timeout, a 502/503/504 or a 429 (1: no retries). Pushes are never
    /// retried by the host [default: 3]
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: Option<u32>,

    /// No query retry starts later than this after the first try, e.g. 20s
    /// [default: 60s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub retry_budget: Option<Duration>,
}

impl GlobalOptions {
    /// The component and its cache as the options say, with an empty
    /// outbound policy (each command says what it may reach).
    pub fn host_config(&self) -> HostConfig {
        HostConfig {
            component: self
                .component
                .clone()
                .map_or(ComponentSource::Embedded, ComponentSource::File),
            cache_dir: if self.no_cache {
                None
            } else {
                cache::default_dir()
            },
            ..HostConfig::default()
        }
    }

    /// The host configuration of the query commands: the sandbox allows
    /// `--prometheus-url` (with its credentials) and each `--allow-host`.
    pub fn prometheus_host_config(&self) -> Result<HostConfig, Failure> {
        let credential = credential(
            self.prometheus_bearer_token_file.as_deref(),
            self.prometheus_basic_auth_file.as_deref(),
            "CHAOSPROM_PROMETHEUS",
        )?;
        let auth = (credential, self.prometheus_headers.clone());
        let policy = self.policy("--prometheus-url", &self.prometheus_url, auth)?;
        Ok(HostConfig {
            policy,
            ..self.host_config()
        })
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
    /// `--cert`/`--key`, `--insecure`) and retries (`--retries`,
    /// `--retry-budget`) of every authority it will allow.
    pub fn transport_policy(&self) -> Result<OutboundPolicy, Failure> {
        let mut policy = OutboundPolicy::default();
        let default = RetryPolicy::default();
        policy.retry = RetryPolicy {
            attempts: self.retries.unwrap_or(default.attempts),
            budget: self.retry_budget.unwrap_or(default.budget),
            ..default
        };
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

    /// The Prometheus endpoint the query commands call.
    pub fn endpoint(&self) -> Endpoint {
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1);
        Endpoint {
            base_url: Some(self.prometheus_url.clone()),
            connect_timeout_ms: self.connect_timeout.map(millis),
            first_byte_timeout_ms: self.request_timeout.map(millis),
            between_bytes_timeout_ms: self.request_timeout.map(millis),
            ..Endpoint::default()
        }
    }
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

pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("'{text}' is not NAME: VALUE"))?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds > 0.0 && seconds.is_finite() {
            return Ok(Duration::from_secs_f64(seconds));
        }
    }
    humantime::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a positive duration such as 5s, 500ms or 1m"))
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
