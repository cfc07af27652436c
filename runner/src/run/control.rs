//! The `chaosprometheus.metrics` control of a run: started before the
//! experiment, told of each activity, pushing before and after.

use serde_json::Value;

use chaosprometheus_host::{ActivityKind, ActivityOutcome, ActivityStatus, RunStatus};

use super::{Control, Runner};
use crate::journal::Entry;
use crate::model::{Activity, Kind};
use crate::prometheus::CONTROL_MODULE;

impl Runner {
    pub(super) async fn start_control(&self) {
        let Some((spec, strict)) = &self.control_spec else {
            return;
        };
        let mut settings = spec.clone();
        settings.experiment = Some(self.experiment.to_string());
        settings.configuration = Some(Value::Object(self.values.configuration.clone()).to_string());
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

    pub(super) async fn push_before(&self) {
        let mut control = self.control.lock().await;
        if let Some(control) = control.as_mut() {
            if let Err(error) = control.run.before_experiment().await {
                self.warn(format!("the before-experiment push failed: {error}"));
            }
        }
    }

    pub(super) async fn after_activity(&self, activity: &Activity, entry: &Entry) {
        let mut control = self.control.lock().await;
        let Some(control) = control.as_mut().filter(|c| c.activity_metrics) else {
            return;
        };
        let outcome = ActivityOutcome {
            name: activity.name.clone(),
            kind: match activity.kind {
                Kind::Action => ActivityKind::Action,
                Kind::Probe => ActivityKind::Probe,
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
    pub(super) async fn push_after(&self, status: &str, deviated: bool, duration: f64) -> bool {
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
}
