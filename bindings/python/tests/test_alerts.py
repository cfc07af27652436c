"""`chaosprometheus.probes.alerts` in process and under the real `chaos run`,
against a real Prometheus whose rules (tests/fixtures/rules/static-alerts.yml)
keep `AlwaysCritical` firing (no `for`) and `SlowBurn` pending (`for: 1h`)."""
import inspect
import json

import pytest

from chaosprometheus import ProbeFailed, probes
from conftest import our_toolkits, prepare, run_experiment, verdict
from support.servers import Prometheus, http_get, wait_until


@pytest.fixture(scope="module")
def ruled():
    """Prometheus with the rules, once both alerts are active."""
    server = Prometheus(rule_files=["static-alerts.yml"])

    def active():
        answer = http_get(server.url + "/api/v1/alerts")
        if answer and '"firing"' in answer[1] and '"pending"' in answer[1]:
            return True
        return None

    assert wait_until(30, active), "the rules' alerts became active"
    yield server
    server.stop()


def config(url):
    return {"prometheus_base_url": url}


def names(alerts):
    return sorted(a["labels"]["alertname"] for a in alerts)


def test_signature_takes_the_filters_and_chaos_toolkits_arguments():
    signature = inspect.signature(probes.alerts)
    assert list(signature.parameters) == [
        "alertname",
        "labels",
        "state",
        "configuration",
        "secrets",
    ]
    assert all(p.default is None for p in signature.parameters.values())
    assert "severity" in probes.alerts.__doc__ and "[[]]" in probes.alerts.__doc__
    assert "alerts" in probes.__all__


def test_alerts_are_prometheus_objects_filtered_by_name_labels_and_state(ruled):
    everything = probes.alerts(configuration=config(ruled.url))
    assert names(everything) == ["AlwaysCritical", "SlowBurn"]
    critical = probes.alerts(
        alertname="AlwaysCritical",
        labels={"severity": "critical"},
        state="firing",
        configuration=config(ruled.url),
    )
    assert len(critical) == 1
    alert = critical[0]
    assert alert["state"] == "firing"
    assert alert["labels"] == {"alertname": "AlwaysCritical", "severity": "critical", "team": "db"}
    assert alert["annotations"] == {"summary": "always on"}
    assert isinstance(alert["activeAt"], str) and isinstance(alert["value"], str)

    pending = probes.alerts(state="pending", configuration=config(ruled.url))
    assert names(pending) == ["SlowBurn"]
    matched = probes.alerts(labels=["severity=~crit.*|warn.*", "team!=db"], configuration=config(ruled.url))
    assert names(matched) == ["SlowBurn"]
    assert probes.alerts(labels={"severity": "page"}, configuration=config(ruled.url)) == []
    assert probes.alerts(state="any", alertname="SlowBurn", configuration=config(ruled.url))[0]["state"] == "pending"


@pytest.mark.parametrize(
    "arguments,words",
    [
        ({"state": "inactive"}, "pending, firing or any"),
        ({"labels": ["severity"]}, "NAME=VALUE"),
        ({"labels": ["severity=~(crit"]}, "invalid regular expression"),
        ({"labels": "severity=critical"}, "mapping of label to value or a list"),
        ({"labels": [1]}, "must be a string"),
    ],
)
def test_bad_filters_are_invalid_arguments(ruled, arguments, words):
    with pytest.raises(ProbeFailed) as failed:
        probes.alerts(configuration=config(ruled.url), **arguments)
    assert failed.value.kind == "invalid-argument"
    assert words in str(failed.value)


def test_a_server_that_is_not_prometheus_is_a_typed_failure(test_server):
    server = test_server(lambda request: (200, {"Content-Type": "text/html"}, "<html>Grafana</html>"))
    with pytest.raises(ProbeFailed) as failed:
        probes.alerts(configuration=config(server.url))
    assert failed.value.kind == "bad-response/not-json"
    assert server.requests[0]["path"] == "/api/v1/alerts"


@pytest.mark.parametrize("toolkit", our_toolkits(), ids=repr)
def test_chaos_run_checks_alerts_against_tolerances(toolkit, ruled, tmp_path):
    toolkit.check()
    met = run_experiment(toolkit, prepare("alerts-no-critical.json", tmp_path, ruled.url))
    assert verdict(met)["status"] == "completed", met["__output__"]
    assert [p["tolerance_met"] for p in met["steady_states"]["before"]["probes"]] == [True, True, True]
    assert names(met["run"][0]["output"]) == ["AlwaysCritical"]
    missed = run_experiment(toolkit, prepare("alerts-critical-firing.json", tmp_path, ruled.url))
    assert missed["steady_states"]["before"]["steady_state_met"] is False
    assert json.dumps(missed["steady_states"]["before"]["probes"][0]["output"])
