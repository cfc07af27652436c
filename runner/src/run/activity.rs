//! One activity: Chaos Toolkit's `execute_activity`, with its pauses and
//! `--dry`, and the provider that runs it (the component, a process, HTTP).

use std::cell::RefCell;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::Runner;
use crate::configuration::substitute;
use crate::journal::{now_iso, number, Entry};
use crate::model::{Activity, Kind, Provider, Step};
use crate::prometheus::{self, ProbeCall, PROBES_MODULE};
use chaosprometheus_host::{explanation, CallError, ProbeAnswer};

use crate::providers::{self, ActivityError, Failure};
use crate::Dry;

/// An activity whose error aborts the run (Chaos Toolkit: any error that
/// is not `ActivityFailed`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Aborted {
    pub(crate) entry: Option<Entry>,
    pub(crate) message: String,
}

/// Where a phase keeps an activity's journal entry: chaostoolkit-lib
/// writes it when the activity starts, so one cut short is recorded too.
pub(crate) type Slot<'a> = Option<(&'a RefCell<Vec<Option<Value>>>, usize)>;

impl Runner {
    /// Runs one step with its pauses: Chaos Toolkit's `execute_activity`.
    pub(super) async fn execute(&self, step: &Step, slot: Slot<'_>) -> Result<Entry, Aborted> {
        let activity = self.model.resolve(step).map_err(|error| Aborted {
            entry: None,
            message: error.to_string(),
        })?;
        let names = self.values.lookup(&activity.secrets());
        let skip = self.skips(activity);
        let pauses = substitute(&activity.pauses.to_json(), &names);
        let pause = |when: &str| {
            pauses
                .get(when)
                .and_then(Value::as_f64)
                .filter(|_| !skip && self.dry != Some(Dry::Pause))
        };
        if let Some(seconds) = pause("before") {
            self.printer.pause(seconds, "before", &activity.name).await;
        }
        let clock = Instant::now();
        let start = now_iso();
        if let Some((runs, index)) = slot {
            runs.borrow_mut()[index] =
                Some(json!({"activity": activity.raw, "output": null, "start": start}));
        }
        let result = if skip {
            Ok(Value::Null)
        } else {
            self.provide(activity).await
        };
        let end = now_iso();
        let duration = clock.elapsed().as_secs_f64();
        let mut entry = Entry {
            activity: activity.raw.clone(),
            output: Value::Null,
            start,
            end,
            duration,
            status: Some("succeeded"),
            exception: None,
            error_kind: None,
            tolerance_met: None,
            explanation: None,
        };
        let aborted = match result {
            Ok(output) => {
                entry.output = output;
                None
            }
            Err(Failure::Activity(error)) => {
                entry.status = Some("failed");
                entry.exception = Some(error.to_string());
                entry.error_kind = Some(error.kind());
                None
            }
            Err(Failure::Abort(message)) => {
                entry.status = None;
                Some(message)
            }
        };
        self.printer.activity(activity, &entry, aborted.as_deref());
        if explanation::judgement_failed(&entry.output) {
            self.explain(activity, &mut entry);
        }
        self.after_activity(activity, &entry).await;
        if let Some(seconds) = pause("after") {
            self.printer.pause(seconds, "after", &activity.name).await;
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
    pub(super) fn skips(&self, activity: &Activity) -> bool {
        match self.dry {
            Some(Dry::Activities) => true,
            Some(Dry::Probes) => activity.kind == Kind::Probe,
            Some(Dry::Actions) => activity.kind == Kind::Action,
            _ => false,
        }
    }

    /// Runs the activity's provider and returns its output.
    pub(super) async fn provide(&self, activity: &Activity) -> Result<Value, Failure> {
        let names = self.values.lookup(&activity.secrets());
        let fill = |value: &Value| substitute(value, &names);
        match &activity.provider {
            Provider::Python {
                module,
                func,
                arguments,
                ..
            } if module == PROBES_MODULE => {
                let arguments = fill(arguments);
                let empty = Map::new();
                let call = prometheus::plan(func, arguments.as_object().unwrap_or(&empty))
                    .map_err(|e| Failure::activity(e.to_string()))?;
                self.call_component(call).await
            }
            Provider::Python { module, .. } => Err(Failure::Abort(format!(
                "the Python module '{module}' cannot run here"
            ))),
            Provider::Process {
                path,
                arguments,
                timeout,
                ..
            } => providers::run_process(path, &fill(arguments), fill(timeout).as_f64()).await,
            Provider::Http {
                url,
                method,
                headers,
                arguments,
                timeout,
                verify_tls,
                ..
            } => {
                providers::run_http(
                    method.as_deref().unwrap_or("GET"),
                    verify_tls.unwrap_or(true),
                    fill(url).as_str().unwrap_or_default(),
                    &fill(headers),
                    &fill(arguments),
                    &fill(timeout),
                )
                .await
            }
        }
    }

    pub(super) async fn call_component(&self, call: ProbeCall) -> Result<Value, Failure> {
        let failed = |e: CallError| Failure::Activity(ActivityError::Call(e));
        let json_answer = |text: String| {
            serde_json::from_str(&text)
                .map_err(|e| Failure::activity(format!("the answer is not JSON: {e}")))
        };
        match self
            .host
            .run_probe(&self.endpoint, &call)
            .await
            .map_err(failed)?
        {
            ProbeAnswer::Json(text) => json_answer(text),
            ProbeAnswer::Number(value) => Ok(number(value)),
        }
    }
}
