"""Real Prometheus and Pushgateway processes, started by the harness's
launcher (tests/src/bin/chaosprom-servers.rs, the one way every suite starts
them) on 127.0.0.1 with ephemeral ports and temp dirs, stopped at the end;
and small in-test HTTP servers for what a real server will not do on demand
(echo the request, answer garbage, never answer)."""
import http.server
import json
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, List, Optional

ROOT = Path(__file__).resolve().parents[4]
LAUNCHER = ROOT / "target" / "release" / "chaosprom-servers"
RULES = ROOT / "tests" / "fixtures" / "rules"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> Optional[tuple]:
    # The test servers' own certificates are not checked here: this only
    # asks whether they are up.
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as answer:
            return answer.status, answer.read().decode()
    except Exception:
        return None


def wait_until(limit: float, check: Callable[[], Optional[bool]]) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        answer = check()
        if answer is not None:
            return answer
        time.sleep(0.05)
    return False


class _Launched:
    """The launcher with `args`, once it printed the servers' addresses; it
    stops them when its stdin closes, so a test run that dies leaves none."""

    def __init__(self, args: List[str]):
        assert LAUNCHER.is_file(), (
            f"{LAUNCHER} is not built: `scripts/test.sh` builds it "
            "(cargo build --release -p chaosprometheus-test-support)"
        )
        self._errors = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [str(LAUNCHER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            self._errors.seek(0)
            raise AssertionError(self._errors.read().decode(errors="replace"))
        self.addresses = json.loads(line)

    def stop(self) -> None:
        self._process.stdin.close()
        self._process.wait()
        self._errors.close()


class Prometheus:
    """A real Prometheus scraping itself every second (job `prometheus`),
    and the `(job, "host:port")` targets given, evaluating every second the
    rule files given (names under tests/fixtures/rules)."""

    def __init__(self, targets: Optional[List[tuple]] = None, rule_files: Optional[List[str]] = None,
                 tls: Optional[tuple] = None, history: bool = False,
                 backfill: Optional[Path] = None):
        """`tls`: (certificate PEM, key PEM) to serve https with; `history`:
        backfilled with the judgement tests' history (tests/src/history.rs),
        whose end is `history_end`; `backfill`: an OpenMetrics file to
        backfill instead."""
        args = ["--prometheus"]
        if history:
            args.append("--history")
        if backfill:
            args.append(f"--backfill={backfill}")
        args += [f"--target={job}={target}" for job, target in targets or []]
        args += [f"--rules={RULES / name}" for name in rule_files or []]
        # The launcher reads the PEMs at start: the files can go right after.
        with tempfile.TemporaryDirectory(prefix="prometheus-tls-") as directory:
            if tls:
                for name, pem in zip(("cert", "key"), tls):
                    path = Path(directory) / f"{name}.pem"
                    path.write_bytes(pem)
                    args.append(f"--tls-{name}={path}")
            self._servers = _Launched(args)
        self.url = self._servers.addresses["prometheus"]
        self.history_end = self._servers.addresses.get("history_end")

    def wait_for_series(self, query: str) -> None:
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": query})

        def found() -> Optional[bool]:
            answer = http_get(url)
            if answer and answer[0] == 200 and '"result":[]' not in answer[1]:
                return True
            return None

        assert wait_until(60, found), f"no series for {query} within 60 s"

    def stop(self) -> None:
        self._servers.stop()


class Pushgateway:
    """A real Pushgateway with persistence off."""

    def __init__(self):
        self._servers = _Launched(["--pushgateway"])
        self.url = self._servers.addresses["pushgateway"]

    def groups(self) -> list:
        answer = http_get(self.url + "/api/v1/metrics")
        assert answer and answer[0] == 200, "the Pushgateway answers"
        return json.loads(answer[1]).get("data") or []

    def group_labels(self) -> list:
        """Each group's labels (job and grouping key), the experiment
        reference's value left out: each runner's copy of an experiment names
        its own Pushgateway, so the hashes differ."""
        found = []
        for group in self.groups():
            labels = dict(group["labels"])
            if "chaostoolkit_experiment_ref" in labels:
                labels["chaostoolkit_experiment_ref"] = "(the experiment's hash)"
            found.append(labels)
        return sorted(found, key=lambda labels: sorted(labels.items()))

    def families(self) -> set:
        """(name, type, label names) of every series pushed."""
        found = set()
        for group in self.groups():
            for name, family in group.items():
                # Besides families a group holds its labels and push bookkeeping.
                if not isinstance(family, dict) or "metrics" not in family:
                    continue
                if name.startswith("push_"):
                    continue
                for metric in family["metrics"]:
                    found.add(
                        (name, family["type"], tuple(sorted(metric["labels"].keys())))
                    )
        return found

    def stop(self) -> None:
        self._servers.stop()


class TestServer:
    """A small HTTP server on 127.0.0.1 answering every request with
    `respond(handler) -> (status, headers, body)`; it records each request's
    path and headers. `respond=None` accepts connections and never answers."""

    def __init__(self, respond=None):
        self.requests: List[dict] = []
        self.connections = 0
        self._respond = respond
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._held: List[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            if self._respond is None:
                self._held.append(conn)  # silent: keep it open, say nothing
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            raw_head, _, content = data.partition(b"\r\n\r\n")
            head = raw_head.decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            # The whole body is read before answering: closing with some of
            # it unread makes the kernel reset the connection, and a client
            # whose body came in a later packet than its head would then
            # see a lost connection instead of the answer.
            while len(content) < int(headers.get("content-length", "0")):
                chunk = conn.recv(65536)
                if not chunk:
                    return
                content += chunk
            request = {"method": method, "path": path, "headers": headers}
            self.requests.append(request)
            status, extra, body = self._respond(request)
            if isinstance(body, str):
                body = body.encode()
            lines = [f"HTTP/1.1 {status} X"]
            lines += [f"{k}: {v}" for k, v in extra.items()]
            lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
            conn.sendall("\r\n".join(lines).encode() + body)

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for conn in self._held:
            conn.close()
        self._thread.join(timeout=2)


EMPTY_VECTOR = json.dumps(
    {"status": "success", "data": {"resultType": "vector", "result": []}}
)


def prometheus_like(request: dict):
    """A valid, empty instant-query answer."""
    return 200, {"Content-Type": "application/json"}, EMPTY_VECTOR
