//! `chaosprom run`: a Chaos Toolkit experiment file, run like `chaos run`.

use std::path::PathBuf;
use std::process::ExitCode;

use chaosprometheus_runner::{self as runner, Dry, NotRun, RollbackStrategy, RunOptions};

use crate::commands::VarArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;

pub const HELP: &str = "\
Runs like `chaos run`: steady-state hypothesis, method, hypothesis again,
rollbacks, with the chaosprometheus.metrics control pushing before and after.
The journal (Chaos Toolkit's format) goes to --journal-path. The exit status
is 0 when the run completed without deviating, 1 otherwise (or when the
experiment is invalid), 2 on a usage error. Ctrl-C interrupts the run: the
rollbacks follow the strategy and the control still pushes the result.

The component may reach only the configuration's prometheus_base_url and the
control's Pushgateway. Supported: python activities of chaosprometheus.probes
(query, query_interval, query_value, compute_mean, nodes_cpu_usage_mean),
process and http activities, the chaosprometheus.metrics control, every
tolerance type, pauses, refs, background activities, env configuration and
secrets.";

/// Run a Chaos Toolkit experiment file (JSON or YAML): its
/// chaosprometheus probes and control through the sandboxed component,
/// its process and http activities on this machine
#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment file (JSON or YAML)
    experiment: PathBuf,
    /// Where to write the journal
    #[arg(long, value_name = "PATH", default_value = "journal.json")]
    journal_path: PathBuf,
    /// Skip running activities: probes, actions, activities (all), or pause
    /// (run everything, skip the pauses) [default when given: activities]
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "activities", value_enum)]
    dry: Option<DryArg>,
    /// When to play the rollbacks
    #[arg(long, value_enum, default_value = "default")]
    rollback_strategy: RollbackArg,
    #[command(flatten)]
    vars: VarArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DryArg {
    Probes,
    Actions,
    Activities,
    Pause,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RollbackArg {
    Default,
    Always,
    Never,
    Deviated,
}

pub async fn run(global: &GlobalOptions, args: RunArgs) -> Result<ExitCode, Failure> {
    let experiment = runner::document::load(&args.experiment)
        .map_err(|message| Failure::InvalidExperiment(vec![message]))?;
    let options = RunOptions {
        dry: args.dry.map(|d| match d {
            DryArg::Probes => Dry::Probes,
            DryArg::Actions => Dry::Actions,
            DryArg::Activities => Dry::Activities,
            DryArg::Pause => Dry::Pause,
        }),
        rollback_strategy: match args.rollback_strategy {
            RollbackArg::Default => RollbackStrategy::Default,
            RollbackArg::Always => RollbackStrategy::Always,
            RollbackArg::Never => RollbackStrategy::Never,
            RollbackArg::Deviated => RollbackStrategy::Deviated,
        },
        vars: args.vars.load()?,
        host: global.host_config(),
        verbose: global.verbose,
    };
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report =
        runner::run(experiment, options, interrupt)
            .await
            .map_err(|not_run| match not_run {
                NotRun::Invalid(problems) => Failure::InvalidExperiment(problems),
                NotRun::Host(message) => Failure::Host(message),
            })?;
    let text = serde_json::to_string_pretty(&report.journal).unwrap_or_default();
    std::fs::write(&args.journal_path, text + "\n").map_err(|error| {
        Failure::Journal(format!(
            "cannot write {}: {error}",
            args.journal_path.display()
        ))
    })?;
    println!("Journal written to {}", args.journal_path.display());
    Ok(ExitCode::from(report.exit_code()))
}
