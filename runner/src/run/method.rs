//! The method (activities in order, background ones alongside) and the
//! rollbacks.

use std::future::Future;
use std::pin::pin;

use super::activity::Aborted;
use super::Runner;
use crate::journal::Entry;
use futures::stream::{FuturesUnordered, StreamExt};

impl Runner {
    /// The method: activities in order, background ones alongside, all
    /// joined at the end. `Err` when an activity aborted the run (its
    /// entry is in the journal already).
    pub(super) async fn method(&self) -> Result<(), Aborted> {
        let mut background = FuturesUnordered::new();
        let mut abort = None;
        for step in &self.model.method {
            let slot = {
                let mut runs = self.method_runs.borrow_mut();
                runs.push(None);
                runs.len() - 1
            };
            let runs = &self.method_runs;
            let job = async move { (slot, self.execute(step, Some((runs, slot))).await) };
            if step.background() {
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
            if abort.is_some() || self.failed_fast.get() {
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
        abort: &mut Option<Aborted>,
    ) {
        let entry = match outcome {
            Ok(entry) => Some(entry),
            Err(Aborted { entry, message }) => {
                abort.get_or_insert(Aborted {
                    entry: None,
                    message,
                });
                entry
            }
        };
        self.method_runs.borrow_mut()[slot] = entry.map(|e| e.to_json());
    }

    /// The rollbacks in order, each entry kept in `rollback_runs`.
    pub(super) async fn rollbacks(&self) {
        if !self.model.rollbacks.is_empty() {
            self.printer.line("Let's rollback...");
        }
        for step in &self.model.rollbacks {
            let slot = {
                let mut runs = self.rollback_runs.borrow_mut();
                runs.push(None);
                runs.len() - 1
            };
            let entry = match self.execute(step, Some((&self.rollback_runs, slot))).await {
                Ok(entry) => Some(entry),
                Err(aborted) => {
                    self.warn(format!("rollback aborted: {}", aborted.message));
                    aborted.entry
                }
            };
            self.rollback_runs.borrow_mut()[slot] = entry.map(|e| e.to_json());
        }
    }
}
