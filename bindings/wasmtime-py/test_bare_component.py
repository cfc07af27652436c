"""The bare component, unmodified, in another runtime: the `wasmtime` package
from PyPI loads target/guest/chaosprometheus.wasm (the component the host
embeds) with its own WASI and wasi:http (`Linker.add_wasip2`, `Linker.add_wasi_http`). This host has no
allow-list, no credentials of its own and no limits: see
docs/embedding.md. Run by scripts/test.sh with target/wasmtime-py-venv's
Python (scripts/setup.sh makes it)."""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python" / "tests"))

from support.servers import Prometheus  # noqa: E402

COMPONENT = ROOT / "target" / "guest" / "chaosprometheus.wasm"

try:
    import wasmtime
    import wasmtime.component as wc
except ImportError:  # the test says what to do, rather than being skipped
    wasmtime = None


def record(**fields):
    """A WIT record: wasmtime-py reads its fields as attributes named as in
    the WIT (`base-url`)."""
    value = SimpleNamespace()
    for name, field in fields.items():
        setattr(value, name.replace("_", "-"), field)
    return value


class BareComponent:
    """The component in a wasmtime-py store with WASI and wasi:http."""

    def __init__(self):
        assert wasmtime is not None, (
            "the `wasmtime` package is not installed; run `scripts/setup.sh` "
            "(it makes target/wasmtime-py-venv) and run this test with that venv's Python"
        )
        assert COMPONENT.is_file(), f"{COMPONENT} is not built (cargo build --release builds it)"
        self.engine = wasmtime.Engine()
        self.component = wc.Component.from_file(self.engine, str(COMPONENT))
        self.linker = wc.Linker(self.engine)
        self.linker.add_wasip2()
        self.linker.add_wasi_http()

    def instance(self):
        store = wasmtime.Store(self.engine)
        store.set_wasi(wasmtime.WasiConfig())
        store.set_wasi_http()
        return store, self.linker.instantiate(store, self.component)

    def call(self, name, *args):
        """Calls a probe in a fresh instance: its `ok` value, or the
        `probe-error` raised as `ProbeError`."""
        store, instance = self.instance()
        interface = instance.get_export_index(store, "chaostoolkit:prometheus/probes@0.1.0")
        func = instance.get_func(store, instance.get_export_index(store, name, interface))
        result = func(store, *args)
        # `result<T, probe-error>` comes back as T, or as the error's
        # `Variant(tag, payload)`: the two cannot be mistaken here.
        if isinstance(result, wc.Variant):
            raise ProbeError(result.tag, result.payload)
        return result


class ProbeError(Exception):
    def __init__(self, case, payload):
        super().__init__(f"{case}: {getattr(payload, 'message', payload)}")
        self.case = case
        self.payload = payload


def endpoint(url):
    return record(
        base_url=url,
        headers=[],
        connect_timeout_ms=None,
        first_byte_timeout_ms=None,
        between_bytes_timeout_ms=None,
        max_response_bytes=None,
    )


@pytest.fixture(scope="module")
def prometheus():
    server = Prometheus()
    server.wait_for_series('up{job="prometheus"}')
    yield server
    server.stop()


@pytest.fixture(scope="module")
def component():
    return BareComponent()


def test_query_returns_prometheus_answer(prometheus, component):
    text = component.call(
        "query", endpoint(prometheus.url), record(query='up{job="prometheus"}', when=None, timeout=None)
    )
    answer = json.loads(text)
    assert answer["status"] == "success"
    assert answer["data"]["result"][0]["metric"]["job"] == "prometheus"


def test_query_value_returns_the_number_and_errors_come_back_typed(prometheus, component):
    value = component.call(
        "query-value", endpoint(prometheus.url), record(query="vector(42)", when=None, timeout=None), None
    )
    assert value == 42.0
    with pytest.raises(ProbeError) as failure:
        component.call("query", endpoint(prometheus.url), record(query="up{", when=None, timeout=None))
    assert failure.value.case == "prometheus"
    assert getattr(failure.value.payload, "error-type") == "bad_data"
    assert failure.value.payload.message.startswith("Prometheus query {'query': 'up{'} failed: ")
