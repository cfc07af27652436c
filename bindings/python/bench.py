"""Measures our chaosprometheus against upstream's chaostoolkit-prometheus
0.6.0, against a real Prometheus on loopback, and prints a table.

Run by hand, after scripts/setup.sh and scripts/python-package.sh:

    target/python-venv/bin/python bindings/python/bench.py [--calls N]

`--url URL` measures that Prometheus instead of starting one, `--query
PROMQL` changes the query, and `--json` prints only the in-process figures,
ours and upstream's, as one JSON line (what scripts/bench.sh puts in its
table; it runs `chaos run` itself, on the compatibility suite's experiment).

Ours runs from target/python-venv, upstream's from target/chaostoolkit-venv
(both Python 3.11, chaostoolkit 1.19). Figures: the median of N in-process
`query` and `query_interval` calls (after one warm-up), `import
chaosprometheus.probes` in a fresh process, the first `query` in a fresh
process (ours loads the compiled component from its cache), a whole `chaos
run` of a Prometheus-only experiment (median of 5), and peak memory.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE / "tests"))

from support.servers import Prometheus  # noqa: E402

VENVS = {
    "ours": ROOT / "target" / "python-venv",
    "upstream": ROOT / "target" / "chaostoolkit-venv",
}

IN_PROCESS = r"""
import json, resource, statistics, sys, time
calls = int(sys.argv[2])
promql = sys.argv[3]
t0 = time.perf_counter()
import chaosprometheus.probes as probes
imported = time.perf_counter() - t0
config = {"prometheus_base_url": sys.argv[1]}
t0 = time.perf_counter()
probes.query(promql, configuration=config)
first = time.perf_counter() - t0
t0 = time.perf_counter()
probes.query_interval(promql, start="5 minutes ago", end="now", step=15, configuration=config)
first_range = time.perf_counter() - t0

def median(call):
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)

query = median(lambda: probes.query(promql, configuration=config))
query_range = median(lambda: probes.query_interval(
    promql, start="5 minutes ago", end="now", step=15, configuration=config))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"import": imported, "first": first, "first_range": first_range,
                  "query": query, "query_interval": query_range, "peak_mib": peak}))
"""

EXPERIMENT = {
    "title": "Prometheus-only",
    "description": "two probes of ours, no control",
    "configuration": {"prometheus_base_url": None},
    "steady-state-hypothesis": {
        "title": "up",
        "probes": [
            {
                "type": "probe",
                "name": "up",
                "tolerance": {"type": "jsonpath", "path": "$.data.result[*].value[1]", "expect": "1"},
                "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query",
                             "arguments": {"query": 'up{job="prometheus"}'}},
            }
        ],
    },
    "method": [
        {
            "type": "probe",
            "name": "range",
            "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query_interval",
                         "arguments": {"query": "up", "start": "1 minute ago", "end": "now", "step": 5}},
        }
    ],
}


def in_process(venv: Path, url: str, calls: int, promql: str) -> dict:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", IN_PROCESS, url, str(calls), promql],
                         check=True, capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def chaos_run(venv: Path, url: str, runs: int = 5) -> tuple:
    with tempfile.TemporaryDirectory() as workdir:
        experiment = dict(EXPERIMENT, configuration={"prometheus_base_url": url})
        path = Path(workdir) / "experiment.json"
        path.write_text(json.dumps(experiment))
        settings = Path(workdir) / "settings.yaml"
        settings.touch()
        times, peak = [], 0.0
        for _ in range(runs):
            t0 = time.perf_counter()
            done = subprocess.run(
                ["/usr/bin/time", "-f", "%M", str(venv / "bin" / "chaos"), "--no-version-check",
                 "--no-log-file", "--settings", str(settings), "run", str(path),
                 "--journal-path", str(Path(workdir) / "journal.json")],
                cwd=workdir, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            journal = json.loads((Path(workdir) / "journal.json").read_text())
            assert journal["status"] == "completed" and not journal["deviated"], done.stderr
            peak = max(peak, int(done.stderr.strip().splitlines()[-1]) / 1024)
        return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--url", help="a running Prometheus to measure (default: start one)")
    parser.add_argument("--query", default='up{job="prometheus"}',
                        help="the PromQL each call sends")
    parser.add_argument("--json", action="store_true",
                        help="print only the in-process figures, as one JSON line")
    args = parser.parse_args()
    for name, venv in VENVS.items():
        if not (venv / "bin" / "chaos").is_file():
            sys.exit(f"{venv} is missing: run scripts/setup.sh (and scripts/python-package.sh)")
    os.environ.setdefault("CHAOSPROM_CACHE_DIR", str(ROOT / "target" / "release" / "component-cache"))
    prometheus = None if args.url else Prometheus()
    try:
        if prometheus:
            prometheus.wait_for_series('up{job="prometheus"}')
        url = args.url or prometheus.url
        # Once, so the compiled component is in the cache for the fresh processes.
        in_process(VENVS["ours"], url, 1, args.query)
        results = {name: in_process(venv, url, args.calls, args.query)
                   for name, venv in VENVS.items()}
        if args.json:
            print(json.dumps(dict(results, calls=args.calls, query=args.query)))
            return
        runs = {name: chaos_run(venv, url) for name, venv in VENVS.items()}
    finally:
        if prometheus:
            prometheus.stop()

    rows = [
        ("query, in process (median)", "query", 1000, "ms"),
        ("query_interval, relative dates (median)", "query_interval", 1000, "ms"),
        ("import chaosprometheus.probes, fresh process", "import", 1000, "ms"),
        ("first query in a fresh process", "first", 1000, "ms"),
        ("first query_interval in a fresh process", "first_range", 1000, "ms"),
        ("peak memory of the probing process", "peak_mib", 1, "MiB"),
    ]
    print(f"{'':46} {'ours':>12} {'upstream':>12}")
    for label, key, scale, unit in rows:
        ours, theirs = results["ours"][key] * scale, results["upstream"][key] * scale
        print(f"{label:46} {ours:9.2f} {unit:>3}{theirs:9.2f} {unit:>3}")
    print(f"{'chaos run, Prometheus-only experiment (median)':46} "
          f"{runs['ours'][0] * 1000:9.0f}  ms{runs['upstream'][0] * 1000:9.0f}  ms")
    print(f"{'peak memory of chaos run':46} {runs['ours'][1]:9.1f} MiB{runs['upstream'][1]:9.1f} MiB")
    print(f"\n{args.calls} calls each against Prometheus on {url}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
