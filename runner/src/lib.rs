//! `chaosprom run`: Chaos Toolkit experiment files run through the
//! component, with Chaos Toolkit's run order, statuses and journal.
//!
//! `chaosprometheus.probes` activities and the `chaosprometheus.metrics`
//! control go to the sandboxed component; `process` and `http` activities
//! are run by the host. The semantics follow chaostoolkit-lib 1.44 (see
//! docs/experiment-runner.md for what is and is not supported).

pub mod configuration;
mod credentials;
pub mod document;
mod journal;
pub mod jsonpath2;
pub mod metric_names;
mod model;
mod printer;
pub mod prometheus;
pub mod providers;
pub mod query_lint;
mod run;
pub mod tolerance;
mod transport;
mod validate;

use std::future::Future;

use serde_json::{Map, Value};

use chaosprometheus_host::{CallLimits, OutboundPolicy, Recording, Runtime};
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

impl RollbackStrategy {
    /// The spelling of `--rollback-strategy` and `runtime.rollbacks.strategy`.
    pub fn parse(text: &str) -> Option<RollbackStrategy> {
        Some(match text {
            "default" => RollbackStrategy::Default,
            "always" => RollbackStrategy::Always,
            "never" => RollbackStrategy::Never,
            "deviated" => RollbackStrategy::Deviated,
            _ => return None,
        })
    }
}

/// When the steady-state hypothesis runs (`--hypothesis-strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HypothesisStrategy {
    /// Before and after the method.
    #[default]
    Default,
    BeforeMethodOnly,
    AfterMethodOnly,
    /// Every `hypothesis_frequency` seconds while the method runs.
    DuringMethodOnly,
    /// Before, during and after the method.
    Continuously,
}

impl HypothesisStrategy {
    /// The spelling of `--hypothesis-strategy` and
    /// `runtime.hypothesis.strategy` (Chaos Toolkit also takes the old
    /// misspelling `continously`).
    pub fn parse(text: &str) -> Option<HypothesisStrategy> {
        Some(match text {
            "default" => HypothesisStrategy::Default,
            "before-method-only" => HypothesisStrategy::BeforeMethodOnly,
            "after-method-only" => HypothesisStrategy::AfterMethodOnly,
            "during-method-only" => HypothesisStrategy::DuringMethodOnly,
            "continuously" | "continously" => HypothesisStrategy::Continuously,
            _ => return None,
        })
    }

    pub(crate) fn before(self) -> bool {
        matches!(
            self,
            Self::Default | Self::BeforeMethodOnly | Self::Continuously
        )
    }

    pub(crate) fn during(self) -> bool {
        matches!(self, Self::DuringMethodOnly | Self::Continuously)
    }

    pub(crate) fn after(self) -> bool {
        matches!(
            self,
            Self::Default | Self::AfterMethodOnly | Self::Continuously
        )
    }
}

/// What cut a run short, recorded as chaostoolkit 1.21 does under
/// `interruption` in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    /// `signal` or `safeguard`.
    pub kind: String,
    /// The signal (`SIGINT`) or the safeguard probe.
    pub name: String,
    pub reason: String,
}

impl Interruption {
    /// Ctrl-C (`SIGINT`) or `SIGTERM`.
    pub fn signal(name: &str) -> Interruption {
        Interruption {
            kind: "signal".into(),
            name: name.into(),
            reason: format!("received {name}"),
        }
    }

    pub(crate) fn safeguard(name: &str) -> Interruption {
        Interruption {
            kind: "safeguard".into(),
            name: name.into(),
            reason: format!("safeguard '{name}' triggered the end of the experiment"),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        serde_json::json!({"kind": self.kind, "name": self.name, "reason": self.reason})
    }
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
#[derive(Clone)]
pub struct RunOptions {
    pub dry: Option<Dry>,
    /// `None`: the experiment's `runtime.rollbacks.strategy`, else default.
    pub rollback_strategy: Option<RollbackStrategy>,
    /// `None`: the experiment's `runtime.hypothesis.strategy`, else default.
    pub hypothesis_strategy: Option<HypothesisStrategy>,
    /// Seconds between two runs of the hypothesis during the method (the
    /// pause after one run ends, as Chaos Toolkit counts it); 1 when unset.
    pub hypothesis_frequency: Option<f64>,
    /// A hypothesis run during the method that is not met fails the run:
    /// the method stops after the current activity.
    pub fail_fast: bool,
    /// `--var` values: they replace configuration keys the experiment declares.
    pub vars: Map<String, Value>,
    /// The engine and compiled component the run's host is made from,
    /// shared with the caller's other hosts (`Runtime::embedded` for the
    /// built-in component): nothing is compiled again.
    pub runtime: Runtime,
    /// TLS and retries for every authority; what the component may reach
    /// comes from the experiment and replaces what this allows.
    pub policy: OutboundPolicy,
    pub limits: CallLimits,
    /// Print each activity's output too.
    pub verbose: bool,
    /// Record every answer the component gets into it, or answer the
    /// component from it (`--record`, `--replay`); the journal of a replay
    /// says so under `replayed`.
    pub recording: Option<Recording>,
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

/// The queries of the experiment's probes that do not parse, after
/// `${name}` substitution with the configuration (`--var` values included)
/// and secrets. None when the configuration does not resolve: [`validate`]
/// reports that.
pub fn query_findings(
    experiment: &Value,
    vars: &Map<String, Value>,
) -> Vec<query_lint::QueryFinding> {
    let env = |key: &str| std::env::var(key).ok();
    ConfigurationAndSecrets::resolve(experiment, &declared(experiment, vars), &env)
        .map(|settings| query_lint::findings(experiment, &settings))
        .unwrap_or_default()
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
/// `interrupted` at once, cutting the current activity short: rollbacks
/// follow the strategy, the journal records the interruption and the
/// control still pushes the result. A safeguard of the experiment's
/// `chaosaddons.controls.safeguards` control interrupts it the same way.
pub async fn run(
    experiment: Value,
    options: RunOptions,
    interrupt: impl Future<Output = Interruption>,
) -> Result<Report, NotRun> {
    let settings = validate(&experiment, &options.vars).map_err(NotRun::Invalid)?;
    let experiment = document::with_dry_mode(experiment, options.dry.map(Dry::name));
    let runner = run::Runner::new(experiment, settings, &options)?;
    Ok(runner.run(interrupt).await)
}
