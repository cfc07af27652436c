"""Safeguards and interruptions under the real `chaos run` with
chaostoolkit-addons (0.11.0 with chaostoolkit 1.19 on Python 3.11; 0.12.0
with chaostoolkit 1.21.4 on Python 3.12 where one runs) and our package,
against `chaosprom run` on the same files: the same status, deviation,
activity statuses and, where addons 0.12 records it, the same safeguard
named under `safeguards`; a signal recorded under `interruption` as
chaostoolkit 1.21 records it.

A real Prometheus scrapes a real Pushgateway standing in for the system:
the test sets `chaos_health 1` there before each run; the experiments'
`hurt-the-service` action deletes it."""
import os
import signal
import subprocess
import urllib.request

import pytest

from conftest import (
    ROOT,
    chaos_env,
    journal_of,
    our_toolkits,
    prepare,
    run_experiment,
    verdict,
)
from support.interrupts import sigint_as_from_a_terminal
from support.servers import Prometheus, Pushgateway, wait_until

# The CLI binary scripts/package.sh put in dist/, as a user downloads it.
CHAOSPROM = next((ROOT / "dist").glob("chaosprom-*-x86_64-linux-gnu"), ROOT / "dist" / "chaosprom")


@pytest.fixture(scope="module", params=our_toolkits(), ids=repr)
def toolkit(request):
    request.param.check()
    return request.param


@pytest.fixture(scope="module")
def stage():
    """The exporter (a Pushgateway) and a Prometheus scraping it."""
    exporter = Pushgateway()
    port = exporter.url.rsplit(":", 1)[1]
    prometheus = Prometheus(targets=[("health", f"127.0.0.1:{port}")])
    yield prometheus, exporter
    prometheus.stop()
    exporter.stop()


def healthy(stage):
    """`chaos_health 1`, scraped."""
    prometheus, exporter = stage
    request = urllib.request.Request(
        exporter.url + "/metrics/job/health", data=b"chaos_health 1\n", method="PUT"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status in (200, 202)
    prometheus.wait_for_series("chaos_health == 1")


def experiment(name, stage, workdir):
    prometheus, exporter = stage
    path = prepare(name, workdir, prometheus.url)
    path.write_text(path.read_text().replace("@EXPORTER_URL@", exporter.url))
    return path


def chaosprom(path, args=()):
    assert CHAOSPROM.is_file(), (
        f"{CHAOSPROM} is not built: `scripts/test.sh` builds it before these tests"
    )
    journal = path.parent / "journal.json"
    journal.unlink(missing_ok=True)
    done = subprocess.run(
        [str(CHAOSPROM), "run", str(path), "--journal-path", str(journal), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert journal.is_file(), f"no journal from chaosprom: {done.stdout}{done.stderr}"
    return journal_of(path.parent)


GUARDED = [
    ("guard-healthy.json", "completed", None),
    ("guard-trips.json", "interrupted", "health-watch"),
    ("guard-errors.json", "interrupted", "broken-watch"),
    ("guard-precheck-fails.json", "interrupted", "health-precheck"),
]


@pytest.mark.parametrize("name,status,guard", GUARDED, ids=[g[0] for g in GUARDED])
def test_safeguards_reach_chaos_runs_verdict(toolkit, stage, tmp_path, name, status, guard):
    journals = {}
    for label in ("chaos", "chaosprom"):
        workdir = tmp_path / label
        workdir.mkdir()
        healthy(stage)
        path = experiment(name, stage, workdir)
        if label == "chaos":
            journals[label] = run_experiment(toolkit, path)
        else:
            journals[label] = chaosprom(path)
    theirs, ours = journals["chaos"], journals["chaosprom"]
    assert verdict(ours) == verdict(theirs), (
        f"{name}: chaosprom (left) and {toolkit} (right) disagree\n{theirs['__output__']}"
    )
    assert ours["status"] == status
    assert (ours.get("safeguards") or {}).get("triggered_by") == guard
    # chaostoolkit-addons 0.12 names the safeguard; 0.11 does not.
    if "safeguards" in theirs or guard is None:
        assert (theirs.get("safeguards") or {}).get("triggered_by") == guard
        if guard:
            assert ours["safeguards"]["run"]["status"] == theirs["safeguards"]["run"]["status"]


def test_sigint_is_recorded_as_chaos_run_records_it(toolkit, stage, tmp_path):
    journals = {}
    for label in ("chaos", "chaosprom"):
        workdir = tmp_path / label
        workdir.mkdir()
        healthy(stage)
        path = experiment("interrupted-by-signal.json", stage, workdir)
        settings = workdir / "settings.yaml"
        settings.touch()
        if label == "chaos":
            command = [str(toolkit.chaos), "--no-version-check", "--no-log-file",
                       "--settings", str(settings), "run", str(path)]
        else:
            command = [str(CHAOSPROM), "run", str(path)]
        command += ["--journal-path", str(workdir / "journal.json")]
        child = subprocess.Popen(command, cwd=workdir, env=chaos_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 preexec_fn=sigint_as_from_a_terminal)
        # The method's sleep is a grandchild of chaos 1.21 (it runs the
        # experiment in a child process), a child of the others.
        assert wait_until(60, lambda: sleeping(child.pid) or None), "the sleep started"
        child.send_signal(signal.SIGINT)
        output, _ = child.communicate(timeout=60)
        assert (workdir / "journal.json").is_file(), output
        journals[label] = journal_of(workdir)
    theirs, ours = journals["chaos"], journals["chaosprom"]
    assert ours["status"] == theirs["status"] == "interrupted"
    assert ours["interruption"] == {
        "kind": "signal", "name": "SIGINT", "reason": "received SIGINT",
    }
    if "interruption" in theirs:  # chaostoolkit 1.21
        assert theirs["interruption"] == ours["interruption"]
    assert [e["activity"]["name"] for e in ours["run"]] == ["long-work"]
    assert "status" not in ours["run"][0]


def sleeping(pid):
    """Whether a `sleep` runs below `pid` (read from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(parent, []).append((int(entry), command))
    stack = [pid]
    while stack:
        for child, command in parents.get(stack.pop(), []):
            if command == "sleep":
                return True
            stack.append(child)
    return False
