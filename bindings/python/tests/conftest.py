"""The harness: real Prometheus and Pushgateway processes, the virtualenvs
our built wheel is installed into (scripts/test.sh makes them afresh, offline,
from dist/ and the wheelhouses scripts/setup.sh fills; pytest runs in the
Python 3.11 one, with no Rust toolchain on PATH), upstream's
`chaostoolkit-prometheus` 0.6.0 to compare with, and `chaos run` itself."""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.servers import Prometheus, Pushgateway, TestServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
TARGET = ROOT / "target"
EXPERIMENTS = ROOT / "tests" / "experiments"
SUPPORT = Path(__file__).parent / "support"
SETUP = "scripts/setup.sh"


class Toolkit:
    """A virtualenv with a `chaos` command."""

    def __init__(self, name: str, venv: Path, ours: bool):
        self.name = name
        self.venv = venv
        self.ours = ours
        self.chaos = venv / "bin" / "chaos"
        self.python = venv / "bin" / "python"

    def check(self) -> None:
        assert self.chaos.is_file(), (
            f"`chaos` is not installed at {self.chaos}. Run `scripts/test.sh`: "
            f"it runs `{SETUP}`, builds our wheel and installs it into that virtualenv."
        )
        probe = subprocess.run(
            [str(self.python), "-c", "import chaosprometheus, chaosprometheus.probes"],
            capture_output=True,
            text=True,
        )
        assert probe.returncode == 0, (
            f"chaosprometheus does not import in {self.venv}: {probe.stderr}\n"
            f"Run `{SETUP}` and `scripts/test.sh`."
        )
        if self.ours:
            assert "_native" in subprocess.run(
                [str(self.python), "-c", "import chaosprometheus._native as n; print(n.__name__)"],
                capture_output=True,
                text=True,
            ).stdout, f"{self.venv} has upstream's chaosprometheus, not ours"

    def __repr__(self) -> str:
        return self.name


def our_toolkits() -> List[Toolkit]:
    """Chaos Toolkit 1.19 / lib 1.44 on Python 3.11, always; 1.21 / lib 1.45
    on Python 3.12 where scripts/setup.sh found a Python 3.12 that runs."""
    found = [Toolkit("py3.11-chaostoolkit1.19", Path(sys.prefix), True)]
    venv312 = TARGET / "installed312-venv"
    if (venv312 / "bin" / "chaos").is_file():
        found.append(Toolkit("py3.12-chaostoolkit1.21", venv312, True))
    return found


UPSTREAM = Toolkit("upstream-0.6.0", TARGET / "chaostoolkit-venv", False)


def pytest_report_header(config):
    return "chaos run with our package: " + ", ".join(t.name for t in our_toolkits())


@pytest.fixture(scope="session", autouse=True)
def component_cache():
    """One compiled-component cache for the test run, the one the Rust tests
    use (the same engine configuration, so the same entry)."""
    cache = TARGET / "release" / "component-cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["CHAOSPROM_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def prometheus():
    server = Prometheus()
    server.wait_for_series('up{job="prometheus"}')
    yield server
    server.stop()


@pytest.fixture
def pushgateway_factory():
    started = []

    def start() -> Pushgateway:
        gateway = Pushgateway()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture
def test_server():
    started = []

    def start(respond=None) -> TestServer:
        server = TestServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def prepare(name_or_text: str, workdir: Path, prometheus_url: str, gateway_url: str = "", file_name: str = "") -> Path:
    """An experiment file with its placeholders filled, in `workdir`."""
    if name_or_text.endswith(".json") and not name_or_text.lstrip().startswith("{"):
        text = (EXPERIMENTS / name_or_text).read_text()
        file_name = file_name or name_or_text
    else:
        text = name_or_text
        file_name = file_name or "experiment.json"
    text = (
        text.replace("@PROMETHEUS_URL@", prometheus_url)
        .replace("@PUSHGATEWAY_URL@", gateway_url)
        .replace("@WORKDIR@", str(workdir))
    )
    path = workdir / file_name
    path.write_text(text)
    return path


def chaos(
    toolkit: Toolkit,
    args: List[str],
    workdir: Path,
    env: Optional[Dict[str, str]] = None,
    log_file: Optional[Path] = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess:
    """`chaos ARGS` in `workdir`, with no user settings and no version check."""
    settings = workdir / "settings.yaml"
    settings.touch()
    command = [str(toolkit.chaos), "--no-version-check", "--settings", str(settings)]
    command += ["--log-file", str(log_file)] if log_file else ["--no-log-file"]
    return subprocess.run(
        command + args,
        cwd=workdir,
        env=chaos_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def chaos_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SUPPORT)
    env.update(extra or {})
    return env


def journal_of(workdir: Path) -> dict:
    return json.loads((workdir / "journal.json").read_text())


def run_experiment(toolkit: Toolkit, path: Path, env=None, log_file=None) -> dict:
    workdir = path.parent
    (workdir / "journal.json").unlink(missing_ok=True)
    done = chaos(
        toolkit,
        ["run", str(path), "--journal-path", str(workdir / "journal.json")],
        workdir,
        env,
        log_file,
    )
    assert (workdir / "journal.json").is_file(), (
        f"no journal from {toolkit.name}: {done.stdout}{done.stderr}"
    )
    journal = journal_of(workdir)
    journal["__output__"] = done.stdout + done.stderr
    journal["__exit__"] = done.returncode
    return journal


def verdict(journal: dict) -> dict:
    """What two runners must agree on (as cli/tests/all/compatibility.rs)."""

    def entries(items):
        return [
            [e["activity"].get("name"), e.get("status"), e.get("tolerance_met")]
            for e in (items or [])
        ]

    def state(s):
        if s is None:
            return None
        return {"met": s.get("steady_state_met"), "probes": entries(s.get("probes"))}

    return {
        "status": journal["status"],
        "deviated": journal["deviated"],
        "before": state(journal["steady_states"]["before"]),
        "after": state(journal["steady_states"]["after"]),
        "run": entries(journal["run"]),
        "rollbacks": entries(journal["rollbacks"]),
    }
