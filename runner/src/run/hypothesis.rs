//! The steady-state hypothesis: its probes in order, each against its
//! tolerance, stopping at the first that is not met.

use serde_json::{json, Value};

use super::{activity_label, scopes, truthy, Runner};
use crate::journal::empty_entry;
use crate::{tolerance, validate};

impl Runner {
    /// The steady-state hypothesis, or `None` when there is none.
    pub(super) async fn hypothesis(&self, when: &str) -> Option<Value> {
        let hypothesis = self.experiment.get("steady-state-hypothesis")?;
        let probes: Vec<&Value> = validate::list(hypothesis.get("probes")).collect();
        if probes.is_empty() {
            return None;
        }
        let title = hypothesis
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.printer
            .line(&format!("Steady state hypothesis ({when}): {title}"));
        let mut entries = Vec::new();
        let mut met = true;
        for probe in probes {
            let mut entry = match self.execute(probe).await {
                Ok(entry) => entry,
                Err(aborted) => {
                    self.warn(format!("hypothesis probe aborted: {}", aborted.message));
                    let mut entry = aborted.entry.unwrap_or_else(|| empty_entry(probe));
                    entry.status = Some("failed");
                    entry.exception = Some(aborted.message);
                    entry
                }
            };
            let within = if !entry.succeeded() {
                false
            } else if self.skips(probe) {
                true
            } else {
                self.check_tolerance(probe, &entry.output).await
            };
            entry.tolerance_met = Some(within);
            self.printer.tolerance(within);
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

    pub(super) async fn check_tolerance(&self, probe: &Value, output: &Value) -> bool {
        let Some(tolerance) = probe.get("tolerance") else {
            return true;
        };
        let names = self.values.lookup(&scopes(probe));
        if tolerance.get("type").and_then(Value::as_str) == Some("probe") {
            // The output goes to the tolerance probe as its `value` argument.
            let mut check = tolerance.clone();
            if let Some(arguments) = check["provider"]
                .get_mut("arguments")
                .and_then(Value::as_object_mut)
            {
                arguments.insert("value".into(), output.clone());
            }
            return match self.provide(&check).await {
                Ok(result) => truthy(&result),
                Err(_) => false,
            };
        }
        match tolerance::within(tolerance, output, &names) {
            Ok(within) => within,
            Err(problem) => {
                self.warn(format!(
                    "the tolerance of '{}' could not be checked: {problem}",
                    activity_label(probe)
                ));
                false
            }
        }
    }
}
