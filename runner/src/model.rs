//! The parts of the experiment format the runner acts on, as types: the
//! phases' activities, their providers and pauses. Each activity keeps the
//! text it was read from (`raw`), unknown fields and all, for the journal.
//! Built after validation, which names every problem in words; a shape
//! that still does not fit is reported with serde's message.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::tolerance::Tolerance;
use crate::validate;

/// Why the phases cannot be typed: a shape validation let through, or a
/// `ref` to no activity.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ModelError {
    #[error("activity '{label}': {source}")]
    Shape {
        label: String,
        source: serde_json::Error,
    },
    #[error("could not find referenced activity '{0}'")]
    UnknownRef(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Probe,
    Action,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Probe => "probe",
            Kind::Action => "action",
        }
    }
}

/// An activity's provider. Arguments stay JSON: their shape is the
/// function's, and `${name}` placeholders are substituted when it runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum Provider {
    Python {
        module: String,
        #[serde(default)]
        func: String,
        #[serde(default)]
        arguments: Value,
        #[serde(default)]
        secrets: Vec<String>,
    },
    Process {
        path: String,
        #[serde(default)]
        arguments: Value,
        #[serde(default)]
        timeout: Value,
        #[serde(default)]
        secrets: Vec<String>,
    },
    Http {
        url: Value,
        #[serde(default)]
        method: Option<String>,
        #[serde(default)]
        headers: Value,
        #[serde(default)]
        arguments: Value,
        #[serde(default)]
        timeout: Value,
        #[serde(default)]
        verify_tls: Option<bool>,
        #[serde(default)]
        secrets: Vec<String>,
    },
}

impl Provider {
    /// The secret scopes the provider may read.
    pub(crate) fn secrets(&self) -> &[String] {
        match self {
            Provider::Python { secrets, .. }
            | Provider::Process { secrets, .. }
            | Provider::Http { secrets, .. } => secrets,
        }
    }
}

/// Seconds to wait before and after; numbers or `${placeholders}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Pauses {
    #[serde(default)]
    pub(crate) before: Value,
    #[serde(default)]
    pub(crate) after: Value,
}

impl Pauses {
    /// As JSON, for substitution when the activity runs.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::json!({"before": self.before, "after": self.after})
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Fields {
    #[serde(rename = "type")]
    kind: Kind,
    /// chaos run takes any name Python finds true; `7` is named "7".
    #[serde(deserialize_with = "name_as_text")]
    name: String,
    provider: Provider,
    #[serde(default)]
    pauses: Pauses,
    #[serde(default)]
    background: bool,
    #[serde(default)]
    tolerance: Option<Value>,
}

fn name_as_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Value::deserialize(deserializer).map(|name| validate::name_text(&name))
}

#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) provider: Provider,
    pub(crate) pauses: Pauses,
    pub(crate) background: bool,
    pub(crate) tolerance: Option<Tolerance>,
    /// The activity as written.
    pub(crate) raw: Value,
}

impl Activity {
    pub(crate) fn parse(raw: &Value) -> Result<Activity, ModelError> {
        let label = raw
            .get("name")
            .map(validate::name_text)
            .unwrap_or_else(|| "(unnamed)".to_string());
        let label = label.as_str();
        let fields: Fields =
            serde_json::from_value(raw.clone()).map_err(|source| ModelError::Shape {
                label: label.to_string(),
                source,
            })?;
        Ok(Activity {
            name: fields.name,
            kind: fields.kind,
            provider: fields.provider,
            pauses: fields.pauses,
            background: fields.background,
            tolerance: fields.tolerance.as_ref().map(Tolerance::parse),
            raw: raw.clone(),
        })
    }

    pub(crate) fn secrets(&self) -> Vec<String> {
        self.provider.secrets().to_vec()
    }
}

/// An entry of a phase: an activity, or a `ref` to one by name.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Activity(Box<Activity>),
    Ref(String),
}

impl Step {
    pub(crate) fn parse(raw: &Value) -> Result<Step, ModelError> {
        // `ref: null` is no ref, as for chaos run.
        match raw.get("ref").and_then(Value::as_str) {
            Some(name) => Ok(Step::Ref(name.to_string())),
            None => Activity::parse(raw).map(|a| Step::Activity(Box::new(a))),
        }
    }

    /// The activity, when the step is not a `ref`.
    pub(crate) fn activity(&self) -> Option<&Activity> {
        match self {
            Step::Activity(activity) => Some(activity),
            Step::Ref(_) => None,
        }
    }

    /// The step as written.
    pub(crate) fn raw(&self) -> Value {
        match self {
            Step::Activity(activity) => activity.raw.clone(),
            Step::Ref(name) => serde_json::json!({"ref": name}),
        }
    }

    pub(crate) fn background(&self) -> bool {
        matches!(self, Step::Activity(a) if a.background)
    }
}

/// The phases of an experiment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Experiment {
    pub(crate) hypothesis_title: String,
    pub(crate) hypothesis: Vec<Step>,
    pub(crate) method: Vec<Step>,
    pub(crate) rollbacks: Vec<Step>,
    /// What a `ref` may name: the method's activities and the hypothesis'
    /// probes.
    pub(crate) refs: HashMap<String, Activity>,
}

impl Experiment {
    pub(crate) fn parse(experiment: &Value) -> Result<Experiment, ModelError> {
        let hypothesis = experiment.get("steady-state-hypothesis");
        let steps = |list: Option<&Value>| -> Result<Vec<Step>, ModelError> {
            validate::list(list).map(Step::parse).collect()
        };
        let model = Experiment {
            hypothesis_title: hypothesis
                .and_then(|h| h.get("title"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            hypothesis: steps(hypothesis.and_then(|h| h.get("probes")))?,
            method: steps(experiment.get("method"))?,
            rollbacks: steps(experiment.get("rollbacks"))?,
            refs: HashMap::new(),
        };
        let refs = model
            .method
            .iter()
            .chain(&model.hypothesis)
            .filter_map(|step| match step {
                Step::Activity(activity) => Some((activity.name.clone(), (**activity).clone())),
                Step::Ref(_) => None,
            })
            .collect();
        Ok(Experiment { refs, ..model })
    }

    /// Every activity written in the phases (not the refs to them).
    pub(crate) fn activities(&self) -> impl Iterator<Item = &Activity> {
        self.hypothesis
            .iter()
            .chain(&self.method)
            .chain(&self.rollbacks)
            .filter_map(Step::activity)
    }

    /// The activity a step runs; `Err` names a `ref` to nothing.
    pub(crate) fn resolve<'a>(&'a self, step: &'a Step) -> Result<&'a Activity, ModelError> {
        match step {
            Step::Activity(activity) => Ok(activity),
            Step::Ref(name) => self
                .refs
                .get(name)
                .ok_or_else(|| ModelError::UnknownRef(name.clone())),
        }
    }
}

/// The probe a `probe` tolerance runs, with the checked output as its
/// `value` argument.
pub(crate) fn tolerance_probe(tolerance: &Value, output: &Value) -> Result<Activity, ModelError> {
    let mut check = tolerance.clone();
    if let Some(arguments) = check
        .get_mut("provider")
        .and_then(|p| p.get_mut("arguments"))
        .and_then(Value::as_object_mut)
    {
        arguments.insert("value".into(), output.clone());
    }
    if let Some(object) = check.as_object_mut() {
        object
            .entry("name")
            .or_insert(Value::String("tolerance".into()));
    }
    Activity::parse(&check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn activities_keep_what_they_were_written_with() {
        let raw = json!({
            "type": "probe", "name": "p", "x-note": "kept",
            "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query",
                         "arguments": {"query": "up"}, "secrets": ["prometheus"]},
            "pauses": {"after": "${wait}"}, "tolerance": true
        });
        let activity = Activity::parse(&raw).unwrap();
        assert_eq!(activity.kind, Kind::Probe);
        assert_eq!(activity.secrets(), ["prometheus"]);
        assert_eq!(activity.pauses.after, json!("${wait}"));
        assert_eq!(activity.pauses.before, Value::Null);
        assert_eq!(activity.tolerance, Some(Tolerance::Bool(true)));
        assert!(!activity.background);
        assert_eq!(activity.raw, raw);
        let Provider::Python { func, .. } = &activity.provider else {
            panic!("a python provider");
        };
        assert_eq!(func, "query");
    }

    #[test]
    fn refs_resolve_to_method_and_hypothesis_activities() {
        let experiment = json!({
            "steady-state-hypothesis": {"title": "t", "probes": [
                {"type": "probe", "name": "h", "provider": {"type": "process", "path": "true"}, "tolerance": 0}
            ]},
            "method": [
                {"type": "action", "name": "a", "background": true, "provider": {"type": "http", "url": "http://x"}},
                {"ref": "h"}
            ],
            "rollbacks": [{"ref": "nowhere"}]
        });
        let model = Experiment::parse(&experiment).unwrap();
        assert_eq!(model.hypothesis_title, "t");
        assert!(model.method[0].background());
        assert_eq!(model.resolve(&model.method[1]).unwrap().name, "h");
        let unknown = model.resolve(&model.rollbacks[0]).unwrap_err();
        assert!(
            matches!(&unknown, ModelError::UnknownRef(name) if name == "nowhere"),
            "{unknown:?}"
        );
        assert_eq!(
            unknown.to_string(),
            "could not find referenced activity 'nowhere'"
        );
    }

    #[test]
    fn a_shape_that_does_not_fit_is_named() {
        let error =
            Activity::parse(&json!({"type": "probe", "name": "p", "provider": {"type": "ftp"}}))
                .unwrap_err();
        assert!(matches!(&error, ModelError::Shape { label, .. } if label == "p"));
        assert!(
            error
                .to_string()
                .starts_with("activity 'p': unknown variant `ftp`"),
            "{error}"
        );
    }
}
