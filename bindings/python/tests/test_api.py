"""The Python API in process: upstream's signatures and answers, the
sandbox's reach, credentials held by the host, errors as ActivityFailed with
the component's message and kind, Ctrl-C, and the next call after each."""
import base64
import inspect
import json
import math
import os
import signal
import subprocess
import threading
import time

import pytest
import trustme
from chaoslib.exceptions import ActivityFailed

import chaosprometheus
from chaosprometheus import ProbeFailed, metrics, probes
from conftest import UPSTREAM
from support.interrupts import keyboard_interrupt_on_sigint
from support.servers import Prometheus, free_port, prometheus_like, wait_until


def closed_url():
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


def config(url):
    return {"prometheus_base_url": url}


def test_signatures_are_upstreams():
    """Names, order, defaults and annotations, against upstream 0.6.0 itself."""
    UPSTREAM.check()
    script = (
        "import inspect, json, chaosprometheus.probes as p, chaosprometheus.metrics as m\n"
        "names = ['query', 'query_interval', 'compute_mean', 'nodes_cpu_usage_mean']\n"
        "out = {n: str(inspect.signature(getattr(p, n))) for n in names}\n"
        "out['configure_control'] = str(inspect.signature(m.configure_control))\n"
        "print(json.dumps(out))"
    )
    theirs = json.loads(subprocess.run([str(UPSTREAM.python), "-c", script], check=True,
                                       capture_output=True, text=True).stdout)
    for name in ["query", "query_interval"]:
        func = getattr(probes, name)
        assert inspect.isfunction(func) and func.__doc__, name
        assert str(inspect.signature(func)) == theirs[name], name
    # The means take end, step and timeout after upstream's arguments.
    extra = ", end: str = None, step: Union[int, float, str] = None, timeout: Union[int, float, str] = None) -> float"
    for name in ["compute_mean", "nodes_cpu_usage_mean"]:
        func = getattr(probes, name)
        assert inspect.isfunction(func) and func.__doc__, name
        assert str(inspect.signature(func)) == theirs[name].replace(") -> float", extra), name
    ours = str(inspect.signature(metrics.configure_control))
    # Upstream's arguments first, then ours, then what chaoslib passes.
    upstream_arguments = theirs["configure_control"].split(", **kwargs")[0]
    assert ours.startswith(upstream_arguments + ", keep_runs: bool = False, activity_metrics: bool = False"), ours
    assert chaosprometheus.__version__


def test_query_returns_prometheus_json(prometheus):
    answer = probes.query('up{job="prometheus"}', configuration=config(prometheus.url))
    assert answer["status"] == "success"
    assert answer["data"]["result"][0]["value"][1] == "1"
    at = probes.query("time()", when="1 minute ago", timeout=5, configuration=config(prometheus.url))
    assert abs(at["data"]["result"][0] - (time.time() - 60)) < 5


def test_query_interval_returns_a_matrix(prometheus):
    answer = probes.query_interval('up{job="prometheus"}', start="30 seconds ago", end="now",
                                   step=5, configuration=config(prometheus.url))
    assert answer["data"]["resultType"] == "matrix"
    constant = probes.query_interval("vector(1)", start="30 seconds ago", end="now",
                                     step=5, configuration=config(prometheus.url))
    assert len(constant["data"]["result"][0]["values"]) == 7


def test_the_default_step_follows_prometheuss_limit(prometheus):
    # One day at upstream's 1 s step passes Prometheus's 11,000 points.
    answer = probes.query_interval("vector(1)", start="1 day ago", end="now",
                                   configuration=config(prometheus.url))
    assert len(answer["data"]["result"][0]["values"]) <= 11_000
    short = probes.query_interval("vector(1)", start="10 seconds ago", end="now",
                                  configuration=config(prometheus.url))
    assert len(short["data"]["result"][0]["values"]) in (10, 11)


def test_an_explicit_step_of_one_is_sent_as_chaosprom_run_sends_it(prometheus):
    # Upstream sends step=1 too, and Prometheus refuses a day at 1 s.
    with pytest.raises(ActivityFailed, match="11,000 points"):
        probes.query_interval("vector(1)", start="1 day ago", end="now", step=1,
                              configuration=config(prometheus.url))
    picked = probes.query_interval("vector(1)", start="1 day ago", end="now", step=0,
                                   configuration=config(prometheus.url))
    assert 2 <= len(picked["data"]["result"][0]["values"]) <= 11_000


def test_a_boolean_step_is_an_invalid_argument(prometheus):
    with pytest.raises(ProbeFailed, match="step must be a number of seconds") as failure:
        probes.query_interval("vector(1)", start="1 minute ago", end="now", step=False,
                              configuration=config(prometheus.url))
    assert failure.value.kind == "invalid-argument"


def test_arguments_and_settings_follow_the_host_librarys_rules(prometheus):
    url = config(prometheus.url)
    with pytest.raises(ProbeFailed, match="verify_tls must be true or false"):
        probes.query("vector(1)", verify_tls="no", configuration=url)
    with pytest.raises(ProbeFailed, match="mean_type 'median' is not arithmetic"):
        probes.compute_mean("vector(1)", mean_type="median", configuration=url)
    with pytest.raises(ProbeFailed, match="from 1 to 20"):
        probes.query("vector(1)", configuration={**url, "prometheus_retries": 21})
    # The configuration's numbers may be text, as chaosprom run reads them.
    assert probes.query("vector(1)", configuration={**url, "prometheus_retries": "2"})[
        "status"] == "success"


def test_query_value_and_means_are_floats(prometheus):
    assert probes.query_value("vector(3)", configuration=config(prometheus.url)) == 3.0
    assert math.isnan(probes.query_value("scalar(vector(NaN))", configuration=config(prometheus.url)))
    assert probes.query_value("absent_metric_xyz", default=0, configuration=config(prometheus.url)) == 0.0
    mean = probes.compute_mean("vector(42)", window="5m", mean_type="geometric",
                               configuration=config(prometheus.url))
    assert isinstance(mean, float) and mean == pytest.approx(42.0)
    with pytest.raises(ActivityFailed, match="node_cpu_seconds_total|no series"):
        probes.nodes_cpu_usage_mean(window="5m", configuration=config(prometheus.url))


def test_means_take_end_step_and_timeout_as_the_other_front_ends(prometheus):
    url = config(prometheus.url)
    mean = probes.compute_mean("vector(42)", window="5m", end="1 minute ago", step="30s",
                               timeout="10s", configuration=url)
    assert mean == pytest.approx(42.0)
    # Each reaches the component's rule, whose message quotes the value.
    for name, bad in [("step", "soon"), ("end", "not a time"), ("timeout", "long")]:
        with pytest.raises(ProbeFailed, match=bad) as failure:
            probes.compute_mean("vector(42)", window="5m", configuration=url, **{name: bad})
        assert failure.value.kind == "invalid-argument", name
        with pytest.raises(ProbeFailed, match=bad):
            probes.nodes_cpu_usage_mean(window="5m", configuration=url, **{name: bad})


def errors_then_next_call_works(prometheus, call):
    with pytest.raises(ActivityFailed) as failure:
        call()
    # The next call is unaffected.
    assert probes.query("vector(1)", configuration=config(prometheus.url))["status"] == "success"
    return failure.value


def test_an_unreadable_time_expression_fails_with_upstreams_message(prometheus):
    for expression in ["2 mns ago", "right now"]:
        failure = errors_then_next_call_works(
            prometheus, lambda: probes.query("up", when=expression, configuration=config(prometheus.url)))
        assert str(failure) == f"failed to parse '{expression}'"
        assert isinstance(failure, ProbeFailed) and failure.kind == "invalid-argument"
    failure = errors_then_next_call_works(prometheus, lambda: probes.query_interval(
        "up", start="yesterday-ish", end="now", configuration=config(prometheus.url)))
    assert str(failure) == "failed to parse 'yesterday-ish'"


def test_prometheus_rejecting_a_query_gives_upstreams_message(prometheus):
    failure = errors_then_next_call_works(
        prometheus, lambda: probes.query("up{", configuration=config(prometheus.url)))
    assert str(failure).startswith("Prometheus query {'query': 'up{'} failed: ")
    assert failure.kind == "prometheus/bad_data"


def test_bad_urls_fail_clearly(prometheus):
    for url, words in [("not a url", "is not a URL"), ("ftp://127.0.0.1", "ftp"),
                       ("http://", "prometheus_base_url")]:
        failure = errors_then_next_call_works(prometheus, lambda: probes.query("up", configuration=config(url)))
        assert words in str(failure) and failure.kind == "invalid-argument", str(failure)
    failure = errors_then_next_call_works(
        prometheus, lambda: probes.query("up", configuration=config(closed_url())))
    assert failure.kind == "transport/connection-refused"


def test_tls_settings_reach_the_host_policy_on_a_real_https_prometheus(prometheus, tmp_path):
    """verify_tls=False, and the configuration's prometheus_ca_bundle (PEM
    text or a file's path), against a real Prometheus serving https."""
    assert probes.query("vector(1)", verify_tls=False, configuration=config(prometheus.url))
    # A real Prometheus serving https with a certificate from a CA nobody trusts.
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    secure = Prometheus(tls=(leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes()))
    try:
        failure = errors_then_next_call_works(
            prometheus, lambda: probes.query("vector(1)", configuration=config(secure.url)))
        assert failure.kind == "transport/tls", str(failure)
        assert "verify_tls" in str(failure), str(failure)
        answer = probes.query("vector(7)", verify_tls=False, configuration=config(secure.url))
        assert answer["data"]["result"][0]["value"][1] == "7"
        bundle = tmp_path / "ca.pem"
        bundle.write_bytes(ca.cert_pem.bytes())
        for setting in (ca.cert_pem.bytes().decode(), str(bundle)):
            trusted = {**config(secure.url), "prometheus_ca_bundle": setting}
            answer = probes.query("vector(8)", configuration=trusted)
            assert answer["data"]["result"][0]["value"][1] == "8"
    finally:
        secure.stop()


def test_a_garbage_answer_fails_clearly(prometheus, test_server):
    server = test_server(lambda request: (200, {"Content-Type": "application/json"}, "<html>oops</html>"))
    failure = errors_then_next_call_works(prometheus, lambda: probes.query("up", configuration=config(server.url)))
    assert failure.kind == "bad-response/not-json" and "JSON" in str(failure), str(failure)


def test_a_hanging_server_fails_at_the_first_byte_timeout(prometheus, test_server):
    server = test_server(None)
    started = time.monotonic()
    # One try: the host would otherwise retry a timed-out read.
    once = {**config(server.url), "prometheus_retries": 1}
    failure = errors_then_next_call_works(prometheus, lambda: probes.query("up", configuration=once))
    assert failure.kind == "transport/timeout", failure.kind
    assert server.url in str(failure), str(failure)
    # The first-byte timeout (30 s), well before the call's 120 s deadline.
    assert time.monotonic() - started < 60


def test_an_authority_the_policy_does_not_allow_is_refused_before_connecting(prometheus, test_server):
    elsewhere = test_server(prometheus_like)
    redirecting = test_server(lambda request: (302, {"Location": elsewhere.url + "/api/v1/query?query=up"}, ""))
    failure = errors_then_next_call_works(prometheus, lambda: probes.query("up", configuration=config(redirecting.url)))
    assert failure.kind == "transport/denied", str(failure)
    assert elsewhere.connections == 0


def test_credentials_from_secrets_are_added_by_the_host(test_server):
    server = test_server(prometheus_like)
    probes.query("up", configuration=config(server.url), secrets={"prometheus_bearer_token": "tok-123"})
    probes.query("up", configuration=config(server.url),
                 secrets={"prometheus_basic_auth": "me:pa55word", "prometheus_headers": {"X-Scope-OrgID": "team-a"}})
    first, second = (r["headers"] for r in server.requests)
    assert first["authorization"] == "Bearer tok-123"
    assert second["authorization"] == "Basic " + base64.b64encode(b"me:pa55word").decode()
    assert second["x-scope-orgid"] == "team-a"


def test_ctrl_c_ends_a_probe_waiting_on_a_silent_server(prometheus, test_server):
    server = test_server(None)
    sent = []

    def interrupt_once_the_probe_waits():
        assert wait_until(60, lambda: True if server.connections else None), "the probe connected"
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    with keyboard_interrupt_on_sigint(), pytest.raises(KeyboardInterrupt):
        threading.Thread(target=interrupt_once_the_probe_waits, daemon=True).start()
        probes.query("up", configuration=config(server.url))
    late = time.monotonic() - sent[0]
    print(f"the probe ended {late * 1000:.0f} ms after SIGINT")
    assert late < 2, f"{late:.2f} s"
    assert probes.query("vector(1)", configuration=config(prometheus.url))["status"] == "success"


def test_probes_run_concurrently_from_threads(prometheus):
    results, errors = [], []

    def run():
        try:
            results.append(probes.query_value("vector(2)", configuration=config(prometheus.url)))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results == [2.0] * 16


def test_the_control_pushes_through_the_component(pushgateway_factory, caplog):
    gateway = pushgateway_factory()
    experiment = {"title": "t", "description": "d", "method": [], "dry": None}
    metrics.configure_control(experiment, pushgateway_url=gateway.url, activity_metrics=True,
                              secrets={"s": {"pushgateway_headers": {"X-Tenant": "a"}}})
    from chaoslib import experiment_hash
    run = metrics._run
    assert run.experiment_ref == experiment_hash(experiment)
    metrics.before_experiment_control(context=experiment)
    metrics.after_activity_control(context={"type": "probe", "name": "p"},
                                   state={"status": "succeeded", "duration": 0.5})
    metrics.after_experiment_control(context=experiment, state={"status": "completed", "deviated": True,
                                                                "duration": 1.5})
    metrics.cleanup_control()
    names = {family[0] for family in gateway.families()}
    assert {"chaostoolkit_deviated_experiment_total", "chaostoolkit_activity_status"} <= names
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_the_control_reads_its_arguments_as_chaosprom_run_does(pushgateway_factory, caplog):
    gateway = pushgateway_factory()
    with caplog.at_level("WARNING", logger="chaostoolkit"):
        # A flag must be a boolean (the host library's rule, as in chaosprom run).
        metrics.configure_control({"title": "t"}, pushgateway_url=gateway.url, keep_runs="yes")
        assert metrics._run is None
        # Upstream ignores an argument it does not know; so do we, aloud.
        metrics.configure_control({"title": "t"}, pushgateway_url=gateway.url, job="nightly",
                                  grouping_key={"attempt": 3, "canary": True}, push_url="x")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("control is off" in w and "'keep_runs' must be true or false" in w
               for w in warnings), warnings
    assert any("ignoring unknown arguments: push_url" in w for w in warnings), warnings
    assert metrics._run.grouping_key == [("attempt", "3"), ("canary", "True")]
    metrics.before_experiment_control()
    assert [g["labels"] for g in gateway.groups()] == [
        {"job": "nightly", "attempt": "3", "canary": "True"}
    ]
    # An empty grouping key is none, as upstream's `grouping_key or {...}`.
    metrics.configure_control({"title": "t"}, pushgateway_url=gateway.url, grouping_key={})
    assert [name for name, _ in metrics._run.grouping_key] == ["chaostoolkit_experiment_ref"]
    metrics.cleanup_control()


def test_a_failed_push_is_a_warning_with_its_reason(caplog):
    with caplog.at_level("WARNING", logger="chaostoolkit"):
        metrics.configure_control({"title": "t"}, pushgateway_url=closed_url())
        metrics.before_experiment_control()
        metrics.configure_control({"title": "t"}, pushgateway_url="not a url")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    # (A refused PUT comes back as connection-lost: the host sees the
    # refusal while sending the body.)
    assert any("before-experiment push failed (transport/" in w and "failed after 3 tries" in w
               for w in warnings), warnings
    assert any("control is off" in w and "is not a URL" in w for w in warnings), warnings
    metrics.cleanup_control()


def test_a_push_never_leaves_its_pushgateway(test_server):
    elsewhere = test_server(prometheus_like)
    redirecting = test_server(lambda request: (307, {"Location": elsewhere.url + request["path"]}, ""))
    metrics.configure_control({"title": "t"}, pushgateway_url=redirecting.url)
    with pytest.raises(ProbeFailed) as failure:
        metrics._run.before_experiment()
    # Pushes follow no redirect: the answer is the error.
    assert failure.value.kind == "http-status/307", failure.value.kind
    assert elsewhere.connections == 0
    metrics.cleanup_control()


def test_the_answer_is_json_parsed_like_upstreams(prometheus):
    answer = probes.query("vector(1)", configuration=config(prometheus.url))
    assert json.loads(json.dumps(answer)) == answer and isinstance(answer["data"]["result"], list)
