//! `chaosprometheus.probes` and `chaosprometheus.metrics` as experiment
//! files name them, mapped onto the component: upstream function and
//! argument names in, the component's calls out.

use serde_json::{Map, Value};

/// The probes' arguments are read by the host library, once for every
/// front end.
pub use chaosprometheus_host::probe_args::{check_signature, plan, ArgumentError};
use chaosprometheus_host::ControlSettings;
pub use chaosprometheus_host::{ProbeCall, PROBES_MODULE};

pub const CONTROL_MODULE: &str = "chaosprometheus.metrics";

/// A control argument read as the probes' text arguments are.
fn text_arg(args: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    chaosprometheus_host::probe_args::text_arg(args, name).map_err(|e| e.to_string())
}

/// The control's settings from its `arguments` (upstream's
/// `configure_control` names, plus ours).
pub fn control_settings(args: &Map<String, Value>) -> Result<(ControlSettings, bool), String> {
    const KNOWN: [&str; 8] = [
        "pushgateway_url",
        "job",
        "grouping_key",
        "trace_id",
        "experiment_ref",
        "keep_runs",
        "activity_metrics",
        "strict",
    ];
    for name in args.keys() {
        if !KNOWN.contains(&name.as_str()) {
            return Err(format!(
                "the {CONTROL_MODULE} control has no argument '{name}'"
            ));
        }
    }
    let flag = |name: &str| -> Result<bool, String> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(format!(
                "control argument '{name}' must be true or false, not {other}"
            )),
        }
    };
    let grouping_key = match args.get("grouping_key") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect(),
        ),
        Some(other) => return Err(format!("grouping_key must be a mapping, not {other}")),
    };
    let settings = ControlSettings {
        pushgateway_url: text_arg(args, "pushgateway_url")?,
        job: text_arg(args, "job")?,
        grouping_key,
        trace_id: text_arg(args, "trace_id")?,
        experiment_ref: text_arg(args, "experiment_ref")?,
        keep_runs: flag("keep_runs")?,
        activity_metrics: flag("activity_metrics")?,
        ..ControlSettings::default()
    };
    Ok((settings, flag("strict")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn control_arguments() {
        let (settings, strict) = control_settings(&args(json!({"pushgateway_url": "http://g:9091", "grouping_key": {"team": "a/b"}, "keep_runs": true}))).unwrap();
        assert_eq!(settings.pushgateway_url.as_deref(), Some("http://g:9091"));
        assert_eq!(
            settings.grouping_key,
            Some(vec![("team".to_string(), "a/b".to_string())])
        );
        assert!(settings.keep_runs && !strict);
        assert!(control_settings(&args(json!({"push_url": "x"}))).is_err());
    }
}
