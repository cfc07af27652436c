//! One run of an experiment: the runner's state and its order of phases
//! (hypothesis, method, hypothesis, rollbacks), with the control pushing
//! before and after. Each phase lives in a module of its own.

mod activity;
mod control;
mod explain;
mod guards;
mod hypothesis;
mod junit;
mod method;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::time::Instant;

use serde_json::{json, Map, Value};

use chaosprometheus_host::settings::{self as host_settings, credentials};
use chaosprometheus_host::{ControlRun, ControlSettings, Endpoint, ProbeHost};

use crate::configuration::ConfigurationAndSecrets;
use crate::credentials::probe_scopes;
use crate::journal::{hostname, now_iso, probe_failed};
use crate::model::Experiment;
use crate::printer::Printer;
use crate::prometheus::{self, CONTROL_MODULE};
use crate::transport;
use crate::validate;
use crate::{Dry, HypothesisStrategy, Interruption, NotRun, Report, RollbackStrategy, RunOptions};

pub(crate) use guards::{problems as safeguard_problems, SAFEGUARDS_MODULE};

struct Control {
    run: ControlRun,
    strict: bool,
    activity_metrics: bool,
}

pub(crate) struct Runner {
    host: ProbeHost,
    experiment: Value,
    /// The experiment's configuration and secrets, resolved.
    values: ConfigurationAndSecrets,
    endpoint: Endpoint,
    dry: Option<Dry>,
    strategy: RollbackStrategy,
    hypothesis_strategy: HypothesisStrategy,
    /// Seconds between two runs of the hypothesis during the method.
    frequency: f64,
    fail_fast: bool,
    /// A run of the hypothesis during the method failed with `--fail-fast`.
    failed_fast: Cell<bool>,
    guards: Vec<guards::Guard>,
    /// The experiment's phases, typed.
    model: Experiment,
    /// The safeguard that interrupted the run.
    tripped: RefCell<Option<guards::Tripped>>,
    control_spec: Option<(ControlSettings, bool)>,
    control: tokio::sync::Mutex<Option<Control>>,
    printer: Printer,
    warnings: RefCell<Vec<String>>,
    /// The method's entries in order, each written when its activity
    /// starts (so one cut short is still recorded) and again when it ends.
    method_runs: RefCell<Vec<Option<Value>>>,
    rollback_runs: RefCell<Vec<Option<Value>>>,
    during_states: RefCell<Vec<Value>>,
}

impl Runner {
    pub(crate) fn new(
        experiment: Value,
        settings: ConfigurationAndSecrets,
        options: &RunOptions,
    ) -> Result<Runner, NotRun> {
        let base_url =
            host_settings::prometheus_base_url(&settings.configuration).map_err(invalid)?;
        let control_spec = validate::list(experiment.get("controls"))
            .find(|c| c["provider"]["module"] == CONTROL_MODULE)
            .map(|c| {
                let empty = Map::new();
                let args = c["provider"]
                    .get("arguments")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                prometheus::control_settings(args).map(|read| {
                    let pair = (read.settings, read.strict);
                    (pair, read.verify_tls)
                })
            })
            .transpose()
            .map_err(invalid)?;
        // The component may reach the Prometheus of the configuration and,
        // when the control is configured, its Pushgateway; nothing else.
        let mut policy = options.policy.clone();
        policy.allowed.clear();
        policy.injections.clear();
        let model = Experiment::parse(&experiment).map_err(invalid)?;
        let guards = guards::guards(&experiment).map_err(invalid)?;
        let probes = model
            .activities()
            .chain(guards.iter().filter_map(|g| g.probe.activity()));
        let probe_secrets = settings.lookup(&probe_scopes(probes));
        let auth = credentials(&probe_secrets, "prometheus").map_err(invalid)?;
        let authority = policy
            .allow_endpoint(&base_url, auth)
            .map_err(|e| invalid(format!("prometheus_base_url: {e}")))?;
        // verify_tls false on any Prometheus probe: the authority's policy
        // is insecure for the whole run.
        let verify = transport::probes_verify_tls(&experiment, &settings.configuration);
        let prometheus_names = ("prometheus", "prometheus");
        host_settings::apply_tls(
            &mut policy,
            &authority,
            (&settings.configuration, &probe_secrets),
            prometheus_names,
            verify,
        )
        .map_err(invalid)?;
        host_settings::apply_retries(&mut policy, &authority, &settings.configuration)
            .map_err(invalid)?;
        host_settings::apply_proxy(
            &mut policy,
            &authority,
            &settings.configuration,
            "prometheus",
        )
        .map_err(invalid)?;
        if let Some(((control, _), verify_tls)) = &control_spec {
            let url = chaosprometheus::control::pushgateway_url(
                control.pushgateway_url.clone(),
                &settings.configuration,
            )
            .map_err(invalid)?;
            // Controls see every secret in Chaos Toolkit, so any scope may hold these.
            let scopes: Vec<String> = settings.secrets.keys().cloned().collect();
            let secrets = settings.lookup(&scopes);
            let both = (&settings.configuration, &secrets);
            host_settings::allow_pushgateway(
                &mut policy,
                &url,
                both,
                Some(&authority),
                *verify_tls,
            )
            .map_err(invalid)?;
        }
        let mut host = options.runtime.host(policy, options.limits);
        if let Some(recording) = &options.recording {
            host = host.with_recording(recording.clone());
        }
        Ok(Runner {
            host,
            values: settings,
            endpoint: Endpoint {
                base_url: Some(base_url),
                ..Endpoint::default()
            },
            dry: options.dry,
            strategy: options
                .rollback_strategy
                .or_else(|| {
                    runtime_strategy(&experiment, "rollbacks").and_then(RollbackStrategy::parse)
                })
                .unwrap_or_default(),
            hypothesis_strategy: options
                .hypothesis_strategy
                .or_else(|| {
                    runtime_strategy(&experiment, "hypothesis").and_then(HypothesisStrategy::parse)
                })
                .unwrap_or_default(),
            frequency: options.hypothesis_frequency.unwrap_or(1.0),
            fail_fast: options.fail_fast,
            failed_fast: Cell::new(false),
            guards,
            model,
            tripped: RefCell::new(None),
            control_spec: control_spec.map(|(spec, _)| spec),
            control: tokio::sync::Mutex::new(None),
            printer: Printer::new(options.verbose),
            warnings: RefCell::new(Vec::new()),
            method_runs: RefCell::new(Vec::new()),
            rollback_runs: RefCell::new(Vec::new()),
            during_states: RefCell::new(Vec::new()),
            experiment,
        })
    }

    /// An instant query at the experiment's Prometheus, with the run's
    /// policy, outside any run (`validate --server`).
    pub(crate) async fn instant_query(
        &self,
        request: &chaosprometheus_host::InstantQuery,
    ) -> Result<String, chaosprometheus_host::CallError> {
        self.host.query(&self.endpoint, request).await
    }

    pub(crate) async fn run(self, interrupt: impl Future<Output = Interruption>) -> Report {
        let started = Instant::now();
        let start = now_iso();
        let title = self
            .experiment
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.printer.line(&format!("Running experiment: {title}"));
        let replayed = self.host.recording().filter(|r| r.is_replay()).map(|r| {
            self.printer.line(&format!(
                "Replaying the answers recorded at {} in {}: no request is sent",
                r.manifest().recorded_at,
                r.dir().display()
            ));
            json!({"from": r.dir().display().to_string(), "recorded_at": r.manifest().recorded_at})
        });
        self.start_control().await;
        self.push_before().await;

        let mut signal = pin!(interrupt);
        let mut steady_states = json!({"before": null, "after": null, "during": []});
        let mut status: Option<&'static str> = None;
        let mut deviated = false;
        let mut interruption = tokio::select! {
            tripped = self.pre_checks() => tripped,
            signal = signal.as_mut() => Some(signal),
        };
        // From here on, Ctrl-C or a safeguard tripping cuts the run short.
        let mut stop = pin!(first_of(signal, self.watch_guards()));
        if interruption.is_none() {
            let phases = self.phases(&mut steady_states, &mut deviated);
            tokio::select! {
                outcome = phases => status = outcome,
                cut = stop.as_mut() => interruption = Some(cut),
            }
        }
        steady_states["during"] = Value::Array(self.during_states.take());
        if interruption.is_some() {
            self.printer
                .line("Received an interruption: the run is interrupted");
            status = Some("interrupted");
        }
        let journal_status = status.unwrap_or("completed");
        let play = match self.strategy {
            RollbackStrategy::Always => true,
            RollbackStrategy::Never => false,
            RollbackStrategy::Default => !matches!(journal_status, "failed" | "interrupted"),
            RollbackStrategy::Deviated => deviated,
        };
        let mut journal_status = journal_status;
        if play {
            if interruption.is_some() {
                self.rollbacks().await;
            } else {
                tokio::select! {
                    () = self.rollbacks() => {}
                    cut = stop.as_mut() => {
                        self.printer.line("Received an interruption: the remaining rollbacks are not played");
                        interruption = Some(cut);
                        journal_status = "interrupted";
                    }
                }
            }
        }
        let mut journal = Map::new();
        journal.insert(
            "chaoslib-version".into(),
            json!(concat!("chaosprom-", env!("CARGO_PKG_VERSION"))),
        );
        journal.insert(
            "platform".into(),
            json!(format!(
                "{}-{}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )),
        );
        journal.insert("node".into(), json!(hostname()));
        journal.insert("experiment".into(), self.experiment.clone());
        journal.insert("start".into(), json!(start));
        journal.insert("status".into(), json!(journal_status));
        journal.insert("deviated".into(), json!(deviated));
        journal.insert("steady_states".into(), steady_states);
        journal.insert("run".into(), Value::Array(entries(&self.method_runs)));
        journal.insert(
            "rollbacks".into(),
            Value::Array(entries(&self.rollback_runs)),
        );
        journal.insert("end".into(), json!(now_iso()));
        journal.insert("duration".into(), json!(started.elapsed().as_secs_f64()));
        if let Some(tripped) = self.tripped.borrow().as_ref() {
            journal.insert("safeguards".into(), tripped.to_json());
        }
        if let Some(interruption) = &interruption {
            journal.insert("interruption".into(), interruption.to_json());
        }
        if let Some(replayed) = replayed {
            journal.insert("replayed".into(), replayed);
        }
        let mut journal = Value::Object(journal);
        if self
            .push_after(journal_status, deviated, started.elapsed().as_secs_f64())
            .await
        {
            journal["status"] = json!("failed");
        }
        self.write_junit_reports(&journal);
        self.printer.line(&format!(
            "Experiment ended with status: {}{}",
            journal["status"].as_str().unwrap_or_default(),
            if deviated {
                " (deviated from the steady state)"
            } else {
                ""
            }
        ));
        Report {
            journal,
            warnings: self.warnings.take(),
        }
    }

    /// Hypothesis, method (with the hypothesis during it, per the
    /// strategy), hypothesis again: the run's status when one of them
    /// settles it, as chaostoolkit-lib's `run_experiment` does.
    async fn phases(&self, steady_states: &mut Value, deviated: &mut bool) -> Option<&'static str> {
        let strategy = self.hypothesis_strategy;
        if strategy.before() {
            let before = self.hypothesis("before").await;
            let gate_met = before
                .as_ref()
                .is_none_or(|state| state["steady_state_met"] == true);
            let before_failed = before.as_ref().is_some_and(probe_failed);
            steady_states["before"] = before.unwrap_or(Value::Null);
            if !gate_met {
                self.printer
                    .line("Steady state probe is not in the given tolerance: skipping the method");
                return Some(if before_failed { "failed" } else { "completed" });
            }
        }
        self.printer.line("Playing the experiment's method now...");
        let method = if strategy.during() && self.has_hypothesis() {
            self.method_with_hypothesis().await
        } else {
            self.method().await
        };
        if let Err(message) = method {
            self.printer
                .line(&format!("The method was aborted: {message}"));
            return Some("aborted");
        }
        // Like chaostoolkit-lib, a failed fast run still checks the
        // hypothesis after the method, which may settle the status anew.
        let mut status = self.failed_fast.get().then_some("failed");
        if strategy.after() {
            let after = self.hypothesis("after").await;
            let met = after
                .as_ref()
                .is_none_or(|state| state["steady_state_met"] == true);
            let failed = after.as_ref().is_some_and(probe_failed);
            steady_states["after"] = after.unwrap_or(Value::Null);
            if !met {
                *deviated = true;
                status = Some(if failed { "failed" } else { "completed" });
            }
        }
        status
    }

    fn warn(&self, message: String) {
        self.printer.warning(&message);
        self.warnings.borrow_mut().push(message);
    }
}

/// `runtime.<part>.strategy` of the experiment.
fn runtime_strategy<'a>(experiment: &'a Value, part: &str) -> Option<&'a str> {
    experiment
        .get("runtime")?
        .get(part)?
        .get("strategy")?
        .as_str()
}

/// Whichever interruption comes first: a signal or a safeguard tripping.
async fn first_of(
    signal: impl Future<Output = Interruption>,
    guards: impl Future<Output = Interruption>,
) -> Interruption {
    tokio::select! {
        cut = signal => cut,
        cut = guards => cut,
    }
}

/// The entries of a phase in order; one cut short by an interruption has
/// no status and ends now, as chaostoolkit-lib records it.
fn entries(runs: &RefCell<Vec<Option<Value>>>) -> Vec<Value> {
    runs.borrow()
        .iter()
        .flatten()
        .cloned()
        .map(|mut entry| {
            if entry.get("end").is_none() {
                let end = jiff::Timestamp::now();
                let started = entry["start"]
                    .as_str()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .unwrap_or(end);
                let seconds = end.duration_since(started).as_secs_f64();
                entry["end"] = json!(crate::journal::python_isoformat(end));
                entry["duration"] = json!(seconds);
            }
            entry
        })
        .collect()
}

/// A problem of the experiment itself, found before anything ran.
fn invalid(problem: impl std::fmt::Display) -> NotRun {
    NotRun::Invalid(vec![problem.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_host_is_made_from_the_runtime_given_not_compiled_again() {
        use chaosprometheus_host::{CallLimits, ComponentSource, OutboundPolicy, Runtime};
        let runtime = Runtime::embedded(None).expect("the component loads");
        let experiment = json!({"title": "t", "description": "d", "method": []});
        let options = RunOptions {
            dry: None,
            rollback_strategy: None,
            hypothesis_strategy: None,
            hypothesis_frequency: None,
            fail_fast: false,
            vars: Map::new(),
            runtime: runtime.clone(),
            policy: OutboundPolicy::default(),
            limits: CallLimits::default(),
            verbose: false,
            recording: None,
        };
        let settings = crate::validate(&experiment, &options.vars).unwrap();
        let runner = Runner::new(experiment, settings, &options).unwrap();
        // A host lends out the engine its runtime holds: the hosts of one
        // runtime give the very same one, a runtime compiled again another.
        let sibling = runtime.host(OutboundPolicy::default(), CallLimits::default());
        assert!(std::ptr::eq(runner.host.engine(), sibling.engine()));
        let compiled_again = Runtime::new(&ComponentSource::Embedded, None)
            .unwrap()
            .host(OutboundPolicy::default(), CallLimits::default());
        assert!(!std::ptr::eq(runner.host.engine(), compiled_again.engine()));
    }
}
