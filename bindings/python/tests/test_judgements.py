"""The judgements in process and under the real `chaos run`, against a real
Prometheus backfilled with exact history; the Mann-Whitney U test held to
`scipy.stats.mannwhitneyu` over a corpus of random series."""
import json
import logging
import random
from urllib.parse import parse_qs, urlsplit

import pytest

from chaosprometheus import probes
from conftest import our_toolkits, run_experiment
from support.servers import Prometheus

try:
    from scipy.stats import mannwhitneyu
except ImportError as error:  # pragma: no cover - a setup problem
    raise AssertionError(
        "scipy is not installed in the test virtualenv; run `scripts/setup.sh`"
    ) from error


@pytest.fixture(scope="module")
def history():
    server = Prometheus(history=True)
    yield server
    server.stop()


def config(server):
    return {"prometheus_base_url": server.url}


def test_compare_to_baseline_fails_the_degraded_series(history):
    end = history.history_end
    report = probes.compare_to_baseline(
        "chaos_latency_seconds", str(end - 2400), str(end - 1800), str(end - 1200),
        str(end - 600), step="15s", configuration=config(history))
    assert report["verdict"] == "fail", report
    assert 'chaos_latency_seconds{instance="b"}, the mean rose 100%' in report["explain"]


def test_a_failed_judgement_is_logged_with_its_series_and_a_link(history, caplog):
    end = history.history_end
    with caplog.at_level(logging.WARNING, logger="chaostoolkit"):
        report = probes.threshold_over_window(
            "chaos_latency_seconds", str(end - 1200), str(end - 600), "<", 0.15, step="15s",
            configuration=config(history))
    assert report["verdict"] == "fail", report
    records = [r for r in caplog.records if r.name == "chaostoolkit"]
    assert len(records) == 1, records
    text = records[0].getMessage()
    assert text.startswith("threshold_over_window: fail\n    why:    " + report["explain"]), text
    assert 'series: chaos_latency_seconds{instance="b"} met it in 0 of 41 samples' in text, text
    link = next(line.split("see:    ", 1)[1] for line in text.splitlines() if "see:    " in line)
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(history.url + "/graph?"), link
    assert query["g0.expr"] == ["chaos_latency_seconds"] and query["g0.range_input"] == ["10m"]
    # A judgement that passes logs nothing.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="chaostoolkit"):
        passed = probes.threshold_over_window(
            "chaos_latency_seconds", str(end - 1200), str(end - 600), "<", 1, step="15s",
            configuration=config(history))
    assert passed["verdict"] == "pass" and not caplog.records, caplog.records


@pytest.mark.parametrize("toolkit", our_toolkits(), ids=repr)
def test_chaos_run_tolerates_on_the_verdict(toolkit, history, tmp_path):
    toolkit.check()
    end = history.history_end
    probe = {
        "type": "probe", "name": "latency-vs-baseline",
        "tolerance": {"type": "jsonpath", "path": "$.verdict", "expect": "pass"},
        "provider": {"type": "python", "module": "chaosprometheus.probes",
                     "func": "compare_to_baseline",
                     "arguments": {"query": 'chaos_latency_seconds{instance="INSTANCE"}',
                                   "baseline_start": str(end - 2400),
                                   "baseline_end": str(end - 1800),
                                   "start": str(end - 1200), "end": str(end - 600)}}}
    for instance, met in (("a", True), ("b", False)):
        experiment = {
            "title": "judged", "description": "a judgement under chaos run",
            "configuration": {"prometheus_base_url": history.url},
            "steady-state-hypothesis": {"title": "latency held", "probes": [
                json.loads(json.dumps(probe).replace("INSTANCE", instance))]},
            "method": [],
        }
        path = tmp_path / f"judged-{instance}.json"
        path.write_text(json.dumps(experiment))
        journal = run_experiment(toolkit, path)
        before = journal["steady_states"]["before"]
        assert before["probes"][0]["tolerance_met"] is met, journal["__output__"]
        assert before["probes"][0]["output"]["verdict"] == ("pass" if met else "fail")
        # The failure explains itself in chaos run's log, with a link.
        logged = f"see:    {history.url}/graph?g0.expr=" in journal["__output__"]
        assert logged is not met, journal["__output__"]


def test_slo_burn_rate_and_threshold_and_wait_until(history):
    end = history.history_end
    burn = probes.slo_burn_rate(
        0.999, bad_query="sum(rate(chaos_errors_total[$window]))",
        total_query="sum(rate(chaos_requests_total[$window]))", at=str(end),
        configuration=config(history))
    assert burn["verdict"] == "fail" and abs(
        burn["windows"][0]["series"][0]["long"]["burn_rate"] - 20) < 1e-6, burn
    window = probes.threshold_over_window(
        'chaos_latency_seconds{instance="a"}', str(end - 1200), str(end - 600), "<", 0.15,
        configuration=config(history))
    assert window["verdict"] == "pass", window
    waited = probes.wait_until("vector(1)", "==", 1, timeout="10s", interval="1s",
                               configuration=config(history))
    assert waited["verdict"] == "pass" and waited["checks"] == 1, waited


def random_corpus(rng, cases, end):
    """OpenMetrics for `cases` series, each with a baseline (40 to 30 minutes
    before `end`) and a window (20 to 10 minutes before) of random samples:
    sizes from 1 to 41 (a step of 15 s), many ties, some shifted."""
    lines = ["# TYPE corpus gauge"]
    expected = {}
    for case in range(cases):
        before_n, during_n = rng.randint(1, 41), rng.randint(1, 41)
        levels = rng.choice([3, 10, 1000])
        shift = rng.choice([0, 0, 1, 3])
        before = [float(rng.randrange(levels)) for _ in range(before_n)]
        during = [float(rng.randrange(levels) + shift) for _ in range(during_n)]
        for start, values in ((end - 2400, before), (end - 1200, during)):
            for i, value in enumerate(values):
                lines.append(f'corpus{{case="{case}"}} {value} {start + 15 * i}')
        expected[str(case)] = (before, during)
    # OpenMetrics wants each series' samples together and in order.
    body = sorted(lines[1:], key=lambda l: (l.split("}")[0], int(l.split()[-1])))
    return "\n".join([lines[0], *body, "# EOF", ""]), expected


@pytest.mark.parametrize("direction,alternative", [
    ("increase", "greater"), ("decrease", "less"), ("either", "two-sided")])
def test_mann_whitney_matches_scipy_over_a_random_corpus(tmp_path, direction, alternative):
    rng = random.Random(20261207)
    end = (int(__import__("time").time()) // 15) * 15 - 60
    text, expected = random_corpus(rng, 150, end)
    path = tmp_path / "corpus.om"
    path.write_text(text)
    server = Prometheus(backfill=path)
    try:
        windows = [(end - 2400, end - 2400 + 15 * 40), (end - 1200, end - 1200 + 15 * 40)]
        conf = {"prometheus_base_url": server.url}
        report = probes.compare_to_baseline(
            "corpus", *(str(t) for w in windows for t in w), step="15s", min_samples=1,
            direction=direction, configuration=conf)
        # The samples the component judged: Prometheus's answer over the same
        # windows (its lookback repeats a series' last sample for 5 minutes).
        answers = [probes.query_interval("corpus", str(a), str(b), step="15s",
                                         configuration=conf) for a, b in windows]
    finally:
        server.stop()
    samples = [{s["metric"]["case"]: [float(v) for _, v in s["values"]]
                for s in answer["data"]["result"]} for answer in answers]
    checked = 0
    for series in report["series"]:
        case = series["labels"]["case"]
        before, during = samples[0][case], samples[1][case]
        ours = series["p_value"]
        theirs = mannwhitneyu(during, before, alternative=alternative, method="asymptotic")
        assert series["u"] == pytest.approx(float(theirs.statistic), abs=1e-9), case
        if theirs.pvalue != theirs.pvalue:  # scipy's NaN: every sample equal
            assert ours == 1.0, (case, before, during)
        else:
            assert ours == pytest.approx(float(theirs.pvalue), rel=1e-9, abs=1e-15), (
                case, before, during)
        checked += 1
    assert checked == len(expected) == 150
