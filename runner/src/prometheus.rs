//! `chaosprometheus.probes` and `chaosprometheus.metrics` as experiment
//! files name them, mapped onto the component: upstream function and
//! argument names in, the component's calls out.

use serde_json::{Map, Value};

use chaosprometheus_host::rules::alerts::{AlertState, LabelMatcher, MatchOp};
use chaosprometheus_host::{
    AlertFilter, ControlSettings, InstantQuery, MeanKind, MeanWindow, RangeQuery,
};

pub const PROBES_MODULE: &str = "chaosprometheus.probes";
pub const CONTROL_MODULE: &str = "chaosprometheus.metrics";

/// One probe call, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeCall {
    Query(InstantQuery),
    QueryInterval(RangeQuery),
    QueryValue(InstantQuery, Option<f64>),
    ComputeMean(String, MeanWindow),
    NodesCpuUsageMean(MeanWindow),
    Alerts(AlertFilter),
}

/// What each function takes: (required, optional) argument names.
fn signature(func: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match func {
        "query" => (&["query"], &["when", "timeout", "verify_tls"]),
        "query_interval" => (
            &["query", "start", "end"],
            &["step", "timeout", "verify_tls"],
        ),
        "query_value" => (&["query"], &["when", "timeout", "default", "verify_tls"]),
        "compute_mean" => (
            &["query"],
            &["window", "mean_type", "end", "step", "timeout"],
        ),
        "nodes_cpu_usage_mean" => (&[], &["window", "mean_type", "end", "step", "timeout"]),
        "alerts" => (&[], &["alertname", "labels", "state"]),
        _ => return None,
    })
}

/// Checks a probe's function and argument names (before substitution).
pub fn check_signature(func: &str, args: &Map<String, Value>) -> Result<(), String> {
    let (required, optional) = signature(func).ok_or_else(|| {
        format!("{PROBES_MODULE} has no function '{func}' (it has query, query_interval, query_value, compute_mean, nodes_cpu_usage_mean, alerts)")
    })?;
    for name in required {
        if !args.contains_key(*name) {
            return Err(format!(
                "{func}() is missing the required argument '{name}'"
            ));
        }
    }
    for name in args.keys() {
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            return Err(format!("{func}() has no argument '{name}'"));
        }
    }
    // Values without placeholders can be checked now; the others when the
    // probe runs.
    if func == "alerts" && !Value::Object(args.clone()).to_string().contains('$') {
        alert_filter(args)?;
    }
    Ok(())
}

/// Checks a probe's function and arguments and builds the call; the
/// message names what is wrong. `args` are the arguments after
/// substitution.
pub fn plan(func: &str, args: &Map<String, Value>) -> Result<ProbeCall, String> {
    check_signature(func, args)?;
    // verify_tls is the host's TLS policy for the Prometheus authority,
    // set for the whole run (see `verifies_tls`), not part of the call.
    if !matches!(
        args.get("verify_tls"),
        None | Some(Value::Null | Value::Bool(_))
    ) {
        return Err("verify_tls must be true or false".into());
    }
    let text = |name: &str| text_arg(args, name);
    let window = |args: &Map<String, Value>| -> Result<MeanWindow, String> {
        Ok(MeanWindow {
            window: text_arg(args, "window")?,
            kind: match text_arg(args, "mean_type")?.as_deref() {
                None | Some("arithmetic") => MeanKind::Arithmetic,
                Some("geometric") => MeanKind::Geometric,
                Some("harmonic") => MeanKind::Harmonic,
                Some(other) => {
                    return Err(format!(
                        "mean_type '{other}' is not arithmetic, geometric or harmonic"
                    ))
                }
            },
            end: text_arg(args, "end")?,
            step: text_arg(args, "step")?,
            timeout: text_arg(args, "timeout")?,
        })
    };
    let query = || -> Result<String, String> {
        text("query")?.ok_or_else(|| "query must not be null".to_string())
    };
    Ok(match func {
        "query" => ProbeCall::Query(InstantQuery {
            query: query()?,
            when: text("when")?,
            timeout: text("timeout")?,
        }),
        "query_value" => {
            let default = match args.get("default") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_f64().ok_or("default must be a number")?),
            };
            ProbeCall::QueryValue(
                InstantQuery {
                    query: query()?,
                    when: text("when")?,
                    timeout: text("timeout")?,
                },
                default,
            )
        }
        "query_interval" => ProbeCall::QueryInterval(RangeQuery {
            query: query()?,
            start: text("start")?.ok_or("start must not be null")?,
            end: text("end")?.ok_or("end must not be null")?,
            // Upstream's step=0 meant "no step"; ours chooses one.
            step: text("step")?.filter(|s| s != "0"),
            timeout: text("timeout")?,
        }),
        "compute_mean" => ProbeCall::ComputeMean(query()?, window(args)?),
        "alerts" => ProbeCall::Alerts(alert_filter(args)?),
        _ => ProbeCall::NodesCpuUsageMean(window(args)?),
    })
}

/// The filter of `alerts(alertname, labels, state)`: `labels` is a mapping
/// of label to exact value (`{"severity": "critical"}`) or a list of PromQL
/// matchers (`["severity=critical", "team=~db|web", "env!=dev"]`); `state`
/// is `pending`, `firing` or `any` (the default).
fn alert_filter(args: &Map<String, Value>) -> Result<AlertFilter, String> {
    let labels = match args.get("labels") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .keys()
            .map(|name| {
                Ok(LabelMatcher {
                    name: name.clone(),
                    op: MatchOp::Equal,
                    value: text_arg(map, name)?.unwrap_or_default(),
                })
            })
            .collect::<Result<_, String>>()?,
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => LabelMatcher::parse(text),
                other => Err(format!(
                    "labels: each matcher must be a string such as \"severity=critical\", not {other}"
                )),
            })
            .collect::<Result<_, String>>()?,
        Some(other) => {
            return Err(format!(
                "labels must be a mapping of label to value or a list of matchers, not {other}"
            ))
        }
    };
    let state = match text_arg(args, "state")? {
        None => None,
        Some(text) => AlertState::parse(&text)?,
    };
    Ok(chaosprometheus_host::rules::alerts::AlertFilter {
        alertname: text_arg(args, "alertname")?,
        labels,
        state,
    }
    .into())
}

/// A string argument, or a number written as Prometheus reads it.
fn text_arg(args: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "argument '{name}' must be a string or a number, not {other}"
        )),
    }
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
    fn upstream_calls_map_onto_the_component() {
        assert_eq!(
            plan(
                "query",
                &args(json!({"query": "up", "when": "1 minute ago", "timeout": 5}))
            )
            .unwrap(),
            ProbeCall::Query(InstantQuery {
                query: "up".into(),
                when: Some("1 minute ago".into()),
                timeout: Some("5".into())
            })
        );
        let ProbeCall::QueryInterval(range) = plan(
            "query_interval",
            &args(json!({"query": "up", "start": "30 seconds ago", "end": "now", "step": 5})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (range.start.as_str(), range.step.as_deref()),
            ("30 seconds ago", Some("5"))
        );
        let ProbeCall::ComputeMean(q, w) = plan(
            "compute_mean",
            &args(json!({"query": "m", "mean_type": "harmonic"})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (q.as_str(), w.kind, w.window),
            ("m", MeanKind::Harmonic, None)
        );
    }

    #[test]
    fn validation_messages_name_the_problem() {
        assert!(plan("querry", &Map::new())
            .unwrap_err()
            .contains("has no function 'querry'"));
        assert!(plan("query", &Map::new())
            .unwrap_err()
            .contains("missing the required argument 'query'"));
        assert!(plan("query", &args(json!({"query": "up", "whenn": "now"})))
            .unwrap_err()
            .contains("no argument 'whenn'"));
        assert!(plan(
            "compute_mean",
            &args(json!({"query": "up", "mean_type": "median"}))
        )
        .is_err());
        assert!(plan("query", &args(json!({"query": "up", "verify_tls": false}))).is_ok());
        assert!(
            plan("query", &args(json!({"query": "up", "verify_tls": "no"})))
                .unwrap_err()
                .contains("verify_tls")
        );
        assert!(plan("query", &args(json!({"query": ["up"]}))).is_err());
    }

    #[test]
    fn alerts_arguments_map_onto_a_filter() {
        use chaosprometheus_host::{AlertState, LabelMatcher, MatchOp};
        let ProbeCall::Alerts(filter) = plan(
            "alerts",
            &args(json!({"alertname": "ChaosHigh", "labels": {"severity": "critical"}, "state": "firing"})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(filter.alertname.as_deref(), Some("ChaosHigh"));
        assert_eq!(filter.state, Some(AlertState::Firing));
        assert_eq!(
            filter.labels,
            vec![LabelMatcher {
                name: "severity".into(),
                op: MatchOp::Equal,
                value: "critical".into()
            }]
        );
        let ProbeCall::Alerts(filter) = plan(
            "alerts",
            &args(json!({"labels": ["team=~db|web", "env!=dev"]})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(filter.labels[0].op, MatchOp::Regex);
        assert_eq!(filter.labels[1].op, MatchOp::NotEqual);
        assert_eq!(filter.state, None);
        assert_eq!(
            plan("alerts", &Map::new()).unwrap(),
            ProbeCall::Alerts(chaosprometheus_host::AlertFilter::default())
        );
        assert!(
            check_signature("alerts", &args(json!({"state": "inactive"})))
                .unwrap_err()
                .contains("pending, firing or any")
        );
        assert!(check_signature("alerts", &args(json!({"labels": "severity"}))).is_err());
        assert!(check_signature("alerts", &args(json!({"state": "${wanted}"}))).is_ok());
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
