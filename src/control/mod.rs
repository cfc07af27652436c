//! The Pushgateway control, in plain Rust: one [`Run`] per experiment run,
//! configured like upstream's `configure_control`, pushing the same metric
//! families before and after the experiment, with retries.

mod configuration;
pub mod experiment_ref;
pub mod exposition;
pub mod pushgateway;

use std::time::Duration;

use crate::error::{ProbeError, TransportFailure};
use crate::probes::Transport;
use crate::request::{Endpoint, HttpRequest, Method, Target};
use crate::response::lossy_text;
pub use configuration::pushgateway_url;
use configuration::{resolve_pushgateway_url, Configuration, PUSHGATEWAY_URL_KEY};
use exposition::{Family, Sample};

pub const DEFAULT_PUSHGATEWAY_URL: &str = "http://localhost:9091";
pub const DEFAULT_JOB: &str = "chaostoolkit";
/// Reported as `chaostoolkit_lib_version` when the runner gives none.
pub const UNKNOWN_LIB_VERSION: &str = "unknown";
pub const DEFAULT_PUSH_CONNECT_TIMEOUT_MS: u32 = 5_000;
pub const DEFAULT_PUSH_REQUEST_TIMEOUT_MS: u32 = 10_000;
/// A push is tried this many times in all.
pub const PUSH_ATTEMPTS: u32 = 3;
/// The pauses before the second and third tries.
pub const PUSH_BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
/// No new try starts once this much time has gone on a push.
pub const PUSH_BUDGET: Duration = Duration::from_secs(30);

const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
const STATES: [RunStatus; 4] = [
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Aborted,
    RunStatus::Interrupted,
];

/// WIT `control-settings`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlSettings {
    pub pushgateway_url: Option<String>,
    pub job: Option<String>,
    pub grouping_key: Option<Vec<(String, String)>>,
    pub trace_id: Option<String>,
    pub experiment_ref: Option<String>,
    pub experiment: Option<String>,
    pub configuration: Option<String>,
    pub lib_version: Option<String>,
    pub activity_metrics: bool,
    pub keep_runs: bool,
    pub headers: Vec<(String, String)>,
    pub connect_timeout_ms: Option<u32>,
    pub request_timeout_ms: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Completed,
    Failed,
    Aborted,
    Interrupted,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Probe,
    Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityStatus {
    Succeeded,
    Failed,
}

/// WIT `activity-outcome`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityOutcome {
    pub name: String,
    pub kind: ActivityKind,
    pub status: ActivityStatus,
    pub duration_seconds: f64,
}

/// WIT `push-report`: what a successful push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub url: String,
    pub attempts: u32,
    pub bytes: u64,
}

/// How the control waits between tries; the component uses the monotonic
/// clock, tests a fake.
pub trait Clock {
    fn elapsed(&self) -> Duration;
    fn pause(&mut self, duration: Duration);
}

/// One experiment run's control state.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    gateway: Target,
    path: String,
    pub job: String,
    pub trace_id: String,
    pub experiment_ref: String,
    pub grouping_key: Vec<(String, String)>,
    pub lib_version: String,
    activity_metrics: bool,
    activities: Vec<ActivityOutcome>,
}

impl Run {
    /// Upstream's `configure_control`. Explicit settings win over the
    /// experiment's `configuration` (`prometheus_pushgateway_url`,
    /// `prometheus_pushgateway_job`), which wins over the defaults.
    /// `random_trace_id` is asked only when no trace id is given.
    pub fn configure(
        settings: ControlSettings,
        random_trace_id: impl FnOnce() -> String,
    ) -> Result<Run, ProbeError> {
        let configuration = Configuration::parse(settings.configuration.as_deref())?;
        let url = resolve_pushgateway_url(
            settings.pushgateway_url,
            configuration.string(PUSHGATEWAY_URL_KEY)?,
        );
        let job = settings
            .job
            .or(configuration.string("prometheus_pushgateway_job")?)
            .unwrap_or_else(|| DEFAULT_JOB.to_string());
        let request_timeout = settings
            .request_timeout_ms
            .or(Some(DEFAULT_PUSH_REQUEST_TIMEOUT_MS));
        let gateway = Target::from_endpoint(&Endpoint {
            base_url: Some(url),
            headers: settings.headers,
            connect_timeout_ms: settings
                .connect_timeout_ms
                .or(Some(DEFAULT_PUSH_CONNECT_TIMEOUT_MS)),
            first_byte_timeout_ms: request_timeout,
            between_bytes_timeout_ms: request_timeout,
            max_response_bytes: Some(1024 * 1024),
        })?;
        let experiment_ref = match (settings.experiment_ref, settings.experiment) {
            (Some(reference), _) => reference,
            (None, Some(experiment)) => experiment_ref::experiment_hash(&experiment)?,
            (None, None) => return Err(ProbeError::invalid(
                "give the control an experiment-ref or the experiment document to derive it from",
            )),
        };
        let trace_id = settings.trace_id.unwrap_or_else(random_trace_id);
        let mut grouping_key = settings.grouping_key.unwrap_or_else(|| {
            vec![(
                "chaostoolkit_experiment_ref".to_string(),
                experiment_ref.clone(),
            )]
        });
        if settings.keep_runs {
            grouping_key.retain(|(key, _)| key != "chaostoolkit_run_trace_id");
            grouping_key.push(("chaostoolkit_run_trace_id".to_string(), trace_id.clone()));
        }
        grouping_key.sort();
        for (key, _) in &grouping_key {
            if !pushgateway::is_label_name(key) || key == "job" {
                return Err(ProbeError::invalid(format!(
                    "grouping key '{key}' is not a label name the Pushgateway accepts ([a-zA-Z_][a-zA-Z0-9_]*, not 'job')"
                )));
            }
        }
        let path = format!(
            "{}{}",
            gateway.path_prefix,
            pushgateway::metrics_path(&job, &grouping_key)
        );
        Ok(Run {
            gateway,
            path,
            job,
            trace_id,
            experiment_ref,
            grouping_key,
            lib_version: settings
                .lib_version
                .unwrap_or_else(|| UNKNOWN_LIB_VERSION.to_string()),
            activity_metrics: settings.activity_metrics,
            activities: Vec::new(),
        })
    }

    /// `http://gateway/metrics/job/...`, where this run's pushes go.
    pub fn push_url(&self) -> String {
        format!(
            "{}://{}{}",
            self.gateway.scheme.as_str(),
            self.gateway.authority,
            self.path
        )
    }

    /// Keeps an activity's outcome for the activity families; an activity
    /// that runs twice (a steady-state probe) reports its last run.
    pub fn record_activity(&mut self, outcome: ActivityOutcome) {
        self.activities
            .retain(|a| !(a.name == outcome.name && a.kind == outcome.kind));
        self.activities.push(outcome);
    }

    /// What upstream pushes before the experiment: the run is in progress.
    pub fn before_body(&self) -> String {
        let labels = self.labels();
        let mut families = RunFamilies::new();
        families.in_progress.samples.push(sample(
            "chaostoolkit_inprogress_experiment",
            &labels,
            1.0,
        ));
        exposition::write(&families.in_upstream_order())
    }

    /// What upstream pushes after the experiment; `now` is the Unix time
    /// `prometheus_client` reports as the series' creation time.
    pub fn after_body(
        &self,
        status: RunStatus,
        deviated: bool,
        duration_seconds: f64,
        now: f64,
    ) -> String {
        let labels = self.labels();
        let mut families = RunFamilies::new();
        for state in STATES {
            let mut with_state = labels.clone();
            with_state.push(("chaostoolkit_experiment_status".into(), state.name().into()));
            let value = if state == status { 1.0 } else { 0.0 };
            families.status.samples.push(sample(
                "chaostoolkit_experiment_status",
                &with_state,
                value,
            ));
        }
        if deviated {
            families.deviated.samples.push(sample(
                "chaostoolkit_deviated_experiment_total",
                &labels,
                1.0,
            ));
            set_created(&mut families.deviated, &labels, now);
        }
        families.in_progress.samples.push(sample(
            "chaostoolkit_inprogress_experiment",
            &labels,
            0.0,
        ));
        families.duration.samples.push(sample(
            "chaostoolkit_experiment_duration",
            &labels,
            duration_seconds,
        ));
        let dist = &mut families.duration_dist;
        for bound in BUCKETS.iter().copied().chain([f64::INFINITY]) {
            let mut with_le = labels.clone();
            with_le.push(("le".into(), crate::python::go_float(bound)));
            let count = if duration_seconds <= bound { 1.0 } else { 0.0 };
            dist.samples.push(sample(
                "chaostoolkit_experiment_duration_dist_bucket",
                &with_le,
                count,
            ));
        }
        dist.samples.push(sample(
            "chaostoolkit_experiment_duration_dist_count",
            &labels,
            1.0,
        ));
        dist.samples.push(sample(
            "chaostoolkit_experiment_duration_dist_sum",
            &labels,
            duration_seconds,
        ));
        set_created(dist, &labels, now);
        let mut families = families.in_upstream_order();
        if self.activity_metrics {
            families.extend(self.activity_families(&labels));
        }
        exposition::write(&families)
    }

    /// PUTs `body` to the Pushgateway: up to three tries, pausing 1 s then
    /// 2 s, within 30 s in all. A refused or timed-out connection, a 5xx or
    /// a 429 is tried again; anything else is final.
    pub fn push(
        &self,
        transport: &mut impl Transport,
        clock: &mut impl Clock,
        body: String,
    ) -> Result<PushReport, ProbeError> {
        let bytes = body.len() as u64;
        let request = self.put_request(body);
        let mut attempt = 1;
        loop {
            let outcome = transport.send(&request).and_then(|response| {
                if (200..300).contains(&response.status) {
                    Ok(())
                } else {
                    let body = lossy_text(&response.body);
                    let excerpt: String = body.chars().take(1024).collect();
                    Err(ProbeError::HttpStatus {
                        status: response.status,
                        message: format!("HTTP {}: {}", response.status, excerpt.trim_end()),
                        body: excerpt,
                    })
                }
            });
            let error = match outcome {
                Ok(()) => {
                    return Ok(PushReport {
                        url: self.push_url(),
                        attempts: attempt,
                        bytes,
                    })
                }
                Err(error) => error,
            };
            let pause = PUSH_BACKOFF.get(attempt as usize - 1).copied();
            let in_budget = pause.is_some_and(|p| clock.elapsed() + p < PUSH_BUDGET);
            if attempt >= PUSH_ATTEMPTS || !is_transient(&error) || !in_budget {
                return Err(push_failed(error, &self.push_url(), attempt));
            }
            clock.pause(pause.unwrap_or_default());
            attempt += 1;
        }
    }

    fn put_request(&self, body: String) -> HttpRequest {
        let mut headers = vec![
            ("Content-Type".to_string(), TEXT_FORMAT.to_string()),
            ("User-Agent".to_string(), crate::request::user_agent()),
        ];
        headers.extend(self.gateway.headers.iter().cloned());
        HttpRequest {
            method: Method::Put,
            scheme: self.gateway.scheme,
            authority: self.gateway.authority.clone(),
            path_and_query: self.path.clone(),
            headers,
            body: Some(body.into_bytes()),
            timeouts: self.gateway.timeouts,
            max_response_bytes: self.gateway.max_response_bytes,
        }
    }

    fn labels(&self) -> Vec<(String, String)> {
        vec![
            ("source".into(), "chaostoolkit".into()),
            ("chaostoolkit_lib_version".into(), self.lib_version.clone()),
            ("chaostoolkit_run_trace_id".into(), self.trace_id.clone()),
            (
                "chaostoolkit_experiment_ref".into(),
                self.experiment_ref.clone(),
            ),
        ]
    }

    fn activity_families(&self, labels: &[(String, String)]) -> Vec<Family> {
        let mut duration = Family {
            name: "chaostoolkit_activity_duration_seconds".into(),
            help: "Chaos Toolkit activity duration in seconds".into(),
            kind: "gauge",
            samples: Vec::new(),
            created: None,
        };
        let mut status = Family {
            name: "chaostoolkit_activity_status".into(),
            help: "Chaos Toolkit activity status: 1 for the status it ended with".into(),
            kind: "gauge",
            samples: Vec::new(),
            created: None,
        };
        for activity in &self.activities {
            let mut with_activity = labels.to_vec();
            with_activity.push(("activity".into(), activity.name.clone()));
            with_activity.push((
                "activity_type".into(),
                match activity.kind {
                    ActivityKind::Probe => "probe",
                    ActivityKind::Action => "action",
                }
                .into(),
            ));
            duration.samples.push(sample(
                &duration.name,
                &with_activity,
                activity.duration_seconds,
            ));
            with_activity.push((
                "status".into(),
                match activity.status {
                    ActivityStatus::Succeeded => "succeeded",
                    ActivityStatus::Failed => "failed",
                }
                .into(),
            ));
            status
                .samples
                .push(sample(&status.name, &with_activity, 1.0));
        }
        vec![duration, status]
    }
}

fn sample(name: &str, labels: &[(String, String)], value: f64) -> Sample {
    Sample {
        name: name.to_string(),
        labels: labels.to_vec(),
        value,
    }
}

/// Upstream's five run families, each by name.
struct RunFamilies {
    status: Family,
    deviated: Family,
    in_progress: Family,
    duration: Family,
    duration_dist: Family,
}

impl RunFamilies {
    /// The five families, empty.
    fn new() -> RunFamilies {
        let family = |name: &str, help: &str, kind: &'static str, created: Option<&str>| Family {
            name: name.into(),
            help: help.into(),
            kind,
            samples: Vec::new(),
            created: created.map(|c| (c.to_string(), Vec::new())),
        };
        RunFamilies {
            status: family(
                "chaostoolkit_experiment_status",
                "Chaos Toolkit experiment runs status",
                "gauge",
                None,
            ),
            deviated: family(
                "chaostoolkit_deviated_experiment_total",
                "Chaos Toolkit deviated experiments",
                "counter",
                Some("chaostoolkit_deviated_experiment_created"),
            ),
            in_progress: family(
                "chaostoolkit_inprogress_experiment",
                "Chaos Toolkit experiments in progress",
                "gauge",
                None,
            ),
            duration: family(
                "chaostoolkit_experiment_duration",
                "Chaos Toolkit experiment duration",
                "gauge",
                None,
            ),
            duration_dist: family(
                "chaostoolkit_experiment_duration_dist",
                "Chaos Toolkit experiment duration distribution",
                "histogram",
                Some("chaostoolkit_experiment_duration_dist_created"),
            ),
        }
    }

    /// In the order upstream writes them (the captures depend on it).
    fn in_upstream_order(self) -> Vec<Family> {
        vec![
            self.status,
            self.deviated,
            self.in_progress,
            self.duration,
            self.duration_dist,
        ]
    }
}

fn set_created(family: &mut Family, labels: &[(String, String)], now: f64) {
    if let Some((name, samples)) = &mut family.created {
        samples.push(sample(name, labels, now));
    }
}

fn is_transient(error: &ProbeError) -> bool {
    match error {
        ProbeError::Transport { kind, .. } => matches!(
            kind,
            TransportFailure::ConnectionRefused
                | TransportFailure::Timeout
                | TransportFailure::ConnectionLost
                | TransportFailure::Dns
        ),
        ProbeError::HttpStatus { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

fn push_failed(error: ProbeError, url: &str, attempts: u32) -> ProbeError {
    let tries = if attempts == 1 {
        "1 try".to_string()
    } else {
        format!("{attempts} tries")
    };
    let prefix = format!("Pushgateway push to {url} failed after {tries}");
    match error {
        ProbeError::Transport { kind, message } => ProbeError::Transport {
            kind,
            message: format!("{prefix}: {message}"),
        },
        ProbeError::HttpStatus {
            status,
            body,
            message,
        } => ProbeError::HttpStatus {
            status,
            body,
            message: format!("{prefix}: {message}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
