//! `chaosprom run --junit`: the JUnit XML report of real runs against a real
//! Prometheus, read back with an XML parser: a case per activity run under
//! its phase, the counts, and the failures' messages.

use crate::run::Bench;

/// A `<testcase>`: classname, name, and its outcome (`passed`, `failure`,
/// `error`, `skipped`) with the outcome's message.
#[derive(Debug, PartialEq)]
struct Case {
    classname: String,
    name: String,
    outcome: String,
    message: String,
}

/// A parsed report: the testsuite's attributes and its cases.
struct Report {
    suite: std::collections::BTreeMap<String, String>,
    cases: Vec<Case>,
}

fn read_report(path: &std::path::Path) -> Report {
    let xml = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no JUnit report at {}: {e}", path.display()));
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites", "{xml}");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "one testsuite per run:\n{xml}");
    let suite = suites[0];
    let cases = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let outcome = case.children().find(|n| n.is_element());
            Case {
                classname: case.attribute("classname").unwrap().into(),
                name: case.attribute("name").unwrap().into(),
                outcome: outcome.map_or("passed", |n| n.tag_name().name()).into(),
                message: outcome
                    .and_then(|n| n.attribute("message"))
                    .unwrap_or_default()
                    .into(),
            }
        })
        .collect();
    Report {
        suite: suite
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect(),
        cases,
    }
}

fn outline(report: &Report) -> Vec<(&str, &str, &str)> {
    report
        .cases
        .iter()
        .map(|c| (c.classname.as_str(), c.name.as_str(), c.outcome.as_str()))
        .collect()
}

fn counts(report: &Report) -> [&str; 4] {
    ["tests", "failures", "errors", "skipped"].map(|key| report.suite[key].as_str())
}

#[test]
fn a_passing_run_reports_each_probe_as_a_passed_case() {
    let bench = Bench::start();
    let report = bench.dir.path().join("report.xml");
    let (code, _, output) = bench.run(
        &bench.experiment("prometheus-up.json"),
        &["--junit", report.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains(&format!("JUnit report written to {}", report.display())));
    let report = read_report(&report);
    assert_eq!(
        outline(&report),
        [
            ("steady-state-hypothesis.before", "prometheus-up", "passed"),
            ("method", "prometheus-up-over-last-minute", "passed"),
            ("steady-state-hypothesis.after", "prometheus-up", "passed"),
            ("experiment", "status", "passed"),
        ]
    );
    assert_eq!(report.suite["name"], "Prometheus self-scrape is up");
    assert_eq!(counts(&report), ["4", "0", "0", "0"]);
}

#[test]
fn a_deviating_run_still_writes_the_report_with_each_failure_explained() {
    let bench = Bench::start();
    let report = bench.dir.path().join("report.xml");
    let (code, journal, _) = bench.run(
        &bench.experiment("junit-report.json"),
        &["--junit", report.to_str().unwrap()],
    );
    assert_eq!(code, 1, "the run deviates");
    assert_eq!(journal["deviated"], true);
    let report = read_report(&report);
    assert_eq!(report.suite["name"], "Flag & steady state <junit>");
    assert_eq!(
        outline(&report),
        [
            (
                "steady-state-hypothesis.before",
                "prometheus-is-up",
                "passed"
            ),
            ("steady-state-hypothesis.before", "no-flag-file", "passed"),
            ("method", "raise-the-flag", "passed"),
            ("method", "bad-promql", "failure"),
            ("method", "good-promql", "passed"),
            (
                "steady-state-hypothesis.after",
                "prometheus-is-up",
                "passed"
            ),
            ("steady-state-hypothesis.after", "no-flag-file", "failure"),
            ("rollbacks", "lower-the-flag", "passed"),
            ("experiment", "status", "failure"),
        ]
    );
    assert_eq!(counts(&report), ["9", "3", "0", "0"]);
    let message = |name: &str| {
        let case = report.cases.iter().rev().find(|c| c.name == name).unwrap();
        case.message.clone()
    };
    assert_eq!(
        message("no-flag-file"),
        r#"tolerance 1 was not met: the probe returned {"status":0,"stdout":"","stderr":""}"#
    );
    let bad = message("bad-promql");
    assert!(
        bad.starts_with(
            "chaoslib.exceptions.ActivityFailed: Prometheus query {'query': 'up{'} failed: "
        ),
        "{bad}"
    );
    assert_eq!(
        message("status"),
        "the steady state deviated after the method (not met: no-flag-file)"
    );
}

#[test]
fn a_report_that_cannot_be_written_fails_the_command_but_not_the_journal() {
    let bench = Bench::start();
    let report = bench.dir.path().join("no-such-dir").join("report.xml");
    let (code, journal, output) = bench.run(
        &bench.experiment("prometheus-up.json"),
        &["--junit", report.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error[junit]: cannot write the JUnit report to")
            && stderr.contains("no-such-dir/report.xml"),
        "{stderr}"
    );
    assert_eq!(journal["status"], "completed", "the journal is written");
}

#[test]
fn the_junit_control_in_the_experiment_writes_the_report_with_a_judgements_explanation() {
    let bench = Bench::start();
    let (code, journal, output) = bench.run(&bench.experiment("junit-judgement.json"), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // As chaoslib: a steady state not met before the method is a completed
    // run that did not deviate; the report is what shows it.
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        journal["steady_states"]["before"]["steady_state_met"],
        false
    );
    assert!(
        stdout.contains("JUnit report written to control-report.xml"),
        "{stdout}"
    );
    // The control's relative path is where the run runs.
    let report = read_report(&bench.dir.path().join("control-report.xml"));
    let probe = &journal["steady_states"]["before"]["probes"][0];
    assert_eq!(probe["output"]["verdict"], "fail", "{probe}");
    let explain = probe["output"]["explain"].as_str().unwrap();
    assert!(explain.starts_with("fail"), "{explain}");
    assert_eq!(
        report.cases,
        [
            Case {
                classname: "steady-state-hypothesis.before".into(),
                name: "one-stays-above-five".into(),
                outcome: "failure".into(),
                message: explain.into(),
            },
            Case {
                classname: "experiment".into(),
                name: "status".into(),
                outcome: "failure".into(),
                message: report.cases[1].message.clone(),
            },
        ],
        "the method did not run"
    );
    assert!(
        report.cases[1].message.contains("one-stays-above-five"),
        "{:?}",
        report.cases[1]
    );
}

#[test]
fn the_junit_control_and_junit_write_the_same_report() {
    let bench = Bench::start();
    let option = bench.dir.path().join("option-report.xml");
    let (code, _, _) = bench.run(
        &bench.experiment("junit-judgement.json"),
        &["--junit", option.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let control = std::fs::read_to_string(bench.dir.path().join("control-report.xml")).unwrap();
    assert_eq!(std::fs::read_to_string(&option).unwrap(), control);
}

#[test]
fn a_junit_control_that_cannot_write_is_a_warning_and_the_run_goes_on() {
    let bench = Bench::start();
    let experiment = bench.experiment("prometheus-up.json");
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&experiment).unwrap()).unwrap();
    text["controls"] = serde_json::json!([{"name": "junit", "provider": {"type": "python",
        "module": "chaosprometheus.junit", "arguments": {"path": "no-such-dir/report.xml"}}}]);
    std::fs::write(&experiment, text.to_string()).unwrap();
    let (code, journal, output) = bench.run(&experiment, &[]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(code, 0, "{printed}");
    assert_eq!(journal["status"], "completed");
    assert!(
        printed.contains("the chaosprometheus.junit control: cannot write the JUnit report to no-such-dir/report.xml"),
        "{printed}"
    );
}

#[test]
fn validate_accepts_the_junit_control_and_names_a_path_that_is_no_path() {
    let bench = Bench::start();
    let experiment = bench.experiment("junit-judgement.json");
    let validate = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .arg("validate")
            .arg(path)
            .output()
            .unwrap()
    };
    let accepted = validate(&experiment);
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&experiment).unwrap()).unwrap();
    text["controls"][0]["provider"]["arguments"]["path"] = serde_json::json!(7);
    std::fs::write(&experiment, text.to_string()).unwrap();
    let refused = validate(&experiment);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("control 'junit': the chaosprometheus.junit control's `path` must be a file's path as text, not 7"),
        "{stderr}"
    );
}
