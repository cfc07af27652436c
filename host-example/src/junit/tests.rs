use serde_json::{json, Value};

use super::*;

/// A journal as both runners write it: one probe before and after, a probe
/// and an action in the method, a rollback.
fn journal() -> Value {
    let up = |met: bool| {
        json!({
            "activity": {"type": "probe", "name": "prometheus-up",
                         "tolerance": {"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "1"}},
            "output": {"status": "success", "data": {"result": [{"value": [1, if met { "1" } else { "0" }]}]}},
            "start": "2026-12-07T13:06:08.100000+00:00", "status": "succeeded",
            "end": "2026-12-07T13:06:08.350000+00:00", "duration": 0.25, "tolerance_met": met
        })
    };
    json!({
        "chaoslib-version": "1.44.0", "platform": "Linux", "node": "ci-runner-7",
        "experiment": {"title": "Prometheus self-scrape is up"},
        "start": "2026-12-07T13:06:08.012345+00:00",
        "status": "completed", "deviated": false,
        "steady_states": {
            "before": {"steady_state_met": true, "probes": [up(true)]},
            "after": {"steady_state_met": true, "probes": [up(true)]},
            "during": []
        },
        "run": [
            {"activity": {"type": "probe", "name": "range"}, "output": {"status": "success"},
             "start": "s", "status": "succeeded", "end": "e", "duration": 0.5},
            {"activity": {"type": "action", "name": "touch"}, "output": {"status": 0},
             "start": "s", "status": "succeeded", "end": "e", "duration": 0.01}
        ],
        "rollbacks": [
            {"activity": {"type": "action", "name": "undo"}, "output": null,
             "start": "s", "status": "succeeded", "end": "e", "duration": 0.02}
        ],
        "end": "2026-12-07T13:06:10.012345+00:00", "duration": 2.0
    })
}

/// The report, parsed back: (suite attributes, cases as (classname, name,
/// outcome tag or "passed", message)).
struct Parsed {
    suites: std::collections::BTreeMap<String, String>,
    suite: std::collections::BTreeMap<String, String>,
    properties: Vec<(String, String)>,
    cases: Vec<(String, String, String, String)>,
    texts: Vec<String>,
}

fn parse(journal: &Value) -> Parsed {
    let xml = to_xml(journal).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let attributes = |node: roxmltree::Node| {
        node.attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect()
    };
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root.children().find(|n| n.is_element()).unwrap();
    assert_eq!(suite.tag_name().name(), "testsuite");
    let mut cases = Vec::new();
    let mut texts = Vec::new();
    for case in suite.children().filter(|n| n.has_tag_name("testcase")) {
        let outcome = case.children().find(|n| n.is_element());
        let tag = outcome.map_or("passed", |n| n.tag_name().name());
        let message = outcome
            .and_then(|n| n.attribute("message"))
            .unwrap_or("")
            .to_string();
        texts.push(outcome.and_then(|n| n.text()).unwrap_or("").to_string());
        cases.push((
            case.attribute("classname").unwrap().to_string(),
            case.attribute("name").unwrap().to_string(),
            tag.to_string(),
            message,
        ));
    }
    let properties = suite
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| {
            (
                n.attribute("name").unwrap().to_string(),
                n.attribute("value").unwrap().to_string(),
            )
        })
        .collect();
    Parsed {
        suites: attributes(root),
        suite: attributes(suite),
        properties,
        cases,
        texts,
    }
}

fn case<'a>(
    parsed: &'a Parsed,
    classname: &str,
    name: &str,
) -> &'a (String, String, String, String) {
    parsed
        .cases
        .iter()
        .find(|c| c.0 == classname && c.1 == name)
        .unwrap_or_else(|| panic!("no case {classname}/{name} in {:?}", parsed.cases))
}

#[test]
fn every_activity_run_is_a_case_under_its_phase_and_the_run_is_one_more() {
    let parsed = parse(&journal());
    let names: Vec<(&str, &str, &str)> = parsed
        .cases
        .iter()
        .map(|c| (c.0.as_str(), c.1.as_str(), c.2.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("steady-state-hypothesis.before", "prometheus-up", "passed"),
            ("method", "range", "passed"),
            ("method", "touch", "passed"),
            ("steady-state-hypothesis.after", "prometheus-up", "passed"),
            ("rollbacks", "undo", "passed"),
            ("experiment", "status", "passed"),
        ]
    );
    let suite = &parsed.suite;
    assert_eq!(suite["name"], "Prometheus self-scrape is up");
    assert_eq!(
        (
            suite["tests"].as_str(),
            suite["failures"].as_str(),
            suite["errors"].as_str()
        ),
        ("6", "0", "0")
    );
    assert_eq!(suite["skipped"], "0");
    assert_eq!(suite["time"], "2.000");
    assert_eq!(suite["timestamp"], "2026-12-07T13:06:08");
    assert_eq!(suite["hostname"], "ci-runner-7");
    assert_eq!(parsed.suites["tests"], "6");
    assert!(parsed
        .properties
        .contains(&("status".to_string(), "completed".to_string())));
    assert!(parsed
        .properties
        .contains(&("deviated".to_string(), "false".to_string())));
}

#[test]
fn case_times_are_the_entries_durations() {
    let xml = to_xml(&journal()).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    let times: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| n.attribute("time").unwrap())
        .collect();
    assert_eq!(
        times,
        ["0.250", "0.500", "0.010", "0.250", "0.020", "2.000"]
    );
}

#[test]
fn a_deviated_run_fails_the_probe_with_its_tolerance_and_output_and_the_run_case() {
    let mut journal = journal();
    let probe = &mut journal["steady_states"]["after"]["probes"][0];
    probe["tolerance_met"] = json!(false);
    probe["output"]["data"]["result"][0]["value"][1] = json!("0");
    journal["steady_states"]["after"]["steady_state_met"] = json!(false);
    journal["deviated"] = json!(true);
    let parsed = parse(&journal);
    let failed = case(&parsed, "steady-state-hypothesis.after", "prometheus-up");
    assert_eq!(failed.2, "failure");
    assert_eq!(
        failed.3,
        r#"tolerance {"type":"jsonpath","path":"$.data.result[*].value[1]","expect":"1"} was not met: the probe returned {"status":"success","data":{"result":[{"value":[1,"0"]}]}}"#
    );
    let run = case(&parsed, "experiment", "status");
    assert_eq!(
        (run.2.as_str(), run.3.as_str()),
        (
            "failure",
            "the steady state deviated after the method (not met: prometheus-up)"
        )
    );
    assert_eq!(
        (
            parsed.suite["tests"].as_str(),
            parsed.suite["failures"].as_str()
        ),
        ("6", "2")
    );
}

#[test]
fn the_failure_message_is_the_probes_explanation_when_it_gives_one() {
    let mut journal = journal();
    journal["run"][0]["activity"]["tolerance"] =
        json!({"type": "jsonpath", "path": "$.verdict", "expect": "pass"});
    journal["run"][0]["output"] = json!({
        "verdict": "fail",
        "explain": "p95 latency 0.82s is 64% above the baseline 0.50s (allowed: 20%)"
    });
    journal["run"][0]["tolerance_met"] = json!(false);
    let parsed = parse(&journal);
    let failed = case(&parsed, "method", "range");
    assert_eq!(
        (failed.2.as_str(), failed.3.as_str()),
        (
            "failure",
            "p95 latency 0.82s is 64% above the baseline 0.50s (allowed: 20%)"
        )
    );
}

#[test]
fn the_failure_text_has_what_explains_it_with_the_link() {
    let mut journal = journal();
    journal["run"][0]["activity"]["tolerance"] = json!(true);
    journal["run"][0]["tolerance_met"] = json!(false);
    let link = "http://127.0.0.1:9090/graph?g0.expr=up&g0.range_input=10m";
    journal["run"][0]["explanation"] = json!({"probe": "range", "query": "up",
        "series": ["up{job=\"api\"} = 0"], "link": link});
    let parsed = parse(&journal);
    let index = parsed
        .cases
        .iter()
        .position(|c| c.0 == "method" && c.1 == "range")
        .unwrap();
    let text = &parsed.texts[index];
    assert!(text.contains(&format!("link: \"{link}\"\n")), "{text}");
    assert!(
        text.contains(r#"series: ["up{job=\"api\"} = 0"]"#),
        "{text}"
    );
}

#[test]
fn a_failed_activity_fails_with_its_exception() {
    let mut journal = journal();
    journal["run"][1]["status"] = json!("failed");
    journal["run"][1]["output"] = Value::Null;
    journal["run"][1]["exception"] = json!([
        "Traceback (most recent call last):\n",
        "chaoslib.exceptions.ActivityFailed: Prometheus query {'query': 'up{'} failed: bad_data\n"
    ]);
    let parsed = parse(&journal);
    let failed = case(&parsed, "method", "touch");
    assert_eq!(failed.2, "failure");
    assert_eq!(
        failed.3,
        "chaoslib.exceptions.ActivityFailed: Prometheus query {'query': 'up{'} failed: bad_data"
    );
    let index = parsed.cases.iter().position(|c| c.1 == "touch").unwrap();
    assert!(parsed.texts[index].starts_with("Traceback (most recent call last):\n"));
}

#[test]
fn markup_and_control_characters_in_names_and_output_come_back_as_written() {
    let mut journal = journal();
    journal["experiment"]["title"] = json!(r#"<latency> & "errors" 'up'"#);
    journal["run"][0]["activity"]["name"] = json!("a<b>&c");
    journal["run"][0]["status"] = json!("failed");
    journal["run"][0]["exception"] = json!(["stderr: ]]> </failure> \u{1}bell\u{7}\n"]);
    let parsed = parse(&journal);
    assert_eq!(parsed.suite["name"], r#"<latency> & "errors" 'up'"#);
    assert_eq!(parsed.suites["name"], r#"<latency> & "errors" 'up'"#);
    let failed = case(&parsed, "method", "a<b>&c");
    assert_eq!(failed.3, "stderr: ]]> </failure> \u{fffd}bell\u{fffd}");
}

#[test]
fn an_interrupted_run_is_an_error_and_cut_short_entries_are_skipped() {
    let mut journal = journal();
    journal["status"] = json!("interrupted");
    journal["interruption"] = json!({"kind": "safeguard", "name": "health-watch",
        "reason": "safeguard 'health-watch' triggered the end of the experiment"});
    journal["steady_states"]["after"] = Value::Null;
    journal["run"][1].as_object_mut().unwrap().remove("status");
    let parsed = parse(&journal);
    assert_eq!(case(&parsed, "method", "touch").2, "skipped");
    let run = case(&parsed, "experiment", "status");
    assert_eq!(
        (run.2.as_str(), run.3.as_str()),
        (
            "error",
            "the run was interrupted: safeguard 'health-watch' triggered the end of the experiment"
        )
    );
    assert!(!parsed
        .cases
        .iter()
        .any(|c| c.0 == "steady-state-hypothesis.after"));
    let suite = &parsed.suite;
    assert_eq!(
        (
            suite["tests"].as_str(),
            suite["failures"].as_str(),
            suite["errors"].as_str(),
            suite["skipped"].as_str()
        ),
        ("5", "0", "1", "1")
    );
    assert!(parsed
        .properties
        .iter()
        .any(|(name, value)| name == "interruption" && value.contains("health-watch")));
}

#[test]
fn an_aborted_run_is_an_error() {
    let mut journal = journal();
    journal["status"] = json!("aborted");
    let parsed = parse(&journal);
    let run = case(&parsed, "experiment", "status");
    assert_eq!(
        (run.2.as_str(), run.3.as_str()),
        ("error", "the run was aborted: the method did not finish")
    );
}

#[test]
fn a_steady_state_not_met_before_the_method_fails_the_run_case() {
    let mut journal = journal();
    let before = &mut journal["steady_states"]["before"];
    before["steady_state_met"] = json!(false);
    before["probes"][0]["tolerance_met"] = json!(false);
    journal["run"] = json!([]);
    journal["steady_states"]["after"] = Value::Null;
    let parsed = parse(&journal);
    let run = case(&parsed, "experiment", "status");
    assert_eq!(
        (run.2.as_str(), run.3.as_str()),
        (
            "failure",
            "the steady state was not met before the method, so the method did not run (not met: prometheus-up)"
        )
    );
}

#[test]
fn hypothesis_runs_during_the_method_are_numbered() {
    let mut journal = journal();
    let state = journal["steady_states"]["before"].clone();
    journal["steady_states"]["during"] = json!([state.clone(), state]);
    let parsed = parse(&journal);
    for class in [
        "steady-state-hypothesis.during.1",
        "steady-state-hypothesis.during.2",
    ] {
        assert_eq!(case(&parsed, class, "prometheus-up").2, "passed");
    }
}

#[test]
fn a_long_output_is_shortened_in_the_message() {
    let mut journal = journal();
    journal["run"][0]["activity"]["tolerance"] = json!(true);
    journal["run"][0]["output"] = json!("x".repeat(1000));
    journal["run"][0]["tolerance_met"] = json!(false);
    let parsed = parse(&journal);
    let message = &case(&parsed, "method", "range").3;
    assert!(message.starts_with("tolerance true was not met: the probe returned \"xxx"));
    assert!(
        message.ends_with('…') && message.chars().count() < 300,
        "{message}"
    );
}

#[test]
fn what_is_no_journal_is_refused_with_what_it_is() {
    let error = to_xml(&json!([1, 2])).unwrap_err();
    assert!(matches!(error, JunitError::NotAJournal("a list")));
    assert!(error.to_string().contains("pass the journal"));
    assert!(matches!(
        write_from_json("{not json", Path::new("unused.xml")),
        Err(JunitError::NotJson(_))
    ));
    // An object without the journal's parts is an empty run, not a panic.
    let parsed = parse(&json!({}));
    assert_eq!(parsed.suite["name"], "(untitled experiment)");
    assert_eq!(parsed.cases.len(), 1);
}

#[test]
fn a_report_that_cannot_be_written_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("report.xml");
    let error = write(&journal(), &path).unwrap_err();
    assert!(
        error.to_string().contains("missing-dir/report.xml")
            && error
                .to_string()
                .contains("check that its directory exists"),
        "{error}"
    );
    let path = dir.path().join("report.xml");
    write(&journal(), &path).unwrap();
    assert!(std::fs::read_to_string(path)
        .unwrap()
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
}

#[test]
fn timestamps_are_utc_to_the_second() {
    assert_eq!(
        junit_timestamp("2026-12-07T14:06:08.5+01:00"),
        "2026-12-07T13:06:08"
    );
    assert_eq!(
        junit_timestamp("2026-12-07T13:06:08.123456"),
        "2026-12-07T13:06:08"
    );
    assert_eq!(junit_timestamp("soon"), "soon");
}

#[test]
fn the_control_writes_to_its_path_argument_or_junit_xml() {
    assert_eq!(
        control_path(Some(&json!({"path": "out/report.xml"}))).unwrap(),
        Path::new("out/report.xml")
    );
    assert_eq!(
        control_path(Some(&json!({}))).unwrap(),
        Path::new("junit.xml")
    );
    assert_eq!(control_path(None).unwrap(), Path::new("junit.xml"));
    let error = control_path(Some(&json!({"path": 3}))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the chaosprometheus.junit control's `path` must be a file's path as text, not 3"
    );
    assert!(control_path(Some(&json!({"path": ""}))).is_err());
}
