"""Real Prometheus and Pushgateway processes from the Debian packages, each on
127.0.0.1 with an ephemeral port and its own temp dir, stopped at the end;
and small in-test HTTP servers for what a real server will not do on demand
(echo the request, answer garbage, never answer)."""
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from typing import Callable, List, Optional

SETUP = "scripts/setup.sh"


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AssertionError(
            f"`{name}` is not installed, so this test cannot start a real server. "
            f"Run `{SETUP}` (it installs the Debian package `{package}`), "
            "then run the tests again."
        )
    return path


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


class _Process:
    def __init__(self, command: List[str], ready_path: str, port: int, directory: str,
                 scheme: str = "http"):
        self.port = port
        self.url = f"{scheme}://127.0.0.1:{port}"
        self.dir = directory
        self.log_path = os.path.join(directory, "server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )

        def ready() -> Optional[bool]:
            if self.process.poll() is not None:
                return False
            answer = http_get(self.url + ready_path, timeout=2)
            return True if answer and answer[0] == 200 else None

        self.ready = wait_until(30, ready)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as log:
            return log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _start(make: Callable[[], _Process], what: str) -> _Process:
    # A port picked free can be taken before the server binds it: retry.
    last_log = ""
    for _ in range(3):
        server = make()
        if server.ready:
            return server
        last_log = server.log()
        server.stop()
    raise AssertionError(f"{what} did not become ready; its log:\n{last_log}")


class Prometheus:
    """A real Prometheus scraping itself every second (job `prometheus`),
    and the `(job, "host:port")` targets given, evaluating every second the
    rule files given (each the whole YAML text)."""

    def __init__(self, targets: Optional[List[tuple]] = None, rule_files: Optional[List[str]] = None,
                 tls: Optional[tuple] = None):
        """`tls`: (certificate PEM, key PEM) to serve https with."""
        binary = require_binary("prometheus", "prometheus")
        self._tmp = tempfile.TemporaryDirectory(prefix="prometheus-")

        def make() -> _Process:
            port = free_port()
            directory = tempfile.mkdtemp(dir=self._tmp.name)
            config = os.path.join(directory, "prometheus.yml")
            names = []
            for i, rules in enumerate(rule_files or []):
                names.append(os.path.join(directory, f"rules-{i}.yml"))
                with open(names[-1], "w") as f:
                    f.write(rules)
            with open(config, "w") as f:
                if names:
                    f.write(f"rule_files: {json.dumps(names)}\n")
                f.write(
                    "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: prometheus\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
                )
                for job, target in targets or []:
                    f.write(
                        f"  - job_name: {job}\n"
                        f"    static_configs: [{{targets: ['{target}']}}]\n"
                    )
            command = [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={os.path.join(directory, 'data')}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]
            if tls:
                paths = [os.path.join(directory, name) for name in ("cert.pem", "key.pem")]
                for path, pem in zip(paths, tls):
                    with open(path, "wb") as f:
                        f.write(pem)
                web = os.path.join(directory, "web.yml")
                with open(web, "w") as f:
                    f.write(f"tls_server_config:\n  cert_file: {paths[0]}\n  key_file: {paths[1]}\n")
                command.append(f"--web.config.file={web}")
            return _Process(command, "/-/ready", port, directory, "https" if tls else "http")

        self._server = _start(make, "Prometheus")
        self.url = self._server.url

    def wait_for_series(self, query: str) -> None:
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": query})

        def found() -> Optional[bool]:
            answer = http_get(url)
            if answer and answer[0] == 200 and '"result":[]' not in answer[1]:
                return True
            return None

        assert wait_until(60, found), f"no series for {query} within 60 s"

    def stop(self) -> None:
        self._server.stop()
        self._tmp.cleanup()


class Pushgateway:
    """A real Pushgateway with persistence off."""

    def __init__(self):
        binary = require_binary("prometheus-pushgateway", "prometheus-pushgateway")
        self._tmp = tempfile.TemporaryDirectory(prefix="pushgateway-")

        def make() -> _Process:
            port = free_port()
            return _Process(
                [
                    binary,
                    f"--web.listen-address=127.0.0.1:{port}",
                    # Debian's build persists to /var/lib by default, which
                    # would carry groups from one gateway to the next.
                    "--persistence.file=",
                    "--log.level=warn",
                ],
                "/-/ready",
                port,
                tempfile.mkdtemp(dir=self._tmp.name),
            )

        self._server = _start(make, "the Pushgateway")
        self.url = self._server.url

    def groups(self) -> list:
        answer = http_get(self.url + "/api/v1/metrics")
        assert answer and answer[0] == 200, "the Pushgateway answers"
        return json.loads(answer[1]).get("data") or []

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
        self._server.stop()
        self._tmp.cleanup()


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
