//! `chaosprom validate`: everything `run` checks, with nothing run.

use std::path::PathBuf;

use chaosprometheus_runner as runner;

use crate::commands::VarArgs;
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
error (exit status 1).";

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
}

pub fn run(args: ValidateArgs) -> Result<(), Failure> {
    let experiment = runner::document::load(&args.experiment)
        .map_err(|e| Failure::InvalidExperiment(vec![e.to_string()]))?;
    let vars = args.vars.load()?;
    let findings = runner::query_findings(&experiment, &vars);
    let valid = runner::validate(&experiment, &vars);
    let queries = query_findings::report(&findings, args.strict);
    valid.map_err(Failure::InvalidExperiment)?;
    queries?;
    println!("{} is valid", args.experiment.display());
    Ok(())
}
