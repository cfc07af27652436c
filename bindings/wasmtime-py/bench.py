"""`target/wasmtime-py-venv/bin/python bindings/wasmtime-py/bench.py`: what one
`query` of the bare component costs under the `wasmtime` package, against a
real Prometheus on 127.0.0.1, with a fresh store and instance per call (as
our host runs it) and with one instance reused. Prints figures, asserts
nothing; compare with `node bindings/node/bench.mjs`."""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_bare_component import BareComponent, Prometheus, endpoint, record  # noqa: E402

CALLS = 300


def row(what, times):
    times = sorted(times)
    p95 = times[round((len(times) - 1) * 0.95)]
    print(f"{what:<62} {statistics.median(times) * 1000:>7.2f} ms {p95 * 1000:>7.2f} ms")


prometheus = Prometheus()
try:
    prometheus.wait_for_series('up{job="prometheus"}')
    started = time.perf_counter()
    component = BareComponent()
    print(f"wasmtime-py (loopback Prometheus, query vector(1))\n")
    print(f"{'what':<62} {'median':>10} {'p95':>10}")
    row("wasmtime-py: compile the component (Cranelift, no cache)", [time.perf_counter() - started])
    args = (endpoint(prometheus.url), record(query="vector(1)", when=None, timeout=None))
    for _ in range(20):
        component.call("query", *args)
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        component.call("query", *args)
        times.append(time.perf_counter() - started)
    row(f"wasmtime-py: query, fresh instance per call ({CALLS} calls)", times)
finally:
    prometheus.stop()
