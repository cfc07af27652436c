//! The options of the commands that query Prometheus: where it is, the
//! credentials the host adds for it, how reads are retried. Not offered
//! where nothing queries Prometheus (`push-run`, `validate`); `run` takes
//! only the retries, since the experiment names its Prometheus.

use std::path::PathBuf;
use std::time::Duration;

use chaosprometheus_host::settings::parse_attempts;
use chaosprometheus_host::{Endpoint, ProbeHost, RetryPolicy};
use clap::Args;

use crate::global::{credential, parse_duration, parse_header, GlobalOptions};
use crate::output::Failure;

#[derive(Args)]
#[command(next_help_heading = "Prometheus options")]
pub struct PrometheusOptions {
    /// Base URL of the Prometheus HTTP API (a path prefix such as
    /// http://host/prometheus is kept). Its authority is what the sandbox
    /// allows
    #[arg(
        long,
        env = "CHAOSPROM_PROMETHEUS_URL",
        default_value = chaosprometheus::request::DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub prometheus_url: String,

    /// A file holding a bearer token the host sends to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BEARER_TOKEN holds the token itself). The
    /// component never sees it
    #[arg(long, value_name = "FILE")]
    pub prometheus_bearer_token_file: Option<PathBuf>,

    /// A file holding user:password for basic auth to Prometheus
    /// ($CHAOSPROM_PROMETHEUS_BASIC_AUTH holds user:password itself)
    #[arg(long, value_name = "FILE")]
    pub prometheus_basic_auth_file: Option<PathBuf>,

    /// A header the host adds to every Prometheus request, e.g.
    /// "X-Scope-OrgID: tenant-1". Repeatable
    #[arg(long = "prometheus-header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub prometheus_headers: Vec<(String, String)>,

    #[command(flatten)]
    pub retries: QueryRetries,
}

impl PrometheusOptions {
    /// The host of a query command: the sandbox allows `--prometheus-url`
    /// (with its credentials) and each `--allow-host`, and reads are
    /// retried as `--retries` and `--retry-budget` say.
    pub fn host(&self, global: &GlobalOptions) -> Result<ProbeHost, Failure> {
        let credential = credential(
            self.prometheus_bearer_token_file.as_deref(),
            self.prometheus_basic_auth_file.as_deref(),
            "CHAOSPROM_PROMETHEUS",
        )?;
        let auth = (credential, self.prometheus_headers.clone());
        let mut policy = global.policy("--prometheus-url", &self.prometheus_url, auth)?;
        policy.retry = self.retries.policy();
        global.host(policy)
    }

    /// The Prometheus endpoint a query command calls, with the client
    /// timeouts of the global options.
    pub fn endpoint(&self, global: &GlobalOptions) -> Endpoint {
        Endpoint {
            base_url: Some(self.prometheus_url.clone()),
            connect_timeout_ms: global.connect_timeout_ms(),
            first_byte_timeout_ms: global.request_timeout_ms(),
            between_bytes_timeout_ms: global.request_timeout_ms(),
            ..Endpoint::default()
        }
    }
}

/// How the host retries a read from Prometheus (never a push).
#[derive(Args)]
#[command(next_help_heading = "Prometheus options")]
pub struct QueryRetries {
    /// Tries in all for a query that meets a refused or broken connection,
    /// a timeout, a 502/503/504 or a 429 (1: no retries) [default: 3]
    #[arg(long, value_name = "N", value_parser = parse_attempts)]
    pub retries: Option<u32>,

    /// No query retry starts later than this after the first try, e.g. 20s
    /// [default: 60s]
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub retry_budget: Option<Duration>,
}

impl QueryRetries {
    pub fn policy(&self) -> RetryPolicy {
        let default = RetryPolicy::default();
        RetryPolicy {
            attempts: self.retries.unwrap_or(default.attempts),
            budget: self.retry_budget.unwrap_or(default.budget),
            ..default
        }
    }
}
