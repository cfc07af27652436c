//! The query check of `chaosprom validate` and `chaosprom run` against a
//! real Prometheus: every query of `tests/fixtures/promql-corpus.txt` that
//! Prometheus refuses, the check reports, but for the misses listed below
//! with the reason; those it reports that Prometheus takes are listed too,
//! with the reason. Every query Prometheus takes passes `chaosprom
//! validate` without `--strict`, so a file `chaos run` accepts is still
//! accepted. Then the binary on experiment files: the finding names the
//! activity, the query and the position; `--strict` fails; `run` warns and
//! still runs.

use chaosprometheus_runner::query_lint::check_query;
use harness::servers::{http_get, Prometheus, PrometheusOptions};
use serde_json::{json, Value};

use crate::cli::chaosprom;

/// Queries the check reports that this Prometheus parses, and why: they
/// are warnings (errors only with `--strict`), so the file still runs.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "`raw \\ string`",
        "a backquoted string has no escapes in Prometheus; promql-parser 0.11 reads escapes in it",
    ),
    (
        "holt_winters(up[5m], 0.5, 0.5)",
        "Prometheus 2's holt_winters is double_exponential_smoothing in Prometheus 3, whose functions promql-parser 0.11 knows",
    ),
];

/// Queries the check passes that a Prometheus may refuse, and why: where
/// this Prometheus refuses them, they fail when the probe runs, with
/// Prometheus's `bad_data`.
const KNOWN_MISSES: &[(&str, &str)] = &[(
    "up[5]",
    "a range without a unit: promql-parser 0.11 reads a number as seconds, as newer Prometheus releases do (\"float literals and time durations\"); Prometheus 2 (Debian 12 ships 2.42) refuses it",
)];

fn corpus() -> Vec<String> {
    let path = harness::workspace_root().join("tests/fixtures/promql-corpus.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Whether Prometheus parses `query`: an instant query, refused only with
/// `bad_data` for its `query` parameter when it does not parse.
fn prometheus_parses(prometheus: &Prometheus, query: &str) -> bool {
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let (status, body) = http_get(prometheus.port, &format!("/api/v1/query?query={encoded}"))
        .expect("Prometheus answers");
    let answer: Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{query}: not JSON ({e}): {status} {body}"));
    match answer["status"].as_str() {
        Some("success") => true,
        Some("error")
            if answer["errorType"] == "bad_data"
                && answer["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("invalid parameter \"query\"")) =>
        {
            false
        }
        _ => panic!("{query}: neither parsed nor refused as bad_data: {body}"),
    }
}

#[test]
fn the_check_agrees_with_prometheus_on_the_corpus_but_for_the_listed_queries() {
    let prometheus = Prometheus::start_with(PrometheusOptions::default());
    let corpus = corpus();
    assert!(corpus.len() >= 100, "{} queries", corpus.len());
    let mut missed = Vec::new();
    let mut unexplained = Vec::new();
    let mut disagreements = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    let mut accepted = Vec::new();
    for query in &corpus {
        let parses = prometheus_parses(&prometheus, query);
        let checked = check_query(query);
        if parses {
            valid += 1;
            accepted.push(query.as_str());
        } else {
            invalid += 1
        }
        match (parses, checked) {
            (false, Ok(())) => missed.push(query.clone()),
            (true, Err(error)) => {
                disagreements.push(query.clone());
                if !KNOWN_DISAGREEMENTS.iter().any(|(known, _)| known == query) {
                    unexplained.push(format!("{query}: {}", error.message));
                }
            }
            _ => {}
        }
    }
    assert!(
        valid >= 40 && invalid >= 40,
        "{valid} valid, {invalid} invalid"
    );
    for (known, reason) in KNOWN_MISSES {
        assert_eq!(
            check_query(known),
            Ok(()),
            "no longer a miss of the check ({reason}): {known}"
        );
        assert!(
            corpus.iter().any(|q| q == known),
            "not in the corpus: {known}"
        );
    }
    let unknown_misses: Vec<&String> = missed
        .iter()
        .filter(|query| !KNOWN_MISSES.iter().any(|(known, _)| known == query))
        .collect();
    assert!(
        unknown_misses.is_empty(),
        "Prometheus refuses, the check takes: {unknown_misses:#?}"
    );
    assert!(
        unexplained.is_empty(),
        "the check refuses, Prometheus takes: {unexplained:#?}"
    );
    for (known, reason) in KNOWN_DISAGREEMENTS {
        assert!(
            disagreements.iter().any(|d| d == known),
            "no longer a disagreement ({reason}): {known}"
        );
    }
    // A file chaos run accepts is still accepted: every query Prometheus
    // takes, in one experiment, passes validate without --strict, and only
    // the disagreements are warned of.
    let names: Vec<String> = (0..accepted.len()).map(|i| format!("q{i}")).collect();
    let probes: Vec<(&str, &str, &str)> = names
        .iter()
        .zip(&accepted)
        .map(|(name, query)| (name.as_str(), "query", *query))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &experiment(&prometheus.url, &probes));
    let validated = chaosprom(dir.path(), &["validate", &path]);
    assert_eq!(
        validated.status, 0,
        "the queries Prometheus takes: {}",
        validated.stderr
    );
    assert!(
        validated.stdout.ends_with("is valid\n"),
        "{}",
        validated.stdout
    );
    let warnings = validated
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning[invalid-query]"))
        .count();
    assert_eq!(warnings, disagreements.len(), "{}", validated.stderr);
    assert!(!validated.stderr.contains("error["), "{}", validated.stderr);
}

/// An experiment whose method has these probes: (name, function, query).
fn experiment(prometheus_url: &str, probes: &[(&str, &str, &str)]) -> Value {
    let method: Vec<Value> = probes
        .iter()
        .map(|(name, func, query)| {
            json!({"type": "probe", "name": name, "provider": {
                "type": "python", "module": "chaosprometheus.probes", "func": func,
                "arguments": {"query": query}}})
        })
        .collect();
    json!({
        "title": "queries", "description": "PromQL checked before the run",
        "configuration": {"prometheus_base_url": prometheus_url, "job": "prometheus"},
        "method": method
    })
}

fn write(dir: &std::path::Path, experiment: &Value) -> String {
    let path = dir.join("experiment.json");
    std::fs::write(&path, experiment.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn validate_accepts_valid_queries_without_a_word_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        &experiment(
            "http://127.0.0.1:9",
            &[
                ("up", "query", "up{job=\"${job}\"}"),
                ("mean", "compute_mean", "rate(up[5m])"),
                ("value", "query_value", "sum by (job) (up) > bool 0"),
            ],
        ),
    );
    for args in [vec!["validate", &path], vec!["validate", &path, "--strict"]] {
        let validated = chaosprom(dir.path(), &args);
        assert_eq!(validated.status, 0, "{}", validated.stderr);
        assert_eq!(validated.stderr, "", "{args:?}");
        assert!(validated.stdout.ends_with("is valid\n"));
    }
}

#[test]
fn validate_warns_of_a_broken_query_naming_the_activity_the_query_and_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        &experiment(
            "http://127.0.0.1:9",
            &[
                ("fine", "query", "up"),
                ("broken", "query_value", "sum(rate(up{job=\"${job}\"[5m]))"),
            ],
        ),
    );
    let validated = chaosprom(dir.path(), &["validate", &path]);
    assert_eq!(validated.status, 0, "a warning only: {}", validated.stderr);
    assert!(validated.stdout.ends_with("is valid\n"));
    let lines: Vec<&str> = validated.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", validated.stderr);
    assert!(
        lines[0].starts_with(
            "warning[invalid-query]: method activity 'broken', argument 'query': 1:29: "
        ),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1], "    sum(rate(up{job=\"prometheus\"[5m]))",
        "after substitution"
    );
    assert_eq!(
        lines[2],
        format!("    {}^", " ".repeat(28)),
        "under the bracket"
    );
}

#[test]
fn validate_strict_fails_on_a_broken_query_and_still_reports_the_other_problems() {
    let dir = tempfile::tempdir().unwrap();
    let mut broken = experiment("http://127.0.0.1:9", &[("broken", "query", "up +")]);
    let path = write(dir.path(), &broken);
    let strict = chaosprom(dir.path(), &["validate", &path, "--strict"]);
    assert_eq!(strict.status, 1, "{}", strict.stderr);
    assert_eq!(strict.stdout, "");
    assert!(
        strict
            .stderr
            .starts_with("error[invalid-query]: method activity 'broken', argument 'query': 1:4: "),
        "{}",
        strict.stderr
    );
    assert!(
        strict
            .stderr
            .ends_with("error[invalid-query]: 1 query does not parse (--strict); without --strict, a warning\n"),
        "{}",
        strict.stderr
    );
    broken["description"] = json!("");
    let path = write(dir.path(), &broken);
    let both = chaosprom(dir.path(), &["validate", &path, "--strict"]);
    assert_eq!(both.status, 1);
    assert!(both
        .stderr
        .contains("error[invalid-query]: method activity 'broken'"));
    assert!(
        both.stderr
            .contains("error[invalid-experiment]: the experiment needs a description"),
        "{}",
        both.stderr
    );
}

#[test]
fn run_prints_the_warning_and_still_runs_unless_strict() {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        &experiment(
            &prometheus.url,
            &[("broken", "query", "up{job="), ("fine", "query", "up")],
        ),
    );
    let journal = dir.path().join("journal.json");
    let journal_path = journal.to_str().unwrap();
    let cache = harness::test_cache_dir();
    let strict = chaosprom(
        &cache,
        &["run", &path, "--journal-path", journal_path, "--strict"],
    );
    assert_eq!(strict.status, 1, "{}", strict.stderr);
    assert!(strict
        .stderr
        .starts_with("error[invalid-query]: method activity 'broken'"));
    assert!(!journal.exists(), "nothing ran");
    let run = chaosprom(&cache, &["run", &path, "--journal-path", journal_path]);
    assert!(
        run.stderr.starts_with(
            "warning[invalid-query]: method activity 'broken', argument 'query': 1:8: "
        ),
        "{}",
        run.stderr
    );
    let journal: Value = serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    assert_eq!(journal["status"], "completed", "{journal:#}");
    let runs = journal["run"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "both probes ran");
    assert_eq!(
        runs[0]["status"], "failed",
        "Prometheus refused it: {:#}",
        runs[0]
    );
    assert!(
        runs[0]["exception"].to_string().contains("bad_data"),
        "{:#}",
        runs[0]
    );
    assert_eq!(runs[1]["status"], "succeeded");
}

#[test]
fn validate_server_warns_of_each_metric_the_server_has_no_series_of() {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let dir = tempfile::tempdir().unwrap();
    let mut file = experiment(
        &prometheus.url,
        &[
            ("known", "query", "sum(up{job=\"${job}\"})"),
            (
                "typo",
                "query_value",
                "sum(rate(prometheus_http_requests_totl[5m]))",
            ),
            ("by-regex", "query", "count({__name__=~\"no_such_.*\"})"),
        ],
    );
    file["method"].as_array_mut().unwrap().push(json!(
        {"type": "probe", "name": "wait", "provider": {"type": "python",
         "module": "chaosprometheus.probes", "func": "wait_until",
         "arguments": {"query": "up + on() group_left chaosprom_no_such_metric", "comparator": ">", "value": 0}}}
    ));
    let path = write(dir.path(), &file);
    let cache = harness::test_cache_dir();
    let plain = chaosprom(&cache, &["validate", &path]);
    assert_eq!(
        (plain.status, plain.stderr.as_str()),
        (0, ""),
        "without --server, nothing is asked"
    );
    let validated = chaosprom(&cache, &["validate", &path, "--server"]);
    assert_eq!(validated.status, 0, "warnings only: {}", validated.stderr);
    assert!(
        validated.stdout.ends_with("is valid\n"),
        "{}",
        validated.stdout
    );
    let lines: Vec<&str> = validated.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "warning[unknown-metric]: method activity 'typo', argument 'query': the server has no series of metric 'prometheus_http_requests_totl' now; check the name, or that its target is scraped",
            "warning[unknown-metric]: method activity 'wait', argument 'query': the server has no series of metric 'chaosprom_no_such_metric' now; check the name, or that its target is scraped",
        ],
        "up is known; a name matched by a regular expression is not checked"
    );
}

#[test]
fn validate_server_fails_when_the_server_cannot_be_asked() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) has no listener on the test machine.
    let path = write(
        dir.path(),
        &experiment("http://127.0.0.1:9", &[("up", "query", "up")]),
    );
    let validated = chaosprom(&harness::test_cache_dir(), &["validate", &path, "--server"]);
    assert_eq!(validated.status, 1, "{}", validated.stderr);
    assert_eq!(validated.stdout, "");
    assert!(
        validated.stderr.starts_with("error[transport/"),
        "{}",
        validated.stderr
    );
}
