//! `chaosprom validate`: everything checked before anything runs, each
//! problem named with the activity it is in. What it accepts and rejects
//! emulates chaostoolkit-lib 1.44's `ensure_experiment_is_valid` (Python's
//! truth values, what its loops and lookups raise on, as `chaos run` does
//! before it runs anything); the differential test
//! `cli/tests/all/validation_parity` holds it to that over a corpus of
//! malformed files. Beyond it, what this runner cannot run (other Python
//! modules and controls, other configuration sources) is refused by name.

use chaosprometheus::python::truthy;
use serde_json::{Map, Value};

use chaosprometheus_host::junit;

use super::prometheus::{self, CONTROL_MODULE, PROBES_MODULE};
use super::providers::find_program;
use super::run::{safeguard_problems, SAFEGUARDS_MODULE};
use super::tolerance;
use crate::{HypothesisStrategy, RollbackStrategy};

mod shape;

/// Every problem found; empty when the experiment can run.
pub fn problems(experiment: &Value) -> Vec<String> {
    let mut found = Vec::new();
    // chaoslib's `if not experiment.get("title")`: any value Python finds true.
    let given = |key: &str| experiment.get(key).is_some_and(truthy);
    if !given("title") {
        found.push("the experiment needs a title".to_string());
    }
    if !given("description") {
        found.push("the experiment needs a description".to_string());
    }
    found.extend(shape::problems(experiment));
    found.extend(unsupported(experiment));
    let names = activity_names(experiment);
    if let Some(hypothesis) = experiment.get("steady-state-hypothesis") {
        if !hypothesis.get("title").is_some_and(truthy) {
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

/// An activity's name as text: chaos run takes any true value, `7` too.
pub(crate) fn name_text(name: &Value) -> String {
    match name {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn activity_name(activity: &Value) -> String {
    activity
        .get("ref")
        .filter(|r| !r.is_null())
        .or_else(|| activity.get("name"))
        .filter(|name| truthy(name))
        .map(name_text)
        .unwrap_or_else(|| "(unnamed)".to_string())
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
    #[error("the pauses must be a mapping (before, after)")]
    Pauses,
    #[error("the timeout must be a number of seconds")]
    Timeout,
    #[error("an activity needs a provider")]
    NoProvider,
    #[error("the provider must be a mapping")]
    ProviderNotMapping,
    #[error("the arguments of a Python provider must be a mapping")]
    ArgumentsNotMapping,
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
    // chaoslib: `ref: null` is no ref.
    if let Some(reference) = object.get("ref").filter(|r| !r.is_null()) {
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
        .filter(|name| truthy(name))
        .ok_or(Problem::Unnamed)?;
    check_named_activity(object).map_err(|problem| Problem::Activity {
        name: name_text(name),
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
    // Python's numbers.Number: booleans are numbers too.
    if let Some(timeout) = object.get("timeout").filter(|t| !t.is_null()) {
        if !timeout.is_number() && !timeout.is_boolean() {
            return Err(ActivityProblem::Timeout);
        }
    }
    if let Some(pauses) = object.get("pauses").filter(|p| !p.is_null()) {
        let pauses = pauses.as_object().ok_or(ActivityProblem::Pauses)?;
        // chaoslib looks at `before` and `after` only, and refuses text
        // that is not a placeholder; what else a pause is waits for the run.
        for when in ["before", "after"] {
            if let Some(Value::String(pause)) = pauses.get(when) {
                if !(pause.starts_with("${") && pause.ends_with('}')) {
                    return Err(ActivityProblem::Pause(when.to_string()));
                }
            }
        }
    }
    let provider = match object.get("provider") {
        Some(provider) if truthy(provider) => provider
            .as_object()
            .ok_or(ActivityProblem::ProviderNotMapping)?,
        _ => return Err(ActivityProblem::NoProvider),
    };
    match provider
        .get("type")
        .filter(|t| truthy(t))
        .map(|t| t.as_str())
    {
        Some(Some("python")) => {
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
            let args = match provider.get("arguments") {
                None => &empty,
                Some(arguments) => arguments
                    .as_object()
                    .ok_or(ActivityProblem::ArgumentsNotMapping)?,
            };
            prometheus::check_signature(func, args).map_err(ActivityProblem::Arguments)
        }
        Some(Some("process")) => {
            let path = provider
                .get("path")
                .and_then(Value::as_str)
                .ok_or(ActivityProblem::NoPath)?;
            if find_program(path).is_none() {
                return Err(ActivityProblem::ProgramNotFound(path.to_string()));
            }
            Ok(())
        }
        Some(Some("http")) => {
            if !provider.get("url").is_some_and(truthy) {
                return Err(ActivityProblem::NoUrl);
            }
            // chaoslib's `if headers and not isinstance(headers, dict)`.
            if provider
                .get("headers")
                .is_some_and(|h| truthy(h) && !h.is_object())
            {
                return Err(ActivityProblem::Headers);
            }
            Ok(())
        }
        Some(Some(other)) => Err(ActivityProblem::UnknownProvider(other.to_string())),
        Some(None) => Err(ActivityProblem::UnknownProvider(
            provider["type"].to_string(),
        )),
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

    /// The base with `pointer` set to `value`, or removed when `None`.
    fn with(pointer: &str, value: Option<Value>) -> Vec<String> {
        let mut experiment = json!({"title": "t", "description": "d", "method": [{
            "type": "action", "name": "a",
            "provider": {"type": "http", "url": "http://127.0.0.1:9/"}
        }]});
        match value {
            Some(value) => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                experiment.pointer_mut(parent).unwrap()[key] = value;
            }
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                experiment
                    .pointer_mut(parent)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove(key);
            }
        }
        problems(&experiment)
    }

    #[test]
    fn titles_and_names_are_given_when_python_finds_them_true() {
        assert_eq!(with("/title", Some(json!(5))), Vec::<String>::new());
        assert_eq!(
            with("/description", Some(json!(["d"]))),
            Vec::<String>::new()
        );
        assert_eq!(with("/method/0/name", Some(json!(7))), Vec::<String>::new());
        assert_eq!(
            with("/title", Some(json!(""))),
            ["the experiment needs a title"]
        );
        assert_eq!(
            with("/title", Some(json!(0))),
            ["the experiment needs a title"]
        );
        assert_eq!(
            with("/method/0/name", Some(json!(""))),
            ["an activity needs a name"]
        );
    }

    #[test]
    fn the_shapes_chaoslib_fails_on_are_refused_and_no_others() {
        let refused = [
            ("/rollbacks", json!(null)),
            ("/rollbacks", json!(1)),
            ("/rollbacks", json!("x")),
            ("/rollbacks", json!({"a": 1})),
            ("/tags", json!([""])),
            ("/tags", json!(1)),
            ("/extensions", json!([{"name": " "}])),
            ("/method/0/pauses", json!([])),
            ("/method/0/pauses", json!({"before": "soon"})),
            ("/method/0/timeout", json!("5")),
            ("/method/0/provider", json!(["http"])),
            ("/method/0/provider/headers", json!(["a"])),
            ("/method/0/provider/url", json!("")),
        ];
        for (pointer, value) in refused {
            assert_ne!(
                with(pointer, Some(value.clone())),
                Vec::<String>::new(),
                "{pointer} = {value}"
            );
        }
        let accepted = [
            ("/rollbacks", json!("")),
            ("/rollbacks", json!({})),
            ("/tags", json!("abc")),
            ("/tags", json!([])),
            ("/extensions", json!([{"name": "x"}])),
            ("/method/0/pauses", json!(null)),
            ("/method/0/pauses", json!({"before": [1], "after": "${p}"})),
            ("/method/0/timeout", json!(true)),
            ("/method/0/timeout", json!(null)),
            ("/method/0/provider/headers", json!([])),
            ("/method/0/provider/url", json!(5)),
        ];
        for (pointer, value) in accepted {
            assert_eq!(
                with(pointer, Some(value.clone())),
                Vec::<String>::new(),
                "{pointer} = {value}"
            );
        }
        assert_eq!(
            with("/method", None),
            ["the experiment needs a method (it may be empty)"]
        );
    }

    #[test]
    fn python_arguments_must_be_a_mapping_and_configuration_is_given_out_of_band() {
        let probe = |arguments: Value| {
            problems(&json!({"title": "t", "description": "d", "method": [{
                "type": "probe", "name": "p",
                "provider": {"type": "python", "module": "chaosprometheus.probes",
                    "func": "nodes_cpu_usage_mean", "arguments": arguments}
            }]}))
        };
        assert_eq!(probe(json!({})), Vec::<String>::new());
        assert_eq!(
            probe(json!({"configuration": {}, "secrets": null})),
            Vec::<String>::new()
        );
        for arguments in [json!(null), json!([]), json!("window")] {
            assert_eq!(
                probe(arguments.clone()),
                ["activity 'p': the arguments of a Python provider must be a mapping"],
                "{arguments}"
            );
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
