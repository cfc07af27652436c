//! [`ControlRun`]: the control of one experiment run, keeping the
//! component's `run` resource in an instance of its own between calls.

use std::sync::Arc;

use wasmtime::component::ResourceAny;
use wasmtime::Store;

use crate::bindings::{ActivityOutcome, Chaosprometheus, ProbeError, PushReport, RunStatus};
use crate::error::CallError;
use crate::host::{bounded, explain, redact, settle, CallState};
use crate::limits::CallLimits;

/// Who a control run is: fixed when it is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIdentity {
    pub trace_id: String,
    pub experiment_ref: String,
    pub grouping_key: Vec<(String, String)>,
    pub push_url: String,
}

/// The control of one experiment run, holding the component's `run`
/// resource in its own instance. Each call gets the full CPU budget and
/// deadline; a trap or a deadline stops the run, and later calls say so.
pub struct ControlRun {
    pub(crate) store: Store<CallState>,
    pub(crate) guest: Chaosprometheus,
    pub(crate) run: ResourceAny,
    pub(crate) identity: RunIdentity,
    pub(crate) limits: CallLimits,
    pub(crate) stopped: Option<String>,
}

impl ControlRun {
    pub fn identity(&self) -> &RunIdentity {
        &self.identity
    }

    /// Pushes "in progress".
    pub async fn before_experiment(&mut self) -> Result<PushReport, CallError> {
        self.call(async |store, guest, run| {
            guest
                .chaostoolkit_prometheus_controls()
                .run()
                .call_before_experiment(store, run)
                .await
        })
        .await
    }

    /// Records one activity's outcome for the activity families.
    pub async fn after_activity(&mut self, outcome: &ActivityOutcome) -> Result<(), CallError> {
        self.call(async |store, guest, run| {
            guest
                .chaostoolkit_prometheus_controls()
                .run()
                .call_after_activity(store, run, outcome)
                .await
                .map(Ok)
        })
        .await
    }

    /// Pushes the run's result.
    pub async fn after_experiment(
        &mut self,
        status: RunStatus,
        deviated: bool,
        duration_seconds: f64,
    ) -> Result<PushReport, CallError> {
        self.call(async |store, guest, run| {
            guest
                .chaostoolkit_prometheus_controls()
                .run()
                .call_after_experiment(store, run, status, deviated, duration_seconds)
                .await
        })
        .await
    }

    async fn call<R>(
        &mut self,
        call: impl AsyncFnOnce(
            &mut Store<CallState>,
            &Chaosprometheus,
            ResourceAny,
        ) -> wasmtime::Result<Result<R, ProbeError>>,
    ) -> Result<R, CallError> {
        if let Some(why) = &self.stopped {
            return Err(CallError::RunStopped(why.clone()));
        }
        self.store
            .set_fuel(self.limits.fuel)
            .map_err(CallError::Host)?;
        let outcome = bounded(
            self.limits.deadline,
            call(&mut self.store, &self.guest, self.run),
        )
        .await;
        let policy = Arc::clone(&self.store.data().hooks.policy);
        let result = settle(outcome, &self.store, &self.limits)
            .map_err(|e| redact(explain(e, &self.store), &policy));
        if let Err(error) = &result {
            if !matches!(error, CallError::Probe(_)) {
                self.stopped = Some(error.to_string());
            }
        }
        result
    }
}
