//! The method (activities in order, background ones alongside) and the
//! rollbacks.

use std::future::Future;
use std::pin::pin;

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;

use super::activity::Aborted;
use super::Runner;
use crate::journal::Entry;
use crate::validate;

impl Runner {
    /// The method: activities in order, background ones alongside, all
    /// joined at the end. `Err` when an activity aborted the run.
    pub(super) async fn method(&self) -> Result<(), String> {
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

    pub(super) fn record(
        &self,
        (slot, outcome): (usize, Result<Entry, Aborted>),
        abort: &mut Option<String>,
    ) {
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

    pub(super) async fn rollbacks(&self) -> Vec<Value> {
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
}
