//! `chaosprom run`: Chaos Toolkit experiment files run through the
//! component, with Chaos Toolkit's run order, statuses and journal.
//!
//! `chaosprometheus.probes` activities and the `chaosprometheus.metrics`
//! control go to the sandboxed component; `process` and `http` activities
//! are run by the host. The semantics follow chaostoolkit-lib 1.44 (see
//! the README for what is and is not supported).

pub mod document;
pub mod prometheus;
pub mod providers;
pub mod settings;
pub mod tolerance;
mod validate;

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::pin::pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};

use crate::bindings::{
    ActivityKind, ActivityOutcome, ActivityStatus, ControlSettings, Endpoint, RunStatus,
};
use crate::host::{ControlRun, HostConfig, ProbeHost};
use crate::policy::{Authority, Credential, HostAuth};
use prometheus::{ProbeCall, CONTROL_MODULE, PROBES_MODULE};
use providers::Failure;
use settings::{substitute, Settings};

pub use validate::problems as validation_problems;

const DEFAULT_PROMETHEUS_URL: &str = "http://localhost:9090";
const DEFAULT_PUSHGATEWAY_URL: &str = "http://localhost:9091";

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
pub fn validate(experiment: &Value, vars: &Map<String, Value>) -> Result<Settings, Vec<String>> {
    let env = |key: &str| std::env::var(key).ok();
    let settings =
        Settings::resolve(experiment, &declared(experiment, vars), &env).map_err(|e| vec![e])?;
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
    let mut experiment = experiment;
    if let Some(object) = experiment.as_object_mut() {
        // `chaos run` adds the dry mode; the experiment reference hashes it.
        object.insert(
            "dry".into(),
            options
                .dry
                .map_or(Value::Null, |d| Value::String(d.name().into())),
        );
    }
    let runner = Runner::new(experiment, settings, &options).map_err(NotRun::Host)?;
    Ok(runner.run(interrupt).await)
}

struct Control {
    run: ControlRun,
    strict: bool,
    activity_metrics: bool,
}

struct Runner {
    host: ProbeHost,
    experiment: Value,
    settings: Settings,
    endpoint: Endpoint,
    dry: Option<Dry>,
    strategy: RollbackStrategy,
    refs: HashMap<String, Value>,
    control_spec: Option<(ControlSettings, bool)>,
    control: tokio::sync::Mutex<Option<Control>>,
    printer: Printer,
    warnings: RefCell<Vec<String>>,
    method_runs: RefCell<Vec<Option<Value>>>,
}

/// A run entry in the journal's shape.
struct Entry {
    activity: Value,
    output: Value,
    start: String,
    end: String,
    duration: f64,
    status: Option<&'static str>,
    exception: Option<String>,
    tolerance_met: Option<bool>,
}

impl Entry {
    fn succeeded(&self) -> bool {
        self.status == Some("succeeded")
    }

    fn to_json(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("activity".into(), self.activity.clone());
        entry.insert("output".into(), self.output.clone());
        entry.insert("start".into(), Value::String(self.start.clone()));
        if let Some(status) = self.status {
            entry.insert("status".into(), Value::String(status.into()));
        }
        if let Some(exception) = &self.exception {
            entry.insert(
                "exception".into(),
                json!([format!("chaoslib.exceptions.ActivityFailed: {exception}\n")]),
            );
        }
        entry.insert("end".into(), Value::String(self.end.clone()));
        entry.insert("duration".into(), json!(self.duration));
        if let Some(met) = self.tolerance_met {
            entry.insert("tolerance_met".into(), Value::Bool(met));
        }
        Value::Object(entry)
    }
}

/// An activity whose error aborts the run (Chaos Toolkit: any error that
/// is not `ActivityFailed`).
struct Aborted {
    entry: Option<Entry>,
    message: String,
}

impl Runner {
    fn new(experiment: Value, settings: Settings, options: &RunOptions) -> Result<Runner, String> {
        let base_url = settings
            .configuration
            .get("prometheus_base_url")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_PROMETHEUS_URL)
            .to_string();
        let control_spec = validate::list(experiment.get("controls"))
            .find(|c| c["provider"]["module"] == CONTROL_MODULE)
            .map(|c| {
                let empty = Map::new();
                let args = c["provider"]
                    .get("arguments")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                prometheus::control_settings(args)
            })
            .transpose()?;
        // The component may reach the Prometheus of the configuration and,
        // when the control is configured, its Pushgateway; nothing else.
        let mut host_config = options.host.clone();
        host_config.policy.allowed.clear();
        host_config.policy.injections.clear();
        let prometheus =
            Authority::from_url(&base_url).map_err(|e| format!("prometheus_base_url: {e}"))?;
        host_config.policy.allow(prometheus.clone());
        let (credential, headers) =
            credentials(&settings.lookup(&probe_scopes(&experiment)), "prometheus")?;
        if credential.is_some() || !headers.is_empty() {
            host_config.policy.inject(prometheus, credential, headers);
        }
        if let Some((control, _)) = &control_spec {
            let url = control
                .pushgateway_url
                .clone()
                .or_else(|| {
                    settings
                        .configuration
                        .get("prometheus_pushgateway_url")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| DEFAULT_PUSHGATEWAY_URL.to_string());
            let url = if url.contains("://") {
                url
            } else {
                format!("http://{url}")
            };
            let gateway = Authority::from_url(&url).map_err(|e| format!("pushgateway_url: {e}"))?;
            host_config.policy.allow(gateway.clone());
            // Controls see every secret in Chaos Toolkit, so any scope may hold these.
            let scopes: Vec<String> = settings.secrets.keys().cloned().collect();
            let (credential, headers) = credentials(&settings.lookup(&scopes), "pushgateway")?;
            if credential.is_some() || !headers.is_empty() {
                host_config.policy.inject(gateway, credential, headers);
            }
        }
        let host =
            ProbeHost::new(host_config).map_err(|e| format!("cannot load the component: {e:#}"))?;
        let hypothesis = experiment
            .get("steady-state-hypothesis")
            .and_then(|h| h.get("probes"));
        let refs = validate::list(experiment.get("method"))
            .chain(validate::list(hypothesis))
            .filter_map(|a| Some((a.get("name")?.as_str()?.to_string(), a.clone())))
            .collect();
        Ok(Runner {
            host,
            settings,
            endpoint: Endpoint {
                base_url: Some(base_url),
                ..Endpoint::default()
            },
            dry: options.dry,
            strategy: options.rollback_strategy,
            refs,
            control_spec,
            control: tokio::sync::Mutex::new(None),
            printer: Printer::new(options.verbose),
            warnings: RefCell::new(Vec::new()),
            method_runs: RefCell::new(Vec::new()),
            experiment,
        })
    }

    async fn run(self, interrupt: impl Future<Output = ()>) -> Report {
        let started = Instant::now();
        let start = now_iso();
        let title = self
            .experiment
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.printer.line(&format!("Running experiment: {title}"));
        self.start_control().await;
        self.push_before().await;

        let mut steady_states = json!({"before": null, "after": null, "during": []});
        let mut status: Option<&'static str> = None;
        let mut deviated = false;
        let mut interrupted = false;
        {
            let phase = async {
                let before = self.hypothesis("before").await;
                let gate_met = before
                    .as_ref()
                    .is_none_or(|state| state["steady_state_met"] == true);
                let before_failed = before.as_ref().is_some_and(probe_failed);
                steady_states["before"] = before.unwrap_or(Value::Null);
                if !gate_met {
                    self.printer.line(
                        "Steady state probe is not in the given tolerance: skipping the method",
                    );
                    return Some(if before_failed { "failed" } else { "completed" });
                }
                self.printer.line("Playing the experiment's method now...");
                if let Err(message) = self.method().await {
                    self.printer
                        .line(&format!("The method was aborted: {message}"));
                    return Some("aborted");
                }
                let after = self.hypothesis("after").await;
                let met = after
                    .as_ref()
                    .is_none_or(|state| state["steady_state_met"] == true);
                let failed = after.as_ref().is_some_and(probe_failed);
                steady_states["after"] = after.unwrap_or(Value::Null);
                if !met {
                    deviated = true;
                    return Some(if failed { "failed" } else { "completed" });
                }
                None
            };
            tokio::select! {
                outcome = phase => status = outcome,
                () = interrupt => {
                    interrupted = true;
                }
            }
        }
        if interrupted {
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
        let rollbacks = if play {
            self.rollbacks().await
        } else {
            Vec::new()
        };
        let run: Vec<Value> = self
            .method_runs
            .borrow()
            .iter()
            .flatten()
            .cloned()
            .collect();
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
        journal.insert("run".into(), Value::Array(run));
        journal.insert("rollbacks".into(), Value::Array(rollbacks));
        journal.insert("end".into(), json!(now_iso()));
        journal.insert("duration".into(), json!(started.elapsed().as_secs_f64()));
        let mut journal = Value::Object(journal);
        if self
            .push_after(journal_status, deviated, started.elapsed().as_secs_f64())
            .await
        {
            journal["status"] = json!("failed");
        }
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

    /// The steady-state hypothesis, or `None` when there is none.
    async fn hypothesis(&self, when: &str) -> Option<Value> {
        let hypothesis = self.experiment.get("steady-state-hypothesis")?;
        let probes: Vec<&Value> = validate::list(hypothesis.get("probes")).collect();
        if probes.is_empty() {
            return None;
        }
        let title = hypothesis
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.printer
            .line(&format!("Steady state hypothesis ({when}): {title}"));
        let mut entries = Vec::new();
        let mut met = true;
        for probe in probes {
            let mut entry = match self.execute(probe).await {
                Ok(entry) => entry,
                Err(aborted) => {
                    self.warn(format!("hypothesis probe aborted: {}", aborted.message));
                    let mut entry = aborted.entry.unwrap_or_else(|| empty_entry(probe));
                    entry.status = Some("failed");
                    entry.exception = Some(aborted.message);
                    entry
                }
            };
            let within = if !entry.succeeded() {
                false
            } else if self.skips(probe) {
                true
            } else {
                self.check_tolerance(probe, &entry.output).await
            };
            entry.tolerance_met = Some(within);
            self.printer.tolerance(within);
            entries.push(entry.to_json());
            if !within {
                met = false;
                break;
            }
        }
        self.printer.line(if met {
            "Steady state hypothesis is met!"
        } else {
            "Steady state hypothesis is not met"
        });
        Some(json!({"steady_state_met": met, "probes": entries}))
    }

    async fn check_tolerance(&self, probe: &Value, output: &Value) -> bool {
        let Some(tolerance) = probe.get("tolerance") else {
            return true;
        };
        let names = self.settings.lookup(&scopes(probe));
        if tolerance.get("type").and_then(Value::as_str) == Some("probe") {
            // The output goes to the tolerance probe as its `value` argument.
            let mut check = tolerance.clone();
            if let Some(arguments) = check["provider"]
                .get_mut("arguments")
                .and_then(Value::as_object_mut)
            {
                arguments.insert("value".into(), output.clone());
            }
            return match self.provide(&check).await {
                Ok(result) => truthy(&result),
                Err(_) => false,
            };
        }
        match tolerance::within(tolerance, output, &names) {
            Ok(within) => within,
            Err(problem) => {
                self.warn(format!(
                    "the tolerance of '{}' could not be checked: {problem}",
                    activity_label(probe)
                ));
                false
            }
        }
    }

    /// The method: activities in order, background ones alongside, all
    /// joined at the end. `Err` when an activity aborted the run.
    async fn method(&self) -> Result<(), String> {
        let mut background = FuturesUnordered::new();
        let mut abort = None;
        for activity in validate::list(self.experiment.get("method")) {
            let slot = {
                let mut runs = self.method_runs.borrow_mut();
                runs.push(None);
                runs.len() - 1
            };
            let job = async move { (slot, self.execute(activity).await) };
            if activity.get("background") == Some(&Value::Bool(true)) {
                background.push(Box::pin(job) as std::pin::Pin<Box<dyn Future<Output = _> + '_>>);
                continue;
            }
            let mut job = pin!(job);
            let outcome = loop {
                tokio::select! {
                    done = &mut job => break done,
                    Some(finished) = background.next(), if !background.is_empty() => self.record(finished, &mut abort),
                }
            };
            self.record(outcome, &mut abort);
            if abort.is_some() {
                break;
            }
        }
        while let Some(finished) = background.next().await {
            self.record(finished, &mut abort);
        }
        abort.map_or(Ok(()), Err)
    }

    fn record(&self, (slot, outcome): (usize, Result<Entry, Aborted>), abort: &mut Option<String>) {
        let entry = match outcome {
            Ok(entry) => Some(entry),
            Err(aborted) => {
                abort.get_or_insert(aborted.message);
                aborted.entry
            }
        };
        if let Some(entry) = entry {
            self.method_runs.borrow_mut()[slot] = Some(entry.to_json());
        }
    }

    async fn rollbacks(&self) -> Vec<Value> {
        let mut entries = Vec::new();
        let rollbacks: Vec<&Value> = validate::list(self.experiment.get("rollbacks")).collect();
        if !rollbacks.is_empty() {
            self.printer.line("Let's rollback...");
        }
        for activity in rollbacks {
            match self.execute(activity).await {
                Ok(entry) => entries.push(entry.to_json()),
                Err(aborted) => {
                    self.warn(format!("rollback aborted: {}", aborted.message));
                    if let Some(entry) = aborted.entry {
                        entries.push(entry.to_json());
                    }
                }
            }
        }
        entries
    }

    /// Runs one activity with its pauses: Chaos Toolkit's `execute_activity`.
    async fn execute(&self, activity: &Value) -> Result<Entry, Aborted> {
        let activity = match activity.get("ref").and_then(Value::as_str) {
            Some(name) => self.refs.get(name).cloned().ok_or_else(|| Aborted {
                entry: None,
                message: format!("could not find referenced activity '{name}'"),
            })?,
            None => activity.clone(),
        };
        let names = self.settings.lookup(&scopes(&activity));
        let skip = self.skips(&activity);
        let pauses = substitute(activity.get("pauses").unwrap_or(&Value::Null), &names);
        if !skip && self.dry != Some(Dry::Pause) {
            if let Some(seconds) = pauses.get("before").and_then(Value::as_f64) {
                self.printer
                    .pause(seconds, "before", &activity_label(&activity))
                    .await;
            }
        }
        let clock = Instant::now();
        let start = now_iso();
        let result = if skip {
            Ok(Value::Null)
        } else {
            self.provide(&activity).await
        };
        let end = now_iso();
        let duration = clock.elapsed().as_secs_f64();
        let mut entry = Entry {
            activity: activity.clone(),
            output: Value::Null,
            start,
            end,
            duration,
            status: Some("succeeded"),
            exception: None,
            tolerance_met: None,
        };
        let aborted = match result {
            Ok(output) => {
                entry.output = output;
                None
            }
            Err(Failure::Activity(message)) => {
                entry.status = Some("failed");
                entry.exception = Some(message);
                None
            }
            Err(Failure::Abort(message)) => {
                entry.status = None;
                Some(message)
            }
        };
        self.printer.activity(&activity, &entry, aborted.as_deref());
        self.after_activity(&activity, &entry).await;
        if !skip && self.dry != Some(Dry::Pause) {
            if let Some(seconds) = pauses.get("after").and_then(Value::as_f64) {
                self.printer
                    .pause(seconds, "after", &activity_label(&activity))
                    .await;
            }
        }
        match aborted {
            Some(message) => Err(Aborted {
                entry: Some(entry),
                message,
            }),
            None => Ok(entry),
        }
    }

    /// Whether `--dry` skips this activity.
    fn skips(&self, activity: &Value) -> bool {
        let kind = activity.get("type").and_then(Value::as_str);
        match self.dry {
            Some(Dry::Activities) => true,
            Some(Dry::Probes) => kind == Some("probe"),
            Some(Dry::Actions) => kind == Some("action"),
            _ => false,
        }
    }

    /// Runs the activity's provider and returns its output.
    async fn provide(&self, activity: &Value) -> Result<Value, Failure> {
        let provider = activity
            .get("provider")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names = self.settings.lookup(&scopes(activity));
        let arguments = substitute(provider.get("arguments").unwrap_or(&Value::Null), &names);
        match provider.get("type").and_then(Value::as_str) {
            Some("python")
                if provider.get("module").and_then(Value::as_str) == Some(PROBES_MODULE) =>
            {
                let func = provider
                    .get("func")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let empty = Map::new();
                let call = prometheus::plan(func, arguments.as_object().unwrap_or(&empty))
                    .map_err(Failure::Activity)?;
                self.call_component(call).await
            }
            Some("process") => providers::run_process(&provider, &arguments).await,
            Some("http") => {
                let url = substitute(provider.get("url").unwrap_or(&Value::Null), &names);
                let headers = substitute(provider.get("headers").unwrap_or(&Value::Null), &names);
                let timeout = substitute(provider.get("timeout").unwrap_or(&Value::Null), &names);
                providers::run_http(
                    &provider,
                    url.as_str().unwrap_or_default(),
                    &headers,
                    &arguments,
                    &timeout,
                )
                .await
            }
            other => Err(Failure::Abort(format!(
                "provider {other:?} cannot run here"
            ))),
        }
    }

    async fn call_component(&self, call: ProbeCall) -> Result<Value, Failure> {
        let failed = |e: crate::CallError| Failure::Activity(e.to_string());
        let json_answer = |text: String| {
            serde_json::from_str(&text)
                .map_err(|e| Failure::Activity(format!("the answer is not JSON: {e}")))
        };
        let e = &self.endpoint;
        match call {
            ProbeCall::Query(q) => json_answer(self.host.query(e, &q).await.map_err(failed)?),
            ProbeCall::QueryInterval(q) => {
                json_answer(self.host.query_interval(e, &q).await.map_err(failed)?)
            }
            ProbeCall::QueryValue(q, default) => Ok(number(
                self.host
                    .query_value(e, &q, default)
                    .await
                    .map_err(failed)?,
            )),
            ProbeCall::ComputeMean(query, w) => Ok(number(
                self.host
                    .compute_mean(e, &query, &w)
                    .await
                    .map_err(failed)?,
            )),
            ProbeCall::NodesCpuUsageMean(w) => Ok(number(
                self.host
                    .nodes_cpu_usage_mean(e, &w)
                    .await
                    .map_err(failed)?,
            )),
        }
    }

    async fn start_control(&self) {
        let Some((spec, strict)) = &self.control_spec else {
            return;
        };
        let mut settings = spec.clone();
        settings.experiment = Some(self.experiment.to_string());
        settings.configuration =
            Some(Value::Object(self.settings.configuration.clone()).to_string());
        settings.lib_version = Some(concat!("chaosprom-", env!("CARGO_PKG_VERSION")).into());
        match self.host.start_run(&settings).await {
            Ok(run) => {
                self.printer.line(&format!(
                    "Pushing run {} to {}",
                    run.identity().trace_id,
                    run.identity().push_url
                ));
                *self.control.lock().await = Some(Control {
                    run,
                    strict: *strict,
                    activity_metrics: settings.activity_metrics,
                });
            }
            Err(error) => self.warn(format!(
                "the {CONTROL_MODULE} control could not start: {error}"
            )),
        }
    }

    async fn push_before(&self) {
        let mut control = self.control.lock().await;
        if let Some(control) = control.as_mut() {
            if let Err(error) = control.run.before_experiment().await {
                self.warn(format!("the before-experiment push failed: {error}"));
            }
        }
    }

    async fn after_activity(&self, activity: &Value, entry: &Entry) {
        let mut control = self.control.lock().await;
        let Some(control) = control.as_mut().filter(|c| c.activity_metrics) else {
            return;
        };
        let outcome = ActivityOutcome {
            name: activity_label(activity),
            kind: if activity.get("type").and_then(Value::as_str) == Some("action") {
                ActivityKind::Action
            } else {
                ActivityKind::Probe
            },
            status: if entry.succeeded() {
                ActivityStatus::Succeeded
            } else {
                ActivityStatus::Failed
            },
            duration_seconds: entry.duration,
        };
        if let Err(error) = control.run.after_activity(&outcome).await {
            self.warn(format!(
                "the control could not record '{}': {error}",
                outcome.name
            ));
        }
    }

    /// Pushes the result; `true` when it failed and the control is strict.
    async fn push_after(&self, status: &str, deviated: bool, duration: f64) -> bool {
        let mut control = self.control.lock().await;
        let Some(control) = control.as_mut() else {
            return false;
        };
        let status = match status {
            "failed" => RunStatus::Failed,
            "aborted" => RunStatus::Aborted,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::Completed,
        };
        match control
            .run
            .after_experiment(status, deviated, duration)
            .await
        {
            Ok(_) => false,
            Err(error) => {
                self.warn(format!("the after-experiment push failed: {error}"));
                control.strict
            }
        }
    }

    fn warn(&self, message: String) {
        self.printer.warning(&message);
        self.warnings.borrow_mut().push(message);
    }
}

/// The secrets scopes the experiment's Prometheus probes declare.
fn probe_scopes(experiment: &Value) -> Vec<String> {
    let hypothesis = experiment
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("probes"));
    validate::list(experiment.get("method"))
        .chain(validate::list(experiment.get("rollbacks")))
        .chain(validate::list(hypothesis))
        .filter(|a| a.pointer("/provider/module").and_then(Value::as_str) == Some(PROBES_MODULE))
        .flat_map(scopes)
        .collect()
}

/// `<prefix>_bearer_token`, `<prefix>_basic_auth` (`user:password`) and
/// `<prefix>_headers` (a mapping) from the secrets: what the host sends for
/// the component, which never sees them.
fn credentials(secrets: &Map<String, Value>, prefix: &str) -> Result<HostAuth, String> {
    let text = |key: String| {
        secrets
            .get(&key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let credential = match (
        text(format!("{prefix}_bearer_token")),
        text(format!("{prefix}_basic_auth")),
    ) {
        (Some(token), _) => Some(Credential::Bearer(token)),
        (None, Some(pair)) => Some(
            Credential::basic_from(&pair)
                .map_err(|e| format!("secret {prefix}_basic_auth: {e}"))?,
        ),
        (None, None) => None,
    };
    let headers = secrets
        .get(&format!("{prefix}_headers"))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), settings::python_str(v)))
                .collect()
        })
        .unwrap_or_default();
    Ok((credential, headers))
}

fn probe_failed(state: &Value) -> bool {
    validate::list(state.get("probes")).any(|probe| probe["status"] != "succeeded")
}

fn empty_entry(activity: &Value) -> Entry {
    let now = now_iso();
    Entry {
        activity: activity.clone(),
        output: Value::Null,
        start: now.clone(),
        end: now,
        duration: 0.0,
        status: Some("failed"),
        exception: None,
        tolerance_met: None,
    }
}

fn scopes(activity: &Value) -> Vec<String> {
    validate::list(activity.get("provider").and_then(|p| p.get("secrets")))
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn activity_label(activity: &Value) -> String {
    activity
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string()
}

/// Python truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A number for the journal; JSON has no NaN or infinities, so those are
/// written as Prometheus writes them.
fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or_else(
        || {
            Value::String(if value.is_nan() {
                "NaN".into()
            } else if value > 0.0 {
                "+Inf".into()
            } else {
                "-Inf".into()
            })
        },
        Value::Number,
    )
}

/// UTC now as Python's `datetime.now(timezone.utc).isoformat()` writes it.
fn now_iso() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (days, seconds) = (since.as_secs() / 86_400, since.as_secs() % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60,
        since.subsec_micros()
    )
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// What a person sees while the experiment runs.
struct Printer {
    verbose: bool,
    terminal: bool,
}

impl Printer {
    fn new(verbose: bool) -> Printer {
        Printer {
            verbose,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn line(&self, text: &str) {
        println!("{text}");
    }

    fn warning(&self, text: &str) {
        eprintln!("warning: {}", text.replace('\n', " "));
    }

    fn activity(&self, activity: &Value, entry: &Entry, aborted: Option<&str>) {
        let kind = activity
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("activity");
        let status = entry.status.unwrap_or("aborted");
        let name = activity_label(activity);
        print!(
            "  {kind:<6} {name:<40} {status:<9} {:>8.3} s",
            entry.duration
        );
        if let Some(reason) = entry.exception.as_deref().or(aborted) {
            print!("  ({})", reason.replace('\n', " "));
        }
        println!();
        if self.verbose {
            println!("         output: {}", entry.output);
        }
    }

    fn tolerance(&self, within: bool) {
        if self.verbose || !within {
            println!(
                "         tolerance {}",
                if within { "met" } else { "NOT met" }
            );
        }
    }

    /// Waits `seconds`, counting down on a terminal.
    async fn pause(&self, seconds: f64, when: &str, name: &str) {
        if seconds <= 0.0 {
            return;
        }
        let total = Duration::from_secs_f64(seconds);
        println!("  pausing {seconds} s {when} '{name}'");
        if !self.terminal || seconds < 2.0 {
            tokio::time::sleep(total).await;
            return;
        }
        let started = Instant::now();
        while started.elapsed() < total {
            let left = total.saturating_sub(started.elapsed());
            eprint!("\r  {:>5.0} s left ", left.as_secs_f64().ceil());
            let _ = std::io::stderr().flush();
            tokio::time::sleep(left.min(Duration::from_secs(1))).await;
        }
        eprint!("\r                \r");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_pythons() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        let now = now_iso();
        assert_eq!(now.len(), "2026-11-22T10:08:32.666525+00:00".len());
        assert!(now.ends_with("+00:00"));
    }

    #[test]
    fn python_truthiness() {
        assert!(
            !truthy(&json!({}))
                && truthy(&json!({"status": 1}))
                && !truthy(&json!(0))
                && truthy(&json!("x"))
        );
    }
}
