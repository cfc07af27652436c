//! `chaosprom push-run`: one experiment run recorded in a Pushgateway, as
//! the `chaosprometheus.metrics` control records it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chaosprometheus_host::{ControlSettings, PushReport, RunStatus};
use chaosprometheus_runner::document;

use crate::bad_value::BadValue;
use crate::global::{credential, parse_duration, GlobalOptions};
use crate::output::{with_hint, Failure};

pub const HELP: &str = "\
The experiment reference (label chaostoolkit_experiment_ref, and the default
grouping key) is --experiment-ref, or the hash Chaos Toolkit computes for
--experiment FILE (with \"dry\": null added, as `chaos run` does). Only the
Pushgateway's authority (plus --allow-host) is reachable. A push is tried up
to 3 times; a push that still fails is a warning (exit 0) unless --strict.";

/// Record one experiment run in a Pushgateway, as the chaosprometheus.metrics
/// control does: push "in progress", then the run's result
#[derive(clap::Args)]
pub struct PushRunArgs {
    /// How the run ended
    #[arg(long, value_enum)]
    status: StatusArg,
    /// How long the run took, in seconds (1.5) or as a duration (1m30s)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    duration: Duration,
    /// The run deviated from its steady state
    #[arg(long)]
    deviated: bool,
    /// The experiment file (JSON or YAML), for the default experiment reference
    #[arg(long, value_name = "FILE", required_unless_present = "experiment_ref")]
    experiment: Option<PathBuf>,
    /// The experiment reference, instead of the experiment's hash
    #[arg(long, value_name = "REF")]
    experiment_ref: Option<String>,
    /// The Pushgateway's base URL
    #[arg(
        long,
        env = "CHAOSPROM_PUSHGATEWAY_URL",
        default_value = chaosprometheus::control::DEFAULT_PUSHGATEWAY_URL,
        value_name = "URL"
    )]
    pushgateway_url: String,
    /// The job the run is pushed under
    #[arg(long, default_value = chaosprometheus::control::DEFAULT_JOB)]
    job: String,
    /// A grouping key pair, replacing the default
    /// chaostoolkit_experiment_ref=<ref>. Repeatable
    #[arg(long = "grouping-key", value_name = "KEY=VALUE", value_parser = parse_pair)]
    grouping_key: Vec<(String, String)>,
    /// The run's trace id [default: 32 random hex characters]
    #[arg(long, value_name = "ID")]
    trace_id: Option<String>,
    /// Keep every run in its own group (adds the trace id to the grouping key)
    #[arg(long)]
    keep_runs: bool,
    /// The chaostoolkit_lib_version label
    #[arg(long, value_name = "VERSION", default_value = concat!("chaosprom-", env!("CARGO_PKG_VERSION")))]
    lib_version: String,
    /// Exit 1 when a push fails, instead of warning
    #[arg(long)]
    strict: bool,
    /// A file holding a bearer token the host sends to the Pushgateway
    /// ($CHAOSPROM_PUSHGATEWAY_BEARER_TOKEN holds the token itself)
    #[arg(long, value_name = "FILE")]
    pushgateway_bearer_token_file: Option<PathBuf>,
    /// A file holding user:password for basic auth to the Pushgateway
    /// ($CHAOSPROM_PUSHGATEWAY_BASIC_AUTH holds user:password itself)
    #[arg(long, value_name = "FILE")]
    pushgateway_basic_auth_file: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StatusArg {
    Completed,
    Failed,
    Aborted,
    Interrupted,
}

impl From<StatusArg> for RunStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Completed => RunStatus::Completed,
            StatusArg::Failed => RunStatus::Failed,
            StatusArg::Aborted => RunStatus::Aborted,
            StatusArg::Interrupted => RunStatus::Interrupted,
        }
    }
}

/// Performs the before and after pushes of one run.
pub async fn run(global: &GlobalOptions, args: PushRunArgs) -> Result<ExitCode, Failure> {
    // A control reaches only its Pushgateway.
    let credential = credential(
        args.pushgateway_bearer_token_file.as_deref(),
        args.pushgateway_basic_auth_file.as_deref(),
        "CHAOSPROM_PUSHGATEWAY",
    )?;
    let policy = global.policy(
        "--pushgateway-url",
        &args.pushgateway_url,
        (credential, Vec::new()),
    )?;
    let host = global.host(policy)?;
    let experiment = match &args.experiment {
        Some(path) => {
            let experiment = document::load(path)
                .map_err(|e| Failure::InvalidExperiment(vec![e.to_string()]))?;
            Some(document::with_dry_mode(experiment, None).to_string())
        }
        None => None,
    };
    let settings = ControlSettings {
        pushgateway_url: Some(args.pushgateway_url.clone()),
        job: Some(args.job.clone()),
        grouping_key: (!args.grouping_key.is_empty()).then(|| args.grouping_key.clone()),
        trace_id: args.trace_id.clone(),
        experiment_ref: args.experiment_ref.clone(),
        experiment,
        lib_version: Some(args.lib_version.clone()),
        keep_runs: args.keep_runs,
        connect_timeout_ms: global.connect_timeout_ms(),
        request_timeout_ms: global.request_timeout_ms(),
        ..ControlSettings::default()
    };
    let mut run = host.start_run(&settings).await?;
    let identity = run.identity().clone();
    let before = run.before_experiment().await;
    let after = run
        .after_experiment(
            args.status.into(),
            args.deviated,
            args.duration.as_secs_f64(),
        )
        .await;
    println!(
        "run {} of experiment {} -> {}",
        identity.trace_id, identity.experiment_ref, identity.push_url
    );
    let mut failed = false;
    for (moment, outcome) in [("before", before), ("after", after)] {
        match outcome {
            Ok(report) => println!("  {moment}: {}", describe(&report)),
            Err(error) => {
                failed = true;
                let level = if args.strict { "error" } else { "warning" };
                eprintln!(
                    "{level}[{}]: {moment} push: {}",
                    error.kind(),
                    with_hint(&error).replace('\n', " ")
                );
            }
        }
    }
    Ok(if failed && args.strict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn describe(report: &PushReport) -> String {
    let tries = if report.attempts == 1 {
        "1 try".to_string()
    } else {
        format!("{} tries", report.attempts)
    };
    format!("pushed {} bytes in {tries}", report.bytes)
}

fn parse_pair(text: &str) -> Result<(String, String), BadValue> {
    text.split_once('=')
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .ok_or_else(|| BadValue::MissingEquals(text.to_string()))
}
