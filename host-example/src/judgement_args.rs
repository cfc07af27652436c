//! The arguments of the judgements (`compare_to_baseline`, `slo_burn_rate`,
//! `threshold_over_window`, `wait_until`) as an experiment file, Python's
//! keyword arguments or the CLI give them, read once for every front end,
//! with their defaults.
//!
//! Numbers are JSON numbers or text that reads as one (a `${var}`
//! substituted into text stays text); names (`comparator`, `direction`,
//! `no_data`, `mode`, `statistic`) are text.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::bindings::judgements::{
    BaselineComparison, BurnRate, BurnWindow, Comparator, Condition, Direction, NoData, Sli,
    Statistic, ThresholdWindow, WindowMode,
};
use crate::probe_args::{step, text_arg, ArgumentError};
use crate::rules::duration::PromDuration;
use crate::rules::judge::{self, WINDOW_PLACEHOLDER, WORKBOOK_WINDOWS};

/// `max_change` when none is given: 20% of the baseline.
pub const DEFAULT_MAX_CHANGE: f64 = 0.2;
/// `confidence` when none is given.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// `min_samples` when none is given.
pub const DEFAULT_MIN_SAMPLES: u32 = 5;
/// How long `wait_until` waits when no `timeout` is given.
pub const DEFAULT_WAIT_TIMEOUT: &str = "5m";
/// How often `wait_until` checks when no `interval` is given.
pub const DEFAULT_WAIT_INTERVAL: &str = "5s";

/// What each judgement takes: (required, optional) argument names.
pub(crate) fn signature(func: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match func {
        "compare_to_baseline" => (
            &["query", "baseline_start", "baseline_end", "start", "end"],
            &[
                "step",
                "statistic",
                "quantile",
                "max_change",
                "direction",
                "confidence",
                "min_samples",
                "no_data",
                "timeout",
            ],
        ),
        "slo_burn_rate" => (
            &["objective"],
            &[
                "error_ratio_query",
                "bad_query",
                "good_query",
                "total_query",
                "windows",
                "at",
                "no_data",
                "timeout",
            ],
        ),
        "threshold_over_window" => (
            &["query", "start", "end", "comparator", "value"],
            &[
                "step",
                "mode",
                "fraction",
                "per_series",
                "no_data",
                "timeout",
            ],
        ),
        "wait_until" => (
            &["query", "comparator", "value"],
            &["timeout", "interval", "no_data", "query_timeout"],
        ),
        _ => return None,
    })
}

/// The arguments of each judgement that hold PromQL.
pub(crate) fn promql_arguments(func: &str) -> &'static [&'static str] {
    match func {
        "compare_to_baseline" | "threshold_over_window" | "wait_until" => &["query"],
        "slo_burn_rate" => &[
            "error_ratio_query",
            "bad_query",
            "good_query",
            "total_query",
        ],
        _ => &[],
    }
}

/// `slo_burn_rate` puts each window's duration where its queries have
/// `$window`; to parse them before the run, the first window of the
/// workbook's pairs stands in for all of them (any duration parses alike).
/// Every other query is sent as given.
pub(crate) fn query_to_parse<'q>(func: &str, query: &'q str) -> Cow<'q, str> {
    if func == "slo_burn_rate" && query.contains(WINDOW_PLACEHOLDER) {
        Cow::Owned(query.replace(WINDOW_PLACEHOLDER, WORKBOOK_WINDOWS[0].0))
    } else {
        Cow::Borrowed(query)
    }
}

/// How `wait_until` polls.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    /// The longest wait, as given (`5m`) and in seconds.
    pub timeout: PromDuration,
    /// The pause between checks.
    pub interval: PromDuration,
}

/// A judgement's call, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum JudgementCall {
    CompareToBaseline(BaselineComparison),
    SloBurnRate(BurnRate),
    ThresholdOverWindow(ThresholdWindow),
    WaitUntil(Condition, Wait),
}

/// Builds the call of judgement `func` from its (substituted) arguments.
pub(crate) fn plan(func: &str, args: &Map<String, Value>) -> Result<JudgementCall, ArgumentError> {
    let text = |name: &str| text_arg(args, name);
    let required = |name: &str| text(name)?.ok_or_else(|| ArgumentError::Null(name.to_string()));
    let no_data = || -> Result<NoData, ArgumentError> {
        match text("no_data")? {
            None => Ok(NoData::Fail),
            Some(name) => judge::NoData::from_name(&name)
                .map(no_data_of)
                .ok_or_else(|| {
                    ArgumentError::Judgement(format!(
                        "no_data must be fail, pass or inconclusive, not '{name}'"
                    ))
                }),
        }
    };
    let comparator = || -> Result<Comparator, ArgumentError> {
        let name = required("comparator")?;
        judge::Comparator::from_name(&name)
            .map(comparator_of)
            .ok_or_else(|| ArgumentError::Judgement(format!(
                "comparator must be one of <, <=, >, >=, ==, != (or lt, le, gt, ge, eq, ne), not '{name}'"
            )))
    };
    Ok(match func {
        "compare_to_baseline" => JudgementCall::CompareToBaseline(BaselineComparison {
            query: required("query")?,
            baseline_start: required("baseline_start")?,
            baseline_end: required("baseline_end")?,
            start: required("start")?,
            end: required("end")?,
            step: step(args.get("step"))?,
            statistic: statistic(args)?,
            max_change: number(args, "max_change")?.unwrap_or(DEFAULT_MAX_CHANGE),
            direction: match text("direction")? {
                None => Direction::Increase,
                Some(name) => judge::Direction::from_name(&name)
                    .map(|d| match d {
                        judge::Direction::Increase => Direction::Increase,
                        judge::Direction::Decrease => Direction::Decrease,
                        judge::Direction::Either => Direction::Either,
                    })
                    .ok_or_else(|| {
                        ArgumentError::Judgement(format!(
                            "direction must be increase, decrease or either, not '{name}'"
                        ))
                    })?,
            },
            confidence: number(args, "confidence")?.unwrap_or(DEFAULT_CONFIDENCE),
            min_samples: match number(args, "min_samples")? {
                None => DEFAULT_MIN_SAMPLES,
                Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => n as u32,
                Some(n) => {
                    return Err(ArgumentError::Judgement(format!(
                        "min_samples must be a whole number of at least 1, not {n}"
                    )))
                }
            },
            no_data: no_data()?,
            timeout: text("timeout")?,
        }),
        "slo_burn_rate" => JudgementCall::SloBurnRate(BurnRate {
            sli: sli(args)?,
            objective: number(args, "objective")?
                .ok_or_else(|| ArgumentError::Null("objective".into()))?,
            windows: windows(args.get("windows"))?,
            at: text("at")?,
            no_data: no_data()?,
            timeout: text("timeout")?,
        }),
        "threshold_over_window" => JudgementCall::ThresholdOverWindow(ThresholdWindow {
            query: required("query")?,
            start: required("start")?,
            end: required("end")?,
            step: step(args.get("step"))?,
            comparator: comparator()?,
            value: number(args, "value")?.ok_or_else(|| ArgumentError::Null("value".into()))?,
            mode: mode(args)?,
            per_series: match args.get("per_series") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(ArgumentError::Judgement(format!(
                        "per_series must be true or false, not {other}"
                    )))
                }
            },
            no_data: no_data()?,
            timeout: text("timeout")?,
        }),
        _ => {
            let duration = |name: &str, default: &str| -> Result<PromDuration, ArgumentError> {
                let given = text(name)?;
                PromDuration::parse(name, given.as_deref().unwrap_or(default))
                    .map_err(|e| ArgumentError::Judgement(e.to_string()))
            };
            JudgementCall::WaitUntil(
                Condition {
                    query: required("query")?,
                    comparator: comparator()?,
                    value: number(args, "value")?
                        .ok_or_else(|| ArgumentError::Null("value".into()))?,
                    no_data: no_data()?,
                    timeout: text("query_timeout")?,
                },
                Wait {
                    timeout: duration("timeout", DEFAULT_WAIT_TIMEOUT)?,
                    interval: duration("interval", DEFAULT_WAIT_INTERVAL)?,
                },
            )
        }
    })
}

/// A number argument: a JSON number, or text that reads as one.
fn number(args: &Map<String, Value>, name: &str) -> Result<Option<f64>, ArgumentError> {
    let not_a_number =
        |value: &Value| ArgumentError::Judgement(format!("{name} must be a number, not {value}"));
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| not_a_number(&args[name])),
        Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| not_a_number(v)),
        Some(other) => Err(not_a_number(other)),
    }
}

/// `statistic`: `mean` (the default), `median`, or `quantile` with
/// `quantile` (a quantile given alone implies `quantile`).
fn statistic(args: &Map<String, Value>) -> Result<Statistic, ArgumentError> {
    let q = number(args, "quantile")?;
    match (text_arg(args, "statistic")?.as_deref(), q) {
        (None, None) | (Some("mean"), None) => Ok(Statistic::Mean),
        (Some("median"), None) => Ok(Statistic::Median),
        (None | Some("quantile"), Some(q)) => Ok(Statistic::Quantile(q)),
        (Some("quantile"), None) => Err(ArgumentError::Judgement(
            "statistic quantile needs quantile, e.g. 0.99".into(),
        )),
        (Some(name @ ("mean" | "median")), Some(_)) => Err(ArgumentError::Judgement(format!(
            "quantile is only for statistic quantile, not {name}"
        ))),
        (Some(other), _) => Err(ArgumentError::Judgement(format!(
            "statistic must be mean, median or quantile, not '{other}'"
        ))),
    }
}

/// The indicator: `error_ratio_query`, or `bad_query` or `good_query` with
/// `total_query`.
fn sli(args: &Map<String, Value>) -> Result<Sli, ArgumentError> {
    let q = |name: &str| text_arg(args, name);
    match (
        q("error_ratio_query")?,
        q("bad_query")?,
        q("good_query")?,
        q("total_query")?,
    ) {
        (Some(ratio), None, None, None) => Ok(Sli::ErrorRatio(ratio)),
        (None, Some(bad), None, Some(total)) => Ok(Sli::BadTotal((bad, total))),
        (None, None, Some(good), Some(total)) => Ok(Sli::GoodTotal((good, total))),
        _ => Err(ArgumentError::Judgement(
            "give error_ratio_query, or bad_query and total_query, or good_query and total_query (each with $window where the range goes)".into(),
        )),
    }
}

/// `windows`: a list of `{"long": "1h", "short": "5m", "factor": 14.4}` or
/// `["1h", "5m", 14.4]`; none: the SRE workbook's paging pairs.
fn windows(value: Option<&Value>) -> Result<Vec<BurnWindow>, ArgumentError> {
    let bad = |item: &Value| {
        ArgumentError::Judgement(format!(
            "each window must be {{\"long\": \"1h\", \"short\": \"5m\", \"factor\": 14.4}} or [\"1h\", \"5m\", 14.4], not {item}"
        ))
    };
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(bad(other)),
    };
    items
        .iter()
        .map(|item| {
            let (long, short, factor) = match item {
                Value::Object(map) => (map.get("long"), map.get("short"), map.get("factor")),
                Value::Array(parts) if parts.len() == 3 => {
                    (parts.first(), parts.get(1), parts.get(2))
                }
                _ => return Err(bad(item)),
            };
            let text = |v: Option<&Value>| match v {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                _ => Err(bad(item)),
            };
            let factor = match factor {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| bad(item))?;
            Ok(BurnWindow {
                long: text(long)?,
                short: text(short)?,
                factor,
            })
        })
        .collect()
}

/// `mode`: `always` (the default), `at_least_once` or `fraction` with
/// `fraction` (a fraction given alone implies `fraction`).
fn mode(args: &Map<String, Value>) -> Result<WindowMode, ArgumentError> {
    let fraction = number(args, "fraction")?;
    match (text_arg(args, "mode")?.as_deref(), fraction) {
        (None | Some("always"), None) => Ok(WindowMode::Always),
        (Some("at_least_once"), None) => Ok(WindowMode::AtLeastOnce),
        (None | Some("fraction"), Some(f)) => Ok(WindowMode::Fraction(f)),
        (Some("fraction"), None) => Err(ArgumentError::Judgement(
            "mode fraction needs fraction, e.g. 0.95".into(),
        )),
        (Some(name @ ("always" | "at_least_once")), Some(_)) => Err(ArgumentError::Judgement(
            format!("fraction is only for mode fraction, not {name}"),
        )),
        (Some(other), _) => Err(ArgumentError::Judgement(format!(
            "mode must be always, at_least_once or fraction, not '{other}'"
        ))),
    }
}

fn no_data_of(value: judge::NoData) -> NoData {
    match value {
        judge::NoData::Fail => NoData::Fail,
        judge::NoData::Pass => NoData::Pass,
        judge::NoData::Inconclusive => NoData::Inconclusive,
    }
}

fn comparator_of(value: judge::Comparator) -> Comparator {
    match value {
        judge::Comparator::Lt => Comparator::Lt,
        judge::Comparator::Le => Comparator::Le,
        judge::Comparator::Gt => Comparator::Gt,
        judge::Comparator::Ge => Comparator::Ge,
        judge::Comparator::Eq => Comparator::Eq,
        judge::Comparator::Ne => Comparator::Ne,
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
    fn every_promql_argument_is_an_argument_of_its_judgement() {
        for func in [
            "compare_to_baseline",
            "slo_burn_rate",
            "threshold_over_window",
            "wait_until",
        ] {
            let (required, optional) = signature(func).unwrap();
            let queries = promql_arguments(func);
            assert!(!queries.is_empty(), "{func} has a query");
            for name in queries {
                assert!(
                    required.contains(name) || optional.contains(name),
                    "{func}() has no argument {name}"
                );
            }
        }
    }

    #[test]
    fn only_burn_rate_queries_get_a_window_to_parse() {
        assert_eq!(
            query_to_parse(
                "slo_burn_rate",
                "sum(rate(e[$window])) / sum(rate(t[$window]))"
            ),
            "sum(rate(e[1h])) / sum(rate(t[1h]))"
        );
        assert_eq!(
            query_to_parse("wait_until", "rate(e[$window])"),
            "rate(e[$window])"
        );
    }

    #[test]
    fn baseline_defaults_are_filled_in() {
        let JudgementCall::CompareToBaseline(call) = plan(
            "compare_to_baseline",
            &args(json!({"query": "q", "baseline_start": "20 minutes ago", "baseline_end": "10 minutes ago", "start": "5 minutes ago", "end": "now"})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(call.statistic, Statistic::Mean);
        assert_eq!(call.direction, Direction::Increase);
        assert_eq!(
            (call.max_change, call.confidence, call.min_samples),
            (0.2, 0.95, 5)
        );
        assert_eq!(call.no_data, NoData::Fail);
    }

    #[test]
    fn numbers_may_be_text_and_names_are_checked() {
        let base = json!({"query": "q", "start": "1h ago", "end": "now", "comparator": "<", "value": "0.5", "fraction": "0.9"});
        let JudgementCall::ThresholdOverWindow(call) =
            plan("threshold_over_window", &args(base.clone())).unwrap()
        else {
            panic!()
        };
        assert_eq!(call.value, 0.5);
        assert_eq!(call.mode, WindowMode::Fraction(0.9));
        assert_eq!(call.comparator, Comparator::Lt);
        let mut bad = base.clone();
        bad["comparator"] = json!("=>");
        assert!(plan("threshold_over_window", &args(bad))
            .unwrap_err()
            .to_string()
            .contains("comparator must be one of"));
        let mut bad = base;
        bad["no_data"] = json!("ignore");
        assert!(plan("threshold_over_window", &args(bad))
            .unwrap_err()
            .to_string()
            .contains("no_data must be fail, pass or inconclusive"));
    }

    #[test]
    fn burn_windows_read_both_forms_and_the_sli_needs_one_form() {
        let JudgementCall::SloBurnRate(call) = plan(
            "slo_burn_rate",
            &args(json!({"objective": 0.999, "bad_query": "b[$window]", "total_query": "t[$window]",
                          "windows": [["1h", "5m", 14.4], {"long": "6h", "short": "30m", "factor": "6"}]})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(call.windows.len(), 2);
        assert_eq!(call.windows[1].factor, 6.0);
        assert!(matches!(call.sli, Sli::BadTotal(_)));
        assert!(plan(
            "slo_burn_rate",
            &args(json!({"objective": 0.999, "bad_query": "b[$window]"}))
        )
        .unwrap_err()
        .to_string()
        .contains("total_query"));
    }

    #[test]
    fn wait_until_reads_its_durations_with_defaults() {
        let JudgementCall::WaitUntil(condition, wait) = plan(
            "wait_until",
            &args(json!({"query": "up", "comparator": "==", "value": 1, "interval": "2s"})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(condition.comparator, Comparator::Eq);
        assert_eq!(wait.timeout.seconds, 300.0);
        assert_eq!(wait.interval.seconds, 2.0);
        assert!(plan(
            "wait_until",
            &args(json!({"query": "up", "comparator": "==", "value": 1, "timeout": "soon"}))
        )
        .is_err());
    }
}
