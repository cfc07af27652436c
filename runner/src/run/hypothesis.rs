//! The steady-state hypothesis: its probes in order, each against its
//! tolerance, stopping at the first that is not met.

use std::cell::Cell;
use std::time::Duration;

use chaosprometheus::python::truthy;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::activity::Aborted;
use super::Runner;
use crate::journal::empty_entry;
use crate::model::{tolerance_probe, Activity};
use crate::tolerance::Tolerance;

impl Runner {
    /// The steady-state hypothesis, or `None` when there is none.
    pub(super) async fn hypothesis(&self, when: &str) -> Option<Value> {
        if self.model.hypothesis.is_empty() {
            return None;
        }
        self.printer.line(&format!(
            "Steady state hypothesis ({when}): {}",
            self.model.hypothesis_title
        ));
        let mut entries = Vec::new();
        let mut met = true;
        for step in &self.model.hypothesis {
            let mut entry = match self.execute(step, None).await {
                Ok(entry) => entry,
                Err(aborted) => {
                    self.warn(format!("hypothesis probe aborted: {}", aborted.message));
                    let mut entry = aborted.entry.unwrap_or_else(|| empty_entry(&step.raw()));
                    entry.status = Some("failed");
                    entry.exception = Some(aborted.message);
                    entry
                }
            };
            let within = match self.model.resolve(step) {
                Ok(_) if !entry.succeeded() => false,
                Ok(probe) if self.skips(probe) => true,
                Ok(probe) => self.check_tolerance(probe, &entry.output).await,
                Err(_) => false,
            };
            entry.tolerance_met = Some(within);
            self.printer.tolerance(within);
            if !within {
                if let Ok(probe) = self.model.resolve(step) {
                    self.explain(probe, &mut entry);
                }
            }
            entries.push(entry.to_json());
            if !within {
                met = false;
                break;
            }
        }
        self.printer.line(if met {
            "Steady state hypothesis is met!"
        } else {
            "Steady state hypothesis is not met"
        });
        Some(json!({"steady_state_met": met, "probes": entries}))
    }

    pub(super) fn has_hypothesis(&self) -> bool {
        !self.model.hypothesis.is_empty()
    }

    /// The method with the hypothesis run alongside it, every `frequency`
    /// seconds, until the method ends (`during-method-only` and
    /// `continuously`).
    pub(super) async fn method_with_hypothesis(&self) -> Result<(), Aborted> {
        let method_done = Cell::new(false);
        let wake = Notify::new();
        let method = async {
            let outcome = self.method().await;
            method_done.set(true);
            wake.notify_one();
            outcome
        };
        let (outcome, ()) = tokio::join!(method, self.hypothesis_during(&method_done, &wake));
        outcome
    }

    /// chaostoolkit-lib's `run_hypothesis_continuously`: each run recorded
    /// in `steady_states.during`; with `--fail-fast` the first that is not
    /// met fails the run and stops the method after its current activity.
    async fn hypothesis_during(&self, method_done: &Cell<bool>, wake: &Notify) {
        let pace = Duration::try_from_secs_f64(self.frequency).unwrap_or(Duration::MAX);
        self.printer.line(&format!(
            "Executing the steady-state hypothesis continuously every {} seconds",
            self.frequency
        ));
        let (mut runs, mut not_met) = (0u32, 0u32);
        while !method_done.get() {
            let Some(state) = self.hypothesis("during").await else {
                break;
            };
            runs += 1;
            let met = state["steady_state_met"] == true;
            self.during_states.borrow_mut().push(state);
            if !met {
                not_met += 1;
                if self.fail_fast {
                    self.printer.line(&format!(
                        "Terminating immediately the experiment after {:.1}% hypothesis deviated",
                        f64::from(not_met) * 100.0 / f64::from(runs)
                    ));
                    self.failed_fast.set(true);
                    break;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(pace) => {}
                () = wake.notified() => {}
            }
        }
        self.printer
            .line("Continuous steady state hypothesis terminated");
    }

    pub(super) async fn check_tolerance(&self, probe: &Activity, output: &Value) -> bool {
        let Some(tolerance) = &probe.tolerance else {
            return true;
        };
        if let Tolerance::Probe(spec) = tolerance {
            // The output goes to the tolerance probe as its `value` argument.
            return match tolerance_probe(spec, output) {
                Ok(check) => self
                    .provide(&check)
                    .await
                    .is_ok_and(|result| truthy(&result)),
                Err(problem) => {
                    self.warn(format!(
                        "the tolerance probe of '{}': {problem}",
                        probe.name
                    ));
                    false
                }
            };
        }
        let names = self.values.lookup(&probe.secrets());
        match tolerance.within(output, &names) {
            Ok(within) => within,
            Err(problem) => {
                self.warn(format!(
                    "the tolerance of '{}' could not be checked: {problem}",
                    probe.name
                ));
                false
            }
        }
    }
}
