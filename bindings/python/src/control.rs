//! `ControlRun`: the component's control for one experiment run, reaching
//! only its Pushgateway, with the Pushgateway's credentials added by the host.

use std::sync::{Condvar, Mutex, MutexGuard};

use pyo3::prelude::*;

use chaosprometheus_host::{
    ActivityKind, ActivityOutcome, ActivityStatus, CallLimits, ControlSettings, OutboundPolicy,
    ProbeHost, RunIdentity, RunStatus,
};

use chaosprometheus_host::control_args::{control_settings, CONTROL_ARGUMENTS};
use chaosprometheus_host::rules;
use chaosprometheus_host::settings::allow_pushgateway;

use crate::probes::object;
use crate::{block_on, call_failed, component, invalid};

#[pyclass(frozen, module = "chaosprometheus._native")]
pub struct ControlRun {
    host: ProbeHost,
    /// The settings with the run's identity fixed, to start the run again
    /// under the same identity after an interrupted call.
    settings: ControlSettings,
    identity: RunIdentity,
    slot: Mutex<Slot>,
    /// Signalled when a call puts the run back.
    returned: Condvar,
}

/// A push that went through: (URL, tries, bytes).
type Pushed = (String, u32, u64);

#[pymethods]
impl ControlRun {
    /// Upstream's `configure_control`: fixes the trace id, the experiment
    /// reference and the grouping key; sends nothing. `arguments` is the
    /// control's arguments as a JSON object (read by the host library, as
    /// `chaosprom run` reads them), `configuration` the experiment's
    /// configuration block as JSON text, `secrets` every scope's secrets as
    /// one JSON object: the host adds the `pushgateway_*` credential and
    /// headers to every push; the component never sees them.
    #[staticmethod]
    #[pyo3(signature = (*, arguments=None, experiment=None, configuration=None, lib_version=None, secrets=None))]
    fn start(
        py: Python<'_>,
        arguments: Option<String>,
        experiment: Option<String>,
        configuration: Option<String>,
        lib_version: Option<String>,
        secrets: Option<String>,
    ) -> PyResult<ControlRun> {
        let arguments = object(py, "the control's arguments", arguments.as_deref())?;
        let read = control_settings(&arguments).map_err(|e| invalid(py, &e.to_string()))?;
        let mut settings = read.settings;
        let both = (
            &object(py, "the configuration", configuration.as_deref())?,
            &object(py, "the secrets", secrets.as_deref())?,
        );
        let url = rules::control::pushgateway_url(settings.pushgateway_url.clone(), both.0)
            .map_err(|e| invalid(py, &e.to_string()))?;
        let mut policy = OutboundPolicy::from_environment();
        allow_pushgateway(&mut policy, &url, both, None, read.verify_tls)
            .map_err(|e| invalid(py, &e.to_string()))?;
        let host = py.detach(component)?.host(policy, CallLimits::default());
        settings.experiment = experiment;
        settings.configuration = configuration;
        settings.lib_version = lib_version;
        let run = block_on(py, host.start_run(&settings))?.map_err(|e| call_failed(py, &e))?;
        let identity = run.identity().clone();
        settings.trace_id = Some(identity.trace_id.clone());
        settings.experiment_ref = Some(identity.experiment_ref.clone());
        Ok(ControlRun {
            host,
            settings,
            identity,
            slot: Mutex::new(Slot::Ready(Box::new(run))),
            returned: Condvar::new(),
        })
    }

    /// The names among `names` that are no argument of the control.
    #[staticmethod]
    fn unknown_arguments(names: Vec<String>) -> Vec<String> {
        names
            .into_iter()
            .filter(|name| !CONTROL_ARGUMENTS.contains(&name.as_str()))
            .collect()
    }

    /// Whether activities are recorded (`activity_metrics`).
    #[getter]
    fn activity_metrics(&self) -> bool {
        self.settings.activity_metrics
    }

    #[getter]
    fn trace_id(&self) -> &str {
        &self.identity.trace_id
    }

    #[getter]
    fn experiment_ref(&self) -> &str {
        &self.identity.experiment_ref
    }

    #[getter]
    fn grouping_key(&self) -> Vec<(String, String)> {
        self.identity.grouping_key.clone()
    }

    #[getter]
    fn push_url(&self) -> &str {
        &self.identity.push_url
    }

    /// Pushes "in progress".
    fn before_experiment(&self, py: Python<'_>) -> PyResult<Pushed> {
        let report = self.call(py, |run| block_on(py, run.before_experiment()))?;
        Ok((report.url, report.attempts, report.bytes))
    }

    /// Records one activity for the activity families (sends nothing).
    /// `kind` is `probe` or `action`; `status` Chaos Toolkit's run status.
    fn after_activity(
        &self,
        py: Python<'_>,
        name: String,
        kind: &str,
        status: &str,
        duration_seconds: f64,
    ) -> PyResult<()> {
        let outcome = ActivityOutcome {
            name,
            kind: if kind == "action" {
                ActivityKind::Action
            } else {
                ActivityKind::Probe
            },
            status: if status == "succeeded" {
                ActivityStatus::Succeeded
            } else {
                ActivityStatus::Failed
            },
            duration_seconds,
        };
        self.call(py, |run| block_on(py, run.after_activity(&outcome)))
    }

    /// Pushes the run's result. `status` is the journal's status.
    fn after_experiment(
        &self,
        py: Python<'_>,
        status: &str,
        deviated: bool,
        duration_seconds: f64,
    ) -> PyResult<Pushed> {
        let status = match status {
            "failed" => RunStatus::Failed,
            "aborted" => RunStatus::Aborted,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::Completed,
        };
        let report = self.call(py, |run| {
            block_on(py, run.after_experiment(status, deviated, duration_seconds))
        })?;
        Ok((report.url, report.attempts, report.bytes))
    }
}

/// Where the run is between calls. Chaos Toolkit may call the control from
/// several threads (background activities), one call at a time gets the run.
enum Slot {
    Ready(Box<chaosprometheus_host::ControlRun>),
    InUse,
    /// An interrupted call dropped the run with its instance (it may have
    /// been mid-call); the next call starts a fresh one, same identity.
    Dropped,
}

impl ControlRun {
    /// Runs `call` on the run (waiting for another thread's call to end,
    /// without holding the GIL), then puts the run back; an interrupted call
    /// (a Python exception from the wait) drops it.
    fn call<R>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(
            &mut chaosprometheus_host::ControlRun,
        ) -> PyResult<Result<R, chaosprometheus_host::CallError>>,
    ) -> PyResult<R> {
        let taken = py.detach(|| {
            let mut slot = self.lock();
            loop {
                match std::mem::replace(&mut *slot, Slot::InUse) {
                    Slot::Ready(run) => return Some(run),
                    Slot::Dropped => return None,
                    Slot::InUse => {
                        slot = self
                            .returned
                            .wait(slot)
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                    }
                }
            }
        });
        let mut run = match taken {
            Some(run) => run,
            None => match block_on(py, self.host.start_run(&self.settings)) {
                Ok(Ok(run)) => Box::new(run),
                Ok(Err(error)) => return Err(self.drop_run(call_failed(py, &error))),
                Err(interrupted) => return Err(self.drop_run(interrupted)),
            },
        };
        match call(&mut run) {
            Ok(outcome) => {
                *self.lock() = Slot::Ready(run);
                self.returned.notify_one();
                outcome.map_err(|e| call_failed(py, &e))
            }
            Err(interrupted) => Err(self.drop_run(interrupted)),
        }
    }

    /// Leaves no run for the next call (which starts a fresh one); returns `error`.
    fn drop_run(&self, error: PyErr) -> PyErr {
        *self.lock() = Slot::Dropped;
        self.returned.notify_one();
        error
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
