//! Safeguards: the probes of the `chaosaddons.controls.safeguards` control,
//! with chaostoolkit-addons' semantics. A probe without `frequency` or
//! `background` is a pre-check that runs (with the others) before the
//! experiment and blocks it; `background: true` runs once alongside the
//! run; `frequency: N` runs every N seconds until the run ends. A probe
//! whose tolerance is not met, or that fails, interrupts the run at once.

use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};

use super::Runner;
use crate::configuration::substitute;
use crate::journal::now_iso;
use crate::model::{Activity, ModelError, Step};
use crate::providers::Failure;
use crate::{validate, Interruption};

/// The control's module in experiment files.
pub(crate) const SAFEGUARDS_MODULE: &str = "chaosaddons.controls.safeguards";

/// When a safeguard probe runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Schedule {
    /// Before the experiment, blocking it.
    PreCheck,
    /// Once, as soon as the run starts, without blocking it.
    Once,
    /// Every so many seconds until the run ends.
    Every(f64),
}

#[derive(Debug, Clone)]
pub(crate) struct Guard {
    pub(crate) probe: Step,
    pub(crate) schedule: Schedule,
}

/// The safeguard probes of every safeguards control of the experiment.
pub(crate) fn guards(experiment: &Value) -> Result<Vec<Guard>, ModelError> {
    validate::list(experiment.get("controls"))
        .filter(|control| control["provider"]["module"] == SAFEGUARDS_MODULE)
        .flat_map(|control| validate::list(control["provider"].pointer("/arguments/probes")))
        .map(|probe| {
            Ok(Guard {
                probe: Step::parse(probe)?,
                schedule: schedule(probe),
            })
        })
        .collect()
}

/// chaostoolkit-addons reads `frequency` first, then `background`, each
/// by Python truthiness (so `frequency: 0` is not a repeating probe).
fn schedule(probe: &Value) -> Schedule {
    match probe.get("frequency").and_then(Value::as_f64) {
        Some(seconds) if seconds > 0.0 => Schedule::Every(seconds),
        _ if probe.get("background") == Some(&Value::Bool(true)) => Schedule::Once,
        _ => Schedule::PreCheck,
    }
}

/// Problems of a safeguards control's arguments, as chaostoolkit-addons'
/// `validate_control` finds them.
pub(crate) fn problems(control_name: &str, arguments: &Value) -> Vec<String> {
    let probes: Vec<&Value> = validate::list(arguments.get("probes")).collect();
    if probes.is_empty() {
        return vec![format!(
            "control '{control_name}': the safeguard control must have at least one probe"
        )];
    }
    let mut found = Vec::new();
    for probe in probes {
        let name = probe
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        if probe.get("ref").is_none() && probe.get("type").and_then(Value::as_str) != Some("probe")
        {
            found.push(format!(
                "safeguard '{name}' should be of type 'probe' (it is an action or has no type)"
            ));
        }
        if probe.get("tolerance").is_none() {
            found.push(format!(
                "the safeguard control is invalid as the probe '{name}' is missing a tolerance property"
            ));
        }
        match probe.get("frequency") {
            None | Some(Value::Null) => {}
            Some(frequency) if frequency.as_f64().is_some_and(|f| f >= 0.0) => {}
            Some(other) => found.push(format!(
                "safeguard '{name}': frequency must be a number of seconds, not {other}"
            )),
        }
        if let Some(background) = probe.get("background") {
            if !background.is_boolean() {
                found.push(format!(
                    "safeguard '{name}': background must be true or false"
                ));
            }
        }
    }
    found
}

/// A safeguard that tripped: its probe's name and its run.
pub(crate) struct Tripped {
    pub(crate) name: String,
    pub(crate) run: Value,
}

impl Tripped {
    /// The record chaostoolkit-addons 0.12 writes under `safeguards`.
    pub(crate) fn to_json(&self) -> Value {
        json!({"triggered_by": self.name, "run": self.run})
    }
}

impl Runner {
    /// Runs every pre-check together and waits for them all; the first (in
    /// the file's order) whose tolerance is not met interrupts the run.
    pub(super) async fn pre_checks(&self) -> Option<Interruption> {
        let checks = self
            .guards
            .iter()
            .filter(|g| g.schedule == Schedule::PreCheck);
        let outcomes = futures::future::join_all(checks.map(|g| self.guard_once(&g.probe))).await;
        let tripped = outcomes.into_iter().flatten().next()?;
        Some(self.trip(tripped))
    }

    /// Runs the background and repeating safeguards until one trips; never
    /// resolves when none does.
    pub(super) async fn watch_guards(&self) -> Interruption {
        let mut watching: FuturesUnordered<_> = self
            .guards
            .iter()
            .filter_map(|guard| match guard.schedule {
                Schedule::PreCheck => None,
                Schedule::Once => Some(Box::pin(self.guard_once(&guard.probe))
                    as std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>>),
                Schedule::Every(seconds) => Some(Box::pin(self.guard_every(&guard.probe, seconds))),
            })
            .collect();
        while let Some(outcome) = watching.next().await {
            if let Some(tripped) = outcome {
                return self.trip(tripped);
            }
        }
        std::future::pending().await
    }

    fn trip(&self, tripped: Tripped) -> Interruption {
        let interruption = Interruption::safeguard(&tripped.name);
        self.printer.line(&format!(
            "Safeguard '{}' triggered the end of the experiment",
            tripped.name
        ));
        *self.tripped.borrow_mut() = Some(tripped);
        interruption
    }

    /// Repeats the probe every `seconds` (counted from the end of one run
    /// to the start of the next) until it trips.
    async fn guard_every(&self, probe: &Step, seconds: f64) -> Option<Tripped> {
        let pace = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
        loop {
            if let Some(tripped) = self.guard_once(probe).await {
                return Some(tripped);
            }
            tokio::time::sleep(pace).await;
        }
    }

    /// Runs the probe once; `Some` when it trips.
    async fn guard_once(&self, step: &Step) -> Option<Tripped> {
        let probe = match self.model.resolve(step) {
            Ok(probe) => probe,
            Err(problem) => {
                let run = json!({"activity": step.raw(), "output": null, "status": "failed",
                                 "exception": [format!("chaoslib.exceptions.ActivityFailed: {problem}\n")]});
                let name = match step {
                    Step::Ref(name) => name.clone(),
                    Step::Activity(activity) => activity.name.clone(),
                };
                return Some(Tripped { name, run });
            }
        };
        let run = self.guard_run(probe).await;
        let within = self.check_tolerance(probe, &run["output"]).await;
        (!within).then(|| Tripped {
            name: probe.name.clone(),
            run,
        })
    }

    /// One run of a safeguard probe, in the shape chaostoolkit-addons
    /// records it (naive UTC times, no `tolerance_met`). Safeguards run
    /// whatever `--dry` says, as in chaostoolkit-addons.
    async fn guard_run(&self, probe: &Activity) -> Value {
        let names = self.values.lookup(&probe.secrets());
        let pauses = substitute(&probe.pauses.to_json(), &names);
        let pause = |when: &str| {
            pauses
                .get(when)
                .and_then(Value::as_f64)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
        };
        if let Some(before) = pause("before") {
            tokio::time::sleep(before).await;
        }
        let clock = Instant::now();
        let start = naive(now_iso());
        let result = self.provide(probe).await;
        let end = naive(now_iso());
        let mut run = Map::new();
        run.insert("activity".into(), probe.raw.clone());
        match result {
            Ok(output) => {
                run.insert("output".into(), output);
                run.insert("status".into(), json!("succeeded"));
            }
            Err(failure) => {
                let message = match failure {
                    Failure::Activity(error) => error.to_string(),
                    Failure::Abort(message) => message,
                };
                run.insert("output".into(), Value::Null);
                run.insert("status".into(), json!("failed"));
                run.insert(
                    "exception".into(),
                    json!([format!("chaoslib.exceptions.ActivityFailed: {message}\n")]),
                );
            }
        }
        run.insert("start".into(), json!(start));
        run.insert("end".into(), json!(end));
        run.insert("duration".into(), json!(clock.elapsed().as_secs_f64()));
        if let Some(after) = pause("after") {
            tokio::time::sleep(after).await;
        }
        Value::Object(run)
    }
}

/// `datetime.utcnow().isoformat()`: the aware form without its offset.
fn naive(aware: String) -> String {
    aware
        .strip_suffix("+00:00")
        .map(str::to_string)
        .unwrap_or(aware)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_chaostoolkit_addons() {
        let of = |probe: Value| schedule(&probe);
        assert_eq!(of(json!({"frequency": 2})), Schedule::Every(2.0));
        assert_eq!(
            of(json!({"frequency": 0.5, "background": true})),
            Schedule::Every(0.5)
        );
        assert_eq!(of(json!({"background": true})), Schedule::Once);
        assert_eq!(
            of(json!({"frequency": 0, "background": true})),
            Schedule::Once
        );
        assert_eq!(of(json!({"frequency": 0})), Schedule::PreCheck);
        assert_eq!(of(json!({"background": false})), Schedule::PreCheck);
        assert_eq!(of(json!({})), Schedule::PreCheck);
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(
            problems("g", &json!({})),
            ["control 'g': the safeguard control must have at least one probe"]
        );
        let found = problems(
            "g",
            &json!({"probes": [
                {"name": "a", "type": "action", "tolerance": 0},
                {"name": "b", "type": "probe"},
                {"name": "c", "type": "probe", "tolerance": 0, "frequency": "often"},
                {"name": "d", "type": "probe", "tolerance": 0, "frequency": 1, "background": "yes"},
                {"name": "e", "type": "probe", "tolerance": 0, "frequency": 1}
            ]}),
        )
        .join("\n");
        for needle in [
            "safeguard 'a' should be of type 'probe'",
            "probe 'b' is missing a tolerance",
            "safeguard 'c': frequency must be a number",
            "safeguard 'd': background must be true or false",
        ] {
            assert!(found.contains(needle), "{needle} in {found}");
        }
        assert!(!found.contains("'e'"), "{found}");
    }

    #[test]
    fn times_are_naive_as_utcnow_writes_them() {
        assert_eq!(
            naive("2026-11-23T12:42:34.280557+00:00".into()),
            "2026-11-23T12:42:34.280557"
        );
    }
}
