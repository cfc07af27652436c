"""The real `chaos run`, with our package installed in place of
chaostoolkit-prometheus: the same verdicts and pushes as upstream 0.6.0 on
every experiment file of the `chaosprom run` compatibility suite; other
extensions beside ours; `chaos validate` and `chaos discover`; secrets;
Ctrl-C."""
import json
import re
import signal
import subprocess
import time

import pytest

from conftest import (
    ROOT,
    UPSTREAM,
    chaos,
    chaos_env,
    journal_of,
    our_toolkits,
    prepare,
    run_experiment,
    verdict,
)
from support.interrupts import sigint_as_from_a_terminal
from support.servers import prometheus_like, wait_until


def shared_experiments():
    """The SHARED list of cli/tests/all/compatibility.rs: (file, status,
    deviated) for every file whose functions the Python extension has."""
    source = (ROOT / "cli" / "tests" / "all" / "compatibility.rs").read_text()
    block = source[source.index("const SHARED"):]
    block = block[: block.index("];")]
    found = re.findall(r'\("([^"]+\.json)",\s*"(\w+)",\s*(true|false)\)', block)
    assert found, "the SHARED list of cli/tests/all/compatibility.rs was not found"
    return [(name, status, deviated == "true") for name, status, deviated in found]


TOOLKITS = our_toolkits()


@pytest.fixture(scope="module", params=TOOLKITS, ids=repr)
def toolkit(request):
    request.param.check()
    return request.param


@pytest.fixture(scope="module")
def upstream():
    UPSTREAM.check()
    return UPSTREAM


@pytest.mark.parametrize(
    "name,status,deviated", shared_experiments(), ids=[s[0] for s in shared_experiments()]
)
def test_every_shared_experiment_reaches_upstreams_verdict_and_pushes(
    toolkit, upstream, prometheus, pushgateway_factory, tmp_path, name, status, deviated
):
    env = {"CHAOSPROM_TEST_PROMETHEUS_URL": prometheus.url}
    journals, families, groups = {}, {}, {}
    for label, runner in (("ours", toolkit), ("upstream", upstream)):
        gateway = pushgateway_factory()
        workdir = tmp_path / label
        workdir.mkdir()
        path = prepare(name, workdir, prometheus.url, gateway.url)
        journals[label] = run_experiment(runner, path, env)
        families[label] = gateway.families()
        groups[label] = gateway.group_labels()

    ours, theirs = journals["ours"], journals["upstream"]
    assert verdict(ours) == verdict(theirs), (
        f"{name}: ours (left) and upstream (right) disagree\n{ours['__output__']}"
    )
    assert (ours["status"], ours["deviated"]) == (status, deviated)
    assert families["ours"] == families["upstream"], f"{name}: the pushed families differ"
    assert groups["ours"] == groups["upstream"], f"{name}: the pushed groups differ"
    # Our probes ran: a Prometheus probe's output is the parsed answer.
    outputs = [
        e["output"]
        for e in ours["run"] + (ours["steady_states"]["before"] or {}).get("probes", [])
        if e["activity"].get("provider", {}).get("module") == "chaosprometheus.probes"
        and e["status"] == "succeeded"
    ]
    assert all(o["status"] == "success" for o in outputs)
    if name == "failing-probe.json":
        failed = next(e for e in ours["run"] if e["activity"]["name"] == "bad-promql")
        assert "Prometheus query {'query': 'up{'} failed:" in "".join(failed["exception"])
        assert "chaosprometheus.ProbeFailed" in "".join(failed["exception"])


MIXED = """{
  "title": "Our probes beside other Python modules and a process",
  "description": "a module of the test's own, chaostoolkit-addons, a process action",
  "configuration": {"prometheus_base_url": "@PROMETHEUS_URL@"},
  "controls": [{"name": "prometheus", "provider": {"type": "python", "module": "chaosprometheus.metrics",
                "arguments": {"pushgateway_url": "@PUSHGATEWAY_URL@", "activity_metrics": true}}}],
  "steady-state-hypothesis": {
    "title": "prometheus up, one series",
    "probes": [
      {"type": "probe", "name": "up", "tolerance": {"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "1"},
       "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up{job=\\"prometheus\\"}"}}},
      {"type": "probe", "name": "count-series", "tolerance": 1,
       "provider": {"type": "python", "module": "own_activities", "func": "count_series",
                    "arguments": {"answer": {"status": "success", "data": {"result": [1]}}}}},
      {"type": "probe", "name": "up-value", "tolerance": 1,
       "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query_value", "arguments": {"query": "up{job=\\"prometheus\\"}"}}}
    ]
  },
  "method": [
    {"type": "action", "name": "note", "provider": {"type": "python", "module": "own_activities", "func": "remember",
                                                    "arguments": {"path": "@WORKDIR@/note", "text": "noted"}}},
    {"type": "action", "name": "idle", "provider": {"type": "python", "module": "chaosaddons.utils.idle", "func": "idle_for", "arguments": {"duration": 0.2}}},
    {"type": "action", "name": "touch", "provider": {"type": "process", "path": "touch", "arguments": ["@WORKDIR@/touched"]}},
    {"type": "probe", "name": "in-background", "background": true,
     "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query_interval",
                  "arguments": {"query": "up", "start": "1 minute ago", "end": "now", "step": 5}}},
    {"type": "probe", "name": "mean", "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "compute_mean",
                                                   "arguments": {"query": "vector(42)", "window": "5m", "mean_type": "harmonic"}}}
  ]
}"""


def test_our_probes_run_beside_other_python_modules_and_a_process(
    toolkit, prometheus, pushgateway_factory, tmp_path
):
    gateway = pushgateway_factory()
    path = prepare(MIXED, tmp_path, prometheus.url, gateway.url)
    journal = run_experiment(toolkit, path)
    assert (journal["status"], journal["deviated"]) == ("completed", False), journal["__output__"]
    assert [p["status"] for p in journal["steady_states"]["after"]["probes"]] == ["succeeded"] * 3
    statuses = {e["activity"]["name"]: e["status"] for e in journal["run"]}
    assert statuses == dict.fromkeys(["note", "idle", "touch", "in-background", "mean"], "succeeded")
    assert (tmp_path / "note").read_text() == "noted" and (tmp_path / "touched").exists()
    outputs = {e["activity"]["name"]: e["output"] for e in journal["run"]}
    assert outputs["mean"] == pytest.approx(42.0)
    assert outputs["in-background"]["data"]["resultType"] == "matrix"
    names = {family[0] for family in gateway.families()}
    assert {"chaostoolkit_experiment_status", "chaostoolkit_activity_status"} <= names


def test_chaos_validate_accepts_upstream_experiment_files(toolkit, prometheus, tmp_path):
    for name, _, _ in shared_experiments():
        path = prepare(name, tmp_path, prometheus.url, "http://127.0.0.1:9")
        done = chaos(toolkit, ["validate", str(path)], tmp_path,
                     {"CHAOSPROM_TEST_PROMETHEUS_URL": prometheus.url})
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
        assert "experiment syntax and semantic look valid" in done.stdout + done.stderr


def test_chaos_validate_rejects_an_argument_our_probe_does_not_take(toolkit, tmp_path):
    text = (ROOT / "tests" / "experiments" / "failing-probe.json").read_text()
    path = prepare(text.replace('"query": "vector(1)"', '"query": "vector(1)", "whenn": "now"'),
                   tmp_path, "http://127.0.0.1:9")
    done = chaos(toolkit, ["validate", str(path)], tmp_path)
    assert done.returncode != 0
    assert "whenn" in done.stdout + done.stderr


def test_chaos_discover_lists_our_probes_and_control(toolkit, tmp_path):
    discovery = tmp_path / "discovery.json"
    done = chaos(toolkit, ["discover", "--no-system-info", "--no-install",
                           "--discovery-path", str(discovery), "chaosprometheus-wasm"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(discovery.read_text())
    assert found["extension"]["name"] == "chaosprometheus-wasm"
    activities = {(a["type"], a["name"]): a for a in found["activities"]}
    for name in ["query", "query_interval", "query_value", "compute_mean", "nodes_cpu_usage_mean", "alerts"]:
        assert ("probe", name) in activities, name
    for name in ["configure_control", "before_experiment_control", "after_activity_control",
                 "after_experiment_control", "cleanup_control"]:
        assert ("control", name) in activities, name
    modules = {(a["type"], a["name"], a["mod"]) for a in found["activities"]}
    assert ("control", "after_experiment_control", "chaosprometheus.junit") in modules, modules
    query = activities[("probe", "query")]
    assert query["mod"] == "chaosprometheus.probes"
    assert [a["name"] for a in query["arguments"]] == [
        "query", "when", "timeout", "verify_tls", "configuration", "secrets"]
    assert query["doc"].startswith("Run an instant query")


SECRET_EXPERIMENT = """{
  "title": "A bearer token from the environment",
  "description": "the host adds it; it shows nowhere",
  "configuration": {"prometheus_base_url": "@PROMETHEUS_URL@"},
  "secrets": {"prometheus": {"prometheus_bearer_token": {"type": "env", "key": "CHAOSPROM_TEST_TOKEN"}}},
  "method": [
    {"type": "probe", "name": "with-token", "provider": {"type": "python", "module": "chaosprometheus.probes",
     "func": "query", "secrets": ["prometheus"], "arguments": {"query": "up"}}},
    {"type": "probe", "name": "echoed-back", "provider": {"type": "python", "module": "chaosprometheus.probes",
     "func": "query", "secrets": ["prometheus"], "arguments": {"query": "echo"}}}
  ]
}"""


def test_a_bearer_token_from_an_environment_secret_reaches_the_server_and_shows_nowhere(
    toolkit, test_server, tmp_path
):
    token = "sentinel-token-4f9a1c"

    def respond(request):
        if "query=echo" in request["path"]:
            # A server that echoes the credential back in an error page.
            return 500, {}, "denied for " + request["headers"].get("authorization", "")
        return prometheus_like(request)

    server = test_server(respond)
    path = prepare(SECRET_EXPERIMENT, tmp_path, server.url)
    log = tmp_path / "chaostoolkit.log"
    journal = run_experiment(toolkit, path, {"CHAOSPROM_TEST_TOKEN": token}, log_file=log)
    assert [r["headers"].get("authorization") for r in server.requests] == [f"Bearer {token}"] * 2
    statuses = [e["status"] for e in journal["run"]]
    assert statuses == ["succeeded", "failed"], journal["__output__"]
    assert "<redacted>" in "".join(journal["run"][1]["exception"])
    journal_text = (tmp_path / "journal.json").read_text()
    for where, text in [("journal", journal_text), ("log file", log.read_text()),
                        ("output", journal["__output__"])]:
        assert token not in text, f"the token shows in the {where}"


HANGING = """{
  "title": "A probe on a server that never answers",
  "description": "Ctrl-C ends it",
  "configuration": {"prometheus_base_url": "@PROMETHEUS_URL@"},
  "steady-state-hypothesis": {"title": "hangs", "probes": [
    {"type": "probe", "name": "hangs", "tolerance": true,
     "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query", "arguments": {"query": "up"}}}]},
  "method": []
}"""


def test_ctrl_c_during_a_hanging_probe_gives_an_interrupted_journal(toolkit, test_server, tmp_path):
    server = test_server(None)
    path = prepare(HANGING, tmp_path, server.url)
    process = subprocess.Popen(
        [str(toolkit.chaos), "--no-version-check", "--no-log-file", "run", str(path),
         "--journal-path", str(tmp_path / "journal.json")],
        cwd=tmp_path, env=chaos_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=sigint_as_from_a_terminal,
    )
    try:
        assert wait_until(60, lambda: True if server.connections else None), "the probe connected"
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
        ended = time.monotonic() - sent
    finally:
        process.kill()
    journal = journal_of(tmp_path)
    assert journal["status"] == "interrupted", output
    # Well before the component's own 30 s first-byte timeout.
    assert ended < 10, f"chaos run took {ended:.1f} s to stop"
    print(f"chaos run stopped {ended:.2f} s after SIGINT")
