//! One module per subcommand: its arguments and its handler.

pub mod alerts;
pub mod push_run;
pub mod query;
pub mod query_range;
pub mod query_value;
pub mod run;
pub mod validate;

use chaosprometheus_host::{HostConfig, ProbeHost};

use crate::global::GlobalOptions;
use crate::output::Failure;

/// The host of the query commands: it may reach `--prometheus-url`.
pub fn prometheus_host(global: &GlobalOptions) -> Result<ProbeHost, Failure> {
    load_host(global.prometheus_host_config()?)
}

/// Loads the component under `config`'s policy.
pub fn load_host(config: HostConfig) -> Result<ProbeHost, Failure> {
    let started = std::time::Instant::now();
    let host = ProbeHost::new(config)
        .map_err(|e| Failure::Host(format!("cannot load the component: {e:#}")))?;
    tracing::debug!(elapsed = ?started.elapsed(), "component ready");
    Ok(host)
}

/// Options of an instant query, shared by `query` and `query-value`.
#[derive(clap::Args)]
pub struct InstantArgs {
    /// The PromQL expression (it may start with '-')
    #[arg(allow_hyphen_values = true)]
    pub promql: String,
    /// Evaluation time, a time expression [default: the server's now]
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub when: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    /// (5, 5s, 1m)
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
}

impl InstantArgs {
    pub fn request(self) -> chaosprometheus_host::InstantQuery {
        chaosprometheus_host::InstantQuery {
            query: self.promql,
            when: self.when,
            timeout: self.timeout,
        }
    }
}

/// `--var` and `--var-file`, shared by `run` and `validate`.
#[derive(clap::Args)]
pub struct VarArgs {
    /// KEY=VALUE or KEY:TYPE=VALUE (TYPE: str, int, float, bool, json),
    /// replacing a configuration value the experiment declares. Repeatable
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, serde_json::Value)>,
    /// A JSON or YAML file whose `configuration` values replace those the
    /// experiment declares (a --var wins over it)
    #[arg(long, value_name = "FILE")]
    pub var_file: Option<std::path::PathBuf>,
}

impl VarArgs {
    /// The replacements: each `--var`, then the var file's for other keys.
    pub fn load(self) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
        let mut vars: serde_json::Map<_, _> = self.vars.into_iter().collect();
        if let Some(path) = &self.var_file {
            let file =
                chaosprometheus_runner::document::load(path).map_err(Failure::InvalidVarFile)?;
            if let Some(configuration) = file.get("configuration").and_then(|c| c.as_object()) {
                for (key, value) in configuration {
                    vars.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        Ok(vars)
    }
}

/// `--var key=value` or `--var key:type=value`, typed as the runner types
/// configuration values.
fn parse_var(text: &str) -> Result<(String, serde_json::Value), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
    let (key, kind) = name.split_once(':').unwrap_or((name, "str"));
    let value = chaosprometheus_runner::configuration::convert(
        serde_json::Value::String(value.to_string()),
        Some(kind),
    )?;
    Ok((key.to_string(), value))
}
