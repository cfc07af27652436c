"""The `chaosprometheus.junit` control under the real `chaos run`: the report
it writes through the native library, read back with xml.etree (a case per
activity run under its phase, the counts, the failures' messages, a probe's
`explain`), and the same cases and verdicts as `chaosprom run` (the CLI
binary in dist/) on the same experiment file."""
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, our_toolkits, prepare, run_experiment

# The CLI binary scripts/package.sh put in dist/, as a user downloads it.
CHAOSPROM = next((ROOT / "dist").glob("chaosprom-*-x86_64-linux-gnu"), ROOT / "dist" / "chaosprom")

DEVIATING_OUTLINE = [
    ("steady-state-hypothesis.before", "prometheus-is-up", "passed"),
    ("steady-state-hypothesis.before", "no-flag-file", "passed"),
    ("method", "raise-the-flag", "passed"),
    ("method", "bad-promql", "failure"),
    ("method", "good-promql", "passed"),
    ("steady-state-hypothesis.after", "prometheus-is-up", "passed"),
    ("steady-state-hypothesis.after", "no-flag-file", "failure"),
    ("rollbacks", "lower-the-flag", "passed"),
    ("experiment", "status", "failure"),
]


@pytest.fixture(scope="module", params=our_toolkits(), ids=repr)
def toolkit(request):
    request.param.check()
    return request.param


def with_junit(path, report="report.xml"):
    """The experiment file with the junit control added, writing `report`."""
    experiment = json.loads(path.read_text())
    experiment.setdefault("controls", []).append(
        {"name": "junit", "provider": {"type": "python", "module": "chaosprometheus.junit",
                                       "arguments": {"path": str(report)}}}
    )
    path.write_text(json.dumps(experiment, indent=2))
    return path


def read_report(path):
    """(the testsuite's attributes, [(classname, name, outcome, type, message)])."""
    assert path.is_file(), f"no JUnit report at {path}"
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1, "one testsuite per run"
    cases = []
    for case in suites[0].findall("testcase"):
        outcome = next(iter(case), None)
        cases.append((
            case.get("classname"),
            case.get("name"),
            "passed" if outcome is None else outcome.tag,
            "" if outcome is None else outcome.get("type", ""),
            "" if outcome is None else outcome.get("message", ""),
        ))
    return suites[0].attrib, cases


def outline(cases):
    return [case[:3] for case in cases]


def counts(suite):
    return [suite[key] for key in ("tests", "failures", "errors", "skipped")]


def test_the_junit_control_reports_a_passing_run(toolkit, prometheus, pushgateway_factory, tmp_path):
    path = with_junit(prepare("prometheus-up.json", tmp_path, prometheus.url, pushgateway_factory().url))
    journal = run_experiment(toolkit, path)
    assert (journal["status"], journal["deviated"]) == ("completed", False), journal["__output__"]
    suite, cases = read_report(tmp_path / "report.xml")
    assert outline(cases) == [
        ("steady-state-hypothesis.before", "prometheus-up", "passed"),
        ("method", "prometheus-up-over-last-minute", "passed"),
        ("steady-state-hypothesis.after", "prometheus-up", "passed"),
        ("experiment", "status", "passed"),
    ]
    assert suite["name"] == "Prometheus self-scrape is up"
    assert counts(suite) == ["4", "0", "0", "0"]


def test_the_junit_control_reports_a_deviating_run_with_each_failure_explained(
    toolkit, prometheus, tmp_path
):
    path = with_junit(prepare("junit-report.json", tmp_path, prometheus.url))
    journal = run_experiment(toolkit, path)
    assert journal["deviated"] is True, journal["__output__"]
    suite, cases = read_report(tmp_path / "report.xml")
    assert suite["name"] == "Flag & steady state <junit>"
    assert outline(cases) == DEVIATING_OUTLINE
    assert counts(suite) == ["9", "3", "0", "0"]
    messages = {(c[0], c[1]): c[4] for c in cases}
    assert messages[("steady-state-hypothesis.after", "no-flag-file")] == (
        'tolerance 1 was not met: the probe returned {"status":0,"stdout":"","stderr":""}'
    )
    # The last line of the journal's traceback: chaoslib wraps our ProbeFailed
    # in its ActivityFailed, naming both.
    bad = messages[("method", "bad-promql")]
    assert bad.startswith(
        "chaoslib.exceptions.ActivityFailed: chaosprometheus.ProbeFailed: "
        "Prometheus query {'query': 'up{'} failed: "
    ), bad
    assert '"errorType":"bad_data"' in bad, bad
    assert messages[("experiment", "status")] == (
        "the steady state deviated after the method (not met: no-flag-file)"
    )


def test_the_failure_message_is_the_judgements_explanation(toolkit, prometheus, tmp_path):
    # The control is declared in the file itself, its path relative to where
    # chaos run runs; the hypothesis is a real threshold_over_window that fails.
    path = prepare("junit-judgement.json", tmp_path, prometheus.url)
    journal = run_experiment(toolkit, path)
    before = journal["steady_states"]["before"]
    assert before["steady_state_met"] is False, journal["__output__"]
    output = before["probes"][0]["output"]
    assert output["verdict"] == "fail", output
    assert output["explain"].startswith("fail"), output
    _, cases = read_report(tmp_path / "control-report.xml")
    assert cases[0] == (
        "steady-state-hypothesis.before", "one-stays-above-five", "failure", "tolerance-not-met",
        output["explain"],
    )
    assert cases[1][:4] == ("experiment", "status", "failure", "steady-state-not-met")
    assert "one-stays-above-five" in cases[1][4], cases[1]
    assert len(cases) == 2, "the method did not run"


def test_a_report_that_cannot_be_written_is_logged_and_the_run_goes_on(toolkit, prometheus, tmp_path):
    path = with_junit(prepare("junit-report.json", tmp_path, prometheus.url),
                      report=tmp_path / "no-such-dir" / "report.xml")
    journal = run_experiment(toolkit, path)
    assert journal["status"] == "completed"
    assert "chaosprometheus.junit: cannot write the JUnit report to" in journal["__output__"]
    assert "no-such-dir/report.xml" in journal["__output__"]


def test_chaosprom_run_and_chaos_run_report_the_same_cases_and_verdicts(toolkit, prometheus, tmp_path):
    assert CHAOSPROM.is_file(), (
        f"{CHAOSPROM} is not built: `scripts/package.sh cli` (which scripts/test.sh runs) builds it"
    )
    reports = {}
    for label in ("chaos", "chaosprom"):
        workdir = tmp_path / label
        workdir.mkdir()
        # The same file, the control writing report.xml where each runner runs.
        path = with_junit(prepare("junit-report.json", workdir, prometheus.url))
        if label == "chaos":
            run_experiment(toolkit, path)
        else:
            done = subprocess.run(
                [str(CHAOSPROM), "run", str(path), "--journal-path", str(workdir / "journal.json")],
                cwd=workdir, capture_output=True, text=True, timeout=180,
            )
            assert done.returncode == 1, f"the run deviates: {done.stdout}{done.stderr}"
            assert "JUnit report written to report.xml" in done.stdout
        reports[label] = read_report(workdir / "report.xml")
    (theirs_suite, theirs), (ours_suite, ours) = reports["chaos"], reports["chaosprom"]
    assert outline(ours) == outline(theirs) == DEVIATING_OUTLINE
    assert [c[3] for c in ours] == [c[3] for c in theirs], "the same kinds of failure"
    assert counts(ours_suite) == counts(theirs_suite)
    assert ours_suite["name"] == theirs_suite["name"]
    # A tolerance's message is built from the journal alone: the same words.
    tolerance = [c for c in ours if c[3] == "tolerance-not-met"]
    assert tolerance and tolerance == [c for c in theirs if c[3] == "tolerance-not-met"]


def test_a_probe_whose_tolerance_is_not_met_is_logged_with_its_series_and_a_link(
        toolkit, prometheus, pushgateway_factory, tmp_path):
    probe = {"type": "probe", "name": "nothing-is-down",
             "tolerance": {"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "0"},
             "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query",
                          "arguments": {"query": 'up{job="prometheus"}'}}}
    experiment = {"title": "explained", "description": "an unmet tolerance under chaos run",
                  "configuration": {"prometheus_base_url": prometheus.url},
                  "steady-state-hypothesis": {"title": "all down", "probes": [probe]},
                  "method": [],
                  "controls": [{"name": "prometheus", "provider": {
                      "type": "python", "module": "chaosprometheus.metrics",
                      "arguments": {"pushgateway_url": pushgateway_factory().url}}}]}
    path = tmp_path / "explained.json"
    path.write_text(json.dumps(experiment))
    journal = run_experiment(toolkit, with_junit(path, tmp_path / "report.xml"))
    assert journal["steady_states"]["before"]["probes"][0]["tolerance_met"] is False
    output = journal["__output__"]
    assert "chaosprometheus: probe 'nothing-is-down' did not meet its tolerance" in output, output
    assert 'series: up{instance="' in output and '} = 1' in output, output
    assert f"see:    {prometheus.url}/graph?g0.expr=up%7Bjob%3D%22prometheus%22%7D" in output, output
    # Once, however many of our controls are declared.
    assert output.count("chaosprometheus: probe 'nothing-is-down' did not meet its tolerance") == 1, output
