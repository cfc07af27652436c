//! `chaosprom run`: Chaos Toolkit experiment files run through the
//! component, with Chaos Toolkit's run order, statuses and journal.
//!
//! `chaosprometheus.probes` activities and the `chaosprometheus.metrics`
//! control go to the sandboxed component; `process` and `http` activities
//! are run by the host. The semantics follow chaostoolkit-lib 1.44 (see
//! the README for what is and is not supported).

pub mod configuration;
mod credentials;
pub mod document;
mod journal;
mod printer;
pub mod prometheus;
pub mod providers;
mod run;
pub mod tolerance;
mod validate;

use std::future::Future;

use serde_json::{Map, Value};

use chaosprometheus_host::HostConfig;
use configuration::ConfigurationAndSecrets;

pub use validate::problems as validation_problems;

/// When rollbacks are played (`--rollback-strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RollbackStrategy {
    /// Unless the run failed or was interrupted.
    #[default]
    Default,
    Always,
    Never,
    /// Only when the run deviated.
    Deviated,
}

/// What `--dry` skips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dry {
    Probes,
    Actions,
    Activities,
    /// Run everything but skip the pauses.
    Pause,
}

impl Dry {
    pub fn name(self) -> &'static str {
        match self {
            Dry::Probes => "probes",
            Dry::Actions => "actions",
            Dry::Activities => "activities",
            Dry::Pause => "pause",
        }
    }
}

/// How to run an experiment.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub dry: Option<Dry>,
    pub rollback_strategy: RollbackStrategy,
    /// `--var` values: they replace configuration keys the experiment declares.
    pub vars: Map<String, Value>,
    /// Component, cache and limits; the outbound policy is derived from the
    /// experiment and replaces the one given here.
    pub host: HostConfig,
    /// Print each activity's output too.
    pub verbose: bool,
}

/// A finished run: the journal and anything worth a warning.
#[derive(Debug, Clone)]
pub struct Report {
    pub journal: Value,
    pub warnings: Vec<String>,
}

impl Report {
    /// `chaos run`'s rule: 1 unless the run completed without deviating.
    pub fn exit_code(&self) -> u8 {
        let completed = self.journal["status"] == "completed";
        let deviated = self.journal["deviated"] == true;
        if completed && !deviated {
            0
        } else {
            1
        }
    }
}

/// Why an experiment did not run at all.
#[derive(Debug, Clone, PartialEq)]
pub enum NotRun {
    /// Validation found these problems; nothing ran.
    Invalid(Vec<String>),
    /// The host could not start.
    Host(String),
}

/// Resolves the configuration, then validates the experiment.
pub fn validate(
    experiment: &Value,
    vars: &Map<String, Value>,
) -> Result<ConfigurationAndSecrets, Vec<String>> {
    let env = |key: &str| std::env::var(key).ok();
    let settings = ConfigurationAndSecrets::resolve(experiment, &declared(experiment, vars), &env)
        .map_err(|e| vec![e])?;
    let problems = validate::problems(experiment);
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// `--var` only replaces keys the experiment's configuration declares.
fn declared(experiment: &Value, vars: &Map<String, Value>) -> Map<String, Value> {
    let configuration = experiment.get("configuration").and_then(Value::as_object);
    vars.iter()
        .filter(|(key, _)| configuration.is_some_and(|c| c.contains_key(*key)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Runs an experiment. `interrupt` resolving (Ctrl-C) ends the run as
/// `interrupted`: rollbacks follow the strategy and the control still
/// pushes the result.
pub async fn run(
    experiment: Value,
    options: RunOptions,
    interrupt: impl Future<Output = ()>,
) -> Result<Report, NotRun> {
    let settings = validate(&experiment, &options.vars).map_err(NotRun::Invalid)?;
    let experiment = document::with_dry_mode(experiment, options.dry.map(Dry::name));
    let runner = run::Runner::new(experiment, settings, &options)?;
    Ok(runner.run(interrupt).await)
}
