//! The PromQL of an experiment's probes, parsed before anything runs, so a
//! typo shows up in `chaosprom validate` (and before `chaosprom run` starts)
//! with the activity, the query and where in it the parser stopped, rather
//! than as a `bad_data` answer halfway through a run.
//!
//! The parser is the `promql-parser` crate, on the queries as they will be
//! sent: after `${name}` substitution, with `slo_burn_rate`'s `$window`
//! given a duration (the host library's `query_to_parse`). Its errors carry no position, so the position is where the
//! longest beginning of the query the crate accepts ends: for a lexical
//! error (a stray character) the longest beginning its lexer reads, short
//! only of closing what it opened; for an unclosed parenthesis, brace or
//! string the end, as Prometheus has it; for any other error the longest
//! beginning it parses. The error is there or just after it.

use std::fmt;

use chaosprometheus_host::probe_args::{promql_arguments, query_to_parse, text_arg};
use serde_json::{Map, Value};

use crate::configuration::{substitute, ConfigurationAndSecrets};
use crate::prometheus::PROBES_MODULE;
use crate::run::SAFEGUARDS_MODULE;
use crate::validate::list;

/// Why a query does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySyntaxError {
    /// The parser's message.
    pub message: String,
    /// Byte offset in the query where the part the parser accepts ends.
    pub offset: usize,
}

/// A query of an experiment that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFinding {
    /// Where the activity is and its name: `method activity 'cpu-high'`.
    pub activity: String,
    /// The probe function's argument that holds the query.
    pub argument: String,
    /// The query as it would be sent, secret values masked with `*`.
    pub query: String,
    pub error: QuerySyntaxError,
}

impl QueryFinding {
    /// 1-based line and column (in characters) of the error in the query.
    pub fn line_column(&self) -> (usize, usize) {
        line_column(&self.query, self.error.offset)
    }
}

/// `ACTIVITY, argument 'query': LINE:COLUMN: MESSAGE`, then the query's
/// line and a caret under the position, each indented by four spaces.
impl fmt::Display for QueryFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, column) = self.line_column();
        writeln!(
            f,
            "{}, argument '{}': {line}:{column}: {}",
            self.activity, self.argument, self.error.message
        )?;
        let text = self.query.lines().nth(line - 1).unwrap_or_default();
        // Tabs would move the caret; show them as spaces.
        writeln!(f, "    {}", text.replace('\t', " "))?;
        write!(f, "    {}^", " ".repeat(column - 1))
    }
}

/// Parses one query as Prometheus would.
pub fn check_query(query: &str) -> Result<(), QuerySyntaxError> {
    let message = match parses(query) {
        Ok(()) => return Ok(()),
        Err(message) => message,
    };
    let offset = match lex_error(query) {
        None => longest_accepted(query, |text| text.trim().is_empty() || parses(text).is_ok()),
        // Prometheus too puts an unclosed parenthesis or string at the end.
        Some(error) if ends_early(&error) => query.len(),
        Some(_) => longest_accepted(query, |text| lex_error(text).is_none_or(|e| ends_early(&e))),
    };
    Err(QuerySyntaxError { message, offset })
}

/// The crate's lexer's error, if any; blanks alone are no error here.
fn lex_error(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    promql_parser::parser::lexer(text).err()
}

/// Whether the lexer stopped only because the text ended: an unclosed
/// parenthesis, brace, bracket or string, the crate's words for which
/// the unit tests below hold.
fn ends_early(error: &str) -> bool {
    [
        "end of input",
        "unclosed",
        "unterminated",
        "not terminated",
        "at the end",
    ]
    .iter()
    .any(|words| error.contains(words))
}

fn parses(query: &str) -> Result<(), String> {
    promql_parser::parser::parse(query).map(drop)
}

/// The end of the longest beginning of `query` that `accepts` takes, moved
/// past the blanks after it: where the error is.
fn longest_accepted(query: &str, accepts: impl Fn(&str) -> bool) -> usize {
    let end = query
        .char_indices()
        .map(|(i, _)| i)
        .rev()
        .find(|&i| accepts(&query[..i]))
        .unwrap_or(0);
    let blanks = query[end..].len() - query[end..].trim_start().len();
    (end + blanks).min(query.len())
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Every query of the experiment's probes that does not parse: hypothesis
/// probes and their probe tolerances, the method, the rollbacks and the
/// safeguards' probes. A `ref` is checked where it is defined.
pub fn findings(experiment: &Value, settings: &ConfigurationAndSecrets) -> Vec<QueryFinding> {
    let secrets = settings.secret_values();
    activity_queries(experiment, settings)
        .into_iter()
        .filter_map(|found| {
            let error = check_query(&found.query).err()?;
            Some(QueryFinding {
                activity: found.activity,
                argument: found.argument,
                query: masked(&found.query, &secrets),
                error,
            })
        })
        .collect()
}

/// A PromQL argument of one of the experiment's probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActivityQuery {
    /// Where the activity is and its name: `method activity 'cpu-high'`.
    pub activity: String,
    /// The probe function's argument that holds the query.
    pub argument: String,
    /// The query as it will be parsed (secrets not masked).
    pub query: String,
}

/// The PromQL arguments of the experiment's probes, in the order of
/// [`findings`], after substitution.
pub(crate) fn activity_queries(
    experiment: &Value,
    settings: &ConfigurationAndSecrets,
) -> Vec<ActivityQuery> {
    let mut found = Vec::new();
    let mut check = |place: &str, activity: &Value| {
        found.extend(queries_of(place, activity, settings));
    };
    let hypothesis = experiment.get("steady-state-hypothesis");
    for probe in list(hypothesis.and_then(|h| h.get("probes"))) {
        check("steady-state probe", probe);
        if let Some(tolerance) = probe.get("tolerance").filter(|t| t["type"] == "probe") {
            check("the tolerance probe of", tolerance);
        }
    }
    for activity in list(experiment.get("method")) {
        check("method activity", activity);
    }
    for activity in list(experiment.get("rollbacks")) {
        check("rollback", activity);
    }
    for control in list(experiment.get("controls")) {
        if control["provider"]["module"] == SAFEGUARDS_MODULE {
            for probe in list(control["provider"]["arguments"].get("probes")) {
                check("safeguard", probe);
            }
        }
    }
    found
}

fn queries_of(
    place: &str,
    activity: &Value,
    settings: &ConfigurationAndSecrets,
) -> Vec<ActivityQuery> {
    let provider = &activity["provider"];
    if provider["type"] != "python" || provider["module"] != PROBES_MODULE {
        return Vec::new();
    }
    let func = provider["func"].as_str().unwrap_or_default();
    let scopes: Vec<String> = list(provider.get("secrets"))
        .filter_map(|scope| scope.as_str().map(str::to_string))
        .collect();
    let arguments = substitute(&provider["arguments"], &settings.lookup(&scopes));
    let empty = Map::new();
    let arguments = arguments.as_object().unwrap_or(&empty);
    let name = activity["name"].as_str().unwrap_or("(unnamed)");
    promql_arguments(func)
        .iter()
        .filter_map(|argument| {
            // Not text (or absent): the argument check reports it.
            let query = text_arg(arguments, argument).ok()??;
            Some(ActivityQuery {
                activity: format!("{place} '{name}'"),
                argument: argument.to_string(),
                query: query_to_parse(func, &query).into_owned(),
            })
        })
        .collect()
}

/// The query with each secret value replaced by as many `*` as it has
/// bytes, so positions stay where they were.
fn masked(query: &str, secrets: &[String]) -> String {
    secrets.iter().fold(query.to_string(), |text, secret| {
        text.replace(secret.as_str(), &"*".repeat(secret.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn offset(query: &str) -> usize {
        check_query(query).unwrap_err().offset
    }

    #[test]
    fn valid_queries_pass() {
        for query in [
            "up",
            "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))",
            "max_over_time(up[1h30m:1m] offset 5m)",
        ] {
            assert_eq!(check_query(query), Ok(()), "{query}");
        }
    }

    #[test]
    fn the_position_is_where_the_accepted_part_ends() {
        assert_eq!(offset("up{job=\"a\""), 10, "an unclosed brace: the end");
        assert_eq!(
            offset("sum(up) by (job"),
            15,
            "an unclosed parenthesis: the end"
        );
        assert_eq!(offset("up{job=\"a}"), 10, "an unclosed string: the end");
        assert_eq!(
            offset("sum(rate(up{job=\"a\"[5m]))"),
            19,
            "the bracket in the braces"
        );
        assert_eq!(offset("up{job=\"a\"} § 1"), 12, "a stray character");
        assert_eq!(offset("up @ foo"), 3, "the @ the parser stops at");
        assert_eq!(offset("up +"), 3);
        assert_eq!(offset("   "), 3);
    }

    #[test]
    fn a_finding_shows_the_query_and_a_caret_under_the_position() {
        let finding = QueryFinding {
            activity: "method activity 'p'".into(),
            argument: "query".into(),
            query: "sum(up)\n  by (job".into(),
            error: check_query("sum(up)\n  by (job").unwrap_err(),
        };
        assert_eq!(finding.line_column(), (2, 10));
        assert_eq!(
            finding.to_string(),
            format!(
                "method activity 'p', argument 'query': 2:10: {}\n      by (job\n             ^",
                finding.error.message
            )
        );
    }

    #[test]
    fn queries_are_checked_after_substitution_with_secrets_masked() {
        let experiment = json!({
            "configuration": {"job": "api"},
            "secrets": {"s": {"token": "hush"}},
            "method": [
                {"type": "probe", "name": "ok", "provider": {"type": "python",
                 "module": "chaosprometheus.probes", "func": "query",
                 "arguments": {"query": "up{job=\"${job}\"}"}}},
                {"type": "probe", "name": "burn", "provider": {"type": "python",
                 "module": "chaosprometheus.probes", "func": "slo_burn_rate",
                 "arguments": {"objective": 0.999,
                               "bad_query": "sum(rate(errors_total[$window]))",
                               "total_query": "sum(rate(requests_total[$window]))"}}},
                {"type": "probe", "name": "broken", "provider": {"type": "python",
                 "module": "chaosprometheus.probes", "func": "query_value",
                 "secrets": ["s"], "arguments": {"query": "up{t=\"${token}\"} +"}}},
                {"type": "probe", "name": "alerts", "provider": {"type": "python",
                 "module": "chaosprometheus.probes", "func": "alerts",
                 "arguments": {"alertname": "not { promql"}}}
            ]
        });
        let settings =
            ConfigurationAndSecrets::resolve(&experiment, &Map::new(), &|_| None).unwrap();
        let found = findings(&experiment, &settings);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].activity, "method activity 'broken'");
        assert_eq!(found[0].query, "up{t=\"****\"} +");
        assert_eq!(
            found[0].line_column(),
            (1, 14),
            "the + with nothing after it"
        );
    }

    fn method_findings(activities: Value) -> Vec<QueryFinding> {
        let experiment = json!({"method": activities});
        let settings =
            ConfigurationAndSecrets::resolve(&experiment, &Map::new(), &|_| None).unwrap();
        findings(&experiment, &settings)
    }

    #[test]
    fn the_judgements_queries_are_checked() {
        let probe = |name: &str, func: &str, arguments: Value| {
            json!({"type": "probe", "name": name, "provider": {"type": "python",
                   "module": "chaosprometheus.probes", "func": func, "arguments": arguments}})
        };
        let found = method_findings(json!([
            probe(
                "baseline",
                "compare_to_baseline",
                json!({"query": "rate(x[1m]", "baseline_start": "1h ago",
                  "baseline_end": "30m ago", "start": "10m ago", "end": "now"})
            ),
            probe(
                "threshold",
                "threshold_over_window",
                json!({"query": "up{", "start": "10m ago",
                  "end": "now", "comparator": ">", "value": 0})
            ),
            probe(
                "wait",
                "wait_until",
                json!({"query": "up ==", "comparator": "==", "value": 1})
            ),
            probe(
                "ratio",
                "slo_burn_rate",
                json!({"objective": 0.99,
                  "error_ratio_query": "sum(rate(e[$window])) / / sum(rate(t[$window]))"})
            ),
            probe(
                "good",
                "slo_burn_rate",
                json!({"objective": 0.99,
                  "good_query": "sum(rate(g[$window]))", "total_query": "sum(rate(t[$window])"})
            ),
        ]));
        let named: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.activity.as_str(), f.argument.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("method activity 'baseline'", "query"),
                ("method activity 'threshold'", "query"),
                ("method activity 'wait'", "query"),
                ("method activity 'ratio'", "error_ratio_query"),
                ("method activity 'good'", "total_query"),
            ]
        );
        assert_eq!(
            found[3].query, "sum(rate(e[1h])) / / sum(rate(t[1h]))",
            "the query as parsed, the window standing in for $window"
        );
    }

    #[test]
    fn window_is_a_placeholder_only_for_burn_rates() {
        let found = method_findings(json!([
            {"type": "probe", "name": "mean", "provider": {"type": "python",
             "module": "chaosprometheus.probes", "func": "compute_mean",
             "arguments": {"query": "rate(up[$window])"}}}
        ]));
        assert_eq!(
            found.len(),
            1,
            "compute_mean sends $window as written: {found:?}"
        );
    }
}
