//! `chaosprom validate`: everything `run` checks, with nothing run.

use std::path::PathBuf;

use chaosprometheus_runner as runner;

use crate::commands::VarArgs;
use crate::output::Failure;

/// Check an experiment file without running anything
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The experiment file (JSON or YAML)
    experiment: PathBuf,
    #[command(flatten)]
    vars: VarArgs,
}

pub fn run(args: ValidateArgs) -> Result<(), Failure> {
    let experiment = runner::document::load(&args.experiment)
        .map_err(|e| Failure::InvalidExperiment(vec![e.to_string()]))?;
    runner::validate(&experiment, &args.vars.load()?).map_err(Failure::InvalidExperiment)?;
    println!("{} is valid", args.experiment.display());
    Ok(())
}
