//! One activity: Chaos Toolkit's `execute_activity`, with its pauses and
//! `--dry`, and the provider that runs it (the component, a process, HTTP).

use std::cell::RefCell;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::{activity_label, scopes, Runner};
use crate::configuration::substitute;
use crate::journal::{now_iso, number, Entry};
use crate::prometheus::{self, ProbeCall, PROBES_MODULE};
use chaosprometheus_host::CallError;

use crate::providers::{self, ActivityError, Failure};
use crate::Dry;

/// An activity whose error aborts the run (Chaos Toolkit: any error that
/// is not `ActivityFailed`).
pub(crate) struct Aborted {
    pub(crate) entry: Option<Entry>,
    pub(crate) message: String,
}

/// Where a phase keeps an activity's journal entry: chaostoolkit-lib
/// writes it when the activity starts, so one cut short is recorded too.
pub(crate) type Slot<'a> = Option<(&'a RefCell<Vec<Option<Value>>>, usize)>;

impl Runner {
    /// Runs one activity with its pauses: Chaos Toolkit's `execute_activity`.
    pub(super) async fn execute(&self, activity: &Value, slot: Slot<'_>) -> Result<Entry, Aborted> {
        let activity = match activity.get("ref").and_then(Value::as_str) {
            Some(name) => self.refs.get(name).cloned().ok_or_else(|| Aborted {
                entry: None,
                message: format!("could not find referenced activity '{name}'"),
            })?,
            None => activity.clone(),
        };
        let names = self.values.lookup(&scopes(&activity));
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
        if let Some((runs, index)) = slot {
            runs.borrow_mut()[index] =
                Some(json!({"activity": activity, "output": null, "start": start}));
        }
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
            error_kind: None,
            tolerance_met: None,
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
    pub(super) fn skips(&self, activity: &Value) -> bool {
        let kind = activity.get("type").and_then(Value::as_str);
        match self.dry {
            Some(Dry::Activities) => true,
            Some(Dry::Probes) => kind == Some("probe"),
            Some(Dry::Actions) => kind == Some("action"),
            _ => false,
        }
    }

    /// Runs the activity's provider and returns its output.
    pub(super) async fn provide(&self, activity: &Value) -> Result<Value, Failure> {
        let provider = activity
            .get("provider")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names = self.values.lookup(&scopes(activity));
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
                    .map_err(Failure::activity)?;
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

    pub(super) async fn call_component(&self, call: ProbeCall) -> Result<Value, Failure> {
        let failed = |e: CallError| Failure::Activity(ActivityError::Call(e));
        let json_answer = |text: String| {
            serde_json::from_str(&text)
                .map_err(|e| Failure::activity(format!("the answer is not JSON: {e}")))
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
}
