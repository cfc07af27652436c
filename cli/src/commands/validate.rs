//! `chaosprom validate`: everything `run` checks, with nothing run.

use std::path::PathBuf;

use chaosprometheus_host::CallLimits;
use chaosprometheus_runner as runner;
use runner::metric_names::ServerCheckError;
use runner::RunOptions;

use crate::commands::VarArgs;
use crate::global::GlobalOptions;
use crate::output::Failure;
use crate::query_findings;

pub const HELP: &str = "\
Queries: each PromQL argument of the chaosprometheus.probes activities
(query of query, query_interval, query_value, compute_mean,
compare_to_baseline, threshold_over_window and wait_until; error_ratio_query,
bad_query, good_query and total_query of slo_burn_rate) is parsed after
${name} substitution, as it would be sent; slo_burn_rate's $window stands
for 1h. A query that does not parse is a warning on stderr naming the
activity, the argument, LINE:COLUMN and the message, with the query and a
caret under where the part the parser accepts ends; --strict makes it an
error (exit status 1).

--server: once the file is valid, one instant query at the experiment's
prometheus_base_url, through the component with the run's allow-list,
credentials and TLS, asks which metric names of the queries (those selected
by name: up, {__name__=\"up\"}) have series now, in the server's lookback (5
minutes by default). Each one without is a warning naming the activity and
the argument (warning[unknown-metric]), never an error, even with --strict;
a server that cannot be asked is an error (exit status 1).";

/// Check an experiment file without running anything
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The experiment file (JSON or YAML)
    experiment: PathBuf,
    #[command(flatten)]
    vars: VarArgs,
    /// A query that does not parse is an error (exit status 1), not a
    /// warning
    #[arg(long)]
    strict: bool,
    /// Also ask the experiment's Prometheus whether each metric the queries
    /// name has series (warnings)
    #[arg(long)]
    server: bool,
}

pub async fn run(global: &GlobalOptions, args: ValidateArgs) -> Result<(), Failure> {
    let experiment = runner::document::load(&args.experiment)
        .map_err(|e| Failure::InvalidExperiment(vec![e.to_string()]))?;
    let vars = args.vars.load()?;
    let findings = runner::query_findings(&experiment, &vars);
    let valid = runner::validate(&experiment, &vars);
    let queries = query_findings::report(&findings, args.strict);
    valid.map_err(Failure::InvalidExperiment)?;
    queries?;
    if args.server {
        let options = RunOptions {
            dry: None,
            rollback_strategy: None,
            hypothesis_strategy: None,
            hypothesis_frequency: None,
            fail_fast: false,
            vars,
            runtime: global.runtime()?,
            policy: global.transport_policy()?,
            limits: CallLimits::default(),
            verbose: global.verbose,
            recording: None,
        };
        let unknown = runner::metric_names::unknown_metrics(&experiment, &options)
            .await
            .map_err(|error| match error {
                ServerCheckError::Invalid(problems) => Failure::InvalidExperiment(problems),
                ServerCheckError::Call(error) => Failure::Call(error),
                ServerCheckError::Answer(message) => Failure::Host(message),
            })?;
        for metric in unknown {
            eprintln!("warning[unknown-metric]: {metric}");
        }
    }
    println!("{} is valid", args.experiment.display());
    Ok(())
}
