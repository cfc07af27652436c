//! `chaosprom validate --server`: whether each metric the experiment's
//! queries name has series at the experiment's Prometheus, asked through
//! the component with the run's own policy (the allow-list, credentials and
//! TLS of `prometheus_base_url`), in one instant query.
//!
//! An instant query sees the series of the server's lookback (5 minutes by
//! default), so a metric that was scraped earlier but not lately is
//! reported too; it is a warning, never an error.

use std::collections::BTreeSet;
use std::fmt;

use chaosprometheus_host::{CallError, InstantQuery};
use promql_parser::label::MatchOp;
use promql_parser::parser::{Expr, VectorSelector};
use promql_parser::util::{walk_expr, ExprVisitor};
use serde_json::Value;

use crate::query_lint::activity_queries;
use crate::{run, NotRun, RunOptions};

/// A metric a query names that the server has no series of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMetric {
    /// Where the activity is and its name: `method activity 'cpu-high'`.
    pub activity: String,
    /// The probe function's argument that holds the query.
    pub argument: String,
    /// The metric name.
    pub name: String,
}

impl fmt::Display for UnknownMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, argument '{}': the server has no series of metric '{}' now; check the name, or that its target is scraped",
            self.activity, self.argument, self.name
        )
    }
}

/// Why the server could not be asked.
#[derive(Debug)]
pub enum ServerCheckError {
    /// The experiment is invalid (the same problems as `validate`'s).
    Invalid(Vec<String>),
    /// The query through the component failed.
    Call(CallError),
    /// Prometheus answered something that is not a vector of series.
    Answer(String),
}

/// The metric names `query` selects by name (`up`, `{__name__="up"}`); a
/// name matched by a regular expression is not one. None if it does not
/// parse (the query check reports it).
pub fn metric_names(query: &str) -> BTreeSet<String> {
    struct Names(BTreeSet<String>);
    impl ExprVisitor for Names {
        type Error = ();
        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
            let selector: Option<&VectorSelector> = match expr {
                Expr::VectorSelector(selector) => Some(selector),
                Expr::MatrixSelector(matrix) => Some(&matrix.vs),
                _ => None,
            };
            if let Some(selector) = selector {
                self.0.extend(selector.name.iter().cloned());
                self.0.extend(
                    selector
                        .matchers
                        .matchers
                        .iter()
                        .filter(|m| m.name == "__name__" && m.op == MatchOp::Equal)
                        .map(|m| m.value.clone()),
                );
            }
            Ok(true)
        }
    }
    let Ok(expr) = promql_parser::parser::parse(query) else {
        return BTreeSet::new();
    };
    let mut names = Names(BTreeSet::new());
    let _ = walk_expr(&mut names, &expr);
    names.0
}

/// The instant query that returns one series per name that has any.
pub fn names_query<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let alternatives: Vec<String> = names
        .into_iter()
        // A regular expression in a PromQL string: its backslashes and
        // quotes escaped once more.
        .map(|name| {
            regex::escape(name)
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        })
        .collect();
    format!(
        "group by (__name__) ({{__name__=~\"{}\"}})",
        alternatives.join("|")
    )
}

/// The metrics of the experiment's queries that the experiment's
/// Prometheus has no series of, each with the activity that names it.
pub async fn unknown_metrics(
    experiment: &Value,
    options: &RunOptions,
) -> Result<Vec<UnknownMetric>, ServerCheckError> {
    let settings = crate::validate(experiment, &options.vars).map_err(ServerCheckError::Invalid)?;
    let queries = activity_queries(experiment, &settings);
    let named: Vec<_> = queries
        .iter()
        .map(|found| (found, metric_names(&found.query)))
        .collect();
    let all: BTreeSet<&String> = named.iter().flat_map(|(_, names)| names).collect();
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let runner = run::Runner::new(experiment.clone(), settings, options)
        .map_err(|NotRun::Invalid(problems)| ServerCheckError::Invalid(problems))?;
    let request = InstantQuery {
        query: names_query(all),
        when: None,
        timeout: None,
    };
    let answer = runner
        .instant_query(&request)
        .await
        .map_err(ServerCheckError::Call)?;
    let known = series_names(&answer).ok_or_else(|| {
        ServerCheckError::Answer(format!(
            "the answer to {} is not a vector of series: {answer}",
            request.query
        ))
    })?;
    Ok(named
        .into_iter()
        .flat_map(|(found, names)| {
            names
                .into_iter()
                .filter(|name| !known.contains(name))
                .map(|name| UnknownMetric {
                    activity: found.activity.clone(),
                    argument: found.argument.clone(),
                    name,
                })
        })
        .collect())
}

/// The `__name__` of each series of a vector answer.
fn series_names(answer: &str) -> Option<BTreeSet<String>> {
    let answer: Value = serde_json::from_str(answer).ok()?;
    if answer["data"]["resultType"] != "vector" {
        return None;
    }
    answer["data"]["result"]
        .as_array()?
        .iter()
        .map(|series| series["metric"]["__name__"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(query: &str) -> Vec<String> {
        metric_names(query).into_iter().collect()
    }

    #[test]
    fn names_are_those_selected_by_equality() {
        assert_eq!(
            names("sum(rate(http_requests_total{code=~\"5..\"}[5m])) / on() group_left up"),
            ["http_requests_total", "up"]
        );
        assert_eq!(names("{__name__=\"up\", job=\"a\"}"), ["up"]);
        assert_eq!(names("{__name__=~\"up|scrape_.*\"}"), Vec::<String>::new());
        assert_eq!(names("max_over_time(foo[1h:1m] offset 5m)"), ["foo"]);
        assert_eq!(names("up{"), Vec::<String>::new(), "does not parse");
    }

    #[test]
    fn the_names_query_matches_each_name_exactly() {
        let names: Vec<String> = vec!["up".into(), "a:b".into(), "x.y".into()];
        assert_eq!(
            names_query(&names),
            "group by (__name__) ({__name__=~\"up|a:b|x\\\\.y\"})"
        );
        assert!(promql_parser::parser::parse(&names_query(&names)).is_ok());
    }

    #[test]
    fn series_names_reads_a_vector_answer_only() {
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up"},"value":[1,"1"]}]}}"#;
        assert_eq!(
            series_names(vector),
            Some(BTreeSet::from(["up".to_string()]))
        );
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#;
        assert_eq!(series_names(scalar), None);
    }
}
