//! The subcommands, one module each (its arguments and its handler), their
//! list and dispatch, and the arguments several of them share. A new
//! subcommand is a file, a `mod` line, a variant and a match arm here, and
//! one in `options_before.rs` saying whether it queries Prometheus.

mod alerts;
mod compute_mean;
mod judgements;
mod nodes_cpu_usage_mean;
mod options_before;
mod push_run;
mod query;
mod query_range;
mod query_value;
mod run;
mod validate;

use std::process::ExitCode;

use chaosprometheus_host::probe_args::{mean_kind, MEAN_KINDS};
use chaosprometheus_host::{MeanKind, MeanWindow};
use clap::Subcommand;

use crate::bad_value::BadValue;
use crate::global::GlobalOptions;
use crate::output::Failure;

#[derive(Subcommand)]
pub enum Command {
    Query(query::QueryArgs),
    QueryRange(query_range::QueryRangeArgs),
    QueryValue(query_value::QueryValueArgs),
    #[command(after_help = compute_mean::HELP)]
    ComputeMean(compute_mean::ComputeMeanArgs),
    NodesCpuUsageMean(nodes_cpu_usage_mean::NodesCpuUsageMeanArgs),
    #[command(after_help = alerts::HELP)]
    Alerts(alerts::AlertsArgs),
    #[command(after_help = judgements::BASELINE_HELP)]
    CompareToBaseline(judgements::CompareToBaselineArgs),
    #[command(after_help = judgements::BURN_HELP)]
    SloBurnRate(judgements::SloBurnRateArgs),
    #[command(after_help = judgements::THRESHOLD_HELP)]
    ThresholdOverWindow(judgements::ThresholdOverWindowArgs),
    #[command(after_help = judgements::WAIT_HELP)]
    WaitUntil(judgements::WaitUntilArgs),
    #[command(after_help = run::HELP)]
    Run(run::RunArgs),
    #[command(after_help = validate::HELP)]
    Validate(validate::ValidateArgs),
    #[command(after_help = push_run::HELP)]
    PushRun(push_run::PushRunArgs),
}

impl Command {
    /// Runs the subcommand; its answer is on stdout, a failure is not yet
    /// reported.
    pub async fn run(self, global: &GlobalOptions) -> Result<ExitCode, Failure> {
        let done = |()| ExitCode::SUCCESS;
        match self {
            Command::Query(args) => query::run(global, args).await.map(done),
            Command::QueryRange(args) => query_range::run(global, args).await.map(done),
            Command::QueryValue(args) => query_value::run(global, args).await.map(done),
            Command::ComputeMean(args) => compute_mean::run(global, args).await.map(done),
            Command::NodesCpuUsageMean(args) => {
                nodes_cpu_usage_mean::run(global, args).await.map(done)
            }
            Command::Alerts(args) => alerts::run(global, args).await.map(done),
            Command::CompareToBaseline(args) => judgements::compare_to_baseline(global, args).await,
            Command::SloBurnRate(args) => judgements::slo_burn_rate(global, args).await,
            Command::ThresholdOverWindow(args) => {
                judgements::threshold_over_window(global, args).await
            }
            Command::WaitUntil(args) => judgements::wait_until(global, args).await,
            Command::Run(args) => run::run(global, args).await,
            Command::Validate(args) => validate::run(global, args).await.map(done),
            Command::PushRun(args) => push_run::run(global, args).await,
        }
    }
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

/// The window a mean is taken over, shared by `compute-mean` and
/// `nodes-cpu-usage-mean`.
#[derive(clap::Args)]
pub struct MeanWindowArgs {
    /// Length of the window: a duration (1d, 30m, 1h30m) or seconds
    /// [default: 1d]
    #[arg(long, value_name = "DUR")]
    pub window: Option<String>,
    /// Which mean of the window's samples
    #[arg(long, value_name = "KIND", default_value = "arithmetic", value_parser = mean_kinds())]
    pub kind: MeanKind,
    /// End of the window, a time expression [default: now]
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub end: Option<String>,
    /// Resolution: seconds (15) or a duration (15s, 1m) [default: the
    /// window divided by 300, at least 1s]
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Server-side evaluation timeout, sent as Prometheus's `timeout`
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
}

/// `--kind`: the host library's names of the means.
fn mean_kinds() -> impl clap::builder::TypedValueParser<Value = MeanKind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(MEAN_KINDS.map(|(name, help)| PossibleValue::new(name).help(help)))
        .try_map(|name| mean_kind(Some(&name)))
}

impl MeanWindowArgs {
    pub fn request(self) -> MeanWindow {
        MeanWindow {
            window: self.window,
            kind: self.kind,
            end: self.end,
            step: self.step,
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
            let file = chaosprometheus_runner::document::load(path)
                .map_err(|e| Failure::InvalidVarFile(e.to_string()))?;
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
fn parse_var(text: &str) -> Result<(String, serde_json::Value), BadValue> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| BadValue::MissingEquals(text.to_string()))?;
    let (key, kind) = name.split_once(':').unwrap_or((name, "str"));
    let value = chaosprometheus_runner::configuration::convert(
        serde_json::Value::String(value.to_string()),
        Some(kind),
    )
    .map_err(BadValue::VarType)?;
    Ok((key.to_string(), value))
}
