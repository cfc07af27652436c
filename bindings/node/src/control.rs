//! `startRun` and `ControlRun`: the component's control for one experiment
//! run, reaching only its Pushgateway, with the Pushgateway's credentials
//! added by the host.

use std::sync::Arc;

use napi::bindgen_prelude::Either;
use napi::tokio::sync::Mutex;
use napi_derive::napi;
use serde_json::{Map, Value};

use chaosprometheus_host::{
    control_args, rules, ActivityKind, ActivityOutcome, ActivityStatus, ControlSettings,
    PushReport, RunIdentity, RunStatus,
};

use crate::options::{call_limits, json_text, policy_for, BasicAuth, Limits, Secrets};
use crate::{call_failed, component, invalid};

/// Upstream's `configure_control` arguments, then ours.
#[napi(object)]
pub struct RunSettings {
    /// Default: the configuration's `prometheus_pushgateway_url`, else
    /// `http://localhost:9091`. The only authority the run may reach.
    pub pushgateway_url: Option<String>,
    /// Default: the configuration's `prometheus_pushgateway_job`, else
    /// `chaostoolkit`.
    pub job: Option<String>,
    /// Default `{chaostoolkit_experiment_ref: <experimentRef>}`. Values
    /// that are not strings are written as Python's `str()` writes them,
    /// as in an experiment file.
    #[napi(ts_type = "Record<string, string | number | boolean>")]
    pub grouping_key: Option<Value>,
    /// Default: 32 random lowercase hex characters.
    pub trace_id: Option<String>,
    /// Default: Chaos Toolkit's hash of `experiment`.
    pub experiment_ref: Option<String>,
    /// The experiment document (an object, or its JSON text).
    #[napi(ts_type = "object | string")]
    pub experiment: Option<Value>,
    /// The experiment's `configuration` block (an object, or its JSON text).
    #[napi(ts_type = "object | string")]
    pub configuration: Option<Value>,
    /// The runner's version. Default `unknown`.
    pub lib_version: Option<String>,
    /// Adds the trace id to the grouping key, so re-runs do not replace
    /// each other. Default false.
    pub keep_runs: Option<bool>,
    /// Records each activity's duration and status. Default false.
    pub activity_metrics: Option<bool>,
    /// Added by the host to every push, never seen by the component.
    pub bearer_token: Option<String>,
    #[napi(ts_type = "string | BasicAuth")]
    pub basic_auth: Option<Either<String, BasicAuth>>,
    #[napi(ts_type = "Record<string, string>")]
    pub headers: Option<Value>,
    /// Milliseconds to connect to the Pushgateway. Default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// Milliseconds for each push's answer. Default 10000.
    pub request_timeout_ms: Option<u32>,
    pub limits: Option<Limits>,
}

/// One push that went through.
#[napi(object)]
pub struct PushResult {
    pub url: String,
    /// Tries it took (a failed connection, a timeout, 5xx or 429 is tried
    /// again, up to 3 times).
    pub attempts: u32,
    pub bytes: f64,
}

/// `afterActivity`'s argument.
#[napi(object)]
pub struct ActivityResult {
    pub name: String,
    #[napi(ts_type = "'probe' | 'action'")]
    pub kind: String,
    #[napi(ts_type = "'succeeded' | 'failed'")]
    pub status: String,
    pub duration_seconds: f64,
}

/// `afterExperiment`'s argument.
#[napi(object)]
pub struct ExperimentResult {
    #[napi(ts_type = "'completed' | 'failed' | 'aborted' | 'interrupted'")]
    pub status: String,
    pub deviated: bool,
    pub duration_seconds: f64,
}

/// The control of one experiment run, with the component's `run` in an
/// instance of its own. Calls on one run are taken one at a time.
#[napi]
pub struct ControlRun {
    identity: RunIdentity,
    run: Arc<Mutex<chaosprometheus_host::ControlRun>>,
}

/// Starts the control of one experiment run (upstream's
/// `configure_control`): fixes the trace id, the experiment reference and
/// the grouping key; sends nothing.
#[napi]
pub async fn start_run(settings: RunSettings) -> napi::Result<ControlRun> {
    let configuration = json_text(settings.configuration);
    let url = pushgateway_url(settings.pushgateway_url.clone(), configuration.as_deref())?;
    let auth = Secrets {
        bearer_token: settings.bearer_token,
        basic_auth: settings.basic_auth,
        headers: settings.headers,
    }
    .into_host_auth("")?;
    let policy = policy_for(&url, auth, &[], "pushgatewayUrl")?;
    let host = component()?.host(policy, call_limits(settings.limits)?);
    let grouping_key = control_args::grouping_key(settings.grouping_key.as_ref())
        .map_err(|e| invalid(&e.to_string()))?;
    let control = ControlSettings {
        pushgateway_url: settings.pushgateway_url,
        job: settings.job,
        grouping_key,
        trace_id: settings.trace_id,
        experiment_ref: settings.experiment_ref,
        experiment: json_text(settings.experiment),
        configuration,
        lib_version: settings.lib_version,
        keep_runs: settings.keep_runs.unwrap_or(false),
        activity_metrics: settings.activity_metrics.unwrap_or(false),
        connect_timeout_ms: settings.connect_timeout_ms,
        request_timeout_ms: settings.request_timeout_ms,
        ..ControlSettings::default()
    };
    let run = host.start_run(&control).await.map_err(call_failed)?;
    Ok(ControlRun {
        identity: run.identity().clone(),
        run: Arc::new(Mutex::new(run)),
    })
}

/// The control's own rule: the setting, else the configuration's
/// `prometheus_pushgateway_url`, else the default.
fn pushgateway_url(setting: Option<String>, configuration: Option<&str>) -> napi::Result<String> {
    let configuration = match configuration.map(serde_json::from_str::<Value>) {
        None | Some(Ok(Value::Null)) => Map::new(),
        Some(Ok(Value::Object(map))) => map,
        Some(_) => return Err(invalid("configuration must be a JSON object")),
    };
    rules::control::pushgateway_url(setting, &configuration).map_err(|e| invalid(&e.to_string()))
}

#[napi]
impl ControlRun {
    #[napi(getter)]
    pub fn trace_id(&self) -> String {
        self.identity.trace_id.clone()
    }

    #[napi(getter)]
    pub fn experiment_ref(&self) -> String {
        self.identity.experiment_ref.clone()
    }

    /// The labels the run's group is pushed under (sorted by name, as
    /// `prometheus_client` pushes them).
    #[napi(getter, ts_return_type = "Record<string, string>")]
    pub fn grouping_key(&self) -> Value {
        Value::Object(
            self.identity
                .grouping_key
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect(),
        )
    }

    #[napi(getter)]
    pub fn push_url(&self) -> String {
        self.identity.push_url.clone()
    }

    /// Pushes "in progress".
    #[napi]
    pub async fn before_experiment(&self) -> napi::Result<PushResult> {
        let run = Arc::clone(&self.run);
        let mut run = run.lock().await;
        run.before_experiment()
            .await
            .map(pushed)
            .map_err(call_failed)
    }

    /// Records one activity for the activity families (sends nothing).
    #[napi]
    pub async fn after_activity(&self, activity: ActivityResult) -> napi::Result<()> {
        let outcome = ActivityOutcome {
            name: activity.name,
            kind: match activity.kind.as_str() {
                "probe" => ActivityKind::Probe,
                "action" => ActivityKind::Action,
                other => return Err(invalid(&format!("kind '{other}' is not probe or action"))),
            },
            status: match activity.status.as_str() {
                "succeeded" => ActivityStatus::Succeeded,
                "failed" => ActivityStatus::Failed,
                other => {
                    return Err(invalid(&format!(
                        "status '{other}' is not succeeded or failed"
                    )))
                }
            },
            duration_seconds: activity.duration_seconds,
        };
        let run = Arc::clone(&self.run);
        let mut run = run.lock().await;
        run.after_activity(&outcome).await.map_err(call_failed)
    }

    /// Pushes the run's result.
    #[napi]
    pub async fn after_experiment(&self, result: ExperimentResult) -> napi::Result<PushResult> {
        let status = match result.status.as_str() {
            "completed" => RunStatus::Completed,
            "failed" => RunStatus::Failed,
            "aborted" => RunStatus::Aborted,
            "interrupted" => RunStatus::Interrupted,
            other => {
                return Err(invalid(&format!(
                    "status '{other}' is not completed, failed, aborted or interrupted"
                )))
            }
        };
        let run = Arc::clone(&self.run);
        let mut run = run.lock().await;
        run.after_experiment(status, result.deviated, result.duration_seconds)
            .await
            .map(pushed)
            .map_err(call_failed)
    }
}

fn pushed(report: PushReport) -> PushResult {
    PushResult {
        url: report.url,
        attempts: report.attempts,
        bytes: report.bytes as f64,
    }
}
