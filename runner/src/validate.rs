//! `chaosprom validate`: everything checked before anything runs, each
//! problem named with the activity it is in.

use serde_json::{Map, Value};

use chaosprometheus_host::junit;

use super::prometheus::{self, CONTROL_MODULE, PROBES_MODULE};
use super::providers::find_program;
use super::run::{safeguard_problems, SAFEGUARDS_MODULE};
use super::tolerance;
use crate::{HypothesisStrategy, RollbackStrategy};

/// Every problem found; empty when the experiment can run.
pub fn problems(experiment: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let text = |key: &str| {
        experiment
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !text("title") {
        found.push("the experiment needs a title".to_string());
    }
    if !text("description") {
        found.push("the experiment needs a description".to_string());
    }
    found.extend(unsupported(experiment));
    let names = activity_names(experiment);
    if let Some(hypothesis) = experiment.get("steady-state-hypothesis") {
        if !hypothesis.get("title").is_some_and(Value::is_string) {
            found.push("the steady-state hypothesis needs a title".to_string());
        }
        for probe in list(hypothesis.get("probes")) {
            let name = activity_name(probe);
            if let Err(problem) = check_activity(probe, &names, true) {
                found.push(problem.to_string());
            }
            match probe.get("tolerance") {
                None if probe.get("ref").is_none() => {
                    found.push(format!("hypothesis probe '{name}' needs a tolerance"))
                }
                None => found.push(format!(
                    "hypothesis probe '{name}' is a ref; it needs its own tolerance"
                )),
                Some(tolerance) => {
                    if let Err(problem) = tolerance::validate(tolerance) {
                        found.push(format!("hypothesis probe '{name}': {problem}"));
                    }
                    if tolerance.get("type").and_then(Value::as_str) == Some("probe") {
                        if let Err(problem) = check_activity(tolerance, &names, false) {
                            found.push(format!("the tolerance of probe '{name}': {problem}"));
                        }
                    }
                }
            }
        }
    }
    match experiment.get("method") {
        None => found.push("the experiment needs a method (it may be empty)".to_string()),
        Some(method) if !method.is_array() => found.push("the method must be a list".to_string()),
        Some(_) => {}
    }
    for activity in list(experiment.get("method")) {
        if let Err(problem) = check_activity(activity, &names, true) {
            found.push(problem.to_string());
        }
    }
    for activity in list(experiment.get("rollbacks")) {
        if let Err(problem) = check_activity(activity, &names, false) {
            found.push(problem.to_string());
        }
    }
    for control in list(experiment.get("controls")) {
        if control["provider"]["module"] == SAFEGUARDS_MODULE {
            found.extend(check_safeguards(control, &names));
        } else if control["provider"]["module"] == junit::CONTROL_MODULE {
            if let Err(problem) = junit::control_path(control["provider"].get("arguments")) {
                found.push(format!("control '{}': {problem}", activity_name(control)));
            }
        } else if let Err(problem) = check_control(control) {
            found.push(problem.to_string());
        }
    }
    found
}

/// The safeguards control: each probe a valid probe with a valid tolerance.
fn check_safeguards(control: &Value, names: &[String]) -> Vec<String> {
    let name = control
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)");
    let arguments = control["provider"].get("arguments").unwrap_or(&Value::Null);
    let mut found = safeguard_problems(name, arguments);
    for probe in list(arguments.get("probes")) {
        let label = activity_name(probe);
        if let Err(problem) = check_activity(probe, names, true) {
            found.push(format!("safeguard: {problem}"));
        }
        if let Some(tolerance) = probe.get("tolerance") {
            if let Err(problem) = tolerance::validate(tolerance) {
                found.push(format!("safeguard '{label}': {problem}"));
            }
        }
    }
    found
}

/// Chaos Toolkit features this runner does not have, named so nobody is
/// surprised at run time.
fn unsupported(experiment: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let sourced = |value: &Value| {
        value
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    for (key, value) in experiment
        .get("configuration")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        match sourced(value).as_deref() {
            None | Some("env") => {}
            Some(other) => found.push(format!("configuration '{key}': values of type '{other}' are not supported (literal values and env are)")),
        }
    }
    for (scope, entries) in experiment
        .get("secrets")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (key, value) in entries.as_object().into_iter().flatten() {
            match sourced(value).as_deref() {
                None | Some("env") => {}
                Some(other) => found.push(format!("secret '{scope}.{key}': values of type '{other}' are not supported (literal values and env are)")),
            }
        }
    }
    for part in ["hypothesis", "rollbacks"] {
        let Some(strategy) = experiment.pointer(&format!("/runtime/{part}/strategy")) else {
            continue;
        };
        let valid = match (part, strategy.as_str()) {
            ("hypothesis", Some(text)) => HypothesisStrategy::parse(text).is_some(),
            (_, Some(text)) => RollbackStrategy::parse(text).is_some(),
            _ => false,
        };
        if !valid {
            found.push(format!(
                "runtime {part} strategy {strategy} is not one Chaos Toolkit knows"
            ));
        }
    }
    let hypothesis = experiment.get("steady-state-hypothesis");
    if hypothesis.is_some_and(|h| h.get("controls").is_some()) {
        found.push("controls on the steady-state hypothesis are not supported (experiment-level controls are)".into());
    }
    let activities = list(experiment.get("method"))
        .chain(list(experiment.get("rollbacks")))
        .chain(list(hypothesis.and_then(|h| h.get("probes"))));
    for activity in activities {
        if activity.get("controls").is_some() {
            found.push(format!("activity '{}': activity-level controls are not supported (experiment-level controls are)", activity_name(activity)));
        }
    }
    found
}

/// Names a `ref` may point at: method activities and hypothesis probes.
fn activity_names(experiment: &Value) -> Vec<String> {
    let hypothesis = experiment
        .get("steady-state-hypothesis")
        .and_then(|h| h.get("probes"));
    list(experiment.get("method"))
        .chain(list(hypothesis))
        .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

pub fn list(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

fn activity_name(activity: &Value) -> String {
    activity
        .get("name")
        .or_else(|| activity.get("ref"))
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string()
}

/// What is wrong with an activity or a control, as `chaosprom validate`
/// names it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum Problem {
    #[error("an empty activity is no activity")]
    EmptyActivity,
    #[error("a ref must be a non-empty string")]
    BadRef,
    #[error("the activity referenced as '{0}' is not in the experiment")]
    UnknownRef(String),
    #[error("an activity needs a name")]
    Unnamed,
    #[error("activity '{name}': {problem}")]
    Activity {
        name: String,
        problem: ActivityProblem,
    },
    #[error("a control needs a name")]
    UnnamedControl,
    #[error("control '{0}' needs a provider")]
    ControlWithoutProvider(String),
    #[error(
        "control '{name}': the module '{module}' cannot run here; chaosprom runs the {} and {} controls",
        CONTROL_MODULE,
        junit::CONTROL_MODULE
    )]
    ControlModule { name: String, module: String },
    #[error("control '{name}': {problem}")]
    ControlArguments {
        name: String,
        problem: prometheus::ControlArgumentError,
    },
}

/// What is wrong inside a named activity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum ActivityProblem {
    #[error("'{0}' is not an activity type (probe or action)")]
    UnknownType(String),
    #[error("an activity needs a type (probe or action)")]
    NoType,
    #[error("background must be true or false")]
    Background,
    #[error("the {0} pause must be a number of seconds or a ${{placeholder}}")]
    Pause(String),
    #[error("an activity needs a provider")]
    NoProvider,
    #[error(
        "the Python module '{0}' cannot run here; chaosprom runs {probes} probes and process and http activities",
        probes = PROBES_MODULE
    )]
    Module(String),
    /// The probe's arguments, as the host library reads them.
    #[error(transparent)]
    Arguments(chaosprometheus_host::ArgumentError),
    #[error("a process activity needs a path")]
    NoPath,
    #[error("the program '{0}' cannot be found")]
    ProgramNotFound(String),
    #[error("an http activity needs a url")]
    NoUrl,
    #[error("http headers must be a mapping")]
    Headers,
    #[error("unknown provider type '{0}' (python, process or http)")]
    UnknownProvider(String),
    #[error("a provider needs a type")]
    NoProviderType,
}

fn check_activity(activity: &Value, names: &[String], refs_allowed: bool) -> Result<(), Problem> {
    let Some(object) = activity.as_object().filter(|o| !o.is_empty()) else {
        return Err(Problem::EmptyActivity);
    };
    if let Some(reference) = object.get("ref") {
        let reference = reference
            .as_str()
            .filter(|r| !r.is_empty())
            .ok_or(Problem::BadRef)?;
        if refs_allowed && !names.iter().any(|n| n == reference) {
            return Err(Problem::UnknownRef(reference.to_string()));
        }
        return Ok(());
    }
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .ok_or(Problem::Unnamed)?;
    check_named_activity(object).map_err(|problem| Problem::Activity {
        name: name.to_string(),
        problem,
    })
}

fn check_named_activity(object: &Map<String, Value>) -> Result<(), ActivityProblem> {
    match object.get("type").and_then(Value::as_str) {
        Some("probe") | Some("action") => {}
        Some(other) => return Err(ActivityProblem::UnknownType(other.to_string())),
        None => return Err(ActivityProblem::NoType),
    }
    if let Some(background) = object.get("background") {
        if !background.is_boolean() {
            return Err(ActivityProblem::Background);
        }
    }
    if let Some(pauses) = object.get("pauses").and_then(Value::as_object) {
        for (when, pause) in pauses {
            let placeholder = pause
                .as_str()
                .is_some_and(|p| p.starts_with("${") && p.ends_with('}'));
            if !pause.is_number() && !placeholder {
                return Err(ActivityProblem::Pause(when.clone()));
            }
        }
    }
    let Some(provider) = object.get("provider").and_then(Value::as_object) else {
        return Err(ActivityProblem::NoProvider);
    };
    match provider.get("type").and_then(Value::as_str) {
        Some("python") => {
            let module = provider
                .get("module")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let func = provider
                .get("func")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if module != PROBES_MODULE {
                return Err(ActivityProblem::Module(module.to_string()));
            }
            let empty = Map::new();
            let args = provider
                .get("arguments")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            prometheus::check_signature(func, args).map_err(ActivityProblem::Arguments)
        }
        Some("process") => {
            let path = provider
                .get("path")
                .and_then(Value::as_str)
                .ok_or(ActivityProblem::NoPath)?;
            if find_program(path).is_none() {
                return Err(ActivityProblem::ProgramNotFound(path.to_string()));
            }
            Ok(())
        }
        Some("http") => {
            if !provider.get("url").is_some_and(Value::is_string) {
                return Err(ActivityProblem::NoUrl);
            }
            if provider.get("headers").is_some_and(|h| !h.is_object()) {
                return Err(ActivityProblem::Headers);
            }
            Ok(())
        }
        Some(other) => Err(ActivityProblem::UnknownProvider(other.to_string())),
        None => Err(ActivityProblem::NoProviderType),
    }
}

fn check_control(control: &Value) -> Result<(), Problem> {
    let name = control
        .get("name")
        .and_then(Value::as_str)
        .ok_or(Problem::UnnamedControl)?;
    let provider = control
        .get("provider")
        .and_then(Value::as_object)
        .ok_or_else(|| Problem::ControlWithoutProvider(name.to_string()))?;
    let module = provider
        .get("module")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if provider.get("type").and_then(Value::as_str) != Some("python") || module != CONTROL_MODULE {
        return Err(Problem::ControlModule {
            name: name.to_string(),
            module: module.to_string(),
        });
    }
    let empty = Map::new();
    let args = provider
        .get("arguments")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    prometheus::control_settings(args)
        .map(drop)
        .map_err(|problem| Problem::ControlArguments {
            name: name.to_string(),
            problem,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"title": "t", "description": "d", "method": []})
    }

    #[test]
    fn a_minimal_experiment_is_valid() {
        assert!(problems(&base()).is_empty());
    }

    #[test]
    fn unsupported_features_are_named() {
        let mut experiment = base();
        experiment["configuration"] =
            json!({"url": {"type": "probe", "provider": {}}, "ok": {"type": "env", "key": "K"}});
        experiment["secrets"] = json!({"vault": {"token": {"type": "vault", "path": "x"}}});
        experiment["runtime"] =
            json!({"hypothesis": {"strategy": "sometimes"}, "rollbacks": {"strategy": "maybe"}});
        experiment["method"] = json!([{
            "type": "probe", "name": "p", "controls": [],
            "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up", "verify_tls": false}}
        }]);
        // verify_tls=false is supported: the host's policy for the run.
        let found = problems(&experiment).join("\n");
        for needle in [
            "configuration 'url': values of type 'probe'",
            "secret 'vault.token'",
            "runtime hypothesis strategy \"sometimes\" is not one",
            "runtime rollbacks strategy \"maybe\" is not one",
            "activity 'p': activity-level controls",
        ] {
            assert!(found.contains(needle), "{needle} in {found}");
        }
        assert!(!found.contains("verify_tls"), "{found}");
        assert!(!found.contains("'ok'"));
    }

    #[test]
    fn missing_parts_and_unknown_refs() {
        let found = problems(&json!({"method": [{"ref": "nowhere"}], "controls": [{"name": "c", "provider": {"type": "python", "module": "chaosk8s.control"}}]})).join("\n");
        for needle in [
            "needs a title",
            "needs a description",
            "'nowhere' is not in the experiment",
            "control 'c': the module 'chaosk8s.control' cannot run here",
        ] {
            assert!(found.contains(needle), "{needle} in {found}");
        }
    }

    #[test]
    fn the_junit_control_is_accepted_with_a_path_argument() {
        let control = |arguments: Value| {
            problems(&json!({"title": "t", "description": "d", "method": [],
                "controls": [{"name": "junit", "provider": {"type": "python",
                    "module": "chaosprometheus.junit", "arguments": arguments}}]}))
        };
        assert_eq!(control(json!({"path": "report.xml"})), Vec::<String>::new());
        assert_eq!(control(json!({})), Vec::<String>::new());
        assert_eq!(
            control(json!({"path": ["a"]})),
            ["control 'junit': the chaosprometheus.junit control's `path` must be a file's path as text, not [\"a\"]"]
        );
    }
}
