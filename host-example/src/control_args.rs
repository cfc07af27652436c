//! The `chaosprometheus.metrics` control's provider arguments, read once
//! for every front end: `chaosprom run` and the Python package pass the
//! experiment file's `arguments` here; the Node package, whose options are
//! typed, reads its grouping key with [`grouping_key`].
//!
//! The arguments are upstream's `configure_control` ones (`pushgateway_url`,
//! `job`, `grouping_key`, `trace_id`, `experiment_ref`) and ours
//! (`keep_runs`, `activity_metrics`, `verify_tls`, which the host's TLS
//! policy for the Pushgateway takes as the probes' does, and `strict`, which
//! only `chaosprom run` acts on). A grouping key's values are written as Python's `str()`
//! writes them, as `prometheus_client`'s `push_to_gateway` does upstream.

use serde_json::{Map, Value};

use crate::probe_args::{text_arg, ArgumentError};
use crate::rules::python::{str_value, truthy};
use crate::ControlSettings;

/// The control's module, as experiment files name it.
pub const CONTROL_MODULE: &str = "chaosprometheus.metrics";

/// Every argument the control takes.
pub const CONTROL_ARGUMENTS: [&str; 9] = [
    "pushgateway_url",
    "job",
    "grouping_key",
    "trace_id",
    "experiment_ref",
    "keep_runs",
    "activity_metrics",
    "strict",
    "verify_tls",
];

/// What is wrong with the control's arguments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControlArgumentError {
    #[error(
        "the {CONTROL_MODULE} control has no argument '{0}' (it takes {all})",
        all = CONTROL_ARGUMENTS.join(", ")
    )]
    Unknown(String),
    #[error("control argument '{name}' must be true or false, not {value}")]
    NotFlag { name: &'static str, value: Value },
    #[error("grouping_key must be a mapping of label names to values, not {0}")]
    GroupingKey(Value),
    #[error(transparent)]
    Text(#[from] ArgumentError),
}

/// The control's arguments, read.
#[derive(Debug, Clone, Default)]
pub struct ControlArguments {
    /// What the component takes.
    pub settings: ControlSettings,
    /// A failed push fails the run.
    pub strict: bool,
    /// Verify the Pushgateway's certificate (`verify_tls`, true unless
    /// false), as a probe's `verify_tls` does Prometheus's.
    pub verify_tls: bool,
}

/// The control's settings from its arguments, and what the host does
/// around them.
pub fn control_settings(
    args: &Map<String, Value>,
) -> Result<ControlArguments, ControlArgumentError> {
    if let Some(name) = args
        .keys()
        .find(|name| !CONTROL_ARGUMENTS.contains(&name.as_str()))
    {
        return Err(ControlArgumentError::Unknown(name.clone()));
    }
    let flag = |name: &'static str| match args.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(ControlArgumentError::NotFlag {
            name,
            value: other.clone(),
        }),
    };
    let settings = ControlSettings {
        pushgateway_url: text_arg(args, "pushgateway_url")?,
        job: text_arg(args, "job")?,
        grouping_key: grouping_key(args.get("grouping_key"))?,
        trace_id: text_arg(args, "trace_id")?,
        experiment_ref: text_arg(args, "experiment_ref")?,
        keep_runs: flag("keep_runs")?,
        activity_metrics: flag("activity_metrics")?,
        ..ControlSettings::default()
    };
    let verify_tls = crate::probe_args::verify_tls(args.get("verify_tls")).map_err(|_| {
        ControlArgumentError::NotFlag {
            name: "verify_tls",
            value: args["verify_tls"].clone(),
        }
    })?;
    Ok(ControlArguments {
        settings,
        strict: flag("strict")?,
        verify_tls,
    })
}

/// A grouping key: none (the default key applies; upstream takes
/// `grouping_key or {default}`, so an empty one is none too) or a mapping
/// whose values are written as Python's `str()` writes them (`3` → `3`,
/// `true` → `True`).
pub fn grouping_key(
    value: Option<&Value>,
) -> Result<Option<Vec<(String, String)>>, ControlArgumentError> {
    match value {
        None => Ok(None),
        Some(value) if !truthy(value) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(
            map.iter()
                .map(|(name, value)| (name.clone(), str_value(value)))
                .collect(),
        )),
        Some(other) => Err(ControlArgumentError::GroupingKey(other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn the_arguments_become_the_settings() {
        let ControlArguments {
            settings,
            strict,
            verify_tls,
        } = control_settings(&args(json!({
            "pushgateway_url": "http://g:9091",
            "job": "nightly",
            "grouping_key": {"team": "a/b"},
            "keep_runs": true,
            "strict": true
        })))
        .unwrap();
        assert!(verify_tls, "verified unless told otherwise");
        let off = control_settings(&args(json!({"verify_tls": false}))).unwrap();
        assert!(!off.verify_tls);
        assert_eq!(settings.pushgateway_url.as_deref(), Some("http://g:9091"));
        assert_eq!(settings.job.as_deref(), Some("nightly"));
        assert_eq!(
            settings.grouping_key,
            Some(vec![("team".to_string(), "a/b".to_string())])
        );
        assert!(settings.keep_runs && !settings.activity_metrics && strict);
    }

    #[test]
    fn grouping_key_values_read_as_python_str() {
        let key = grouping_key(Some(
            &json!({"n": 3, "f": 1.0, "b": true, "s": "x", "z": null}),
        ));
        let key = key.unwrap().unwrap();
        let value = |name: &str| key.iter().find(|(k, _)| k == name).unwrap().1.clone();
        assert_eq!(
            ["n", "f", "b", "s", "z"].map(value),
            ["3", "1.0", "True", "x", "None"]
        );
        assert_eq!(grouping_key(Some(&Value::Null)), Ok(None));
        assert_eq!(grouping_key(Some(&json!({}))), Ok(None));
    }

    #[test]
    fn bad_arguments_are_named() {
        let unknown = control_settings(&args(json!({"push_url": "x"}))).unwrap_err();
        assert_eq!(unknown, ControlArgumentError::Unknown("push_url".into()));
        assert!(unknown
            .to_string()
            .contains("it takes pushgateway_url, job"));
        let flag = control_settings(&args(json!({"keep_runs": "yes"}))).unwrap_err();
        assert!(matches!(
            flag,
            ControlArgumentError::NotFlag {
                name: "keep_runs",
                ..
            }
        ));
        let key = control_settings(&args(json!({"grouping_key": ["a"]}))).unwrap_err();
        assert!(matches!(key, ControlArgumentError::GroupingKey(_)));
        let verify = control_settings(&args(json!({"verify_tls": "no"}))).unwrap_err();
        assert!(matches!(
            verify,
            ControlArgumentError::NotFlag {
                name: "verify_tls",
                ..
            }
        ));
        let job = control_settings(&args(json!({"job": {"a": 1}}))).unwrap_err();
        assert!(matches!(job, ControlArgumentError::Text(_)));
    }
}
