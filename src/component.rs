//! The WIT bindings and the thin `Guest` implementation: convert the WIT
//! types, call the plain-Rust probes with the `wasi:http` transport and the
//! wall clock, and convert the result back.

use std::cell::RefCell;
use std::time::Duration;

use crate::alerts::{self, AlertFilter, AlertState, LabelMatcher, MatchOp};
use crate::control::{
    self, ActivityKind, ActivityOutcome, ActivityStatus, Clock, ControlSettings, PushReport,
    RunStatus,
};
use crate::error::{BadResponseKind, ProbeError, TransportFailure};
use crate::http::WasiHttp;
use crate::mean::MeanKind;
use crate::probes::{self as plain, InstantQuery, MeanWindow, RangeQuery};
use crate::request::Endpoint;
use crate::time_expr::Timestamp;

mod judgements;

mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "chaosprometheus",
        with: {
            "wasi:http/types@0.2.12": wasip2::http::types,
            "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
            "wasi:io/error@0.2.12": wasip2::io::error,
            "wasi:io/poll@0.2.12": wasip2::io::poll,
            "wasi:io/streams@0.2.12": wasip2::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
            "wasi:clocks/wall-clock@0.2.12": wasip2::clocks::wall_clock,
            "wasi:random/random@0.2.12": wasip2::random::random,
        },
    });
}

use bindings::chaostoolkit::prometheus::types as wit;
use bindings::exports::chaostoolkit::prometheus::controls as wit_controls;
use bindings::exports::chaostoolkit::prometheus::probes as wit_probes;

struct Component;

bindings::export!(Component with_types_in bindings);

impl wit_probes::Guest for Component {
    fn query(
        endpoint: wit::Endpoint,
        request: wit_probes::InstantQuery,
    ) -> Result<String, wit::ProbeError> {
        plain::query(&mut WasiHttp, &endpoint.into(), &request.into(), now()).map_err(Into::into)
    }

    fn query_interval(
        endpoint: wit::Endpoint,
        request: wit_probes::RangeQuery,
    ) -> Result<String, wit::ProbeError> {
        plain::query_interval(&mut WasiHttp, &endpoint.into(), &request.into(), now())
            .map_err(Into::into)
    }

    fn query_value(
        endpoint: wit::Endpoint,
        request: wit_probes::InstantQuery,
        default: Option<f64>,
    ) -> Result<f64, wit::ProbeError> {
        plain::query_value(
            &mut WasiHttp,
            &endpoint.into(),
            &request.into(),
            default,
            now(),
        )
        .map_err(Into::into)
    }

    fn compute_mean(
        endpoint: wit::Endpoint,
        query: String,
        window: wit_probes::MeanWindow,
    ) -> Result<f64, wit::ProbeError> {
        plain::compute_mean(
            &mut WasiHttp,
            &endpoint.into(),
            &query,
            &window.into(),
            now(),
        )
        .map_err(Into::into)
    }

    fn nodes_cpu_usage_mean(
        endpoint: wit::Endpoint,
        window: wit_probes::MeanWindow,
    ) -> Result<f64, wit::ProbeError> {
        plain::nodes_cpu_usage_mean(&mut WasiHttp, &endpoint.into(), &window.into(), now())
            .map_err(Into::into)
    }

    fn alerts(
        endpoint: wit::Endpoint,
        filter: wit_probes::AlertFilter,
    ) -> Result<String, wit::ProbeError> {
        alerts::alerts(&mut WasiHttp, &endpoint.into(), &filter.into()).map_err(Into::into)
    }
}

impl wit_controls::Guest for Component {
    type Run = RunResource;
}

/// One experiment run's control state, behind the WIT `run` resource.
struct RunResource(RefCell<control::Run>);

impl wit_controls::GuestRun for RunResource {
    fn configure(
        settings: wit_controls::ControlSettings,
    ) -> Result<wit_controls::Run, wit::ProbeError> {
        let run = control::Run::configure(settings.into(), random_trace_id)?;
        Ok(wit_controls::Run::new(RunResource(RefCell::new(run))))
    }

    fn trace_id(&self) -> String {
        self.0.borrow().trace_id.clone()
    }

    fn experiment_ref(&self) -> String {
        self.0.borrow().experiment_ref.clone()
    }

    fn grouping_key(&self) -> Vec<(String, String)> {
        self.0.borrow().grouping_key.clone()
    }

    fn push_url(&self) -> String {
        self.0.borrow().push_url()
    }

    fn before_experiment(&self) -> Result<wit_controls::PushReport, wit::ProbeError> {
        let run = self.0.borrow();
        let body = run.before_body();
        run.push(&mut WasiHttp, &mut MonotonicClock::start(), body)
            .map(Into::into)
            .map_err(Into::into)
    }

    fn after_activity(&self, outcome: wit_controls::ActivityOutcome) {
        self.0.borrow_mut().record_activity(outcome.into());
    }

    fn after_experiment(
        &self,
        status: wit_controls::RunStatus,
        deviated: bool,
        duration_seconds: f64,
    ) -> Result<wit_controls::PushReport, wit::ProbeError> {
        let run = self.0.borrow();
        let created = now().duration_since(Timestamp::UNIX_EPOCH).as_secs_f64();
        let body = run.after_body(status.into(), deviated, duration_seconds, created);
        run.push(&mut WasiHttp, &mut MonotonicClock::start(), body)
            .map(Into::into)
            .map_err(Into::into)
    }
}

/// 32 lowercase hex characters from the host's random source.
fn random_trace_id() -> String {
    let random = wasip2::random::random::get_random_u64;
    format!("{:016x}{:016x}", random(), random())
}

/// Time since a push began, and pauses between its tries.
struct MonotonicClock {
    started: u64,
}

impl MonotonicClock {
    fn start() -> MonotonicClock {
        MonotonicClock {
            started: wasip2::clocks::monotonic_clock::now(),
        }
    }
}

impl Clock for MonotonicClock {
    fn elapsed(&self) -> Duration {
        Duration::from_nanos(wasip2::clocks::monotonic_clock::now().saturating_sub(self.started))
    }

    fn pause(&mut self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        wasip2::clocks::monotonic_clock::subscribe_duration(nanos).block();
    }
}

/// The host's wall clock; a clock before 1970 or past 9999 reads as the
/// epoch rather than trapping.
fn now() -> Timestamp {
    let clock = wasip2::clocks::wall_clock::now();
    i64::try_from(clock.seconds)
        .ok()
        .and_then(|seconds| Timestamp::new(seconds, clock.nanoseconds as i32).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl From<wit::Endpoint> for Endpoint {
    fn from(e: wit::Endpoint) -> Self {
        Endpoint {
            base_url: e.base_url,
            headers: e.headers,
            connect_timeout_ms: e.connect_timeout_ms,
            first_byte_timeout_ms: e.first_byte_timeout_ms,
            between_bytes_timeout_ms: e.between_bytes_timeout_ms,
            max_response_bytes: e.max_response_bytes,
        }
    }
}

impl From<wit_probes::InstantQuery> for InstantQuery {
    fn from(q: wit_probes::InstantQuery) -> Self {
        InstantQuery {
            query: q.query,
            when: q.when,
            timeout: q.timeout,
        }
    }
}

impl From<wit_probes::RangeQuery> for RangeQuery {
    fn from(q: wit_probes::RangeQuery) -> Self {
        RangeQuery {
            query: q.query,
            start: q.start,
            end: q.end,
            step: q.step,
            timeout: q.timeout,
        }
    }
}

impl From<wit_probes::MeanWindow> for MeanWindow {
    fn from(w: wit_probes::MeanWindow) -> Self {
        MeanWindow {
            window: w.window,
            kind: match w.kind {
                wit_probes::MeanKind::Arithmetic => MeanKind::Arithmetic,
                wit_probes::MeanKind::Geometric => MeanKind::Geometric,
                wit_probes::MeanKind::Harmonic => MeanKind::Harmonic,
            },
            end: w.end,
            step: w.step,
            timeout: w.timeout,
        }
    }
}

impl From<wit_probes::AlertFilter> for AlertFilter {
    fn from(f: wit_probes::AlertFilter) -> Self {
        AlertFilter {
            alertname: f.alertname,
            labels: f
                .labels
                .into_iter()
                .map(|m| LabelMatcher {
                    name: m.name,
                    op: match m.op {
                        wit_probes::MatchOp::Equal => MatchOp::Equal,
                        wit_probes::MatchOp::NotEqual => MatchOp::NotEqual,
                        wit_probes::MatchOp::Regex => MatchOp::Regex,
                        wit_probes::MatchOp::NotRegex => MatchOp::NotRegex,
                    },
                    value: m.value,
                })
                .collect(),
            state: f.state.map(|state| match state {
                wit_probes::AlertState::Pending => AlertState::Pending,
                wit_probes::AlertState::Firing => AlertState::Firing,
            }),
        }
    }
}

impl From<ProbeError> for wit::ProbeError {
    fn from(error: ProbeError) -> Self {
        match error {
            ProbeError::InvalidArgument(m) => wit::ProbeError::InvalidArgument(m),
            ProbeError::Transport { kind, message } => {
                wit::ProbeError::Transport(wit::TransportError {
                    kind: match kind {
                        TransportFailure::Denied => wit::TransportFailure::Denied,
                        TransportFailure::Dns => wit::TransportFailure::Dns,
                        TransportFailure::ConnectionRefused => {
                            wit::TransportFailure::ConnectionRefused
                        }
                        TransportFailure::Timeout => wit::TransportFailure::Timeout,
                        TransportFailure::Tls => wit::TransportFailure::Tls,
                        TransportFailure::ConnectionLost => wit::TransportFailure::ConnectionLost,
                        TransportFailure::Protocol => wit::TransportFailure::Protocol,
                        TransportFailure::Other => wit::TransportFailure::Other,
                    },
                    message,
                })
            }
            ProbeError::HttpStatus {
                status,
                body,
                message,
            } => wit::ProbeError::HttpStatus(wit::HttpStatusError {
                status,
                body,
                message,
            }),
            ProbeError::Prometheus {
                status,
                error_type,
                error,
                message,
            } => wit::ProbeError::Prometheus(wit::PrometheusError {
                status,
                error_type,
                error,
                message,
            }),
            ProbeError::BadResponse { kind, message } => {
                wit::ProbeError::BadResponse(wit::BadResponse {
                    kind: match kind {
                        BadResponseKind::NotJson => wit::BadResponseKind::NotJson,
                        BadResponseKind::NotUtf8 => wit::BadResponseKind::NotUtf8,
                        BadResponseKind::TooLarge => wit::BadResponseKind::TooLarge,
                        BadResponseKind::UnexpectedShape => wit::BadResponseKind::UnexpectedShape,
                    },
                    message,
                })
            }
            ProbeError::ResultShape(m) => wit::ProbeError::ResultShape(m),
            ProbeError::Other(m) => wit::ProbeError::Other(m),
        }
    }
}

impl From<wit_controls::ControlSettings> for ControlSettings {
    fn from(s: wit_controls::ControlSettings) -> Self {
        ControlSettings {
            pushgateway_url: s.pushgateway_url,
            job: s.job,
            grouping_key: s.grouping_key,
            trace_id: s.trace_id,
            experiment_ref: s.experiment_ref,
            experiment: s.experiment,
            configuration: s.configuration,
            lib_version: s.lib_version,
            activity_metrics: s.activity_metrics,
            keep_runs: s.keep_runs,
            headers: s.headers,
            connect_timeout_ms: s.connect_timeout_ms,
            request_timeout_ms: s.request_timeout_ms,
        }
    }
}

impl From<wit_controls::RunStatus> for RunStatus {
    fn from(status: wit_controls::RunStatus) -> Self {
        match status {
            wit_controls::RunStatus::Completed => RunStatus::Completed,
            wit_controls::RunStatus::Failed => RunStatus::Failed,
            wit_controls::RunStatus::Aborted => RunStatus::Aborted,
            wit_controls::RunStatus::Interrupted => RunStatus::Interrupted,
        }
    }
}

impl From<wit_controls::ActivityOutcome> for ActivityOutcome {
    fn from(o: wit_controls::ActivityOutcome) -> Self {
        ActivityOutcome {
            name: o.name,
            kind: match o.kind {
                wit_controls::ActivityKind::Probe => ActivityKind::Probe,
                wit_controls::ActivityKind::Action => ActivityKind::Action,
            },
            status: match o.status {
                wit_controls::ActivityStatus::Succeeded => ActivityStatus::Succeeded,
                wit_controls::ActivityStatus::Failed => ActivityStatus::Failed,
            },
            duration_seconds: o.duration_seconds,
        }
    }
}

impl From<PushReport> for wit_controls::PushReport {
    fn from(r: PushReport) -> Self {
        wit_controls::PushReport {
            url: r.url,
            attempts: r.attempts,
            bytes: r.bytes,
        }
    }
}
