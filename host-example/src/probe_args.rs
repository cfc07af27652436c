//! The arguments of `chaosprometheus.probes` as an experiment file (or
//! Python's keyword arguments, as JSON) gives them, read once for every
//! front end: `chaosprom run`, the Python package and, for the rules they
//! share (`step`, `mean_type`), the Node package and the CLI.
//!
//! The rules, and where they leave upstream (`docs/coming-from-python.md`):
//! - text arguments (`query`, `when`, `timeout`, `start`, `end`, `window`,
//!   `end`) take a string, or a number written as Prometheus reads it
//!   (`5` → `"5"`); a boolean, list or mapping is an error;
//! - `step` is seconds or a Prometheus duration, sent as given (an explicit
//!   `1` is sent as `1`, as upstream sends it). No step, `0` or `""` lets
//!   the component pick one (upstream sent none and Prometheus refused the
//!   request: its defect); `false` is an error, not "no step";
//! - `verify_tls` is `true`, `false` or null (true);
//! - `mean_type` is `arithmetic` (the default), `geometric` or `harmonic`.

use serde_json::{Map, Value};

use crate::judgement_args::{self, JudgementCall};
use crate::rules::alerts::{AlertState, LabelMatcher, MatchOp};
use crate::{AlertFilter, InstantQuery, MeanKind, MeanWindow, RangeQuery};

/// The module experiment files name for the probes.
pub const PROBES_MODULE: &str = "chaosprometheus.probes";

/// One probe call, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeCall {
    Query(InstantQuery),
    QueryInterval(RangeQuery),
    QueryValue(InstantQuery, Option<f64>),
    ComputeMean(String, MeanWindow),
    NodesCpuUsageMean(MeanWindow),
    Alerts(AlertFilter),
    /// A judgement: its JSON report.
    Judgement(JudgementCall),
}

/// What is wrong with a probe's arguments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArgumentError {
    #[error("{PROBES_MODULE} has no function '{0}' (it has query, query_interval, query_value, compute_mean, nodes_cpu_usage_mean, alerts, compare_to_baseline, slo_burn_rate, threshold_over_window, wait_until)")]
    NoFunction(String),
    #[error("{func}() is missing the required argument '{name}'")]
    Missing { func: String, name: String },
    #[error("{func}() has no argument '{name}'")]
    Unknown { func: String, name: String },
    #[error("{0} must not be null")]
    Null(String),
    #[error("argument '{name}' must be a string or a number, not {value}")]
    NotText { name: String, value: Value },
    #[error("step must be a number of seconds or a Prometheus duration such as \"15s\", not {0}")]
    Step(Value),
    #[error("verify_tls must be true or false, not {0}")]
    VerifyTls(Value),
    #[error("default must be a number, not {0}")]
    Default(Value),
    #[error("mean_type {0}")]
    MeanType(#[from] MeanTypeError),
    #[error("labels: each matcher must be a string such as \"severity=critical\", not {0}")]
    MatcherNotText(Value),
    #[error("labels must be a mapping of label to value or a list of matchers, not {0}")]
    Labels(Value),
    /// A label matcher or alert state the component's rules refuse.
    #[error("{0}")]
    Alert(String),
    /// A judgement's argument that its rules refuse.
    #[error("{0}")]
    Judgement(String),
}

/// A `mean_type` that names no mean.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("'{0}' is not arithmetic, geometric or harmonic")]
pub struct MeanTypeError(pub String);

/// Each mean `mean_type` (and the CLI's `--kind`) names, with what it is.
pub const MEAN_KINDS: [(&str, &str); 3] = [
    ("arithmetic", "Sum divided by count"),
    (
        "geometric",
        "exp(mean(ln x)); every sample must be positive",
    ),
    (
        "harmonic",
        "Count divided by the sum of 1/x; no sample may be negative",
    ),
];

/// `arithmetic` (also when unset), `geometric` or `harmonic`.
pub fn mean_kind(name: Option<&str>) -> Result<MeanKind, MeanTypeError> {
    match name {
        None | Some("arithmetic") => Ok(MeanKind::Arithmetic),
        Some("geometric") => Ok(MeanKind::Geometric),
        Some("harmonic") => Ok(MeanKind::Harmonic),
        Some(other) => Err(MeanTypeError(other.to_string())),
    }
}

/// The `step` sent to Prometheus, or `None` for the component's pick (see
/// the module comment).
pub fn step(value: Option<&Value>) -> Result<Option<String>, ArgumentError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ArgumentError::Step(other.clone())),
    }
}

/// `verify_tls`: true unless it is `false`.
pub fn verify_tls(value: Option<&Value>) -> Result<bool, ArgumentError> {
    match value {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(verify)) => Ok(*verify),
        Some(other) => Err(ArgumentError::VerifyTls(other.clone())),
    }
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
        judgement => return judgement_args::signature(judgement),
    })
}

/// The arguments of each function that hold PromQL, which `chaosprom
/// validate` parses: the probes' here, the judgements' in
/// [`judgement_args::promql_arguments`].
pub fn promql_arguments(func: &str) -> &'static [&'static str] {
    match func {
        "query" | "query_interval" | "query_value" | "compute_mean" => &["query"],
        judgement => judgement_args::promql_arguments(judgement),
    }
}

/// A PromQL argument of `func` as Prometheus will be sent it, as far as
/// that is known before the run (after `${name}` substitution): see
/// [`judgement_args::query_to_parse`].
pub fn query_to_parse<'q>(func: &str, query: &'q str) -> std::borrow::Cow<'q, str> {
    judgement_args::query_to_parse(func, query)
}

/// Checks a probe's function and argument names (before substitution).
pub fn check_signature(func: &str, args: &Map<String, Value>) -> Result<(), ArgumentError> {
    let (required, optional) =
        signature(func).ok_or_else(|| ArgumentError::NoFunction(func.to_string()))?;
    if let Some(name) = required.iter().find(|name| !args.contains_key(**name)) {
        return Err(ArgumentError::Missing {
            func: func.to_string(),
            name: name.to_string(),
        });
    }
    let known = |name: &str| required.contains(&name) || optional.contains(&name);
    if let Some(name) = args.keys().find(|name| !known(name)) {
        return Err(ArgumentError::Unknown {
            func: func.to_string(),
            name: name.clone(),
        });
    }
    // Values without placeholders can be checked now; the others when the
    // probe runs.
    if func == "alerts" && !Value::Object(args.clone()).to_string().contains('$') {
        alert_filter(args)?;
    }
    Ok(())
}

/// Checks a probe's function and arguments (after substitution) and builds
/// the call. `verify_tls` is checked here but is the host's TLS policy for
/// the authority, not part of the call.
pub fn plan(func: &str, args: &Map<String, Value>) -> Result<ProbeCall, ArgumentError> {
    check_signature(func, args)?;
    if judgement_args::signature(func).is_some() {
        return judgement_args::plan(func, args).map(ProbeCall::Judgement);
    }
    verify_tls(args.get("verify_tls"))?;
    let text = |name: &str| text_arg(args, name);
    let required = |name: &str| text(name)?.ok_or_else(|| ArgumentError::Null(name.to_string()));
    let window = || -> Result<MeanWindow, ArgumentError> {
        Ok(MeanWindow {
            window: text("window")?,
            kind: mean_kind(text("mean_type")?.as_deref())?,
            end: text("end")?,
            step: step(args.get("step"))?,
            timeout: text("timeout")?,
        })
    };
    let instant = || -> Result<InstantQuery, ArgumentError> {
        Ok(InstantQuery {
            query: required("query")?,
            when: text("when")?,
            timeout: text("timeout")?,
        })
    };
    Ok(match func {
        "query" => ProbeCall::Query(instant()?),
        "query_value" => {
            let default = match args.get("default") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_f64()
                        .ok_or_else(|| ArgumentError::Default(v.clone()))?,
                ),
            };
            ProbeCall::QueryValue(instant()?, default)
        }
        "query_interval" => ProbeCall::QueryInterval(RangeQuery {
            query: required("query")?,
            start: required("start")?,
            end: required("end")?,
            step: step(args.get("step"))?,
            timeout: text("timeout")?,
        }),
        "compute_mean" => ProbeCall::ComputeMean(required("query")?, window()?),
        "alerts" => ProbeCall::Alerts(alert_filter(args)?),
        _ => ProbeCall::NodesCpuUsageMean(window()?),
    })
}

/// The filter of `alerts(alertname, labels, state)`: `labels` is a mapping
/// of label to exact value (`{"severity": "critical"}`) or a list of PromQL
/// matchers (`["severity=critical", "team=~db|web", "env!=dev"]`); `state`
/// is `pending`, `firing` or `any` (the default).
fn alert_filter(args: &Map<String, Value>) -> Result<AlertFilter, ArgumentError> {
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
            .collect::<Result<_, ArgumentError>>()?,
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => LabelMatcher::parse(text).map_err(ArgumentError::Alert),
                other => Err(ArgumentError::MatcherNotText(other.clone())),
            })
            .collect::<Result<_, ArgumentError>>()?,
        Some(other) => return Err(ArgumentError::Labels(other.clone())),
    };
    let state = match text_arg(args, "state")? {
        None => None,
        Some(text) => AlertState::parse(&text).map_err(ArgumentError::Alert)?,
    };
    Ok(crate::rules::alerts::AlertFilter {
        alertname: text_arg(args, "alertname")?,
        labels,
        state,
    }
    .into())
}

/// A string argument, or a number written as Prometheus reads it.
pub fn text_arg(args: &Map<String, Value>, name: &str) -> Result<Option<String>, ArgumentError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(ArgumentError::NotText {
            name: name.to_string(),
            value: other.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn range_step(step: Value) -> Result<Option<String>, ArgumentError> {
        let call = plan(
            "query_interval",
            &args(json!({"query": "up", "start": "1d ago", "end": "now", "step": step})),
        )?;
        let ProbeCall::QueryInterval(range) = call else {
            panic!("{call:?}")
        };
        Ok(range.step)
    }

    #[test]
    fn an_explicit_step_is_sent_as_given_and_a_falsy_number_lets_the_component_pick() {
        assert_eq!(range_step(json!(1)).unwrap().as_deref(), Some("1"));
        assert_eq!(range_step(json!(0.5)).unwrap().as_deref(), Some("0.5"));
        assert_eq!(range_step(json!("15s")).unwrap().as_deref(), Some("15s"));
        assert_eq!(range_step(json!(0)).unwrap(), None);
        assert_eq!(range_step(json!("")).unwrap(), None);
        assert_eq!(range_step(Value::Null).unwrap(), None);
    }

    #[test]
    fn a_boolean_step_is_an_error() {
        assert_eq!(
            range_step(json!(false)).unwrap_err(),
            ArgumentError::Step(json!(false))
        );
        assert!(matches!(
            range_step(json!(true)),
            Err(ArgumentError::Step(_))
        ));
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
    fn validation_errors_name_the_problem() {
        assert_eq!(
            plan("querry", &Map::new()).unwrap_err(),
            ArgumentError::NoFunction("querry".into())
        );
        assert!(matches!(
            plan("query", &Map::new()),
            Err(ArgumentError::Missing { name, .. }) if name == "query"
        ));
        assert!(matches!(
            plan("query", &args(json!({"query": "up", "whenn": "now"}))),
            Err(ArgumentError::Unknown { name, .. }) if name == "whenn"
        ));
        assert_eq!(
            plan(
                "compute_mean",
                &args(json!({"query": "up", "mean_type": "median"}))
            )
            .unwrap_err()
            .to_string(),
            "mean_type 'median' is not arithmetic, geometric or harmonic"
        );
        assert!(plan("query", &args(json!({"query": "up", "verify_tls": false}))).is_ok());
        assert_eq!(
            plan("query", &args(json!({"query": "up", "verify_tls": "no"}))).unwrap_err(),
            ArgumentError::VerifyTls(json!("no"))
        );
        assert!(matches!(
            plan("query", &args(json!({"query": ["up"]}))),
            Err(ArgumentError::NotText { .. })
        ));
        assert!(matches!(
            plan("query", &args(json!({"query": "up", "when": true}))),
            Err(ArgumentError::NotText { .. })
        ));
        assert_eq!(
            plan("query", &args(json!({"query": null}))).unwrap_err(),
            ArgumentError::Null("query".into())
        );
        assert_eq!(
            plan("query_value", &args(json!({"query": "up", "default": "0"}))).unwrap_err(),
            ArgumentError::Default(json!("0"))
        );
    }

    #[test]
    fn alerts_arguments_map_onto_a_filter() {
        use crate::{AlertState, LabelMatcher, MatchOp};
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
            ProbeCall::Alerts(AlertFilter::default())
        );
        assert!(
            check_signature("alerts", &args(json!({"state": "inactive"})))
                .unwrap_err()
                .to_string()
                .contains("pending, firing or any")
        );
        assert_eq!(
            check_signature("alerts", &args(json!({"labels": "severity"}))).unwrap_err(),
            ArgumentError::Labels(json!("severity"))
        );
        assert!(check_signature("alerts", &args(json!({"state": "${wanted}"}))).is_ok());
    }
}
